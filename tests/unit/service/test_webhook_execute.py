"""webhooks.execute(): every strategy account answers for itself."""

from hantu import messages_ko as ko
from hantu.domain.order import OrderRequest
from hantu.domain.values import StrategyAccountId
from hantu.entrypoints.web.outcomes import answer_status
from hantu.service_layer.orders import order_id_for
from hantu.service_layer.outcome import SubmitOutcome
from hantu.service_layer.webhooks import (
    AccountResult,
    execute,
    parse_signal,
)

SIGNAL = parse_signal(
    {
        "symbol": "005930",
        "side": "buy",
        "order_type": "LIMIT",
        "quantity": 1,
        "price": 70000,
        "id": "tv-1",
    }
)


async def test_execute_one_account_failing_keeps_the_others_results() -> None:
    async def submit(request: OrderRequest, webhook_id: str | None) -> AccountResult:
        if request.strategy_account_id == 2:
            raise RuntimeError("database went away")
        return AccountResult(int(request.strategy_account_id), SubmitOutcome.ACCEPTED, "o1", "0001")

    accounts = [StrategyAccountId(1), StrategyAccountId(2)]
    results = await execute(submit, 7, accounts, SIGNAL)

    assert [r.outcome for r in results] == [SubmitOutcome.ACCEPTED, SubmitOutcome.ERROR]
    assert results[0].broker_order_id == "0001"
    failed = results[1]
    assert failed.error == ko.SYSTEM_ERROR
    assert failed.order_id == order_id_for("webhook:7:2:tv-1")
    assert answer_status(results) == 400


async def test_execute_passes_the_delivery_id_to_every_account() -> None:
    seen: list[tuple[str, str | None]] = []

    async def submit(request: OrderRequest, webhook_id: str | None) -> AccountResult:
        seen.append((request.idempotency_key, webhook_id))
        return AccountResult(int(request.strategy_account_id), SubmitOutcome.ACCEPTED, "o")

    await execute(submit, 7, [StrategyAccountId(1), StrategyAccountId(3)], SIGNAL)

    assert seen == [("webhook:7:1:tv-1", "tv-1"), ("webhook:7:3:tv-1", "tv-1")]
