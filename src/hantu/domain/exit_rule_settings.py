"""Exit rules as people set them: layered settings → strategy → position, resolved to rules.

A layer is a partial mapping of the fields below; a field absent from a layer is inherited
from the layer under it, a field present with None switches that rule off (so a position can
turn off a stop its strategy has). The environment's settings are the bottom layer and carry
every field. `support_price` (a fixed add-buy support) belongs to a position alone: a price
means nothing for every symbol a strategy holds, so it is neither set on nor inherited from
a strategy. Pure: the web API validates with `parse_layer`, the monitor resolves with
`resolve` and `ExitPlan.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from hantu.domain.exits import ExitPricing, ExitRules
from hantu.domain.values import is_on_tick

PCT_FIELDS = ("stop_loss_pct", "take_profit_pct", "trailing_pct")
K_FIELDS = ("atr_stop_k", "atr_take_k", "atr_trail_k")
POSITION_FIELDS = ("support_price",)
FIELDS = (
    *PCT_FIELDS,
    "pricing",
    "ticks_through",
    "atr_enabled",
    *K_FIELDS,
    "atr_period",
    *POSITION_FIELDS,
)
STRATEGY_FIELDS = tuple(field for field in FIELDS if field not in POSITION_FIELDS)
MAX_TICKS_THROUGH = 20
MAX_ATR_PERIOD = 100
DEFAULT_ATR_PERIOD = 14
_HUNDRED = Decimal(100)
_MAX_K = Decimal(20)
_MAX_PRICE = Decimal(100_000_000)  # far above any KRX share price: a typo, not a support

Layer = Mapping[str, object]


class RuleInvalid(ValueError):
    """A field of an exit-rule layer that cannot be stored; `reason` is a stable code the
    web layer turns into Korean (`messages_ko.exit_rules`)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _decimal(field: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal, float)):
        raise RuleInvalid(field, "not_a_number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RuleInvalid(field, "not_a_number") from None
    if not number.is_finite():
        raise RuleInvalid(field, "not_a_number")
    return number


def _integer(field: str, value: object, low: int, high: int) -> int:
    number = _decimal(field, value)
    if number != number.to_integral_value():
        raise RuleInvalid(field, "not_an_integer")
    if not low <= number <= high:
        raise RuleInvalid(field, "out_of_range")
    return int(number)


def _positive(field: str, value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _decimal(field, value)
    if number <= 0:
        raise RuleInvalid(field, "not_positive")
    return number


def _amount(field: str, value: object) -> Decimal | None:
    number = _positive(field, value)
    if number is None:
        return None
    if field in K_FIELDS and number > _MAX_K:
        raise RuleInvalid(field, "out_of_range")
    if field in ("stop_loss_pct", "trailing_pct") and number >= _HUNDRED:
        raise RuleInvalid(field, "below_hundred")
    if field == "take_profit_pct" and number > 10 * _HUNDRED:
        raise RuleInvalid(field, "out_of_range")
    return number.normalize() if number == number.to_integral_value() else number


def _price(field: str, value: object) -> Decimal | None:
    number = _positive(field, value)
    if number is None:
        return None
    if number >= _MAX_PRICE:
        raise RuleInvalid(field, "out_of_range")
    if not is_on_tick(number):
        raise RuleInvalid(field, "off_tick")
    return number.quantize(Decimal(1))


def _pricing(field: str, value: object) -> str:
    try:
        return ExitPricing(str(value)).value
    except ValueError:
        raise RuleInvalid(field, "unknown_pricing") from None


def _flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise RuleInvalid(field, "not_a_bool")
    return value


def parse_field(field: str, value: object) -> object:
    """One field's stored value, or RuleInvalid. Blank percentages and multipliers are off."""
    if field in PCT_FIELDS or field in K_FIELDS:
        return _amount(field, value)
    if field == "pricing":
        return _pricing(field, value)
    if field == "ticks_through":
        return _integer(field, value, 0, MAX_TICKS_THROUGH)
    if field == "atr_period":
        return _integer(field, value, 2, MAX_ATR_PERIOD)
    if field == "atr_enabled":
        return _flag(field, value)
    if field == "support_price":
        return _price(field, value)
    raise RuleInvalid(field, "unknown_field")


def parse_layer(raw: Mapping[str, object], *, position: bool = False) -> dict[str, object]:
    """A validated layer (whole or nothing: the first bad field raises); a strategy's layer
    (`position=False`) refuses the position-only fields."""
    if not position:
        for field in POSITION_FIELDS:
            if field in raw:
                raise RuleInvalid(field, "position_only")
    layer = {field: parse_field(field, value) for field, value in raw.items()}
    if layer.get("atr_enabled") is True and layer.get("atr_stop_k", 0) is None:
        raise RuleInvalid("atr_stop_k", "needed_for_atr")
    return layer


def settings_layer(
    *,
    stop_loss_pct: Decimal | None,
    take_profit_pct: Decimal | None,
    trailing_pct: Decimal | None,
    pricing: str,
    ticks_through: int,
    atr_enabled: bool,
    atr_stop_k: Decimal,
    atr_take_k: Decimal | None,
    atr_period: int,
    atr_trail_k: Decimal | None = None,
) -> dict[str, object]:
    """The bottom layer, every field present (from the environment's settings; no fixed
    support price, which only a position has)."""
    return {
        "stop_loss_pct": stop_loss_pct,
        "take_profit_pct": take_profit_pct,
        "trailing_pct": trailing_pct,
        "pricing": pricing,
        "ticks_through": ticks_through,
        "atr_enabled": atr_enabled,
        "atr_stop_k": atr_stop_k,
        "atr_take_k": atr_take_k,
        "atr_trail_k": atr_trail_k,
        "atr_period": atr_period,
        "support_price": None,
    }


@dataclass(frozen=True, slots=True)
class ExitPlan:
    """The effective settings of one position; `rules(atr)` makes the evaluator's rules.

    In ATR mode the levels are avg − k·ATR and avg + k'·ATR, and the trailing stop sits
    k''·ATR below the highest price since entry; while no ATR is known (too few candles, the
    broker did not answer) the fixed percentages protect the position instead.
    `support_price` is not an exit level: the add-buy watcher reads it.
    """

    stop_loss_pct: Decimal | None
    take_profit_pct: Decimal | None
    trailing_pct: Decimal | None
    pricing: ExitPricing
    ticks_through: int
    atr_enabled: bool
    atr_stop_k: Decimal | None
    atr_take_k: Decimal | None
    atr_trail_k: Decimal | None
    atr_period: int
    support_price: Decimal | None

    def rules(self, atr: Decimal | None = None) -> ExitRules:
        by_atr = self.atr_enabled and atr is not None and atr > 0
        return ExitRules(
            stop_loss_pct=None if by_atr and self.atr_stop_k else self.stop_loss_pct,
            take_profit_pct=None if by_atr and self.atr_take_k else self.take_profit_pct,
            stop_atr_k=self.atr_stop_k if by_atr else None,
            take_atr_k=self.atr_take_k if by_atr else None,
            trailing_pct=None if by_atr and self.atr_trail_k else self.trailing_pct,
            trailing_atr_k=self.atr_trail_k if by_atr else None,
            pricing=self.pricing,
            ticks_through=self.ticks_through,
        )

    def as_layer(self) -> dict[str, object]:
        return {field: getattr(self, field) for field in FIELDS} | {"pricing": self.pricing.value}


def resolve(
    settings: Layer, strategy: Layer | None = None, position: Layer | None = None
) -> ExitPlan:
    """Position over strategy over settings, field by field (a support price: the
    position's own or none)."""
    merged: dict[str, object] = dict(settings) | {"support_price": None}
    for layer, scope in ((strategy, STRATEGY_FIELDS), (position, FIELDS)):
        if layer:
            merged.update({k: v for k, v in layer.items() if k in scope})
    missing = [field for field in FIELDS if field not in merged]
    if missing:
        raise RuleInvalid(missing[0], "missing_default")
    period = merged["atr_period"]
    ticks = merged["ticks_through"]
    return ExitPlan(
        stop_loss_pct=_optional(merged["stop_loss_pct"]),
        take_profit_pct=_optional(merged["take_profit_pct"]),
        trailing_pct=_optional(merged["trailing_pct"]),
        pricing=ExitPricing(str(merged["pricing"])),
        ticks_through=ticks if isinstance(ticks, int) else 0,
        atr_enabled=merged["atr_enabled"] is True,
        atr_stop_k=_optional(merged["atr_stop_k"]),
        atr_take_k=_optional(merged["atr_take_k"]),
        atr_trail_k=_optional(merged["atr_trail_k"]),
        atr_period=period if isinstance(period, int) else DEFAULT_ATR_PERIOD,
        support_price=_optional(merged["support_price"]),
    )


def _optional(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def to_json(layer: Layer) -> dict[str, object]:
    """A layer as stored (decimals as strings: exact on every database)."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in layer.items()}


def from_json(stored: Mapping[str, object]) -> dict[str, object]:
    """A stored layer read back; fields a newer version dropped are ignored."""
    return parse_layer({k: v for k, v in stored.items() if k in FIELDS}, position=True)
