"""The symbol directory: names from the broker, cached in the database and in memory.

A page never waits long for a name: a missing one is looked up in the background and the
page waits at most `wait_seconds` for it; until it is known the code shows alone. A name is
refreshed when older than `max_age` (listings rarely rename); a broker failure leaves the
code alone and is not retried for `retry_after`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from hantu.domain.errors import HantuError
from hantu.domain.values import Symbol
from hantu.errors import BrokerUnavailable
from hantu.service_layer.ports import Clock

log = logging.getLogger(__name__)


class SymbolInfoSource(Protocol):
    async def symbol_name(self, symbol: Symbol) -> str | None:
        """The listing's short name (KIS CTPF1002R `prdt_abrv_name`), None if unknown."""
        ...


@dataclass(frozen=True, slots=True)
class CachedName:
    symbol: Symbol
    name: str
    fetched_at: datetime


class NameStore(Protocol):
    async def load(self) -> list[CachedName]:
        """Every cached name."""
        ...

    async def save(self, symbol: Symbol, name: str, fetched_at: datetime) -> None:
        """Keep (or replace) one name."""
        ...


class SymbolDirectory:
    """The `SymbolNames` port over a broker source and a stored cache."""

    def __init__(
        self,
        store: NameStore,
        source: SymbolInfoSource,
        clock: Clock,
        *,
        max_age: timedelta = timedelta(days=7),
        retry_after: timedelta = timedelta(minutes=5),
        lookup_seconds: float = 3.0,
        wait_seconds: float = 0.3,
    ) -> None:
        self._store = store
        self._source = source
        self._clock = clock
        self._max_age = max_age
        self._retry_after = retry_after
        self._lookup_seconds = lookup_seconds
        self._wait_seconds = wait_seconds
        self._known: dict[Symbol, CachedName] = {}
        self._failed: dict[Symbol, datetime] = {}
        self._pending: dict[Symbol, asyncio.Task[None]] = {}
        self._loaded = False
        self._load_lock = asyncio.Lock()

    async def names(self, symbols: Iterable[Symbol]) -> Mapping[Symbol, str]:
        """The known names of `symbols`; missing ones are fetched, waited for only briefly."""
        await self._load()
        wanted = set(symbols)
        tasks = {s: task for s in wanted if (task := self._refresh(s)) is not None}
        unnamed = [task for s, task in tasks.items() if s not in self._known]
        if unnamed and self._wait_seconds > 0:
            await asyncio.wait(unnamed, timeout=self._wait_seconds)
        return {s: self._known[s].name for s in wanted if s in self._known}

    async def resolve(self, text: str) -> list[Symbol]:
        """A code as itself; else every cached symbol whose name contains the text."""
        text = text.strip()
        try:
            return [Symbol(text)]
        except ValueError:
            pass
        if not text:
            return []
        await self._load()
        needle = text.casefold()
        return sorted(
            (c.symbol for c in self._known.values() if needle in c.name.casefold()),
            key=lambda s: s.code,
        )

    async def aclose(self) -> None:
        """Cancel the lookups still running (the application is stopping)."""
        tasks = list(self._pending.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _load(self) -> None:
        if self._loaded:
            return
        async with self._load_lock:
            if self._loaded:
                return
            try:
                for cached in await self._store.load():
                    self._known[cached.symbol] = cached
            except Exception:  # the cache is a convenience: a page still shows codes
                log.warning("could not read the symbol-name cache", exc_info=True)
            self._loaded = True

    def _refresh(self, symbol: Symbol) -> asyncio.Task[None] | None:
        now = self._clock.now()
        cached = self._known.get(symbol)
        if cached is not None and now - cached.fetched_at < self._max_age:
            return None
        failed = self._failed.get(symbol)
        if failed is not None and now - failed < self._retry_after:
            return None
        task = self._pending.get(symbol)
        if task is None:
            task = asyncio.create_task(self._lookup(symbol), name=f"symbol-name:{symbol}")
            self._pending[symbol] = task
        return task

    async def _lookup(self, symbol: Symbol) -> None:
        try:
            async with asyncio.timeout(self._lookup_seconds):
                name = await self._source.symbol_name(symbol)
            if not name:
                raise BrokerUnavailable("no name in the listing")
            now = self._clock.now()
            self._known[symbol] = CachedName(symbol, name, now)
            self._failed.pop(symbol, None)
            await self._store.save(symbol, name, now)
        except (HantuError, TimeoutError, OSError) as exc:
            self._failed[symbol] = self._clock.now()
            log.info("no name for %s yet: %s", symbol, type(exc).__name__)
        except Exception:
            self._failed[symbol] = self._clock.now()
            log.warning("symbol-name lookup for %s failed", symbol, exc_info=True)
        finally:
            self._pending.pop(symbol, None)
