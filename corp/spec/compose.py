"""Compose the config tree with Hydra's compose API (tests, tasks and the sweep preflight).

``CONF_DIR`` is the repository's ``conf/``. ``to_container`` drops Hydra's own node and resolves
interpolations, giving the plain dict that ``build_spec`` validates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf, open_dict

from corp.errors import SpecError

__all__ = ["CONF_DIR", "GROUPS", "REPO_ROOT", "compose_config", "group_options", "to_container"]

REPO_ROOT = Path(__file__).resolve().parents[2]
CONF_DIR = REPO_ROOT / "conf"
GROUPS: tuple[str, ...] = (
    "strategy",
    "risk",
    "hedge",
    "regime",
    "runtime",
    "mode",
    "market",
    "task",
    "profile",
)
"""Hydra config groups (``approvals/`` and ``changes/`` are records, not groups)."""


def compose_config(
    overrides: Sequence[str] = (), *, conf_dir: Path = CONF_DIR, with_hydra: bool = False
) -> DictConfig:
    """Compose ``config.yaml`` with ``overrides`` exactly as the command line would
    (``with_hydra`` keeps Hydra's node, e.g. for ``hydra.runtime.choices``).

    Inside a running ``@hydra.main`` app Hydra is already initialised on ``CONF_DIR``; the compose
    API is then used as is (initialising a second time is an error in Hydra)."""
    if GlobalHydra.instance().is_initialized():
        if conf_dir.resolve() != CONF_DIR:
            raise SpecError(
                f"conf_dir: cannot compose {conf_dir} inside a running Hydra app on {CONF_DIR}"
            )
        return compose("config", overrides=list(overrides), return_hydra_config=with_hydra)
    with initialize_config_dir(config_dir=str(conf_dir), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=with_hydra)


def to_container(cfg: DictConfig) -> dict[str, Any]:
    """Resolved plain dict of a composed config, without Hydra's ``hydra`` node."""
    cfg = cfg.copy()
    if "hydra" in cfg:
        with open_dict(cfg):
            del cfg["hydra"]
    container = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(container, dict)
    return {str(k): v for k, v in container.items()}


def group_options(group: str, *, conf_dir: Path = CONF_DIR) -> list[str]:
    """Option names of one config group, sorted."""
    return sorted(p.stem for p in (conf_dir / group).glob("*.yaml"))
