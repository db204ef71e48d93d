"""Stored exit rules on the in-process broker, both databases: a monitor started after a
position's rules were stored protects it with them (a restart keeps them), and the
position's own pricing (n ticks through) prices its exit order, not the settings'."""

from __future__ import annotations

from decimal import Decimal

from hantu.adapters.db.monitor_positions import SqlMonitorPositions
from hantu.bootstrap.monitor import exit_rules
from hantu.domain.enums import Side
from hantu.domain.events import OrderFilled
from hantu.domain.values import BrokerOrderId, Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import NewBrokerAccount
from hantu.service_layer.exit_monitor import ExitMonitor
from hantu.service_layer.fills import process_fill
from hantu.service_layer.orders import submit
from hantu.service_layer.ports import Tick
from tests.builders import an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker
from tests.integration.service.conftest import MakeApp
from tests.integration.service.test_exit_monitor_restart import RecordingNotifier, RecordingWatch

SYMBOL = Symbol("005930")
ACCOUNT = StrategyAccountId(1)


async def test_a_restarted_monitor_uses_the_stored_position_rules_and_their_pricing(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    app = await make_app(monitor_enabled=False)

    def monitor() -> ExitMonitor:
        made = ExitMonitor(
            app.deps,
            SqlMonitorPositions(app.db),
            RecordingWatch(),
            RecordingNotifier(),
            exit_rules(app.settings),  # 3 % / 5 %, a limit at the tick: the stored rules win
            rules_for=app.exit_rules.source,
        )
        app.bus.subscribe(OrderFilled, made.on_filled)
        return made

    user = await accounts_service.create_user(app.accounts, "alice", "correct horse battery")
    broker_account = await accounts_service.add_broker_account(
        app.accounts,
        user.id,
        NewBrokerAccount("main", "SIMULATOR", "k" * 36, "s" * 180, "50123456-01", "hts1"),
    )
    strategy, _ = await accounts_service.create_strategy(app.accounts, user.id, "alpha")
    link = await accounts_service.link_account(
        app.accounts, user.id, strategy.id, broker_account.id
    )
    assert link.id == int(ACCOUNT)
    first = monitor()
    await first.start()
    buy = await submit(app.deps, an_order_request(idempotency_key="buy"))
    await process_fill(app.deps, broker.fill(BrokerOrderId(buy.order.broker_order_id or ""), 10))
    await app.bus.drain()
    assert first.watched()[(ACCOUNT, SYMBOL)].stop_level() == Decimal(67_900)  # settings'
    service = app.exit_rules.service  # no listener: `first` is not told
    await service.set_strategy_rules(user.id, strategy.id, {"stop_loss_pct": "2"})
    await service.set_position_rules(
        user.id,
        link.id,
        SYMBOL,
        {"take_profit_pct": None, "pricing": "ticks_through", "ticks_through": 2},
    )

    restarted = monitor()
    await restarted.start()
    state = restarted.watched()[(ACCOUNT, SYMBOL)]
    assert state.stop_level() == Decimal(68_600)  # the strategy's 2 %
    assert state.take_level() is None  # switched off for this position
    restarted.on_tick(Tick(SYMBOL, Price(75_000), Quantity(1), clock.now()))  # no target
    restarted.on_tick(Tick(SYMBOL, Price(68_500), Quantity(1), clock.now()))
    await restarted.drain()

    sells = [o for o in broker.placed if o.side is Side.SELL]
    # Two ticks (100원 each) through the crossing price: a limit at 68,300원.
    assert [(s.quantity, s.order_type.value, s.price) for s in sells] == [(10, "LIMIT", 68_300)]
    await first.refresh_rules(ACCOUNT, SYMBOL)  # the first monitor, told, agrees
    assert first.watched()[(ACCOUNT, SYMBOL)].stop_level() == Decimal(68_600)
