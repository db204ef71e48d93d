"""hantu: trading automation for Korean stocks through the KIS Open API."""

import sys

__version__ = "0.1.0"

# httpx's package init imports its command-line client (`httpx._main`, with click, rich and
# pygments: ~5.5 MB resident in every process) whenever click is installed, which typer
# ensures. hantu never runs httpx's command line; a None entry makes that one import fail the
# way httpx allows for (it then defines a `main` saying the CLI extras are missing). Set
# before anything of ours imports httpx (python-telegram-bot, the simulator control client); a
# process that loaded httpx first keeps its own.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
