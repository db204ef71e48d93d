"""What a refusal fault answers when it is asked for without its own code and message.

Shared by the simulator's faults and `hantu sim-fault`: the command line (every `hantu`
command loads it) must not import the matching engine and its KRX calendar for two strings.
"""

DEFAULT_REJECT_CODE = "APBK0919"
DEFAULT_REJECT_MESSAGE = "주문이 거부되었습니다."
