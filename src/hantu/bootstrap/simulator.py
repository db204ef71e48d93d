"""The KIS simulator the application trades against on SIMULATOR: one started in-process on
loopback (embedded defaults), or one already running elsewhere (`hantu sim`), named by
`HANTU_KIS_SIMULATOR_REST_URL` / `_WS_URL`."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from hantu.config import KisEnvironment, Settings
from hantu.domain.accounts import BrokerCredentials
from hantu.service_layer.ports import Clock

if TYPE_CHECKING:
    from hantu.simulator.server import Simulator


async def start_simulator(
    settings: Settings, clock: Clock, options: dict[str, Any] | None, stack: AsyncExitStack
) -> tuple[Simulator | None, tuple[str, str] | None]:
    """On SIMULATOR: the configured external simulator's URLs, else one started here (and
    stopped by `stack`)."""
    if settings.kis_environment is not KisEnvironment.SIMULATOR:
        return None, None
    if settings.external_simulator is not None:
        return None, settings.external_simulator
    # Imported here: a process against KIS or an external simulator never loads its server.
    from hantu.simulator.server import Simulator

    simulator = Simulator(clock=clock, **(options or {}))
    await simulator.start()
    stack.push_async_callback(simulator.stop)
    if settings.simulator_walk_seconds > 0:  # prices move on their own, as a market's do
        simulator.start_walk(settings.simulator_walk_seconds)
    return simulator, (simulator.rest_url, simulator.ws_url)


def demo_credentials(settings: Settings, simulator: Simulator | None) -> BrokerCredentials | None:
    """The simulator account the demo trades: the embedded one's first, or the `.env` one."""
    if simulator is not None:
        account = simulator.accounts[0]
        return BrokerCredentials(
            environment=KisEnvironment.SIMULATOR.value,
            app_key=account.app_key,
            app_secret=account.app_secret,
            account_number=account.number,
            hts_id=account.hts_id or "hantudemo",
        )
    key, secret = settings.kis_app_key, settings.kis_app_secret
    if settings.external_simulator is None or key is None or secret is None:
        return None
    # The settings validator has already required the account and HTS ID in this mode.
    return BrokerCredentials(
        environment=KisEnvironment.SIMULATOR.value,
        app_key=key.get_secret_value(),
        app_secret=secret.get_secret_value(),
        account_number=settings.kis_account or "",
        hts_id=settings.kis_hts_id or "",
    )
