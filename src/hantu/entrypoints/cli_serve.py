"""`hantu serve` and `hantu users ...`: the web server and its users."""

from __future__ import annotations

import asyncio
import json
import shlex
import socket
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from hantu import messages_ko as ko
from hantu.config import KisEnvironment, Settings, load_settings
from hantu.domain.accounts import NameTaken
from hantu.domain.errors import DomainError
from hantu.entrypoints.startup_gc import freeze_startup_objects
from hantu.errors import ConfigError
from hantu.logs import configure_logging
from hantu.service_layer.accounts import NewBrokerAccount

if TYPE_CHECKING:
    from hantu.simulator.server import Simulator

users_app = typer.Typer(help=ko.CLI_USERS_HELP, no_args_is_help=True)


def _demo_curl(url: str, token: str) -> str:
    body = {
        "token": token,
        "symbol": "KRX:005930",
        "side": "BUY",
        "order_type": "MARKET",  # fills at the simulator's price, wherever the walk has it
        "quantity": "1",
        "id": "demo-1",
    }
    payload = json.dumps(body, ensure_ascii=False)
    return f"curl -X POST {url} -H 'Content-Type: application/json' -d {shlex.quote(payload)}"


def env_broker_account(settings: Settings) -> NewBrokerAccount | None:
    """The KIS account configured in `.env` (PAPER, REAL, or an external simulator's), to give
    a new user at once."""
    if settings.kis_environment is KisEnvironment.SIMULATOR and not settings.external_simulator:
        return None
    key, secret = settings.kis_app_key, settings.kis_app_secret
    if key is None or secret is None or settings.kis_account is None or not settings.kis_hts_id:
        return None
    return NewBrokerAccount(
        name=f"KIS {settings.kis_environment.value} (.env)",
        environment=settings.kis_environment.value,
        app_key=key.get_secret_value(),
        app_secret=secret.get_secret_value(),
        account_number=settings.kis_account,
        hts_id=settings.kis_hts_id,
    )


# uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise, which would let any
# local process (or a proxy passing the header through) pick its own address and so its own
# login budget. The app reads the header itself, from HANTU_TRUSTED_PROXIES only.
SERVER_OPTIONS: Final[dict[str, Any]] = {"proxy_headers": False}


def port_taken(host: str, port: int) -> bool:
    """Whether another process listens on the port, so we can say so before any banner.

    Binds the way uvicorn will (SO_REUSEADDR, so a socket in TIME_WAIT does not count) and
    lets go at once; a process that takes the port in between still meets uvicorn's error.
    """
    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return True
    return False


def _announce_simulator_account(simulator: Simulator) -> None:
    # The embedded simulator's play-money account, to type into the account form. Only this
    # one: a PAPER or REAL account's keys never reach the console.
    account = simulator.accounts[0]
    typer.echo(ko.CLI_SERVE_SIM_ACCOUNT)
    typer.echo(ko.CLI_SERVE_SIM_KEY.format(app_key=account.app_key))
    typer.echo(ko.CLI_SERVE_SIM_SECRET.format(app_secret=account.app_secret))
    typer.echo(ko.CLI_SERVE_SIM_NUMBER.format(number=account.number, hts_id=account.hts_id))
    typer.echo(ko.CLI_SIM_FAULTS.format(url=simulator.rest_url))


