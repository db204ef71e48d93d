"""REST polling on the real pipeline's broker port: round-robin over the symbols off the
stream only, each price handed on as a tick stamped by the injected clock."""

from __future__ import annotations

from decimal import Decimal

from hantu.domain.values import Price, StrategyAccountId, Symbol
from hantu.service_layer.monitor_ports import StreamState
from hantu.service_layer.ports import Tick
from hantu.service_layer.price_polling import PricePoller
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker
from tests.integration.service.conftest import MakeApp

ONE = StrategyAccountId(1)
A, B, C, D = Symbol("005930"), Symbol("000660"), Symbol("035420"), Symbol("051910")


class SettableStream:
    def __init__(self, states: dict[Symbol, bool | None]) -> None:
        self.states = states

        self.session = 1

    async def streaming(self, account: StrategyAccountId, symbol: Symbol) -> StreamState | None:
        up = self.states[symbol]
        return None if up is None else StreamState(up, self.session)


async def test_poller_round_robins_the_symbols_off_the_stream_as_ticks(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    app = await make_app(monitor_enabled=False)
    broker.prices.update({B: Price(180_000), C: Price(200_000)})
    stream = SettableStream({A: True, B: False, C: False, D: None})  # D: no stream at all
    ticks: list[Tick] = []
    poller = PricePoller(
        app.deps, stream, lambda: [(ONE, s) for s in (A, B, C, D)], ticks.append, per_second=5
    )

    polled = [await poller.poll_once() for _ in range(4)]
    assert polled == [A, B, C, B]  # A streams: caught up once, then only B and C
    assert [(t.symbol, t.price, t.at) for t in ticks[:3]] == [
        (A, Decimal(70_000), clock.now()),
        (B, Decimal(180_000), clock.now()),
        (C, Decimal(200_000), clock.now()),
    ]
    assert [poller.polling(s) for s in (A, B, C, D)] == [False, True, True, False]

    stream.states[B] = True  # B streams again: caught up once, then only C is left
    assert [await poller.poll_once() for _ in range(3)] == [B, C, C]
    assert not poller.polling(B)
    stream.states[C] = True
    assert await poller.poll_once() is C  # its catch-up on this session
    assert await poller.poll_once() is None
    stream.session = 2  # a reconnect, however short: every streamed symbol once more
    assert [await poller.poll_once() for _ in range(4)] == [A, B, C, None]
    assert poller.polls == 11
