"""The one table from what became of a submitted order to the HTTP status the web answers.

The service layer's `SubmitOutcome` is the vocabulary; only the web entrypoint knows codes.
A repeated delivery answers as its first one did (`SubmitResult.order_outcome`), so
`DUPLICATE` itself never reaches this table.
"""

from __future__ import annotations

from collections.abc import Iterable

from hantu.service_layer.outcome import SubmitOutcome, SubmitResult
from hantu.service_layer.webhooks import AccountResult

HTTP_STATUS: dict[SubmitOutcome, int] = {
    SubmitOutcome.ACCEPTED: 200,
    SubmitOutcome.REJECTED: 400,  # our risk rules
    SubmitOutcome.REFUSED: 400,  # the broker, or never sent; a failed order was saved
    SubmitOutcome.ERROR: 400,  # never 5xx: TradingView would resend
    SubmitOutcome.UNCONFIRMED: 408,  # settled in the background, never resent blindly
}


def http_status(result: SubmitResult) -> int:
    """The status code of one submitted order (a repeat answers as its first delivery)."""
    return HTTP_STATUS[result.order_outcome]


def answer_status(results: Iterable[AccountResult]) -> int:
    """200 if every account's order was accepted; 408 if any is unconfirmed; else 400."""
    codes = {HTTP_STATUS[result.outcome] for result in results}
    if codes == {200}:
        return 200
    return 408 if 408 in codes else 400
