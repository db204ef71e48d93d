"""The monitor's status as the terminal shows it, for the command line (a server's answer)
and the standalone monitor process (its own status), which must not load the command line."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hantu import messages_ko as ko
from hantu.messages_ko import monitor_panel as text
from hantu.service_layer.monitor_control import MonitorStatus


def status_lines(body: dict[str, Any]) -> list[str]:
    """The status JSON (`/api/monitor`'s shape) as lines of text."""
    lines = [text.CLI_STATE.format(state=body["state_label"])]
    subscriptions = body["subscriptions"]
    if subscriptions["total"]:
        lines.append(subscriptions["label"])
    if body.get("changed_at"):
        lines.append(text.CLI_SINCE.format(at=body["changed_label"], by=body["changed_by_label"]))
    if body.get("halted"):
        lines.append(text.CLI_HALTED.format(codes=", ".join(body["halted"])))
    positions = body["positions"]
    lines.append(text.CLI_POSITIONS.format(count=len(positions)))
    for p in positions:
        label = f"{p['name']} {p['symbol']}" if p["name"] else p["symbol"]
        line = text.CLI_POSITION_LINE.format(
            label=label,
            quantity=ko.format_shares(Decimal(p["quantity"])),
            protection=p["protection_label"],
            age=p["last_tick_label"],
        )
        if p.get("best_bid_age_seconds") is not None:  # on the book path: its best bid too
            line += text.CLI_BEST_BID.format(bid=p["best_bid_label"])
        lines.append(line)
    return lines


def standalone_body(status: MonitorStatus) -> dict[str, Any]:
    """A standalone monitor's own status in the shape `status_lines` reads."""
    subs = status.subscriptions
    return {
        "state_label": ko.monitor.state_label(status.state.value),
        "subscriptions": {
            "done": subs.done,
            "total": subs.total,
            "label": ko.monitor.subscribed(subs.done, subs.total),
        },
        "positions": [
            {
                "name": "",
                "symbol": p.symbol,
                "quantity": str(p.quantity),
                "protection_label": text.protection_label(p.protection.value, p.refused),
                "last_tick_label": text.tick_age(p.last_tick_age_s),
                "best_bid_age_seconds": p.best_bid_age_s,
                "best_bid_label": text.best_bid(p.best_bid, p.best_bid_age_s),
            }
            for p in status.positions
        ],
    }
