"""Suite-wide policy: missing service binaries skip with a reason, unless CI demands them."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_SERVICES = os.environ.get("CORP_REQUIRE_SERVICES") == "1"


def require_binary(name: str) -> str:
    """Return the path of ``name`` or skip the test (fail it when CORP_REQUIRE_SERVICES=1)."""
    path = shutil.which(name)
    if path is None:
        message = (
            f"binary '{name}' not found on PATH; install it to run this test "
            f"<missing_binary={name}>"
        )
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} (CORP_REQUIRE_SERVICES=1 makes this a failure)")
        pytest.skip(message)
    return path


# Session-scoped real Redis/PostgreSQL for every test package (see tests/fixtures/services.py).
from tests.fixtures.services import (  # noqa: E402
    postgres_dsn,
    postgres_service,
    redis_service,
    redis_url,
)

__all__ = [
    "REQUIRE_SERVICES",
    "postgres_dsn",
    "postgres_service",
    "redis_service",
    "redis_url",
    "require_binary",
]
