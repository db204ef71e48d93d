"""Request and response bodies of the JSON API (pydantic); shapes follow the spec."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class NewStrategyBody(Body):
    name: str = Field(min_length=1, max_length=64)
    adopt_broker_holdings: bool = False


class StrategySettingsBody(Body):
    adopt_broker_holdings: bool


class LinkAccountBody(Body):
    broker_account_id: int = Field(ge=1, le=2**31 - 1)


class NewBrokerAccountBody(Body):
    name: str = Field(min_length=1, max_length=64)
    environment: str = Field(min_length=1, max_length=16)
    app_key: str = Field(min_length=1, max_length=256)
    app_secret: str = Field(min_length=1, max_length=512)
    account_number: str = Field(min_length=1, max_length=11)
    hts_id: str = Field(min_length=1, max_length=16)


class ChangePasswordBody(BaseModel):
    # Not stripped: spaces are part of a password.
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class Ok(BaseModel):
    success: bool = True


class Problem(BaseModel):
    """Every error answer: `success` false and a Korean message naming what is wrong."""

    success: bool = False
    error: str


class BrokerAccountOut(BaseModel):
    id: int
    name: str
    environment: str
    account_hint: str


class StrategyAccountOut(BaseModel):
    id: int
    strategy_id: int
    strategy_name: str
    broker_account_id: int
    broker_account_name: str
    account_hint: str


class StrategyOut(BaseModel):
    id: int
    name: str
    token: str
    webhook_url: str
    message_template: str
    accounts: list[StrategyAccountOut]
    adopt_broker_holdings: bool = False
    mode: str = "AUTO"  # AUTO | ALERT
    alert_expiry_minutes: int = 5
    alert_tolerance_pct: str = "1"


class StrategiesOut(Ok):
    strategies: list[StrategyOut]


class StrategyCreated(Ok):
    strategy: StrategyOut


class LinkCreated(Ok):
    strategy_account_id: int


class BrokerAccountsOut(Ok):
    broker_accounts: list[BrokerAccountOut]


class BrokerAccountCreated(Ok):
    broker_account: BrokerAccountOut
    message: str


class StrategyAccountsOut(Ok):
    strategy_accounts: list[StrategyAccountOut]


class FailedOrderOut(BaseModel):
    id: int
    strategy_account_id: int
    symbol: str
    symbol_label: str | None = None  # name and code once the name is known, else the code
    side: str
    order_type: str
    quantity: str
    price: str | None
    reason: str
    exchange_error: str | None
    retry_count: int
    status: str
    webhook_id: str | None
    created_at: str
    symbol_name: str | None = None  # the Korean short name, when the symbol directory knows it


class FailedOrdersOut(Ok):
    orders: list[FailedOrderOut]


class RetryOut(Ok):
    order_id: str | None = None
    status: str | None = None
    message: str | None = None


class MessageOut(Ok):
    message: str


class WebhookAccountOut(BaseModel):
    strategy_account_id: int
    success: bool
    order_id: str | None = None
    hantu_order_id: str
    status: str
    error: str | None = None
    failed_order_id: int | None = None


class WebhookOut(BaseModel):
    """200/400/408 answer; `order_id` is the broker's order number (one account)."""

    success: bool
    order_id: str | None = None
    error: str | None = None
    status: str | None = None
    failed_order_id: int | None = None
    orders: list[WebhookAccountOut] | None = None
