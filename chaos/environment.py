"""A drill's running world: its services, proxied links and workload processes, torn down on exit.

The environment is what probes and steps act on: it resolves ``{placeholders}`` in argv, URLs and
queries, answers where Redis and Postgres are (through a link or direct), applies link faults
and process faults through :mod:`chaos.faults` (the one Toxiproxy wrapper)::

    with Environment(drill, backend, run_dir=tmp, drill_dir=Path("runbooks/drills")) as env:
        env.link_down("pg")

Placeholders: ``{python}``, ``{repo}``, ``{run_dir}``, ``{redis.url|host|port}``,
``{postgres.dsn|host|port}``, ``{prometheus.url}``, ``{toxiproxy.url}``,
``{link.<name>.host|port|url|dsn}``, ``{free_port.<name>}`` (a free loopback port, the same one
for the same name throughout the drill, e.g. for a workload's metrics endpoint).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING

from chaos.backends import (
    Backend,
    PostgresEndpoint,
    PrometheusEndpoint,
    RedisEndpoint,
    Service,
    ServiceKind,
    ToxiproxyEndpoint,
)
from chaos.drill import AddToxic, Drill
from chaos.processes import ManagedProcess, free_port, service_user
from corp.errors import ChaosError

if TYPE_CHECKING:
    from chaos.faults import ToxiproxyClient

__all__ = ["REPO_ROOT", "Environment", "LinkInfo", "faults_module"]

REPO_ROOT = Path(__file__).resolve().parent.parent
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z0-9_-]+)*)\}")


def faults_module() -> ModuleType:
    """:mod:`chaos.faults`, imported when a drill first needs it (links or process faults)."""
    import chaos.faults

    return chaos.faults


class LinkInfo:
    """A proxied link: its proxy name, where it listens and the service behind it."""

    def __init__(self, name: str, service: ServiceKind, host: str, port: int) -> None:
        self.name = name
        self.service = service
        self.host = host
        self.port = port


class Environment:
    """Services + Toxiproxy + links + workload processes for one drill; a context manager."""

    def __init__(self, drill: Drill, backend: Backend, *, run_dir: Path, drill_dir: Path) -> None:
        self.drill = drill
        self.backend = backend
        self.run_dir = run_dir
        self.drill_dir = drill_dir
        self.services: dict[ServiceKind, Service] = {}
        self.links: dict[str, LinkInfo] = {}
        self.processes: dict[str, ManagedProcess] = {}
        self.toxiproxy: Service | None = None
        self._proxies: ToxiproxyClient | None = None
        self._stack = contextlib.ExitStack()
        self._free_ports: dict[str, int] = {}

    # ------------------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Environment:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def _start(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        topo = self.drill.topology
        wanted = [ServiceKind(s) for s in topo.services]
        for kind in (ServiceKind.REDIS, ServiceKind.POSTGRES):
            if kind in wanted:
                starter = self.backend.redis if kind is ServiceKind.REDIS else self.backend.postgres
                self.services[kind] = self._stack.enter_context(starter())
        if topo.links:
            self.toxiproxy = self._stack.enter_context(self.backend.toxiproxy(seed=self.drill.seed))
            self._create_links()
        if ServiceKind.PROMETHEUS in wanted:
            setup = topo.prometheus
            scrape = [self.render(t) for t in setup.scrape] if setup else []
            rules = [(self.drill_dir / r).resolve() for r in setup.rule_files] if setup else []
            for rule in rules:
                if not rule.is_file():
                    raise ChaosError(f"topology.prometheus.rule_files: no file {rule} <rule_file>")
            self.services[ServiceKind.PROMETHEUS] = self._stack.enter_context(
                self.backend.prometheus(scrape_targets=scrape, rule_files=rules)
            )
        self._stack.callback(self._stop_processes)
        for proc in topo.processes:
            if proc.autostart:
                self.start_process(proc.name)

    def _create_links(self) -> None:
        assert self.toxiproxy is not None
        endpoint = self.toxiproxy.endpoint
        assert isinstance(endpoint, ToxiproxyEndpoint)
        self._proxies = faults_module().ToxiproxyClient(endpoint.host, endpoint.port)
        for index, link in enumerate(self.drill.topology.links):
            service = self.services[ServiceKind(link.service)]
            listen = self.backend.proxy_listen_address(index)
            handle = self._proxies.create_proxy(link.name, service.upstream, listen)
            port = self.toxiproxy.port_map.get(handle.listen_port, handle.listen_port)
            self.links[link.name] = LinkInfo(
                link.name, ServiceKind(link.service), endpoint.listen_host, port
            )

    def start_process(self, name: str) -> None:
        """Start a declared workload process (argv rendered, repo on PYTHONPATH, cwd = run dir)."""
        spec = next(p for p in self.drill.topology.processes if p.name == name)
        env = dict(os.environ)
        env.update({k: self.render(v) for k, v in spec.env.items()})
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
        argv = [self.render(a) for a in spec.argv]
        proc = ManagedProcess(
            name, argv, log_path=self.run_dir / f"{name}.log", cwd=self.run_dir, env=env
        )
        proc.start()
        self.processes[name] = proc

    def _stop_processes(self) -> None:
        for proc in self.processes.values():
            proc.stop(grace_secs=3.0)

    # -------------------------------------------------------------------------- addressing

    def _values(self) -> dict[str, str]:
        values = {"python": sys.executable, "repo": str(REPO_ROOT), "run_dir": str(self.run_dir)}
        values |= {key: str(port) for key, port in self._free_ports.items()}
        for kind, service in self.services.items():
            ep = service.endpoint
            if isinstance(ep, RedisEndpoint):
                values |= {"redis.url": ep.url, "redis.host": ep.host, "redis.port": str(ep.port)}
            elif isinstance(ep, PostgresEndpoint):
                values |= {
                    "postgres.dsn": ep.dsn,
                    "postgres.host": ep.host,
                    "postgres.port": str(ep.port),
                }
            elif isinstance(ep, PrometheusEndpoint):
                values[f"{kind}.url"] = ep.url
        if self.toxiproxy is not None:
            assert isinstance(self.toxiproxy.endpoint, ToxiproxyEndpoint)
            values["toxiproxy.url"] = self.toxiproxy.endpoint.api_url
        for name, link in self.links.items():
            prefix = f"link.{name}"
            values |= {f"{prefix}.host": link.host, f"{prefix}.port": str(link.port)}
            if link.service is ServiceKind.REDIS:
                values[f"{prefix}.url"] = f"redis://{link.host}:{link.port}/0"
            else:
                values[f"{prefix}.dsn"] = self.postgres_dsn(link=name, service=None)
                values[f"{prefix}.url"] = values[f"{prefix}.dsn"]
        return values

    def render(self, template: str) -> str:
        """Replace ``{placeholders}``; an unknown one is a ChaosError naming it."""
        values = self._values()

        def sub(match: re.Match[str]) -> str:
            key = match.group(1)
            if key.startswith("free_port.") and key not in values:
                self._free_ports[key] = free_port()
                values[key] = str(self._free_ports[key])
            if key not in values:
                raise ChaosError(
                    f"unknown placeholder {{{key}}} in {template!r}; known: "
                    f"{', '.join(sorted(values))} <placeholder={key}>"
                )
            return values[key]

        return _PLACEHOLDER.sub(sub, template)

    def _endpoint(self, kind: ServiceKind) -> object:
        if kind not in self.services:
            raise ChaosError(f"service {kind} is not running in this drill <service={kind}>")
        return self.services[kind].endpoint

    def redis_address(self, *, link: str | None, service: str | None) -> tuple[str, int]:
        """Host and port of Redis, through ``link`` or direct."""
        if link is not None:
            info = self.links[link]
            return info.host, info.port
        del service
        ep = self._endpoint(ServiceKind.REDIS)
        assert isinstance(ep, RedisEndpoint)
        return ep.host, ep.port

    def postgres_dsn(self, *, link: str | None, service: str | None) -> str:
        """libpq DSN of Postgres, through ``link`` or direct."""
        del service
        ep = self._endpoint(ServiceKind.POSTGRES)
        assert isinstance(ep, PostgresEndpoint)
        if link is None:
            return ep.dsn
        info = self.links[link]
        return PostgresEndpoint(info.host, info.port, ep.user, ep.dbname, ep.password).dsn

    def prometheus_url(self) -> str:
        """Base URL of the drill's Prometheus."""
        ep = self._endpoint(ServiceKind.PROMETHEUS)
        assert isinstance(ep, PrometheusEndpoint)
        return ep.url

    def process_state(self, name: str) -> tuple[bool, int | None]:
        """(running, exit code) of a workload process (not started yet = not running, None)."""
        proc = self.processes.get(name)
        if proc is None:
            return False, None
        return proc.running(), proc.exit_code()

    # ------------------------------------------------------------------------------- faults

    def _client(self) -> ToxiproxyClient:
        if self._proxies is None:
            raise ChaosError("this drill has no links, so no Toxiproxy <links=0>")
        return self._proxies

    def link_down(self, link: str) -> None:
        """Disable the link's proxy (refuse new connects, close live ones)."""
        self._client().proxy(link).disable()

    def link_up(self, link: str) -> None:
        """Enable the link's proxy again."""
        self._client().proxy(link).enable()

    def add_toxic(self, step: AddToxic) -> None:
        """Add the step's toxic to its link."""
        self._client().proxy(step.link).add_toxic(
            step.toxic,
            stream=step.stream,
            name=step.name,
            toxicity=step.toxicity,
            attributes=dict(step.attributes),
        )

    def remove_toxic(self, link: str, name: str) -> None:
        """Remove a toxic from a link (already gone, e.g. after a reset, is fine)."""
        self._client().proxy(link).remove_toxic(name, missing_ok=True)

    def reset_links(self) -> None:
        """Every proxy enabled, every toxic removed."""
        self._client().reset()

    def process_fault(self, target: str, fault: str) -> None:
        """Apply ``fault`` (kill, pause, resume, stop, start) to a service or a workload."""
        if target in self.processes:
            proc = self.processes[target]
            match fault:
                case "stop":
                    proc.stop()
                case "start":
                    if not proc.running():
                        proc.start()
                case _:
                    self._signal_fault(target, fault, proc.pid)
            return
        service = self.services.get(ServiceKind(target))
        if service is None:
            raise ChaosError(f"process_fault: no service or process {target!r} <target={target}>")
        match fault:
            case "stop":
                self._abrupt_stop(service)
            case "start":
                service.start()
            case _ if service.pid is None:
                service.signal_fault(fault)  # containers: the engine kills, pauses, resumes
            case _:
                self._signal_fault(target, fault, service.pid)

    def _signal_fault(self, target: str, fault: str, pid: int | None) -> None:
        """kill / pause / resume every process of the target's group (postmaster + backends)."""
        if pid is None:
            raise ChaosError(
                f"process_fault {fault}: {target} has no local process on backend "
                f"{self.backend.name} <target={target}>"
            )
        faults = faults_module()
        action = {
            "kill": faults.kill_process,
            "pause": faults.pause_process,
            "resume": faults.resume_process,
        }[fault]
        for member in _group_members(pid):
            with contextlib.suppress(ChaosError):  # a backend may exit between listing and signal
                action(member)
        if fault == "kill" and faults.process_state(pid) not in (None, "Z", "X"):
            raise ChaosError(f"kill {target}: pid {pid} still alive <pid={pid}>")

    def _abrupt_stop(self, service: Service) -> None:
        """Postgres ``pg_ctl stop -m immediate``, Redis SHUTDOWN NOSAVE, else the backend stop."""
        ep = service.endpoint
        faults = faults_module()
        if service.kind is ServiceKind.POSTGRES and service.data_dir is not None:
            faults.stop_postgres_immediate(service.data_dir, user=service_user())
        elif service.kind is ServiceKind.REDIS and isinstance(ep, RedisEndpoint):
            faults.shutdown_redis_nosave(ep.host, ep.port)
        service.stop()  # reaps the exited process (or stops a container)


def _group_members(pgid: int) -> list[int]:
    """Pids whose process group is ``pgid`` (the leader first)."""
    members = [pgid]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == pgid:
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp
            members.append(int(entry.name))
    return members
