"""Defaults `hantu sim-fault` shares with the simulator: where the control API listens, and
what a refusal fault answers when it is asked for without its own code and message.

The command line (every `hantu` command, the standalone monitor among them, loads it) must
not import the matching engine, its KRX calendar or an HTTP client for a few strings.
"""

DEFAULT_URL = "http://127.0.0.1:9443"

DEFAULT_REJECT_CODE = "APBK0919"
DEFAULT_REJECT_MESSAGE = "주문이 거부되었습니다."
