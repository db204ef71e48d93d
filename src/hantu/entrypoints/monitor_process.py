"""The standalone monitor process: `python -m hantu.entrypoints.monitor_process`.

`hantu monitor start` (or `restart`) with no server to talk to replaces itself with this
module (`os.execv`, same process id, terminal and signals), so the process that then protects
positions all day carries neither the command line (Typer and its helpers) nor the other
commands' modules: ~3 MB of resident memory (bench/monitor.py measures this process).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hantu.bootstrap import App, build
from hantu.config import Settings, load_settings
from hantu.entrypoints.monitor_lines import standalone_body, status_lines
from hantu.entrypoints.startup_gc import freeze_startup_objects
from hantu.errors import ConfigError
from hantu.logs import configure_logging
from hantu.messages_ko import monitor_panel as text
from hantu.service_layer.monitor_control import Actor

CONFIG_EXIT = 2
MODULE = "hantu.entrypoints.monitor_process"  # also its name when run as `__main__`


def command() -> list[str]:
    """The argument vector that starts this process with the running interpreter."""
    return [sys.executable, "-m", MODULE]


@asynccontextmanager
async def standalone_monitor(settings: Settings) -> AsyncIterator[App]:
    """The application built without its web server, its monitor (if enabled) started, and
    its start-up objects frozen, as a process that then runs all day."""
    async with build(settings) as application:
        runtime = application.monitor_runtime
        if runtime is not None:
            await runtime.control.start(Actor.PERSON)
            freeze_startup_objects()  # as `hantu serve` does: no full collection mid-exit
        yield application


async def run_standalone(settings: Settings) -> None:
    """The monitor started now and its status printed, until cancelled (Ctrl-C)."""
    async with standalone_monitor(settings) as application:
        runtime = application.monitor_runtime
        if runtime is None:
            _say(text.MONITOR_DISABLED)
            return
        _say(*status_lines(standalone_body(await runtime.control.status())))
        await asyncio.Event().wait()


def _say(*lines: str) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    sys.stdout.flush()  # at once, even into a pipe: whoever started it reads the status


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return CONFIG_EXIT
    configure_logging(settings.log_level)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_standalone(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
