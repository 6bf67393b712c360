"""Byte counters per proxy link, rendered as Prometheus text like Toxiproxy's ``/metrics``.

Real Toxiproxy adds a link's bytes when the connection ends (and only with ``--proxy-metrics``);
ours counts as bytes flow, so a drill sees traffic while a connection is still open.
"""

from __future__ import annotations

from collections import defaultdict

__all__ = ["LabelValues", "ProxyMetrics"]

LabelValues = tuple[str, str, str, str]  # direction, proxy, listener, upstream

_RECEIVED = "toxiproxy_proxy_received_bytes_total"
_SENT = "toxiproxy_proxy_sent_bytes_total"
_HELP = {
    _RECEIVED: "The total bytes received from the source of a given proxy link",
    _SENT: "The total bytes sent to the destination of a given proxy link",
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class ProxyMetrics:
    """Received/sent byte totals keyed by (direction, proxy, listener, upstream)."""

    def __init__(self) -> None:
        self._counters: dict[str, dict[LabelValues, int]] = {
            _RECEIVED: defaultdict(int),
            _SENT: defaultdict(int),
        }

    def add_received(self, labels: LabelValues, nbytes: int) -> None:
        self._counters[_RECEIVED][labels] += nbytes

    def add_sent(self, labels: LabelValues, nbytes: int) -> None:
        self._counters[_SENT][labels] += nbytes

    def value(self, metric: str, labels: LabelValues) -> int:
        return self._counters[metric].get(labels, 0)

    def render(self) -> str:
        lines: list[str] = []
        for metric, series in self._counters.items():
            lines.append(f"# HELP {metric} {_HELP[metric]}")
            lines.append(f"# TYPE {metric} counter")
            for (direction, proxy, listener, upstream), total in sorted(series.items()):
                label_text = (
                    f'direction="{_escape(direction)}",listener="{_escape(listener)}",'
                    f'proxy="{_escape(proxy)}",upstream="{_escape(upstream)}"'
                )
                lines.append(f"{metric}{{{label_text}}} {total}")
        return "\n".join(lines) + "\n"