def serve(
    host: Annotated[str | None, typer.Option(help=ko.CLI_SERVE_HOST_HELP)] = None,
    port: Annotated[int | None, typer.Option(help=ko.CLI_SERVE_PORT_HELP)] = None,
) -> None:
    import uvicorn

    from hantu.entrypoints.web.app import create_app
    from hantu.entrypoints.web.runtime import Runtime

    try:
        overrides = {k: v for k, v in {"web_host": host, "web_port": port}.items() if v}
        settings = load_settings(**overrides)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if port_taken(settings.web_host, settings.web_port):
        typer.echo(ko.CLI_SERVE_PORT_TAKEN.format(port=settings.web_port), err=True)
        raise typer.Exit(1)

    def announce(runtime: Runtime) -> None:
        freeze_startup_objects()  # the app is built; uvicorn binds right after this hook
        state = runtime.state
        typer.echo(f"{ko.CLI_SERVE_BANNER}: {state.public_url}/")
        simulator, demo = runtime.simulator, runtime.demo
        if simulator is not None:
            urls = {"rest_url": simulator.rest_url, "ws_url": simulator.ws_url}
            typer.echo(ko.CLI_SERVE_SIMULATOR.format(**urls))
            _announce_simulator_account(simulator)
        if runtime.external_simulator is not None:
            external = " ".join(runtime.external_simulator)
            typer.echo(ko.CLI_SERVE_EXTERNAL_SIMULATOR.format(urls=external))
        if demo is not None:
            typer.echo(
                ko.CLI_SERVE_DEMO_LOGIN.format(username=demo.username, password=demo.password)
            )
            typer.echo(ko.CLI_SERVE_DEMO_WEBHOOK)
            typer.echo("  " + _demo_curl(state.webhook_url(), demo.token))

    configure_logging(settings.log_level)
    app = create_app(settings, on_ready=announce)
    uvicorn.run(
        app,
        host=settings.web_host,
        port=settings.web_port,
        log_config=None,  # keep the masking handler configured above
        log_level=settings.log_level.lower(),
        access_log=False,
        **SERVER_OPTIONS,
    )


UsernameArgument = Annotated[str, typer.Argument(help=ko.CLI_USERNAME_HELP)]
PasswordOption = Annotated[
    str,
    typer.Option(
        prompt=ko.CLI_PASSWORD_PROMPT,
        confirmation_prompt=ko.CLI_PASSWORD_REPEAT,
        hide_input=True,
        help=ko.CLI_PASSWORD_HELP,
    ),
]


@users_app.command("create", help=ko.CLI_USERS_CREATE_HELP)
def create_user(username: UsernameArgument, password: PasswordOption) -> None:
    from hantu.bootstrap import build
    from hantu.service_layer import accounts as accounts_service

    async def run() -> None:
        settings = load_settings()
        async with build(settings).accounts_only() as deps:
            user = await accounts_service.create_user(deps, username, password)
            form = env_broker_account(settings)
            if form is not None:
                # The operator's own keys from the environment; `hantu check` tests them.
                await accounts_service.add_broker_account(deps, user.id, form, check_keys=False)
                typer.echo(ko.CLI_ENV_ACCOUNT_ADDED.format(name=form.name))

    try:
        asyncio.run(run())
    except (DomainError, ConfigError) as exc:
        message = ko.USERNAME_TAKEN if isinstance(exc, NameTaken) else ko.explain_invalid(exc)
        typer.echo(message, err=True)
        raise typer.Exit(1) from None
    typer.echo(ko.CLI_USER_CREATED.format(username=username))


@users_app.command("passwd", help=ko.CLI_USERS_PASSWD_HELP)
def change_password(username: UsernameArgument, password: PasswordOption) -> None:
    from hantu.bootstrap import build
    from hantu.service_layer import logins

    async def run() -> None:
        async with build(load_settings()).accounts_only() as deps:
            await logins.reset_password(deps, username, password)

    try:
        asyncio.run(run())
    except (DomainError, ConfigError) as exc:
        message = ko.CLI_USER_NOT_FOUND.format(username=username)
        unknown = type(exc).__name__ == "NotFound"
        typer.echo(message if unknown else ko.explain_invalid(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(ko.CLI_PASSWORD_CHANGED.format(username=username))


def register(app: typer.Typer) -> None:
    """Attach the server and user commands to the root app."""
    app.command("serve", help=ko.CLI_SERVE_HELP)(serve)
    app.add_typer(users_app, name="users")
