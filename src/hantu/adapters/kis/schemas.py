"""Pydantic models of the KIS JSON bodies the adapter reads (reference §2, §4).

Every value KIS sends is a string; models keep strings and `translate` turns them into
domain values. Unknown fields are ignored, since KIS adds fields without notice.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from hantu.errors import BrokerUnavailable


class _Kis(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


def _either(name: str) -> AliasChoices:
    # Order answers use UPPER-case keys, inquiries lower-case; accept both spellings.
    return AliasChoices(name.lower(), name.upper())


class TokenAnswer(_Kis):
    """`POST /oauth2/tokenP`."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name
    expires_in: int = 86_400
    access_token_token_expired: str | None = None


class ApprovalAnswer(_Kis):
    """`POST /oauth2/Approval` (WebSocket approval key)."""

    approval_key: str


class HashkeyAnswer(_Kis):
    """`POST /uapi/hashkey`."""

    hash: str = Field(validation_alias=AliasChoices("HASH", "hash"))


class OrderAck(_Kis):
    """`output` of order-cash (TTTC0012U/0011U) and order-rvsecncl (TTTC0013U)."""

    org_no: str = Field("", validation_alias=_either("KRX_FWDG_ORD_ORGNO"))
    odno: str = Field(validation_alias=_either("ODNO"))
    ord_tmd: str = Field("", validation_alias=_either("ORD_TMD"))


class DailyOrderRow(_Kis):
    """One `output1` row of inquire-daily-ccld (TTTC0081R)."""

    ord_dt: str = ""
    ord_gno_brno: str = ""
    odno: str
    orgn_odno: str = ""
    sll_buy_dvsn_cd: str
    pdno: str
    ord_qty: str = "0"
    ord_unpr: str = "0"
    ord_tmd: str = ""
    tot_ccld_qty: str = "0"
    avg_prvs: str = "0"
    cncl_yn: str = ""
    ord_dvsn_cd: str = ""
    cnc_cfrm_qty: str = "0"
    rmn_qty: str = "0"
    rjct_qty: str = "0"


class CancellableRow(_Kis):
    """One `output` row of inquire-psbl-rvsecncl (TTTC0084R)."""

    ord_gno_brno: str = ""
    odno: str
    orgn_odno: str = ""
    pdno: str
    ord_qty: str = "0"
    ord_unpr: str = "0"
    tot_ccld_qty: str = "0"
    psbl_qty: str = "0"
    sll_buy_dvsn_cd: str = ""
    ord_dvsn_cd: str = ""


class HoldingRow(_Kis):
    """One `output1` row of inquire-balance (TTTC8434R)."""

    pdno: str
    prdt_name: str = ""
    hldg_qty: str = "0"
    ord_psbl_qty: str = "0"
    pchs_avg_pric: str = "0"
    prpr: str = "0"
    evlu_pfls_amt: str = "0"


class BalanceSummary(_Kis):
    """The single `output2` element of inquire-balance (TTTC8434R)."""

    dnca_tot_amt: str = "0"
    nxdy_excc_amt: str = ""
    prvs_rcdl_excc_amt: str = ""
    tot_evlu_amt: str = ""
    scts_evlu_amt: str = ""
    pchs_amt_smtl_amt: str = ""
    evlu_pfls_smtl_amt: str = ""


class BuyableAnswer(_Kis):
    """`output` of inquire-psbl-order (TTTC8908R)."""

    ord_psbl_cash: str = "0"
    nrcvb_buy_amt: str = "0"
    nrcvb_buy_qty: str = "0"
    max_buy_amt: str = "0"
    max_buy_qty: str = "0"


class PriceAnswer(_Kis):
    """`output` of inquire-price (FHKST01010100); empty for a code KIS does not list."""

    stck_prpr: str = ""
    stck_mxpr: str = ""
    stck_llam: str = ""
    stck_sdpr: str = ""
    aspr_unit: str = ""
    temp_stop_yn: str = ""
    vi_cls_code: str = ""


class DailyBarRow(_Kis):
    """One `output2` row of inquire-daily-itemchartprice (FHKST03010100), newest first."""

    stck_bsop_date: str
    stck_oprc: str = "0"
    stck_hgpr: str = "0"
    stck_lwpr: str = "0"
    stck_clpr: str = "0"
    acml_vol: str = "0"


class HolidayRow(_Kis):
    """One `output` row of chk-holiday (CTCA0903R)."""

    bass_dt: str
    opnd_yn: str
    bzdy_yn: str = ""
    tr_day_yn: str = ""


_M = TypeVar("_M", bound=BaseModel)


def parse_answer(model: type[_M], data: Any) -> _M:
    """A KIS answer as `model`; one of an unexpected shape is `BrokerUnavailable` (ambiguous),
    naming the fields that did not fit and none of their values."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        raise BrokerUnavailable(f"unexpected KIS answer (fields: {fields})") from None
