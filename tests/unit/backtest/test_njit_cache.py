"""Stale numba caches are dropped when a kernel source changes (numba only tracks its own file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corp.backtest import _njit_cache as cache


def test_changed_source_deletes_cache_files_and_unchanged_source_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "kernel.py"
    src.write_text("x = 1\n")
    pycache = tmp_path / "__pycache__"
    pycache.mkdir()
    monkeypatch.setattr(cache, "_SOURCES", (src,))
    monkeypatch.setattr(cache, "_CACHE_DIRS", (pycache,))
    monkeypatch.setattr(cache, "_STAMP", pycache / "stamp")
    assert cache.invalidate_stale_caches()
    (pycache / "kernel.f-1.py311.nbi").write_text("index")
    assert not cache.invalidate_stale_caches()
    assert (pycache / "kernel.f-1.py311.nbi").exists()
    src.write_text("x = 2\n")
    assert cache.invalidate_stale_caches()
    assert not (pycache / "kernel.f-1.py311.nbi").exists()
