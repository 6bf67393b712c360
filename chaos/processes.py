"""Child processes and temp dirs the harness owns, and the guarantee that none outlives it.

Every service the ``local`` backend starts is a :class:`ManagedProcess` in its own session (so its
whole process group, e.g. the postmaster and its backends, is signalled together) and registered
here; every temp dir is registered too. Teardown runs from context managers first, and from an
``atexit`` hook and SIGTERM/SIGHUP handlers as the last resort, so an interrupted drill leaves no
process or directory behind::

    proc = ManagedProcess("redis", ["redis-server", "--port", "0"], log_path=tmp / "redis.log")
    proc.start()
    ...
    proc.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from corp.errors import ChaosError

__all__ = [
    "ManagedProcess",
    "cleanup_all",
    "free_port",
    "install_signal_safety",
    "live_pids",
    "make_temp_dir",
    "remove_temp_dir",
    "service_user",
    "wait_until",
]

_LOCK = threading.RLock()
_LIVE: dict[int, ManagedProcess] = {}
_TEMP_DIRS: set[Path] = set()
_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A TCP port on 127.0.0.1 free right now (bound to 0 and released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_user() -> str | None:
    """The unprivileged user to run services as when we are root (postgres refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise ChaosError("running as root but neither user 'postgres' nor 'nobody' exists <user=none>")


def make_temp_dir(prefix: str) -> Path:
    """A registered temp dir, owned by :func:`service_user` when we are root."""
    path = Path(tempfile.mkdtemp(prefix=f"corp-chaos-{prefix}-"))
    user = service_user()
    if user is not None:
        shutil.chown(path, user=user)
    with _LOCK:
        _TEMP_DIRS.add(path)
    return path


def remove_temp_dir(path: Path) -> None:
    """Delete a registered temp dir (and forget it)."""
    shutil.rmtree(path, ignore_errors=True)
    with _LOCK:
        _TEMP_DIRS.discard(path)


def wait_until(
    check: Callable[[], bool], *, timeout_secs: float, what: str, interval_secs: float = 0.05
) -> float:
    """Poll ``check`` until true; return the seconds taken, or raise ChaosError naming ``what``."""
    start = time.monotonic()
    last_error = ""
    while True:
        try:
            if check():
                return time.monotonic() - start
        except Exception as exc:  # readiness checks fail by raising until the service is up
            # keep only the text: the exception's traceback would keep its socket alive
            last_error = repr(exc)
        if time.monotonic() - start > timeout_secs:
            detail = f": last error {last_error}" if last_error else ""
            raise ChaosError(
                f"{what} not ready within {timeout_secs:g} s{detail} "
                f"<timeout_secs={timeout_secs:g}>"
            )
        time.sleep(interval_secs)


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGKILL us if the harness dies without cleaning up."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class ManagedProcess:
    """One service process in its own session, stopped (group-wide) by :meth:`stop` or at exit."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        log_path: Path,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        run_as: str | None = None,
    ) -> None:
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.cwd = cwd
        self.env = env
        self.run_as = run_as
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The pid while started, else None."""
        return None if self._popen is None else self._popen.pid

    def start(self) -> None:
        """Start the process (in a new session), its output appended to ``log_path``."""
        if self.running():
            raise ChaosError(f"{self.name} already running <pid={self.pid}>")
        if self._popen is not None:  # it died (kill -9): clear its leftovers before a restart
            self.stop(grace_secs=1.0)
        with open(self.log_path, "ab") as log:
            try:
                self._popen = subprocess.Popen(
                    self.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.cwd,
                    env=self.env,
                    start_new_session=True,
                    user=self.run_as,
                    preexec_fn=_die_with_parent,
                )
            except OSError as exc:
                raise ChaosError(f"cannot start {self.name}: {exc} <argv0={self.argv[0]}>") from exc
        with _LOCK:
            _LIVE[self._popen.pid] = self

    def running(self) -> bool:
        """True while the process exists and has not exited."""
        return self._popen is not None and self._popen.poll() is None

    def exit_code(self) -> int | None:
        """The exit code once it has exited (None while running or never started)."""
        return None if self._popen is None else self._popen.poll()

    def log_tail(self, n_chars: int = 2000) -> str:
        """The end of the log, for error messages."""
        try:
            return self.log_path.read_text(errors="replace")[-n_chars:]
        except OSError:
            return ""

    def signal_group(self, sig: int) -> None:
        """Send ``sig`` to the whole process group (the service and its children)."""
        if self._popen is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, sig)

    def stop(self, *, grace_secs: float = 5.0, sig: int = signal.SIGTERM) -> None:
        """Signal the group, wait up to ``grace_secs``, then SIGKILL it; reap; forget the pid."""
        popen = self._popen
        if popen is None:
            return
        if popen.poll() is None:
            self.signal_group(signal.SIGCONT)  # a SIGSTOPped service cannot act on SIGTERM
            self.signal_group(sig)
            try:
                popen.wait(timeout=grace_secs)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                popen.wait(timeout=10)
        # children of the group (postgres backends) may linger after their parent exited
        self.signal_group(signal.SIGKILL)
        with _LOCK:
            _LIVE.pop(popen.pid, None)
        self._popen = None


def live_pids() -> list[int]:
    """Pids of every managed process still registered (for leak checks)."""
    with _LOCK:
        return sorted(_LIVE)


def cleanup_all() -> None:
    """Kill every registered process group and remove every registered temp dir."""
    with _LOCK:
        procs = list(_LIVE.values())
        dirs = list(_TEMP_DIRS)
    for proc in procs:
        proc.stop(grace_secs=2.0)
    for path in dirs:
        remove_temp_dir(path)


atexit.register(cleanup_all)


def _on_terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds the context managers, then atexit runs


def install_signal_safety() -> None:
    """Turn SIGTERM/SIGHUP into SystemExit (main thread, default handlers only) so teardown runs."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, _on_terminate)
