"""API errors with the exact messages and status codes of Toxiproxy v2.12 (``api.go``).

Each error renders as ``{"error":"<msg>","status":<code>}`` plus a newline, the body the real server
writes with ``http.Error``; clients (and people) parse it as JSON.
"""

from __future__ import annotations

import json

__all__ = [
    "BAD_REQUEST_BODY",
    "MISSING_FIELD",
    "ApiError",
    "bad_request",
    "invalid_stream",
    "invalid_toxic_type",
    "missing_field",
    "proxy_already_exists",
    "proxy_not_found",
    "toxic_already_exists",
    "toxic_not_found",
]

BAD_REQUEST_BODY = "bad request body"
MISSING_FIELD = "missing required field"


class ApiError(Exception):
    """An error the HTTP API reports with a status code (400, 404, 409, 500)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def body(self) -> str:
        """The JSON body (with the trailing newline ``http.Error`` adds)."""
        return (
            json.dumps({"error": self.message, "status": self.status}, separators=(",", ":")) + "\n"
        )


def bad_request(detail: str) -> ApiError:
    """``bad request body: <detail>`` (400): the body is not the JSON the endpoint expects."""
    return ApiError(f"{BAD_REQUEST_BODY}: {detail}", 400)


def missing_field(field: str) -> ApiError:
    """``missing required field: <field>`` (400)."""
    return ApiError(f"{MISSING_FIELD}: {field}", 400)


def proxy_not_found() -> ApiError:
    return ApiError("proxy not found", 404)


def proxy_already_exists() -> ApiError:
    return ApiError("proxy already exists", 409)


def invalid_stream() -> ApiError:
    return ApiError("stream was invalid, can be either upstream or downstream", 400)


def invalid_toxic_type() -> ApiError:
    return ApiError("invalid toxic type", 400)


def toxic_already_exists() -> ApiError:
    return ApiError("toxic already exists", 409)


def toxic_not_found() -> ApiError:
    return ApiError("toxic not found", 404)
