"""`hantu check`: are the KIS credentials good (a token, the balance) and does every
configured notification channel take a test message? One pass/fail line per item (spec
003's `kis_slack_check`); the exit code is 1 when any item failed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import typer

from hantu import messages_ko as ko
from hantu.adapters.clock import SystemClock
from hantu.adapters.kis.auth import KisAuth, KisCredentials
from hantu.adapters.kis.broker import KisConnection, build_kis_broker, connection_from_settings
from hantu.adapters.kis.environments import profile_for
from hantu.adapters.kis.transport import KisHttp
from hantu.bootstrap import build
from hantu.bootstrap.notifications import build_channels
from hantu.config import KisEnvironment, Settings, load_settings
from hantu.domain.accounts import BrokerAccount, BrokerCredentials
from hantu.domain.masking import mask
from hantu.errors import ConfigError
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.notify_ports import Notifier, OutgoingMessage
from hantu.service_layer.ports import Clock

CHECK_TIMEOUT = 15.0  # seconds per item


@dataclass(frozen=True, slots=True)
class Line:
    ok: bool
    item: str
    reason: str = ""

    def text(self) -> str:
        if self.ok:
            return ko.CHECK_OK.format(item=self.item)
        return ko.CHECK_FAILED.format(item=self.item, reason=self.reason)


async def _attempt(item: str, action: Callable[[], Awaitable[str | None]]) -> Line:
    """Run one check; its return value (if any) replaces the item's label on success."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            label = await action()
    except Exception as exc:
        return Line(False, item, mask(f"{type(exc).__name__}: {exc}")[:300])
    return Line(True, label or item)


def _settings_account(settings: Settings) -> tuple[str, KisConnection] | None:
    """The account `.env` configures (HANTU_KIS_APP_KEY ...), or None when it names none."""
    if settings.kis_app_key is None:
        return None
    rest_url, ws_url = _simulator_urls(settings, settings.kis_environment)
    connection = connection_from_settings(settings, rest_base_url=rest_url, ws_url=ws_url)
    return settings.kis_account or "-", connection


def _stored_account(
    settings: Settings, account: BrokerAccount, credentials: BrokerCredentials
) -> tuple[str, KisConnection]:
    environment = KisEnvironment(credentials.environment)
    rest_url, ws_url = _simulator_urls(settings, environment)
    kis = KisCredentials(
        credentials.app_key,
        credentials.app_secret,
        credentials.account_number,
        credentials.hts_id,
    )
    connection = connection_from_settings(
        settings, environment=environment, credentials=kis, rest_base_url=rest_url, ws_url=ws_url
    )
    return f"{account.name} ({account.account_hint})", connection


def _simulator_urls(settings: Settings, environment: KisEnvironment) -> tuple[str | None, ...]:
    if environment is KisEnvironment.SIMULATOR:
        return settings.external_simulator or (None, None)
    return None, None


async def check_kis(label: str, connection: KisConnection, clock: Clock) -> list[Line]:
    """A token, then the balance, for one KIS account."""
    token_item = ko.CHECK_KIS_ACCESS.format(account=label)
    try:
        profile = profile_for(
            connection.environment,
            rest_base_url=connection.rest_base_url,
            ws_url=connection.ws_url,
        )
    except ConfigError as exc:
        return [Line(False, token_item, mask(str(exc)))]
    async with KisHttp(timeout=10.0) as http:
        auth = KisAuth(
            http, profile, connection.credentials, clock, cache_dir=connection.token_cache_dir
        )

        async def token() -> None:
            await auth.access_token()

        broker = build_kis_broker(connection, http, clock)

        async def balance() -> str:
            cash = (await broker.balance()).cash
            return ko.CHECK_KIS_BALANCE.format(account=label, cash=ko.format_won(cash))

        try:
            return [
                await _attempt(token_item, token),
                await _attempt(ko.CHECK_KIS_BALANCE_FAILED.format(account=label), balance),
            ]
        finally:
            await broker.aclose()


async def check_channels(settings: Settings, clock: Clock) -> list[Line]:
    """A test message to every configured chat and channel."""
    channels = build_channels(settings, clock)
    targets: list[tuple[str, Notifier, str]] = []
    if channels.telegram is not None and settings.telegram_chat_id is not None:
        chat = str(settings.telegram_chat_id)
        targets.append((ko.CHECK_TELEGRAM.format(chat=chat), channels.telegram, chat))
    if channels.slack is not None:
        channel = channels.slack_channel
        targets.append((ko.CHECK_SLACK.format(channel=channel), channels.slack, channel))
    try:
        if not targets:
            return [Line(False, ko.CHECK_NO_CHANNEL, "-")]
        return [await _send(item, notifier, chat) for item, notifier, chat in targets]
    finally:
        await channels.aclose()


async def _send(item: str, notifier: Notifier, chat: str) -> Line:
    async def send() -> None:
        result = await notifier.send(OutgoingMessage(chat, ko.CHECK_TEST_MESSAGE))
        if not result.ok:
            raise RuntimeError(result.detail or result.status.value)

    return await _attempt(item, send)


async def run_checks(
    settings: Settings,
    clock: Clock | None = None,
    stored: Sequence[tuple[BrokerAccount, BrokerCredentials]] = (),
) -> list[Line]:
    """Every check, in order: the configured KIS account and each stored one, then the
    notification channels."""
    clock = clock or SystemClock()
    lines: list[Line] = []
    try:
        accounts = [_settings_account(settings)]
    except ConfigError as exc:
        lines.append(Line(False, ko.CHECK_NO_ACCOUNT, mask(str(exc))))
        accounts = []
    accounts += [_stored_account(settings, account, creds) for account, creds in stored]
    targets = [target for target in accounts if target is not None]
    if not targets and not lines:
        lines.append(Line(False, ko.CHECK_NO_ACCOUNT, "-"))
    for label, connection in targets:
        lines += await check_kis(label, connection, clock)
    return [*lines, *await check_channels(settings, clock)]


async def _stored(settings: Settings) -> list[tuple[BrokerAccount, BrokerCredentials]]:
    async with build(settings).accounts_only() as accounts:
        return await accounts_service.stored_broker_accounts(accounts)


async def _run(settings: Settings) -> list[Line]:
    return await run_checks(settings, stored=await _stored(settings))


def check_command() -> None:
    try:
        settings = load_settings()
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    lines = asyncio.run(_run(settings))
    for line in lines:
        typer.echo(line.text())
    if not all(line.ok for line in lines):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach `hantu check` to the root app."""
    app.command("check", help=ko.CHECK_HELP)(check_command)
