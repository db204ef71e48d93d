"""Start-up objects out of the garbage collector's way, for long-running processes."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Move everything built so far to the permanent generation.

    Everything built at start-up (~150k objects: modules, the app, its routes and pools)
    lives until exit; frozen, it is no longer scanned by every later full collection
    (measured: a full collection under load drops from ~110 ms to ~5 ms, a pause that would
    otherwise land in the webhook p99 and in an exit's tick-to-sell time). Called by the
    entry points, not the runtime, because tests start many apps in one process.
    """
    gc.collect()
    gc.freeze()
