"""Conformance of the embedded Toxiproxy with Toxiproxy v2.12 (shared/reference/toxiproxy-api.md).

Every test runs against the embedded server and, when a ``toxiproxy-server`` binary is on PATH,
against the real one too, through real TCP connections to real loopback servers. The unchanged
toxiproxy-python client drives what it has a call for; raw HTTP does the rest. Timing checks
measure deltas with generous margins so a loaded 2-core machine does not make them flaky.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import toxiproxy
from toxiproxy.api import APIConsumer
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

from tests.chaos.toxiproxy_support import (
    Backend,
    LoopbackServer,
    Recorder,
    binary_backend,
    connect,
    echo,
    embedded_backend,
    free_port,
    greet_then_echo,
    loopback_server,
    recv_exactly,
    recv_until_eof,
    round_trip_secs,
    send_then_close,
)

ALL_ATTRIBUTES = {
    "latency": {"latency": 0, "jitter": 0},
    "bandwidth": {"rate": 0},
    "slow_close": {"delay": 0},
    "timeout": {"timeout": 0},
    "reset_peer": {"timeout": 0},
    "slicer": {"average_size": 0, "size_variation": 0, "delay": 0},
    "limit_data": {"bytes": 0},
    "noop": {},
}


BINARY = shutil.which("toxiproxy-server")
BINARY_MISSING = "toxiproxy-server binary not on PATH (optional; the embedded server is tested)"
# The real server joins the run only when it is installed; otherwise one test reports the skip
# (below) instead of every test skipping its "binary" variant.
BACKENDS = ["embedded", "binary"] if BINARY is not None else ["embedded"]


def test_the_real_toxiproxy_server_is_compared_when_installed() -> None:
    if BINARY is None:
        pytest.skip(BINARY_MISSING)
    with binary_backend() as running:
        assert running.get("/version").json()["version"].startswith("2.")


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "embedded":
        with embedded_backend(seed=7) as running:
            yield running
    else:
        with binary_backend() as running:
            yield running


@pytest.fixture(autouse=True)
def _clean_proxies(backend: Backend) -> Iterator[None]:
    yield
    backend.remove_all()


@pytest.fixture
def client(backend: Backend) -> Iterator[toxiproxy.Toxiproxy]:
    """The unchanged toxiproxy-python client pointed at ``backend`` (its address is class-level)."""
    saved = (APIConsumer.host, APIConsumer.port)
    api = toxiproxy.Toxiproxy()
    api.update_api_consumer(backend.host, backend.port)
    try:
        yield api
    finally:
        APIConsumer.host, APIConsumer.port = saved


@pytest.fixture(scope="module")
def echo_server() -> Iterator[LoopbackServer]:
    with loopback_server(echo) as server:
        yield server


@pytest.fixture
def echo_proxy(client: toxiproxy.Toxiproxy, echo_server: LoopbackServer) -> toxiproxy.Proxy:
    return client.create(upstream=echo_server.address, name="echo")


# --- proxies -----------------------------------------------------------------------------------


def test_ephemeral_listen_is_rewritten_to_the_bound_port(
    backend: Backend, client: toxiproxy.Toxiproxy, echo_server: LoopbackServer
) -> None:
    proxy = client.create(upstream=echo_server.address, name="echo", listen="127.0.0.1:0")
    host, port = proxy.listen.rsplit(":", 1)
    assert host == "127.0.0.1"
    assert int(port) > 0
    assert backend.get("/proxies/echo").json()["listen"] == proxy.listen
    with connect(proxy.listen) as sock:
        assert round_trip_secs(sock) < 5


def test_proxy_create_returns_201_with_enabled_default_and_empty_toxics(
    backend: Backend, echo_server: LoopbackServer
) -> None:
    response = backend.post("/proxies", json={"name": "p", "upstream": echo_server.address})
    assert response.status_code == 201
    body = response.json()
    assert body["enabled"] is True
    assert body["toxics"] == []
    assert body["upstream"] == echo_server.address


def test_duplicate_proxy_is_409(backend: Backend, echo_server: LoopbackServer) -> None:
    backend.create_proxy("dup", echo_server.address)
    response = backend.post("/proxies", json={"name": "dup", "upstream": echo_server.address})
    assert response.status_code == 409
    assert response.json() == {"error": "proxy already exists", "status": 409}


def test_duplicate_proxy_raises_proxy_exists_in_the_client(
    client: toxiproxy.Toxiproxy, echo_server: LoopbackServer
) -> None:
    client.create(upstream=echo_server.address, name="dup")
    with pytest.raises(ProxyExists):
        client.create(upstream=echo_server.address, name="dup")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"upstream": "127.0.0.1:1"}, "missing required field: name"),
        ({"name": "x"}, "missing required field: upstream"),
    ],
)
def test_proxy_create_without_required_field_is_400(
    backend: Backend, body: dict, message: str
) -> None:
    response = backend.post("/proxies", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == message


def test_proxy_create_with_malformed_json_is_400_bad_request_body(backend: Backend) -> None:
    response = backend.post("/proxies", data=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"].startswith("bad request body: ")


def test_request_json_ignores_unknown_fields_and_matches_names_case_insensitively(
    backend: Backend, echo_server: LoopbackServer
) -> None:
    response = backend.post(
        "/proxies",
        json={"NAME": "loud", "Upstream": echo_server.address, "colour": "red", "Enabled": False},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["upstream"], body["enabled"]) == ("loud", echo_server.address, False)


def test_listen_on_a_taken_port_is_500_with_the_os_reason(
    backend: Backend, echo_server: LoopbackServer
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        response = backend.post(
            "/proxies", json={"name": "clash", "upstream": echo_server.address, "listen": listen}
        )
    assert response.status_code == 500
    assert "address already in use" in response.json()["error"]
    assert backend.get("/proxies/clash").status_code == 404


def test_unknown_proxy_is_404_proxy_not_found(backend: Backend) -> None:
    response = backend.get("/proxies/ghost")
    assert response.status_code == 404
    assert response.json() == {"error": "proxy not found", "status": 404}


def test_delete_proxy_is_204_and_closes_its_connections(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    with connect(echo_proxy.listen) as sock:
        round_trip_secs(sock)
        assert backend.delete("/proxies/echo").status_code == 204
        sock.settimeout(5)
        assert recv_until_eof(sock) == b""
    assert backend.get("/proxies/echo").status_code == 404


def test_proxy_index_is_an_object_keyed_by_name(
    client: toxiproxy.Toxiproxy, echo_server: LoopbackServer
) -> None:
    client.create(upstream=echo_server.address, name="a")
    client.create(upstream=echo_server.address, name="b")
    assert sorted(client.proxies()) == ["a", "b"]


def test_changing_upstream_restarts_the_proxy_and_closes_connections(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    with loopback_server(echo) as other, connect(echo_proxy.listen) as sock:
        round_trip_secs(sock)
        response = backend.patch("/proxies/echo", json={"upstream": other.address})
        assert response.status_code == 200
        assert response.json()["upstream"] == other.address
        assert response.json()["listen"] == echo_proxy.listen
        sock.settimeout(5)
        assert recv_until_eof(sock) == b""
        with connect(echo_proxy.listen) as again:
            assert round_trip_secs(again) < 5


# --- enable / disable / reset ------------------------------------------------------------------


def test_disable_refuses_new_connections_and_closes_live_ones(
    echo_proxy: toxiproxy.Proxy,
) -> None:
    with connect(echo_proxy.listen) as live:
        round_trip_secs(live)
        echo_proxy.disable()
        live.settimeout(5)
        assert recv_until_eof(live) == b""
    with pytest.raises(ConnectionRefusedError):
        connect(echo_proxy.listen, timeout_secs=2)


def test_enable_after_disable_keeps_toxics_and_the_listen_address(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    echo_proxy.add_toxic(type="latency", attributes={"latency": 10})
    echo_proxy.disable()
    echo_proxy.enable()
    shown = backend.get("/proxies/echo").json()
    assert shown["enabled"] is True
    assert shown["listen"] == echo_proxy.listen
    assert [t["name"] for t in shown["toxics"]] == ["latency_downstream"]
    with connect(echo_proxy.listen) as sock:
        assert round_trip_secs(sock) < 5


def test_down_context_takes_the_proxy_down_and_back(echo_proxy: toxiproxy.Proxy) -> None:
    with echo_proxy.down(), pytest.raises(ConnectionRefusedError):
        connect(echo_proxy.listen, timeout_secs=2)
    with connect(echo_proxy.listen) as sock:
        assert round_trip_secs(sock) < 5


def test_reenable_on_a_taken_port_is_500_and_the_proxy_stays_disabled(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    echo_proxy.disable()
    port = int(echo_proxy.listen.rsplit(":", 1)[1])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen(1)
        response = backend.post("/proxies/echo", json={"enabled": True})
    assert response.status_code == 500
    assert "address already in use" in response.json()["error"]
    assert backend.get("/proxies/echo").json()["enabled"] is False


def test_reset_returns_204_keeps_proxies_reenables_them_and_removes_toxics(
    backend: Backend, client: toxiproxy.Toxiproxy, echo_proxy: toxiproxy.Proxy
) -> None:
    echo_proxy.add_toxic(type="latency", attributes={"latency": 10})
    echo_proxy.add_toxic(type="bandwidth", stream="upstream", attributes={"rate": 1})
    echo_proxy.disable()
    response = backend.post("/reset")
    assert response.status_code == 204
    proxy = client.get_proxy("echo")
    assert proxy is not None
    assert proxy.enabled is True
    assert proxy.toxics() == {}
    with connect(echo_proxy.listen) as sock:
        assert round_trip_secs(sock) < 5


# --- toxic CRUD --------------------------------------------------------------------------------


@pytest.mark.parametrize("toxic_type", sorted(ALL_ATTRIBUTES))
def test_toxic_create_returns_200_with_default_name_and_every_attribute_zero_filled(
    backend: Backend, echo_proxy: toxiproxy.Proxy, toxic_type: str
) -> None:
    body = {"type": toxic_type}
    if toxic_type == "slicer":
        body["attributes"] = {"average_size": 1}  # average_size <= 0 is refused
    response = backend.post("/proxies/echo/toxics", json=body)
    assert response.status_code == 200
    expected_attributes = dict(ALL_ATTRIBUTES[toxic_type])
    if toxic_type == "slicer":
        expected_attributes["average_size"] = 1
    assert response.json() == {
        "name": f"{toxic_type}_downstream",
        "type": toxic_type,
        "stream": "downstream",
        "toxicity": 1,
        "attributes": expected_attributes,
    }


def test_toxic_json_matches_names_case_insensitively_and_ignores_unknown_fields(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    response = backend.post(
        "/proxies/echo/toxics",
        json={"TYPE": "latency", "Attributes": {"LATENCY": 5, "colour": 1}, "extra": True},
    )
    assert response.status_code == 200
    assert response.json()["attributes"] == {"latency": 5, "jitter": 0}


def test_explicit_toxicity_zero_is_kept(backend: Backend, echo_proxy: toxiproxy.Proxy) -> None:
    response = backend.post("/proxies/echo/toxics", json={"type": "noop", "toxicity": 0})
    assert response.json()["toxicity"] == 0


def test_toxic_added_by_the_client_is_listed_with_its_attributes(
    echo_proxy: toxiproxy.Proxy,
) -> None:
    echo_proxy.add_toxic(
        type="latency", stream="upstream", name="slow", toxicity=0.5, attributes={"latency": 7}
    )
    toxic = echo_proxy.get_toxic("slow")
    assert toxic is not None
    assert (toxic.type, toxic.stream, toxic.toxicity) == ("latency", "upstream", 0.5)
    assert toxic.attributes == {"latency": 7, "jitter": 0}


def test_toxic_name_clash_across_streams_is_409(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    echo_proxy.add_toxic(type="latency", stream="upstream", name="same")
    response = backend.post(
        "/proxies/echo/toxics", json={"type": "noop", "stream": "downstream", "name": "same"}
    )
    assert response.status_code == 409
    assert response.json() == {"error": "toxic already exists", "status": 409}


def test_unknown_stream_is_400(backend: Backend, echo_proxy: toxiproxy.Proxy) -> None:
    response = backend.post("/proxies/echo/toxics", json={"type": "latency", "stream": "sideways"})
    assert response.status_code == 400
    assert response.json()["error"] == "stream was invalid, can be either upstream or downstream"


def test_unknown_toxic_type_is_400(backend: Backend, echo_proxy: toxiproxy.Proxy) -> None:
    response = backend.post("/proxies/echo/toxics", json={"type": "gremlin"})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid toxic type", "status": 400}


def test_unknown_toxic_type_raises_invalid_toxic_in_the_client(
    echo_proxy: toxiproxy.Proxy,
) -> None:
    with pytest.raises(InvalidToxic):
        echo_proxy.add_toxic(type="gremlin")


def test_stream_is_checked_before_type(backend: Backend, echo_proxy: toxiproxy.Proxy) -> None:
    response = backend.post("/proxies/echo/toxics", json={"type": "gremlin", "stream": "nowhere"})
    assert response.json()["error"] == "stream was invalid, can be either upstream or downstream"


def test_slicer_with_average_size_zero_is_400(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    if backend.kind == "binary":
        pytest.skip(
            "Toxiproxy v2.12 accepts average_size 0 (then never finishes slicing a chunk); "
            "the reference requires refusing it"
        )
    response = backend.post("/proxies/echo/toxics", json={"type": "slicer"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("bad request body")


def test_toxic_attribute_of_the_wrong_json_type_is_400(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    response = backend.post(
        "/proxies/echo/toxics", json={"type": "latency", "attributes": {"latency": "slow"}}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("bad request body")


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_toxic_update_merges_attributes_and_ignores_name_type_stream(
    backend: Backend, echo_proxy: toxiproxy.Proxy, method: str
) -> None:
    echo_proxy.add_toxic(type="latency", name="lat", attributes={"latency": 100, "jitter": 5})
    send = backend.patch if method == "PATCH" else backend.post
    response = send(
        "/proxies/echo/toxics/lat",
        json={
            "attributes": {"jitter": 9},
            "name": "renamed",
            "type": "timeout",
            "stream": "upstream",
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "name": "lat",
        "type": "latency",
        "stream": "downstream",
        "toxicity": 1,
        "attributes": {"latency": 100, "jitter": 9},
    }


def test_toxic_update_changes_toxicity_only_when_present(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    echo_proxy.add_toxic(type="noop", name="n", toxicity=0.25)
    kept = backend.patch("/proxies/echo/toxics/n", json={"attributes": {}}).json()
    assert kept["toxicity"] == 0.25
    changed = backend.patch("/proxies/echo/toxics/n", json={"toxicity": 0.75}).json()
    assert changed["toxicity"] == 0.75


def test_toxic_update_of_a_missing_toxic_is_404(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    response = backend.patch("/proxies/echo/toxics/ghost", json={"toxicity": 0.5})
    assert response.status_code == 404
    assert response.json() == {"error": "toxic not found", "status": 404}


def test_toxic_delete_is_204_then_404(backend: Backend, echo_proxy: toxiproxy.Proxy) -> None:
    echo_proxy.add_toxic(type="noop", name="n")
    assert backend.delete("/proxies/echo/toxics/n").status_code == 204
    assert backend.delete("/proxies/echo/toxics/n").status_code == 404


def test_client_destroy_toxic_of_a_missing_toxic_raises_not_found(
    echo_proxy: toxiproxy.Proxy,
) -> None:
    with pytest.raises(NotFound):
        echo_proxy.destroy_toxic("ghost")


def test_toxic_index_lists_upstream_toxics_first_in_order_added(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    echo_proxy.add_toxic(type="noop", name="d1", stream="downstream")
    echo_proxy.add_toxic(type="noop", name="u1", stream="upstream")
    echo_proxy.add_toxic(type="noop", name="d2", stream="downstream")
    echo_proxy.add_toxic(type="noop", name="u2", stream="upstream")
    names = [t["name"] for t in backend.get("/proxies/echo/toxics").json()]
    assert names == ["u1", "u2", "d1", "d2"]


# --- populate ----------------------------------------------------------------------------------


def _populate_body(echo_server: LoopbackServer, port: int) -> list[dict]:
    return [{"name": "pop", "listen": f"127.0.0.1:{port}", "upstream": echo_server.address}]


def test_populate_is_idempotent_and_keeps_toxics_of_an_unchanged_proxy(
    backend: Backend, echo_server: LoopbackServer
) -> None:
    body = _populate_body(echo_server, free_port())
    first = backend.post("/populate", json=body)
    assert first.status_code == 201
    backend.post("/proxies/pop/toxics", json={"type": "noop", "name": "kept"})
    second = backend.post("/populate", json=body)
    assert second.status_code == 201
    assert [p["name"] for p in second.json()["proxies"]] == ["pop"]
    assert [t["name"] for t in backend.get("/proxies/pop/toxics").json()] == ["kept"]
    with connect(body[0]["listen"]) as sock:
        assert round_trip_secs(sock) < 5


def test_populate_replaces_a_proxy_whose_upstream_changed_and_drops_its_toxics(
    backend: Backend, echo_server: LoopbackServer
) -> None:
    body = _populate_body(echo_server, free_port())
    backend.post("/populate", json=body)
    backend.post("/proxies/pop/toxics", json={"type": "noop", "name": "lost"})
    with loopback_server(echo) as other:
        body[0]["upstream"] = other.address
        response = backend.post("/populate", json=body)
        assert response.status_code == 201
        assert response.json()["proxies"][0]["upstream"] == other.address
        assert backend.get("/proxies/pop/toxics").json() == []


def test_populate_with_an_empty_list_is_201_with_null_proxies(backend: Backend) -> None:
    response = backend.post("/populate", json=[])
    assert response.status_code == 201
    assert response.json() == {"proxies": None}


def test_populate_validates_every_proxy_before_creating_any(
    backend: Backend, echo_server: LoopbackServer
) -> None:
    body = [{"name": "ok", "upstream": echo_server.address}, {"name": "bad"}]
    response = backend.post("/populate", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "error": "missing required field: upstream at proxy 2",
        "status": 400,
        "proxies": None,
    }
    assert backend.get("/proxies/ok").status_code == 404


# --- HTTP surface ------------------------------------------------------------------------------


def test_mozilla_user_agent_gets_403(backend: Backend) -> None:
    response = backend.get("/proxies", headers={"User-Agent": "Mozilla/5.0 (X11; Linux)"})
    assert response.status_code == 403


def test_unknown_path_is_404_and_wrong_method_is_405(backend: Backend) -> None:
    assert backend.get("/nowhere").status_code == 404
    assert backend.delete("/version").status_code == 405


def test_content_types_are_go_servers_exact_headers(backend: Backend) -> None:
    """Clients that compare the header byte for byte (some proxies and API gateways do) see what
    Toxiproxy's Go handlers set: bare JSON, JSON with charset on /version, plain text for errors."""
    assert backend.get("/proxies").headers["Content-Type"] == "application/json"
    assert backend.get("/version").headers["Content-Type"] == "application/json;charset=utf-8"
    missing = backend.get("/proxies/nope")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_version_reports_a_2x_release(client: toxiproxy.Toxiproxy) -> None:
    version = json.loads(client.version())["version"]
    assert version.startswith("2.")


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/proxies/ghost", None, 404),
        ("GET", "/proxies/echo/toxics/ghost", None, 404),
        ("POST", "/proxies", {"name": "echo", "upstream": "127.0.0.1:1"}, 409),
        ("POST", "/proxies/echo/toxics", {"type": "gremlin"}, 400),
        ("POST", "/proxies", {"name": 5}, 400),
    ],
)
def test_error_bodies_parse_as_json_with_error_and_status(
    backend: Backend,
    echo_proxy: toxiproxy.Proxy,
    method: str,
    path: str,
    body: dict | None,
    status: int,
) -> None:
    send = backend.get if method == "GET" else backend.post
    response = send(path, json=body) if body is not None else send(path)
    assert response.status_code == status
    parsed = json.loads(response.text)
    assert parsed["status"] == status
    assert isinstance(parsed["error"], str)
    assert parsed["error"]


