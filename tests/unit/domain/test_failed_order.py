import pytest

from hantu.domain.enums import FailedOrderStatus
from hantu.domain.errors import RetryNotAllowed
from hantu.domain.failed_order import MAX_RETRIES
from hantu.domain.values import OrderId
from tests.builders import T0, a_failed_order


def test_failed_order_reason_is_cut_to_100_chars() -> None:
    failed = a_failed_order(reason="잔" * 300)
    assert len(failed.reason) == 100


def test_failed_order_broker_error_is_masked_and_cut() -> None:
    failed = a_failed_order(broker_error="appsecret=SUPERSECRETVALUE123 " + "오류 " * 300)
    assert failed.broker_error is not None
    assert "SUPERSECRETVALUE123" not in failed.broker_error
    assert "SUPERS***" in failed.broker_error
    assert len(failed.broker_error) == 500


def test_failed_order_retry_limit_is_five() -> None:
    failed = a_failed_order()
    failed.id = 7
    for attempt in range(1, MAX_RETRIES + 1):
        assert failed.retry_key() == f"retry:7:{attempt}"
        failed.check_retryable(retry_in_flight=False)
        failed.attempted(OrderId(f"o{attempt}"), T0)
    with pytest.raises(RetryNotAllowed) as caught:
        failed.check_retryable(retry_in_flight=False)
    assert caught.value.code == "limit"


def test_failed_order_unconfirmed_retry_blocks_another() -> None:
    with pytest.raises(RetryNotAllowed) as caught:
        a_failed_order().check_retryable(retry_in_flight=True)
    assert caught.value.code == "unconfirmed"


def test_failed_order_removed_cannot_be_retried() -> None:
    failed = a_failed_order()
    failed.remove(T0)
    assert failed.status is FailedOrderStatus.REMOVED
    with pytest.raises(RetryNotAllowed) as caught:
        failed.check_retryable(retry_in_flight=False)
    assert caught.value.code == "removed"


def test_failed_order_resolved_cannot_be_retried() -> None:
    failed = a_failed_order()
    failed.resolve(T0)
    with pytest.raises(RetryNotAllowed):
        failed.check_retryable(retry_in_flight=False)
