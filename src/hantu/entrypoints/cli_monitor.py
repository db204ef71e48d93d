"""`hantu monitor start|stop|status|restart`: the running server's monitor, over loopback.

The command presents the local admin token the server wrote into its data dir (0600) to
`/api/monitor` on 127.0.0.1. When no server answers, `start` and `restart` turn this process
into the standalone monitor process (`monitor_process`: the application without its web
server) until Ctrl-C; `status` says that no server runs and exits 3; `stop` has nothing to
stop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import sys
from typing import Annotated, Any, NoReturn

import aiohttp
import typer
import yarl

from hantu.adapters.local_token import HEADER, read_local_token
from hantu.config import Settings, load_settings
from hantu.entrypoints import monitor_process
from hantu.entrypoints.monitor_lines import status_lines
from hantu.errors import ConfigError
from hantu.messages_ko import monitor_panel as text

NO_SERVER_EXIT = 3
TIMEOUT = 15.0  # a restart waits for the positions to load
monitor_app = typer.Typer(help=text.CLI_MONITOR_HELP, no_args_is_help=True)
UrlOption = Annotated[str | None, typer.Option("--url", help=text.CLI_MONITOR_URL_HELP)]


class NoServer(Exception):
    """No server answers on loopback, or none wrote a token for this data dir."""


def server_url(settings: Settings) -> str:
    """The server on this machine, reached over loopback whatever address it listens on."""
    host = "[::1]" if settings.web_host == "::1" else "127.0.0.1"
    return f"http://{host}:{settings.web_port}"


def loopback_url(url: str) -> bool:
    """Whether `--url` names this machine: the token must never travel anywhere else."""
    try:
        host = yarl.URL(url).host or ""
    except ValueError:  # not a URL at all: nowhere the token may go
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def call_server(settings: Settings, method: str, action: str, url: str | None) -> dict[str, Any]:
    """One request to the running server's monitor API; `NoServer` when none answers."""
    if url is not None and not loopback_url(url):
        typer.echo(text.LOCAL_TOKEN_REMOTE)
        raise typer.Exit(2)
    token = read_local_token(settings.data_dir)
    if token is None:
        raise NoServer
    path = "/api/monitor" if action == "status" else f"/api/monitor/{action}"
    target = (url or server_url(settings)) + path
    status, reason, content = asyncio.run(_request(method, target, token))
    try:
        parsed = json.loads(content) if content else {}
    except ValueError:  # something else listens on the port
        parsed = {}
    body: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
    if status != 200 or "state" not in body:
        message = str(body.get("error", reason))
        typer.echo(text.CLI_SERVER_REFUSED.format(status=status, message=message))
        raise typer.Exit(1)
    return body


async def _request(method: str, target: str, token: str) -> tuple[int, str, bytes]:
    # aiohttp, which the monitor loads anyway. trust_env stays off: never through an
    # HTTP(S)_PROXY of the environment, token and all.
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, trust_env=False) as session,
            session.request(method, target, headers={HEADER: token}) as response,
        ):
            return response.status, response.reason or "", await response.read()
    except aiohttp.ClientConnectorError as exc:  # nothing listens: no server
        raise NoServer from exc
    except (TimeoutError, aiohttp.ClientError) as exc:  # there, but did not answer in time
        typer.echo(text.CLI_SERVER_SILENT.format(error=type(exc).__name__))
        raise typer.Exit(1) from exc


def _print(body: dict[str, Any]) -> None:
    if body.get("message"):
        typer.echo(body["message"])
    for line in status_lines(body):
        typer.echo(line)


def _run_standalone() -> NoReturn:
    """This process becomes the standalone monitor process (`monitor_process`): same process
    id, terminal and environment, without the command line loaded."""
    sys.stdout.flush()
    sys.stderr.flush()
    argv = monitor_process.command()
    os.execv(argv[0], argv)  # noqa: S606 - this interpreter, our own module, no shell


def _act(action: str, url: str | None) -> None:
    settings = _settings()
    try:
        body = call_server(settings, "POST", action, url)
    except NoServer:
        if action == "stop":
            typer.echo(text.CLI_NO_SERVER_STATUS)
            return
        typer.echo(text.CLI_NO_SERVER)
        _run_standalone()
    _print(body)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


@monitor_app.command("status", help=text.CLI_MONITOR_STATUS_HELP)
def status(
    url: UrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help=text.CLI_MONITOR_JSON_HELP)] = False,
) -> None:
    settings = _settings()
    try:
        body = call_server(settings, "GET", "status", url)
    except NoServer:
        if as_json:
            typer.echo(json.dumps({"success": False, "server": False}))
        else:
            typer.echo(text.CLI_NO_SERVER_STATUS)
        raise typer.Exit(NO_SERVER_EXIT) from None
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    _print(body)


@monitor_app.command("start", help=text.CLI_MONITOR_START_HELP)
def start(url: UrlOption = None) -> None:
    _act("start", url)


@monitor_app.command("stop", help=text.CLI_MONITOR_STOP_HELP)
def stop(url: UrlOption = None) -> None:
    _act("stop", url)


@monitor_app.command("restart", help=text.CLI_MONITOR_RESTART_HELP)
def restart(url: UrlOption = None) -> None:
    _act("restart", url)


def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")
