"""REST polling on the real pipeline's broker port: round-robin over the symbols off the
stream only, each price handed on as a tick stamped by the injected clock."""

from __future__ import annotations

from decimal import Decimal

from hantu.domain.values import Price, StrategyAccountId, Symbol
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

    async def streaming(self, account: StrategyAccountId, symbol: Symbol) -> bool | None:
        return self.states[symbol]


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

    polled = [await poller.poll_once() for _ in range(3)]
    assert polled == [B, C, B]
    assert [(t.symbol, t.price, t.at) for t in ticks[:2]] == [
        (B, Decimal(180_000), clock.now()),
        (C, Decimal(200_000), clock.now()),
    ]
    assert [poller.polling(s) for s in (A, B, C, D)] == [False, True, True, False]

    stream.states[B] = True  # B streams again: only C is left
    assert [await poller.poll_once() for _ in range(2)] == [C, C]
    assert not poller.polling(B)
    stream.states[C] = True
    assert await poller.poll_once() is None
    assert poller.polls == 5
