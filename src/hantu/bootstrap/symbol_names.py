"""The symbol directory's source: ask the brokers the application already has.

Names are public listing facts, so any account's broker may answer for every user. A broker
without a product lookup (KIS paper, a test's broker) is skipped.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from hantu.adapters.db.engine import Database
from hantu.adapters.db.symbol_names_store import SqlNameStore
from hantu.domain.values import Symbol
from hantu.errors import HantuError
from hantu.service_layer.ports import BrokerDirectory, Clock
from hantu.service_layer.symbol_directory import SymbolDirectory


@runtime_checkable
class NamingBroker(Protocol):
    async def symbol_name(self, symbol: Symbol) -> str | None: ...


class BrokerNames:
    """A `SymbolInfoSource` over a broker directory's lookup brokers."""

    def __init__(self, brokers: BrokerDirectory) -> None:
        self._brokers = brokers

    async def symbol_name(self, symbol: Symbol) -> str | None:
        lookup = getattr(self._brokers, "lookup_brokers", None)
        if lookup is None:
            return None
        failure: HantuError | None = None
        for broker in await lookup():
            if not isinstance(broker, NamingBroker):
                continue
            try:
                name = await broker.symbol_name(symbol)
            except HantuError as exc:
                failure = exc
                continue
            if name:
                return name
        if failure is not None:
            raise failure
        return None


def symbol_directory(db: Database, brokers: BrokerDirectory, clock: Clock) -> SymbolDirectory:
    """The application's symbol directory: the `symbol_names` table plus the brokers."""
    return SymbolDirectory(SqlNameStore(db), BrokerNames(brokers), clock)
