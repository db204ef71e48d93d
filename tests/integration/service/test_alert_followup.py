"""The fill follow-up's rules on both databases, with a hand-written messenger: when it waits,
what it does when there is no message or the broker cannot tell, and the age it gives up at."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from hantu.adapters.db.alerts_repository import SqlAlertStore
from hantu.bootstrap import App
from hantu.domain.alerts import Alert
from hantu.domain.enums import OrderType, Side
from hantu.domain.values import Price, Quantity, Symbol
from hantu.entrypoints.web.service_pipeline import ServicePipeline
from hantu.messages_ko import alerts as ko
from hantu.service_layer import alert_telegram, alerts, queries
from hantu.service_layer.alert_followup import FollowUpDeps, follow_up_fills
from hantu.service_layer.alert_telegram import AlertBotDeps
from hantu.service_layer.alerts import AlertActor, AlertDeps
from hantu.service_layer.queries import OrderView
from hantu.service_layer.webhooks import WebhookSignal
from tests.fakes import FakeClock
from tests.integration.service.conftest import MakeApp

OWNER = AlertActor(user_id=1, via="telegram")
WAIT = timedelta(seconds=60)


@dataclass
class Messenger:
    sent: list[str] = field(default_factory=list)
    edits: list[tuple[int, str]] = field(default_factory=list)

    async def send_with_buttons(
        self, chat_id: int, text: str, buttons: list[tuple[str, str]]
    ) -> int:
        self.sent.append(text)
        return 100 + len(self.sent)

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        self.edits.append((message_id, text))

    async def answer_press(self, callback_id: str, text: str | None) -> None:
        return None


async def _nobody(_: int, __: int | None = None) -> int | None:
    return None


def _bot(app: App, messenger: Messenger, chat: int | None = 42) -> AlertBotDeps:
    deps = AlertDeps(
        store=SqlAlertStore(app.db),
        clock=app.clock,
        submit=ServicePipeline(app.deps).submit,
        quote=alerts.broker_quote(app.brokers),
    )

    async def chat_of(_: int) -> int | None:
        return chat

    return AlertBotDeps(deps, messenger, b"k" * 32, chat_of, _nobody)


async def _approved(bot: AlertBotDeps, announce: bool = True) -> Alert:
    signal = WebhookSignal(
        symbol=Symbol("005930"),
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(10),
        price=Price(70_000),
        delivery_id="d-1",
    )
    alert = await alerts.create_alert(
        bot.alerts, user_id=1, strategy_id=7, account_ids=[1], signal=signal, payload={}
    )
    if announce:
        await alert_telegram.announce(bot, alert)
    decision = await alerts.approve(bot.alerts, alert.id, OWNER)
    assert decision.alert is not None
    return decision.alert


def _follow_up(app: App, bot: AlertBotDeps, calls: list[str]) -> FollowUpDeps:
    async def check(order_id: str) -> OrderView | None:
        calls.append(order_id)
        return await queries.get_order(app.deps, order_id)

    return FollowUpDeps(bot=bot, check=check, wait=WAIT)


async def test_follow_up_waits_then_warns_once(make_app: MakeApp, clock: FakeClock) -> None:
    app = await make_app(alert_sweep_seconds=0)
    messenger = Messenger()
    bot = _bot(app, messenger)
    alert = await _approved(bot)
    calls: list[str] = []
    deps = _follow_up(app, bot, calls)

    clock.advance(59)
    early = await follow_up_fills(deps)
    clock.advance(2)
    edited = await follow_up_fills(deps)
    again = await follow_up_fills(deps)
    stored = await bot.alerts.store.get(alert.id)

    assert (early, edited, again) == (0, 1, 0)
    assert calls == [alert.order_id]
    assert messenger.edits[-1][0] == 101
    assert ko.still_open(60) in messenger.edits[-1][1]
    assert stored is not None
    assert stored.followed_up_at == clock.now()
    assert stored.fill_line == ko.still_open(60)


async def test_follow_up_without_a_message_is_recorded_without_asking_the_broker(
    make_app: MakeApp, clock: FakeClock
) -> None:
    app = await make_app(alert_sweep_seconds=0)
    bot = _bot(app, Messenger())
    alert = await _approved(bot, announce=False)
    calls: list[str] = []

    clock.advance(61)
    edited = await follow_up_fills(_follow_up(app, bot, calls))
    stored = await bot.alerts.store.get(alert.id)

    assert edited == 0
    assert calls == []
    assert stored is not None
    assert stored.followed_up_at is not None


async def test_follow_up_when_the_broker_cannot_tell_warns_to_check(
    make_app: MakeApp, clock: FakeClock
) -> None:
    app = await make_app(alert_sweep_seconds=0)
    messenger = Messenger()
    bot = _bot(app, messenger)
    await _approved(bot)

    async def broken(_: str) -> OrderView | None:
        raise RuntimeError("database away")

    clock.advance(90)
    edited = await follow_up_fills(FollowUpDeps(bot=bot, check=broken, wait=timedelta(seconds=90)))

    assert edited == 1
    assert messenger.edits[-1][1].endswith(ko.no_fill_notice(90))
    assert "90초" in ko.no_fill_notice(90)


async def test_follow_up_leaves_alerts_older_than_a_day_alone(
    make_app: MakeApp, clock: FakeClock
) -> None:
    app = await make_app(alert_sweep_seconds=0)
    messenger = Messenger()
    bot = _bot(app, messenger)
    await _approved(bot)
    calls: list[str] = []

    clock.advance(timedelta(days=1, seconds=1).total_seconds())
    edited = await follow_up_fills(_follow_up(app, bot, calls))

    assert edited == 0
    assert calls == []
