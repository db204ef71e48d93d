"""A separate hantu process asking for a KIS access token (for the one-token contract test).

Reads one JSON line on stdin (rest_url, ws_url, app_key, app_secret, account, cache_dir,
start_at); waits until `start_at` (epoch seconds) so that the processes race; prints one
JSON line: the token it got and how many it issued itself.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from hantu.adapters.clock import SystemClock
from hantu.adapters.kis.auth import KisAuth, KisCredentials
from hantu.adapters.kis.environments import profile_for
from hantu.adapters.kis.transport import KisHttp
from hantu.config import KisEnvironment


async def main() -> None:
    job = json.loads(sys.stdin.readline())
    profile = profile_for(
        KisEnvironment.SIMULATOR, rest_base_url=job["rest_url"], ws_url=job["ws_url"]
    )
    credentials = KisCredentials(job["app_key"], job["app_secret"], job["account"])
    async with KisHttp(trust_env=False, timeout=5) as http:
        auth = KisAuth(http, profile, credentials, SystemClock(), cache_dir=Path(job["cache_dir"]))
        await asyncio.sleep(max(0.0, job["start_at"] - time.time()))
        token = await auth.access_token()
    print(json.dumps({"token": token, "issued": auth.issued}))  # noqa: T201


if __name__ == "__main__":
    asyncio.run(main())
