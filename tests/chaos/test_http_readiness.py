"""Readiness polls read a 5xx as "not yet" and close the error response they were handed."""

from __future__ import annotations

import gc
import http.server
import threading
import warnings
from collections.abc import Iterator

import pytest

from chaos.backends import _http_ok


class _Starting(http.server.BaseHTTPRequestHandler):
    """Answers like Prometheus' ``/-/ready`` while it is still starting."""

    def do_GET(self) -> None:
        body = b"Service Unavailable"
        self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def starting_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Starting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/-/ready"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_503_while_starting_is_not_ready_and_leaves_no_socket_open(starting_url: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _http_ok(starting_url) is False
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