def _metric_total(text: str, metric: str, direction: str, proxy: str) -> float:
    total = 0.0
    for line in text.splitlines():
        labelled = f'direction="{direction}"' in line and f'proxy="{proxy}"' in line
        if line.startswith(metric + "{") and labelled:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_count_bytes_received_and_sent_per_direction(
    backend: Backend, echo_server: LoopbackServer
) -> None:
    proxy = backend.create_proxy("metered", echo_server.address)
    received = "toxiproxy_proxy_received_bytes_total"
    sent = "toxiproxy_proxy_sent_bytes_total"
    before = backend.get("/metrics").text
    with connect(proxy["listen"]) as sock:
        round_trip_secs(sock, b"x" * 1000)
    time.sleep(0.3)  # the real server adds a link's bytes when the connection ends
    after = backend.get("/metrics").text
    for metric in (received, sent):
        for direction in ("upstream", "downstream"):
            delta = _metric_total(after, metric, direction, "metered") - _metric_total(
                before, metric, direction, "metered"
            )
            assert delta == 1000, (metric, direction)


# --- connection behaviour ----------------------------------------------------------------------


def test_dead_upstream_accepts_the_client_then_closes_it(backend: Backend) -> None:
    dead = f"127.0.0.1:{free_port()}"
    proxy = backend.create_proxy("dead", dead)
    with connect(proxy["listen"]) as sock:
        sock.settimeout(5)
        assert recv_until_eof(sock) == b""


