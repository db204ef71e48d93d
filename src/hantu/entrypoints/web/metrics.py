"""Prometheus metrics, on a registry per app so several apps (tests) never collide."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric


class RealtimeSource(Protocol):
    """Where the realtime figures are read at scrape time (`AccountBrokers`)."""

    def streams(self) -> Mapping[int, bool]: ...

    def dropped_frames(self) -> Mapping[str, int]: ...


class Metrics:
    """The figures an operator watches: webhooks, order outcomes, broker latency, backlog."""

    def __init__(self, realtime: RealtimeSource | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.realtime = realtime
        self.webhooks = Counter(
            "hantu_webhooks_received",
            "Webhook deliveries by answer status",
            ["status"],
            registry=self.registry,
        )
        self.orders = Counter(
            "hantu_orders",
            "Webhook orders by outcome (a repeated delivery counts as duplicate)",
            ["outcome"],
            registry=self.registry,
        )
        self.broker_latency = Histogram(
            "hantu_broker_latency_seconds",
            "Time from sending an order to the broker's answer (or the timeout)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.logins = Counter(
            "hantu_logins",
            "Login attempts: success and failure had their password checked, limited did not",
            ["outcome"],
            registry=self.registry,
        )
        self.failed_pending = Gauge(
            "hantu_failed_orders_pending",
            "Failed orders waiting for a retry or removal (refreshed on scrape)",
            registry=self.registry,
        )
        if realtime is not None:
            self.registry.register(_RealtimeCollector(realtime))

    def realtime_health(self) -> dict[str, object]:
        """The streams' state for `/healthz`: up, down (some stream is), or none running."""
        streams = dict(self.realtime.streams()) if self.realtime is not None else {}
        connected = sum(streams.values())
        state = "none" if not streams else "up" if connected == len(streams) else "down"
        return {"state": state, "connected": connected, "streams": len(streams)}


class _RealtimeCollector:
    """Read the streams' state and drop counts when scraped; the clients keep the counts."""

    def __init__(self, source: RealtimeSource) -> None:
        self._source = source

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        connected = GaugeMetricFamily(
            "hantu_realtime_connected",
            "1 while a broker account's realtime stream is connected with its fill notices on",
            labels=["broker_account"],
        )
        for account, up in sorted(self._source.streams().items()):
            connected.add_metric([str(account)], 1.0 if up else 0.0)
        dropped = CounterMetricFamily(
            "hantu_realtime_frames_dropped",
            "Realtime frames dropped (unreadable, oversized, unknown TR, ...) by kind",
            labels=["kind"],
        )
        for kind, count in sorted(self._source.dropped_frames().items()):
            dropped.add_metric([kind], count)
        yield connected
        yield dropped
