#!/usr/bin/env bash
# The whole test suite: lint, types, then pytest on SQLite and PostgreSQL (and the browser).
# Starts PostgreSQL when it is installed but not running and installs Chromium when missing;
# the tests create and drop their own throwaway database.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

bash scripts/ensure-services.sh

echo "== ruff"
$BIN/ruff check src tests bench
$BIN/ruff format --check src tests bench
echo "== mypy"
$BIN/mypy src
echo "== pytest"
# One worker per core: most tests wait on sockets, timers, the simulator and Chromium, so two
# workers halve the wall time. Each worker has its own PostgreSQL database and SQLite files.
$BIN/pytest -q -n 2 "$@"
