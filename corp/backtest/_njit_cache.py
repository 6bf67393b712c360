"""Drop stale numba caches when any kernel source changed.

numba's ``cache=True`` keys a function's cache on its own file only: when ``corp.core.quote``
changes, ``run_chunk_nb`` (in another file) keeps running the old inlined quote from its cache.
We saw exactly that. So the driver stamps the sha256 of every file the loop compiles from and,
when it differs, deletes the core's and the driver's cache files before anything is compiled.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_CORP = Path(__file__).resolve().parents[1]
_SOURCES = (
    *sorted((_CORP / "core").glob("*.py")),
    _CORP / "backtest" / "loop.py",
    _CORP / "backtest" / "types.py",
    _CORP / "market" / "types.py",
)
_CACHE_DIRS = (_CORP / "core" / "__pycache__", _CORP / "backtest" / "__pycache__")
_STAMP = _CORP / "backtest" / "__pycache__" / "njit-sources.sha256"


def sources_digest() -> str:
    """sha256 over the kernel sources, in a fixed order."""
    h = hashlib.sha256()
    for path in _SOURCES:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def invalidate_stale_caches() -> bool:
    """Delete the numba cache files if the kernel sources changed; return True if it did."""
    digest = sources_digest()
    try:
        if _STAMP.exists() and _STAMP.read_text().strip() == digest:
            return False
        for folder in _CACHE_DIRS:
            if folder.is_dir():
                for item in (*folder.glob("*.nbi"), *folder.glob("*.nbc")):
                    item.unlink(missing_ok=True)
        _STAMP.parent.mkdir(parents=True, exist_ok=True)
        _STAMP.write_text(digest)
    except OSError:
        return False  # read-only install: numba then compiles in memory or uses its own cache
    return True
