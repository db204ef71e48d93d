"""The matching engine: resting limit and market orders filled against the feed's trades.

Pure and synchronous: the REST layer calls `place`/`modify`/`cancel`, the feed calls
`on_trade`, and every accepted order, modify, cancel and fill is announced to the
`notice_listeners` (the WebSocket server turns them into H0STCNI0/H0STCNI9 notices).

Rules, kept simple and stated here so tests can rely on them:
- A marketable order (market, or a limit at or through the last price) fills at the last
  price when it arrives; what is left rests. A resting limit order fills at its own limit
  price when a trade reaches it; a resting market order fills at the trade price.
- Each price step (and each arrival) fills at most the symbol's `liquidity` shares
  (None = unlimited), in time priority, which is how partial fills happen.
- A halt or a VI pauses matching; orders are still accepted.
- Buys reserve cash (limit: qty × price; market: qty × upper limit, as KIS does, reference
  §4.1); sells reserve shares. No fees or taxes are charged.
- A modify or cancel is a new order number pointing back at the original (`orgn_odno`);
  a modify loses time priority.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from hantu.domain.enums import Side
from hantu.domain.values import is_on_tick
from hantu.service_layer.ports import Clock
from hantu.simulator.accounts import Account, Holding
from hantu.simulator.calendar import is_regular_session
from hantu.simulator.feed import PriceFeed, SymbolState, Trade

LIMIT = "00"  # ORD_DVSN limit (지정가)
MARKET = "01"  # ORD_DVSN market (시장가)


class OrderRejected(Exception):
    """A KIS-style business rejection: `rt_cd` 1 with this `msg_cd` and `msg1`."""

    def __init__(self, msg_cd: str, msg1: str) -> None:
        super().__init__(f"{msg_cd} {msg1}")
        self.msg_cd = msg_cd
        self.msg1 = msg1


# APBK0919 is overloaded at KIS (insufficient cash and market closed alike; reference §5.2,
# gotcha 17); APBK0918 is seen for insufficient quantity; APBK0656 for unknown products.
# The tick, band, order-type and nothing-to-cancel codes are not in the reference: the
# codes below are the simulator's own choice, with KIS-like wording in msg1.
MARKET_CLOSED = ("APBK0919", "장운영시간이 아닙니다.")
NO_CASH = ("APBK0919", "주문가능금액을 초과 했습니다")
NO_SHARES = ("APBK0918", "주문가능수량을 초과 했습니다")
UNKNOWN_SYMBOL = ("APBK0656", "해당 종목정보가 없습니다.")
BAD_TICK = ("APBK0507", "호가단위 오류입니다. 주문가격을 확인하세요.")
OUT_OF_BAND = ("APBK0508", "주문가격이 상하한가를 벗어났습니다.")
BAD_TYPE = ("APBK0510", "주문구분이 올바르지 않습니다.")
BAD_QTY = ("APBK0511", "주문수량이 올바르지 않습니다.")
NOT_CANCELLABLE = ("APBK0344", "정정취소 가능수량이 없습니다.")


@dataclass(slots=True)
class SimOrder:
    """One order row as KIS keeps it (new, modify or cancel)."""

    odno: str
    branch: str
    account: Account
    symbol: str
    side: Side
    ord_dvsn: str
    qty: int
    price: Decimal
    placed_at: datetime
    orgn_odno: str = ""
    action: str = "new"  # new | modify | cancel
    reserve_unit: Decimal = Decimal(0)
    filled_qty: int = 0
    filled_amount: Decimal = Decimal(0)
    cancelled_qty: int = 0
    moved_qty: int = 0
    rejected_qty: int = 0
    fills: list[tuple[int, Decimal, datetime]] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        if self.action == "cancel":
            return 0
        taken = self.filled_qty + self.cancelled_qty + self.moved_qty + self.rejected_qty
        return self.qty - taken

    @property
    def is_open(self) -> bool:
        return self.remaining > 0

    @property
    def avg_price(self) -> Decimal:
        if not self.filled_qty:
            return Decimal(0)
        return (self.filled_amount / self.filled_qty).quantize(Decimal(1))


@dataclass(frozen=True, slots=True)
class Notice:
    """An execution notice: an acceptance (order/modify/cancel) or a fill."""

    order: SimOrder
    is_fill: bool
    qty: int
    price: Decimal
    at: datetime
    rejected: bool = False


NoticeListener = Callable[[Notice], None]


class MatchingEngine:
    """Accounts, order books and fills for the simulator."""

    def __init__(
        self,
        feed: PriceFeed,
        clock: Clock,
        accounts: Iterable[Account],
        *,
        market_hours: bool = False,
        branch: str = "06010",
    ) -> None:
        self.feed = feed
        self._clock = clock
        self.market_hours = market_hours
        self._branch = branch
        self._accounts = {a.app_key: a for a in accounts}
        self._orders: dict[str, SimOrder] = {}
        self._books: dict[str, list[SimOrder]] = {}
        self._next_odno = 1
        self.exchange_rejects = 0
        self.notice_listeners: list[NoticeListener] = []
        feed.trade_listeners.append(self.on_trade)

    # --- accounts ------------------------------------------------------------------------

    @property
    def accounts(self) -> list[Account]:
        return list(self._accounts.values())

    def add_account(self, account: Account) -> None:
        """Open another account (its app key must be new)."""
        if account.app_key in self._accounts:
            raise ValueError("an account with this app key exists already")
        self._accounts[account.app_key] = account

    def account_for_key(self, app_key: str) -> Account | None:
        return self._accounts.get(app_key)

    def orders_of(self, account: Account) -> list[SimOrder]:
        """Every order row of the account, oldest first."""
        return [o for o in self._orders.values() if o.account is account]

    def order(self, odno: str) -> SimOrder | None:
        return self._orders.get(odno)

    # --- commands ------------------------------------------------------------------------

    def place(
        self, account: Account, symbol: str, side: Side, ord_dvsn: str, qty: int, price: Decimal
    ) -> SimOrder:
        """Accept a new order or raise `OrderRejected` as KIS would."""
        self._check_open()
        state = self._state(symbol)
        self._check_qty(qty)
        price = self._check_price(state, ord_dvsn, price)
        unit = price if ord_dvsn == LIMIT else state.upper
        if side is Side.BUY:
            self._reserve_cash(account, unit * qty)
        else:
            self._reserve_shares(account, symbol, qty)
        order = self._new_order(account, symbol, side, ord_dvsn, qty, price)
        order.reserve_unit = unit if side is Side.BUY else Decimal(0)
        if self.exchange_rejects > 0:
            self._reject_at_exchange(order)
            return order
        self._accept(order)
        return order

    def _reject_at_exchange(self, order: SimOrder) -> None:
        # Accepted by the REST gateway, then refused downstream: the answer said success,
        # only the notice (RFUS_YN=1) and the daily orders (rjct_qty) tell the truth.
        self.exchange_rejects -= 1
        self._orders[order.odno] = order
        self._release(order, order.qty)
        order.rejected_qty = order.qty
        self._announce(Notice(order, False, order.qty, order.price, order.placed_at, True))

    def modify(
        self, account: Account, orgn_odno: str, ord_dvsn: str, qty: int | None, price: Decimal
    ) -> SimOrder:
        """Move (part of) an open order to a new price/type under a new order number."""
        self._check_open()
        original = self._open_order(account, orgn_odno)
        moved = self._portion(original, qty)
        state = self._state(original.symbol)
        price = self._check_price(state, ord_dvsn, price)
        unit = price if ord_dvsn == LIMIT else state.upper
        if original.side is Side.BUY:
            extra = unit * moved - original.reserve_unit * moved
            if extra > account.available_cash:
                raise OrderRejected(*NO_CASH)
            account.reserved_cash += extra
        original.moved_qty += moved
        order = self._new_order(account, original.symbol, original.side, ord_dvsn, moved, price)
        order.orgn_odno, order.action = original.odno, "modify"
        order.reserve_unit = unit if original.side is Side.BUY else Decimal(0)
        self._accept(order)
        return order

    def cancel(self, account: Account, orgn_odno: str, qty: int | None) -> SimOrder:
        """Cancel (part of) an open order; the cancel gets its own order number."""
        original = self._open_order(account, orgn_odno)
        cancelled = self._portion(original, qty)
        original.cancelled_qty += cancelled
        self._release(original, cancelled)
        order = self._new_order(
            account, original.symbol, original.side, original.ord_dvsn, cancelled, original.price
        )
        order.orgn_odno, order.action = original.odno, "cancel"
        self._orders[order.odno] = order
        self._prune(original.symbol)
        self._announce(Notice(order, False, cancelled, original.price, order.placed_at))
        return order

    # --- matching ------------------------------------------------------------------------

    def on_trade(self, trade: Trade) -> None:
        """Fill resting orders that the trade reaches, within the step's liquidity."""
        state = self.feed[trade.symbol]
        if state.matching_paused:
            return
        budget = state.liquidity
        for order in list(self._books.get(trade.symbol, [])):
            if budget is not None and budget <= 0:
                break
            fill_price = self._resting_fill_price(order, trade.price)
            if fill_price is None:
                continue
            qty = order.remaining if budget is None else min(order.remaining, budget)
            self._fill(order, qty, fill_price, trade.at)
            budget = None if budget is None else budget - qty
        self._prune(trade.symbol)

    @staticmethod
    def _resting_fill_price(order: SimOrder, traded: Decimal) -> Decimal | None:
        if order.ord_dvsn == MARKET:
            return traded
        if order.side is Side.BUY and traded <= order.price:
            return order.price
        if order.side is Side.SELL and traded >= order.price:
            return order.price
        return None

    def _match_on_arrival(self, order: SimOrder) -> None:
        state = self.feed[order.symbol]
        if state.matching_paused:
            return
        last = state.last
        marketable = (
            order.ord_dvsn == MARKET
            or (order.side is Side.BUY and order.price >= last)
            or (order.side is Side.SELL and order.price <= last)
        )
        if not marketable:
            return
        budget = state.liquidity
        qty = order.remaining if budget is None else min(order.remaining, budget)
        if qty > 0:
            self._fill(order, qty, last, self._clock.now())
        self._prune(order.symbol)

    def _fill(self, order: SimOrder, qty: int, price: Decimal, at: datetime) -> None:
        account = order.account
        if order.side is Side.BUY:
            holding = account.holdings.get(order.symbol)
            account.reserved_cash -= order.reserve_unit * qty
            account.cash -= price * qty
            if holding is None:
                holding = account.holdings[order.symbol] = Holding(0, Decimal(0))
            total = holding.avg_price * holding.qty + price * qty
            holding.qty += qty
            holding.avg_price = (total / holding.qty).quantize(Decimal("0.0001"))
            holding.bought_today += qty
        else:
            holding = account.holdings[order.symbol]  # reserved at acceptance
            holding.reserved -= qty
            holding.qty -= qty
            holding.sold_today += qty
            account.cash += price * qty
        order.filled_qty += qty
        order.filled_amount += price * qty
        order.fills.append((qty, price, at))
        self._announce(Notice(order, True, qty, price, at))

    # --- helpers -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self.market_hours and not is_regular_session(self._clock.now()):
            raise OrderRejected(*MARKET_CLOSED)

    def _state(self, symbol: str) -> SymbolState:
        state = self.feed.get(symbol)
        if state is None:
            raise OrderRejected(*UNKNOWN_SYMBOL)
        return state

    @staticmethod
    def _check_qty(qty: int) -> None:
        if qty <= 0:
            raise OrderRejected(*BAD_QTY)

    @staticmethod
    def _check_price(state: SymbolState, ord_dvsn: str, price: Decimal) -> Decimal:
        if ord_dvsn == MARKET:
            return Decimal(0)
        if ord_dvsn != LIMIT:
            raise OrderRejected(*BAD_TYPE)
        if not is_on_tick(price):
            raise OrderRejected(*BAD_TICK)
        if not state.lower <= price <= state.upper:
            raise OrderRejected(*OUT_OF_BAND)
        return price

    @staticmethod
    def _reserve_cash(account: Account, amount: Decimal) -> None:
        if amount > account.available_cash:
            raise OrderRejected(*NO_CASH)
        account.reserved_cash += amount

    @staticmethod
    def _reserve_shares(account: Account, symbol: str, qty: int) -> None:
        holding = account.holdings.get(symbol)
        if holding is None or holding.sellable < qty:
            raise OrderRejected(*NO_SHARES)
        holding.reserved += qty

    def _release(self, order: SimOrder, qty: int) -> None:
        if order.side is Side.BUY:
            order.account.reserved_cash -= order.reserve_unit * qty
        else:
            order.account.holdings[order.symbol].reserved -= qty

    def _open_order(self, account: Account, odno: str) -> SimOrder:
        order = self._orders.get(odno.strip())
        if order is None or order.account is not account or not order.is_open:
            raise OrderRejected(*NOT_CANCELLABLE)
        return order

    @staticmethod
    def _portion(order: SimOrder, qty: int | None) -> int:
        if qty is None or qty == 0:
            return order.remaining
        if qty < 0 or qty > order.remaining:
            raise OrderRejected(*NOT_CANCELLABLE)
        return qty

    def _new_order(
        self, account: Account, symbol: str, side: Side, ord_dvsn: str, qty: int, price: Decimal
    ) -> SimOrder:
        odno = f"{self._next_odno:010d}"
        self._next_odno += 1
        now = self._clock.now()
        return SimOrder(odno, self._branch, account, symbol, side, ord_dvsn, qty, price, now)

    def _accept(self, order: SimOrder) -> None:
        self._orders[order.odno] = order
        self._books.setdefault(order.symbol, []).append(order)
        if order.orgn_odno:
            self._prune(order.symbol)
        self._announce(Notice(order, False, order.qty, order.price, order.placed_at))
        self._match_on_arrival(order)

    def _prune(self, symbol: str) -> None:
        self._books[symbol] = [o for o in self._books.get(symbol, []) if o.is_open]

    def _announce(self, notice: Notice) -> None:
        for listener in list(self.notice_listeners):
            listener(notice)
