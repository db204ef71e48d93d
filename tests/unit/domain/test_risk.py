from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hantu.domain import risk
from hantu.domain.enums import Side
from hantu.domain.values import Money, Symbol

SAMSUNG = Symbol("005930")
HYNIX = Symbol("000660")


def _check(side: Side = Side.BUY, notional: int | None = 1_000_000, **kw: object) -> list[str]:
    snapshot = risk.RiskSnapshot(
        realized_pnl_today=Money(kw.get("pnl", 0)),
        exposure_by_symbol=kw.get("exposure", {}),  # type: ignore[arg-type]
        open_positions=frozenset(kw.get("open", set())),  # type: ignore[arg-type]
    )
    limits = risk.RiskLimits(
        daily_loss_limit=Money(500_000),
        max_symbol_exposure=Money(5_000_000),
        max_open_positions=2,
    )
    found = risk.check(
        symbol=SAMSUNG,
        side=side,
        notional=None if notional is None else Decimal(notional),
        snapshot=snapshot,
        limits=limits,
    )
    return [str(v) for v in found]


def test_risk_within_limits_passes() -> None:
    assert _check() == []


def test_risk_daily_loss_reached_names_rule_and_numbers() -> None:
    (violation,) = _check(pnl=-500_000)
    assert violation.startswith("daily_loss_limit")
    assert "500,000" in violation


def test_risk_symbol_exposure_over_limit_is_refused() -> None:
    (violation,) = _check(notional=1_000_000, exposure={SAMSUNG: Money(4_500_000)})
    assert violation == "max_symbol_exposure: 005930 exposure would be 5,500,000 > limit 5,000,000"


def test_risk_new_symbol_beyond_max_positions_is_refused() -> None:
    (violation,) = _check(open={HYNIX, Symbol("035720")})
    assert violation == "max_open_positions: 2 positions open, limit 2"


def test_risk_adding_to_an_open_symbol_ignores_position_count() -> None:
    assert _check(open={HYNIX, SAMSUNG}) == []


def test_risk_sells_always_pass() -> None:
    assert _check(side=Side.SELL, pnl=-9_000_000, open={HYNIX, Symbol("035720")}) == []


def test_risk_rules_switched_off_pass() -> None:
    found = risk.check(
        symbol=SAMSUNG,
        side=Side.BUY,
        notional=Decimal(10**12),
        snapshot=risk.RiskSnapshot(realized_pnl_today=Money(-(10**9))),
        limits=risk.RiskLimits(),
    )
    assert found == []


def test_risk_buy_without_a_value_is_refused_under_an_exposure_limit() -> None:
    (violation,) = _check(notional=None)
    assert violation == "max_symbol_exposure: 005930: no price to value the order"


def test_sell_capacity_counts_open_sells_against_the_position() -> None:
    capacity = risk.SellCapacity(held=Decimal(1), open_sells=Decimal(1))

    assert capacity.free == 0
    assert capacity.shortfall(Decimal(1)) == 1
    assert risk.SellCapacity(open_sells=Decimal(2)).shortfall(Decimal(1)) == 3


def test_sell_capacity_within_the_position_has_no_shortfall() -> None:
    capacity = risk.SellCapacity(held=Decimal(5), open_sells=Decimal(2))

    assert capacity.shortfall(Decimal(3)) == 0
    assert capacity.shortfall(Decimal(4)) == 1


def test_sell_capacity_adopts_only_the_shortfall_out_of_the_broker_surplus() -> None:
    capacity = risk.SellCapacity(held=Decimal(1), held_on_broker_account=Decimal(3))

    assert capacity.adoptable(Decimal(5), broker_quantity=Decimal(100)) == 4
    assert capacity.adoptable(Decimal(5), broker_quantity=Decimal(7)) == 4  # 7 - 3 held by hantu
    assert capacity.adoptable(Decimal(5), broker_quantity=Decimal(6)) == 0  # 3 short: none


@given(
    st.integers(0, 50),
    st.integers(0, 50),
    st.integers(0, 50),
    st.integers(1, 50),
    st.integers(0, 200),
)
def test_sell_capacity_adoption_never_exceeds_need_or_surplus(
    held: int, open_sells: int, others: int, asked: int, broker: int
) -> None:
    capacity = risk.SellCapacity(
        held=Decimal(held),
        open_sells=Decimal(open_sells),
        held_on_broker_account=Decimal(held + others),
    )

    adopted = capacity.adoptable(Decimal(asked), Decimal(broker))

    assert adopted in (0, capacity.shortfall(Decimal(asked)))  # all that is needed, or none
    assert adopted <= max(broker - held - others, 0)
    covered = risk.SellCapacity(held=Decimal(held) + adopted, open_sells=Decimal(open_sells))
    if broker - held - others >= capacity.shortfall(Decimal(asked)):
        assert covered.shortfall(Decimal(asked)) == 0
