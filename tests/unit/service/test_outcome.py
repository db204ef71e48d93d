"""The one outcome vocabulary and its one HTTP table."""

from __future__ import annotations

import pytest

from hantu.domain.enums import OrderStatus
from hantu.entrypoints.web.outcomes import HTTP_STATUS
from hantu.service_layer.outcome import SubmitOutcome, outcome_of_status


def test_http_table_maps_every_outcome_a_front_end_can_answer() -> None:
    assert set(HTTP_STATUS) == set(SubmitOutcome) - {SubmitOutcome.DUPLICATE}


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (OrderStatus.SENT, SubmitOutcome.ACCEPTED),
        (OrderStatus.FILLED, SubmitOutcome.ACCEPTED),
        (OrderStatus.CANCELED, SubmitOutcome.ACCEPTED),
        (OrderStatus.NEW, SubmitOutcome.UNCONFIRMED),
        (OrderStatus.UNCONFIRMED, SubmitOutcome.UNCONFIRMED),
        (OrderStatus.REJECTED, SubmitOutcome.REJECTED),
        (OrderStatus.ERROR, SubmitOutcome.REFUSED),
    ],
)
def test_outcome_of_status_repeat_answers_as_its_order(
    status: OrderStatus, outcome: SubmitOutcome
) -> None:
    assert outcome_of_status(status) is outcome
