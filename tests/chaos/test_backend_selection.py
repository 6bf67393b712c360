"""Which backend runs a drill: argument, then $CORP_CHAOS_BACKEND, then a Docker ping."""

from __future__ import annotations

import pytest

from chaos.backends import (
    BackendName,
    ContainersBackend,
    LocalBackend,
    ServiceUnavailable,
    docker_available,
    resolve_backend_name,
    select_backend,
)
from corp.errors import ChaosError


def _answers() -> bool:
    return True


def _no_engine() -> bool:
    raise ConnectionError("no docker socket")


def test_auto_picks_containers_when_the_docker_engine_answers_ping() -> None:
    assert resolve_backend_name(environ={}, docker_ping=_answers) is BackendName.CONTAINERS


def test_auto_falls_back_to_local_when_the_docker_ping_fails() -> None:
    assert resolve_backend_name(environ={}, docker_ping=_no_engine) is BackendName.LOCAL


def test_environment_variable_overrides_auto_detection() -> None:
    environ = {"CORP_CHAOS_BACKEND": "local"}
    assert resolve_backend_name(environ=environ, docker_ping=_answers) is BackendName.LOCAL


def test_explicit_argument_beats_the_environment_variable() -> None:
    environ = {"CORP_CHAOS_BACKEND": "containers"}
    name = resolve_backend_name("local", environ=environ, docker_ping=_answers)
    assert name is BackendName.LOCAL


def test_unknown_backend_name_is_rejected_naming_source_and_value() -> None:
    with pytest.raises(ChaosError, match=r"CORP_CHAOS_BACKEND: expected one of .*'kubernetes'"):
        resolve_backend_name(environ={"CORP_CHAOS_BACKEND": "kubernetes"}, docker_ping=_answers)


def test_containers_requested_without_an_engine_is_unavailable_with_a_reason() -> None:
    with pytest.raises(ServiceUnavailable, match="no Docker engine answers"):
        resolve_backend_name("containers", environ={}, docker_ping=_no_engine)


def test_a_ping_answering_false_counts_as_no_engine() -> None:
    assert docker_available(lambda: False) is False


def test_select_backend_builds_the_containers_backend_when_docker_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CORP_CHAOS_BACKEND", raising=False)
    backend = select_backend(docker_ping=_answers)
    assert isinstance(backend, ContainersBackend)
    assert backend.proxy_listen_address(0) == "0.0.0.0:18600"


def test_select_backend_builds_the_local_backend_without_docker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CORP_CHAOS_BACKEND", raising=False)
    backend = select_backend(docker_ping=_no_engine)
    assert isinstance(backend, LocalBackend)
    assert backend.proxy_listen_address(0) == "127.0.0.1:0"
