"""Prometheus metrics, on a registry per app so several apps (tests) never collide."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """The figures an operator watches: webhooks, order outcomes, broker latency, backlog."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
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
