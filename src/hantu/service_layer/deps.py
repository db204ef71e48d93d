"""What every use case needs, wired once by the bootstrap and passed in explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hantu.domain.risk import RiskLimits
from hantu.service_layer.in_flight import InFlight
from hantu.service_layer.ports import BrokerDirectory, Clock, UnitOfWorkFactory

SEOUL = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True, slots=True)
class Deps:
    uow: UnitOfWorkFactory
    brokers: BrokerDirectory
    clock: Clock
    risk_limits: RiskLimits = field(default_factory=RiskLimits)
    order_timeout: float = 5.0
    order_queue_timeout: float = 0.0  # the longest a broker may hold an order before sending it
    unconfirmed_grace: timedelta = timedelta(seconds=30)
    in_flight: InFlight = field(default_factory=InFlight)  # orders this process is sending

    def trading_day_start(self) -> datetime:
        """Midnight in Seoul today, the start of the KRX trading day (as an aware datetime)."""
        local = self.clock.now().astimezone(SEOUL)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
