"""Which answers a refused exit is placed again after: refusals that never reached the broker
and that a retry may cure; never an unconfirmed order, nor our auth or settings, nor an
account deactivated. Keys, backoff and the emergency notice's words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hantu import messages_ko as ko
from hantu.service_layer.exit_retry import (
    Verdict,
    backoff,
    placements_before,
    retry_key,
    verdict_of,
)
from hantu.service_layer.outcome import Refusal, SubmitOutcome, SubmitResult
from hantu.service_layer.queries import OrderView
from tests.builders import an_order


def _result(
    outcome: SubmitOutcome, refusal: Refusal | None = None, first: SubmitOutcome | None = None
) -> SubmitResult:
    return SubmitResult(OrderView.of(an_order()), outcome, refusal=refusal, first=first)


@pytest.mark.parametrize(
    ("result", "verdict"),
    [
        (_result(SubmitOutcome.REFUSED, Refusal.BROKER), Verdict.RETRY),
        (_result(SubmitOutcome.REFUSED, Refusal.UNREACHABLE), Verdict.RETRY),
        (_result(SubmitOutcome.REFUSED, Refusal.RATE_LIMITED), Verdict.RETRY),
        (_result(SubmitOutcome.REFUSED, Refusal.AUTH), Verdict.HOPELESS),
        (_result(SubmitOutcome.REFUSED, Refusal.CONFIG), Verdict.HOPELESS),
        (_result(SubmitOutcome.REJECTED), Verdict.RETRY),  # e.g. more than held: re-read
        (_result(SubmitOutcome.UNCONFIRMED), Verdict.DONE),  # may be at the broker
        (_result(SubmitOutcome.ACCEPTED), Verdict.DONE),
        (_result(SubmitOutcome.ERROR), Verdict.DONE),
        (_result(SubmitOutcome.DUPLICATE, first=SubmitOutcome.UNCONFIRMED), Verdict.DONE),
        (_result(SubmitOutcome.DUPLICATE, first=SubmitOutcome.REFUSED), Verdict.RETRY),
    ],
    ids=lambda value: str(getattr(value, "outcome", value)),
)
def test_verdict_of_an_exit_answer(result: SubmitResult, verdict: Verdict) -> None:
    assert verdict_of(result) is verdict


def test_a_rejection_of_a_deactivated_account_is_hopeless() -> None:
    assert verdict_of(_result(SubmitOutcome.REJECTED), account_active=False) is Verdict.HOPELESS


def test_retry_keys_and_backoff_double_up_to_a_bound() -> None:
    assert retry_key("exit:1:005930:stop_loss:7", 2) == "exit:1:005930:stop_loss:7:x2"
    assert [backoff(n, 1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(10, 1.0) == 30.0


def test_the_unprotected_notice_says_why_and_what_to_do() -> None:
    title, body = ko.monitor.exit_unprotected(
        "005930", "take_profit", Decimal(10), "주문이 거부되었습니다.", 3, retried=True
    )
    assert title == "🚨 긴급: 익절 매도 실패 - 포지션 보호 안 됨"
    assert "익절 매도 10주: 3회 다시 주문했지만 모두 거부되었습니다" in body
    assert "사유: 주문이 거부되었습니다." in body
    assert "'실패된 주문'에서 재시도" in body
    _, hopeless = ko.monitor.exit_unprotected(
        "005930", "stop_loss", Decimal(1), "x", 0, retried=False
    )
    assert "재주문하지 않습니다" in hopeless
    _, off = ko.monitor.exit_unprotected("005930", "stop_loss", Decimal(1), "x", 0, retried=True)
    assert "자동 재주문이 꺼져 있습니다" in off


def test_a_chain_of_refusals_counts_its_placements_from_the_keys() -> None:
    first = "exit:1:005930:stop_loss:7"
    again = retry_key(first, 1)
    later = retry_key(again, 1)  # that one refused by the exchange too, placed again
    assert [placements_before(k) for k in (first, again, later)] == [0, 1, 2]
    assert later == f"{first}:x1:x1"