def test_latency_added_to_a_live_connection_delays_later_data(
    echo_proxy: toxiproxy.Proxy,
) -> None:
    with connect(echo_proxy.listen) as sock:
        before = round_trip_secs(sock)
        echo_proxy.add_toxic(type="latency", attributes={"latency": 400})
        after = round_trip_secs(sock)
    # The toxic guarantees the floor; the margin below it only has to absorb load.
    assert before < 0.3
    assert after >= 0.39


def test_latency_update_applies_to_a_live_connection(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    echo_proxy.add_toxic(type="latency", name="lat", attributes={"latency": 0})
    with connect(echo_proxy.listen) as sock:
        before = round_trip_secs(sock)
        backend.patch("/proxies/echo/toxics/lat", json={"attributes": {"latency": 400}})
        after = round_trip_secs(sock)
    assert before < 0.3
    assert after >= 0.39


def test_removing_latency_from_a_live_connection_makes_it_fast_again(
    echo_proxy: toxiproxy.Proxy,
) -> None:
    echo_proxy.add_toxic(type="latency", name="lat", attributes={"latency": 400})
    with connect(echo_proxy.listen) as sock:
        slow = round_trip_secs(sock)
        echo_proxy.destroy_toxic("lat")
        fast = round_trip_secs(sock)
    assert slow >= 0.39
    assert fast < 0.3


def test_two_latency_toxics_add_up(echo_proxy: toxiproxy.Proxy) -> None:
    with connect(echo_proxy.listen) as sock:
        before = round_trip_secs(sock)
        echo_proxy.add_toxic(type="latency", name="a", attributes={"latency": 250})
        echo_proxy.add_toxic(type="latency", name="b", attributes={"latency": 250})
        after = round_trip_secs(sock)
    assert before < 0.3
    assert after >= 0.45


def test_live_toxic_changes_lose_and_reorder_no_data(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    payload = bytes(range(256)) * 2000  # 512 kB
    received: list[bytes] = []
    with connect(echo_proxy.listen, timeout_secs=20) as sock:
        reader = threading.Thread(
            target=lambda: received.append(recv_exactly(sock, len(payload))), daemon=True
        )
        reader.start()
        sender = threading.Thread(target=sock.sendall, args=(payload,), daemon=True)
        sender.start()
        for step in range(3):
            echo_proxy.add_toxic(type="latency", name=f"lat{step}", attributes={"latency": 20})
            echo_proxy.add_toxic(
                type="slicer",
                name=f"sl{step}",
                stream="upstream",
                attributes={"average_size": 4096, "size_variation": 1000},
            )
            backend.patch(f"/proxies/echo/toxics/lat{step}", json={"attributes": {"jitter": 5}})
            echo_proxy.destroy_toxic(f"lat{step}")
            echo_proxy.destroy_toxic(f"sl{step}")
        sender.join(20)
        reader.join(20)
    assert received == [payload]


def test_bandwidth_paces_the_stream(echo_proxy: toxiproxy.Proxy) -> None:
    payload = b"b" * 50_000
    with connect(echo_proxy.listen) as sock:
        unpaced = round_trip_secs(sock, payload)
        echo_proxy.add_toxic(type="bandwidth", stream="upstream", attributes={"rate": 100})
        paced = round_trip_secs(sock, payload)
    # 50 kB at 100 KB/s takes 0.5 s
    assert unpaced < 0.3
    assert paced >= 0.4


def test_slicer_delivers_the_data_in_several_smaller_writes(
    backend: Backend,
) -> None:
    recorder = Recorder()
    payload = bytes(range(200)) * 5  # 1000 bytes
    with loopback_server(recorder) as sink:
        proxy = backend.create_proxy("sliced", sink.address)
        backend.post(
            "/proxies/sliced/toxics",
            json={
                "type": "slicer",
                "stream": "upstream",
                "attributes": {"average_size": 100, "size_variation": 20, "delay": 20_000},
            },
        )
        with connect(proxy["listen"]) as sock:
            sock.sendall(payload)
            time.sleep(0.5)
        assert recorder.done.wait(5)
    assert sum(recorder.sizes) == len(payload)
    assert len(recorder.sizes) >= 3


def test_slow_close_delays_the_close(backend: Backend) -> None:
    with loopback_server(send_then_close(b"bye")) as greeter:
        proxy = backend.create_proxy("closer", greeter.address)
        with connect(proxy["listen"]) as sock:
            started = time.monotonic()
            assert recv_until_eof(sock) == b"bye"
            prompt = time.monotonic() - started
        backend.post(
            "/proxies/closer/toxics", json={"type": "slow_close", "attributes": {"delay": 500}}
        )
        with connect(proxy["listen"]) as sock:
            started = time.monotonic()
            assert recv_until_eof(sock) == b"bye"
            delayed = time.monotonic() - started
    assert prompt < 0.3
    assert delayed >= 0.45


def test_timeout_toxic_drops_data_and_closes_after_the_timeout(
    echo_proxy: toxiproxy.Proxy,
) -> None:
    echo_proxy.add_toxic(type="timeout", attributes={"timeout": 300})
    with connect(echo_proxy.listen) as sock:
        started = time.monotonic()
        sock.sendall(b"lost")
        assert recv_until_eof(sock) == b""
        assert time.monotonic() - started >= 0.2


def test_timeout_zero_holds_the_connection_open_without_data(
    echo_proxy: toxiproxy.Proxy,
) -> None:
    echo_proxy.add_toxic(type="timeout", attributes={"timeout": 0})
    with connect(echo_proxy.listen) as sock:
        sock.sendall(b"lost")
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(10)


def test_removing_a_timeout_toxic_closes_the_connections_it_covered(
    echo_proxy: toxiproxy.Proxy,
) -> None:
    echo_proxy.add_toxic(type="timeout", name="hold", attributes={"timeout": 0})
    with connect(echo_proxy.listen) as sock:
        sock.sendall(b"lost")
        time.sleep(0.1)
        echo_proxy.destroy_toxic("hold")
        sock.settimeout(5)
        assert recv_until_eof(sock) == b""


def test_reset_closes_connections_held_by_a_timeout_toxic(
    backend: Backend, echo_proxy: toxiproxy.Proxy
) -> None:
    echo_proxy.add_toxic(type="timeout", attributes={"timeout": 0})
    with connect(echo_proxy.listen) as sock:
        sock.sendall(b"lost")
        time.sleep(0.1)
        assert backend.post("/reset").status_code == 204
        sock.settimeout(5)
        assert recv_until_eof(sock) == b""


def test_limit_data_truncates_exactly_then_closes(backend: Backend) -> None:
    payload = bytes(range(256)) * 40  # 10240 bytes
    with loopback_server(send_then_close(payload)) as talker:
        proxy = backend.create_proxy("limited", talker.address)
        backend.post(
            "/proxies/limited/toxics", json={"type": "limit_data", "attributes": {"bytes": 1000}}
        )
        with connect(proxy["listen"]) as sock:
            assert recv_until_eof(sock) == payload[:1000]


def test_limit_data_zero_closes_on_the_first_chunk(echo_proxy: toxiproxy.Proxy) -> None:
    echo_proxy.add_toxic(type="limit_data", stream="upstream", attributes={"bytes": 0})
    with connect(echo_proxy.listen) as sock:
        sock.sendall(b"anything")
        assert recv_until_eof(sock) == b""


def test_reset_peer_gives_econnreset(echo_proxy: toxiproxy.Proxy) -> None:
    echo_proxy.add_toxic(type="reset_peer", attributes={"timeout": 100})
    with connect(echo_proxy.listen) as sock:
        sock.sendall(b"hello")
        with pytest.raises(ConnectionResetError):
            recv_until_eof(sock)


def test_reset_peer_on_the_upstream_stream_also_resets_the_client(
    echo_proxy: toxiproxy.Proxy,
) -> None:
    echo_proxy.add_toxic(type="reset_peer", stream="upstream", attributes={"timeout": 50})
    with connect(echo_proxy.listen) as sock:
        sock.sendall(b"hello")
        with pytest.raises(ConnectionResetError):
            recv_until_eof(sock)


def test_toxicity_zero_toxic_never_acts(echo_proxy: toxiproxy.Proxy) -> None:
    echo_proxy.add_toxic(type="latency", toxicity=0.0, attributes={"latency": 1000})
    with connect(echo_proxy.listen) as sock:
        assert round_trip_secs(sock) < 0.5


def test_an_upstream_toxic_acts_on_client_to_server_data_only(backend: Backend) -> None:
    with loopback_server(greet_then_echo) as greeter:
        proxy = backend.create_proxy("greeter", greeter.address)
        backend.post(
            "/proxies/greeter/toxics",
            json={"type": "timeout", "stream": "upstream", "attributes": {"timeout": 0}},
        )
        with connect(proxy["listen"]) as sock:
            assert recv_exactly(sock, 5) == b"hello"
            sock.sendall(b"dropped")
            sock.settimeout(0.5)
            with pytest.raises(TimeoutError):
                sock.recv(10)


def test_changing_listen_moves_the_listener(backend: Backend, echo_proxy: toxiproxy.Proxy) -> None:
    new_listen = f"127.0.0.1:{free_port()}"
    response = backend.patch("/proxies/echo", json={"listen": new_listen})
    assert response.json()["listen"] == new_listen
    with connect(new_listen) as sock:
        assert round_trip_secs(sock) < 5
    with pytest.raises(ConnectionRefusedError):
        connect(echo_proxy.listen, timeout_secs=2)


def test_populate_with_enabled_false_creates_a_disabled_proxy(
    backend: Backend, echo_server: LoopbackServer
) -> None:
    body = _populate_body(echo_server, free_port())
    body[0]["enabled"] = False
    response = backend.post("/populate", json=body)
    assert response.status_code == 201
    assert response.json()["proxies"][0]["enabled"] is False
    with pytest.raises(ConnectionRefusedError):
        connect(body[0]["listen"], timeout_secs=2)
