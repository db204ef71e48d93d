"""The realtime figures in `/metrics` and `/healthz`, read from the streams when asked."""

from __future__ import annotations

from prometheus_client import generate_latest

from hantu.entrypoints.web.metrics import Metrics


class _Streams:
    def __init__(self) -> None:
        self.up: dict[int, bool] = {}
        self.dropped: dict[str, int] = {}

    def streams(self) -> dict[int, bool]:
        return self.up

    def dropped_frames(self) -> dict[str, int]:
        return self.dropped


def _scrape(metrics: Metrics) -> list[str]:
    return generate_latest(metrics.registry).decode().splitlines()


def test_metrics_show_each_stream_and_drops_by_kind_as_of_the_scrape() -> None:
    streams = _Streams()
    metrics = Metrics(streams)
    streams.up = {1: True, 2: False}
    streams.dropped = {"nesting": 3, "oversized": 1}

    lines = _scrape(metrics)

    assert 'hantu_realtime_connected{broker_account="1"} 1.0' in lines
    assert 'hantu_realtime_connected{broker_account="2"} 0.0' in lines
    assert 'hantu_realtime_frames_dropped_total{kind="nesting"} 3.0' in lines
    assert 'hantu_realtime_frames_dropped_total{kind="oversized"} 1.0' in lines
    assert metrics.realtime_health() == {"state": "down", "connected": 1, "streams": 2}


def test_health_is_up_when_every_stream_is_and_none_without_streams() -> None:
    streams = _Streams()
    metrics = Metrics(streams)

    assert metrics.realtime_health()["state"] == "none"
    streams.up = {1: True}
    assert metrics.realtime_health() == {"state": "up", "connected": 1, "streams": 1}
    assert Metrics().realtime_health()["state"] == "none"
