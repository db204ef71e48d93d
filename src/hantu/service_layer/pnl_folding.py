"""Folding closed days into stored day results, so the PnL report replays only today's fills.

A Seoul day is closed once it is over; the report folds every closed day not folded yet
(normally yesterday, once) and keeps today live. A folded day is trusted while the fills
it was folded from are unchanged: the count and largest id of the scope's applied fills
before the next open day are kept with it. Each report looks for a fill of a folded day
stored after that id (a late fill, a broker sync: a primary-key range, cheap); each fold
onto a new day also recounts, which sees an orphan adopted or a fill flagged in place
(both happen on the fill's own day, before it is folded, in the normal course). Either
finding builds the scope again from the fills. Storing is best effort: the figures come
from the fold just computed, and a concurrent request that stored first only makes this
one's write roll back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from hantu.domain.accounts import StrategyAccountView
from hantu.domain.pnl import SEOUL, DayResult, FoldState, PnlFill, fold
from hantu.domain.values import StrategyAccountId
from hantu.service_layer.deps import Deps
from hantu.service_layer.ports import ConcurrentUpdate, FillRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The applied fills of a scope before a time, as the fills table has them."""

    count: int
    max_id: int


@dataclass(frozen=True, slots=True)
class StoredFold:
    scope: str  # the user's strategy account ids, sorted and joined
    through: date  # the last folded day
    fingerprint: Fingerprint  # of the fills before the day after `through`
    state: FoldState


class PnlDayStore(Protocol):
    async def load(self, scope: str) -> StoredFold | None: ...

    async def results(self, scope: str, until: date) -> list[DayResult]: ...

    async def fingerprint(
        self, strategy_account_ids: Sequence[StrategyAccountId], before: datetime
    ) -> Fingerprint: ...

    async def arrived_late(
        self, strategy_account_ids: Sequence[StrategyAccountId], after_id: int, before: datetime
    ) -> bool: ...

    async def fills(
        self, strategy_account_ids: Sequence[StrategyAccountId], since: datetime, until: datetime
    ) -> list[FillRecord]: ...

    async def replace(self, fold: StoredFold, results: Iterable[DayResult]) -> None: ...

    async def append(
        self, fold: StoredFold, previous: date, results: Iterable[DayResult]
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Folded:
    """Every closed day's results (up to `until`) and the state after the last closed day."""

    results: list[DayResult]
    state: FoldState


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=SEOUL)


def scope_of(views: Sequence[StrategyAccountView]) -> str:
    return ",".join(str(int(v.id)) for v in sorted(views, key=lambda v: int(v.id)))


def pnl_fill(record: FillRecord, view: StrategyAccountView) -> PnlFill:
    return PnlFill(
        strategy=int(view.strategy_id),
        account=int(view.broker_account_id),
        symbol=record.symbol,
        side=record.side,
        quantity=record.quantity,
        price=record.price,
        filled_at=record.filled_at,
        fill_id=f"{record.broker_account}:{record.fill_id}",
    )


def _owned(
    records: Iterable[FillRecord], by_id: Mapping[int, StrategyAccountView]
) -> list[PnlFill]:
    return [
        pnl_fill(r, by_id[int(r.strategy_account_id)])
        for r in records
        if r.strategy_account_id is not None and int(r.strategy_account_id) in by_id
    ]


async def closed_days(
    deps: Deps, views: Sequence[StrategyAccountView], today: date, until: date
) -> Folded:
    """Fold the closed days not folded yet, store them, and return the results up to
    `until` with the state after the last closed day (yesterday)."""
    by_id = {int(v.id): v for v in views}
    ids = [StrategyAccountId(i) for i in sorted(by_id)]
    scope, yesterday, opens = scope_of(views), today - timedelta(days=1), day_start(today)
    async with deps.uow(read_only=True) as uow:
        stored = await _trusted(uow.pnl_days, scope, ids, today)
        if stored is not None:
            results = await uow.pnl_days.results(scope, until)
            if stored.through == yesterday:
                return Folded(results, stored.state)
            since = day_start(stored.through + timedelta(days=1))
            # Counted before reading: a fill landing in between is seen as a change.
            fingerprint = await uow.pnl_days.fingerprint(ids, opens)
            fresh = _owned(await uow.pnl_days.fills(ids, since, opens), by_id)
            added, state = fold(stored.state, fresh)
            previous: date | None = stored.through
        else:
            fingerprint = await uow.pnl_days.fingerprint(ids, opens)
            every = _owned(await uow.fills.history(ids, opens), by_id)
            results, previous = [], None
            added, state = fold(FoldState(), every)
    await _store(deps, StoredFold(scope, yesterday, fingerprint, state), added, previous=previous)
    return Folded([*results, *(r for r in added if r.day <= until)], state)


async def _trusted(
    store: PnlDayStore, scope: str, ids: Sequence[StrategyAccountId], today: date
) -> StoredFold | None:
    stored = await store.load(scope)
    if stored is None or stored.through >= today:  # a clock set back: build again
        return None
    since = day_start(stored.through + timedelta(days=1))
    # Every request: a fill of a folded day stored since (a late fill, a broker sync) is
    # found by id alone. Once a day, before folding on: the whole count, which also sees a
    # fill adopted or flagged in place.
    if await store.arrived_late(ids, stored.fingerprint.max_id, since):
        return None
    recount = stored.through < today - timedelta(days=1)
    if recount and await store.fingerprint(ids, since) != stored.fingerprint:
        return None
    return stored


async def _store(
    deps: Deps, fold_: StoredFold, results: list[DayResult], *, previous: date | None
) -> None:
    try:
        async with deps.uow() as uow:
            if previous is None:
                await uow.pnl_days.replace(fold_, results)
            else:
                await uow.pnl_days.append(fold_, previous, results)
            await uow.commit()
    except ConcurrentUpdate as exc:
        log.info("pnl days not stored (%s): the figures stand", exc)
