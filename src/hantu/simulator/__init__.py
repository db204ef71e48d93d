"""The KIS simulator: a local server speaking the KIS Open API REST and WebSocket protocol.

A product part, not a test toy (DESIGN.md): any KIS client works against it by changing
its URLs alone. It never imports `hantu.adapters.kis`, so a misunderstanding of the
protocol cannot hide in shared code.

- `server.Simulator`  REST + WebSocket on loopback ports (0 = free ports), start/stop
- `accounts`          KIS-shaped credentials; a TOML/JSON accounts file; the demo account
- `feed`              scriptable prices on the tick grid; seeded random walk; halts and VI
- `matching`          the matching engine: limit/market, partial fills, modify, cancel
- `faults`            drops, refusals, slow answers, injected rejections, rate limits
- `control`           the same faults over HTTP at `/__sim__/...` (loopback only), plus
                      `GET /__sim__/state`; `control_client` drives it for `hantu sim-fault`
- `gateway`           tokens (once a minute), approval keys, per-app-key rate limiting
- `rest*`, `ws*`      the wire: envelopes, TR IDs, pagination, frames, AES notices

Market hours are not enforced unless asked (`market_hours=True`, `hantu sim
--market-hours`): tests and a newcomer's demo must work at any hour.
"""
