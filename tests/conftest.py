"""Shared pytest configuration; fixtures live in tests/fixtures, one module per real part."""

import os

from hypothesis import settings

pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.kis_simulator",
    "tests.fixtures.notify_servers",
]

# CI runs are reproducible; local runs explore new examples each time.
settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The embedded simulator walks its prices by default (for `hantu serve`); tests assert on
# fixed prices unless one turns the walk on itself. Subprocesses inherit this.
os.environ.setdefault("HANTU_SIMULATOR_WALK_SECONDS", "0")
