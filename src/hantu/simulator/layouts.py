"""The output layouts of the simulated KIS REST answers: every field KIS documents.

Each layout is the field list of one output block, in KIS's order. The handlers compute
the values the simulator knows and `emit` fills in the rest with plausible constants, so
an answer always carries the whole layout: clients written against KIS read any of these
fields (python-kis stops at the first one missing). The contract tests hold the layouts
against the official sample's field lists (reference `kis-rest-fields.md`).
"""

from __future__ import annotations

from collections.abc import Mapping

Layout = tuple[str, ...]

# quotations/inquire-price (FHKST01010100) `output`: 82 fields.
PRICE_OUTPUT: Layout = (
    "iscd_stat_cls_code",
    "marg_rate",
    "rprs_mrkt_kor_name",
    "new_hgpr_lwpr_cls_code",
    "bstp_kor_isnm",
    "temp_stop_yn",
    "oprc_rang_cont_yn",
    "clpr_rang_cont_yn",
    "crdt_able_yn",
    "grmn_rate_cls_code",
    "elw_pblc_yn",
    "stck_prpr",
    "prdy_vrss",
    "prdy_vrss_sign",
    "prdy_ctrt",
    "acml_tr_pbmn",
    "acml_vol",
    "prdy_vrss_vol_rate",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "stck_mxpr",
    "stck_llam",
    "stck_sdpr",
    "wghn_avrg_stck_prc",
    "hts_frgn_ehrt",
    "frgn_ntby_qty",
    "pgtr_ntby_qty",
    "pvt_scnd_dmrs_prc",
    "pvt_frst_dmrs_prc",
    "pvt_pont_val",
    "pvt_frst_dmsp_prc",
    "pvt_scnd_dmsp_prc",
    "dmrs_val",
    "dmsp_val",
    "cpfn",
    "rstc_wdth_prc",
    "stck_fcam",
    "stck_sspr",
    "aspr_unit",
    "hts_deal_qty_unit_val",
    "lstn_stcn",
    "hts_avls",
    "per",
    "pbr",
    "stac_month",
    "vol_tnrt",
    "eps",
    "bps",
    "d250_hgpr",
    "d250_hgpr_date",
    "d250_hgpr_vrss_prpr_rate",
    "d250_lwpr",
    "d250_lwpr_date",
    "d250_lwpr_vrss_prpr_rate",
    "stck_dryy_hgpr",
    "dryy_hgpr_vrss_prpr_rate",
    "dryy_hgpr_date",
    "stck_dryy_lwpr",
    "dryy_lwpr_vrss_prpr_rate",
    "dryy_lwpr_date",
    "w52_hgpr",
    "w52_hgpr_vrss_prpr_ctrt",
    "w52_hgpr_date",
    "w52_lwpr",
    "w52_lwpr_vrss_prpr_ctrt",
    "w52_lwpr_date",
    "whol_loan_rmnd_rate",
    "ssts_yn",
    "stck_shrn_iscd",
    "fcam_cnnm",
    "cpfn_cnnm",
    "apprch_rate",
    "frgn_hldn_qty",
    "vi_cls_code",
    "ovtm_vi_cls_code",
    "last_ssts_cntg_qty",
    "invt_caful_yn",
    "mrkt_warn_cls_code",
    "short_over_yn",
    "sltr_yn",
    "mang_issu_cls_code",
)

# trading/inquire-balance (TTTC8434R) `output1`, one row per holding: 26 fields.
BALANCE_OUTPUT1: Layout = (
    "pdno",
    "prdt_name",
    "trad_dvsn_name",
    "bfdy_buy_qty",
    "bfdy_sll_qty",
    "thdt_buyqty",
    "thdt_sll_qty",
    "hldg_qty",
    "ord_psbl_qty",
    "pchs_avg_pric",
    "pchs_amt",
    "prpr",
    "evlu_amt",
    "evlu_pfls_amt",
    "evlu_pfls_rt",
    "evlu_erng_rt",
    "loan_dt",
    "loan_amt",
    "stln_slng_chgs",
    "expd_dt",
    "fltt_rt",
    "bfdy_cprs_icdc",
    "item_mgna_rt_name",
    "grta_rt_name",
    "sbst_pric",
    "stck_loan_unpr",
)

# trading/inquire-balance `output2`, the account summary: 24 fields.
BALANCE_OUTPUT2: Layout = (
    "dnca_tot_amt",
    "nxdy_excc_amt",
    "prvs_rcdl_excc_amt",
    "cma_evlu_amt",
    "bfdy_buy_amt",
    "thdt_buy_amt",
    "nxdy_auto_rdpt_amt",
    "bfdy_sll_amt",
    "thdt_sll_amt",
    "d2_auto_rdpt_amt",
    "bfdy_tlex_amt",
    "thdt_tlex_amt",
    "tot_loan_amt",
    "scts_evlu_amt",
    "tot_evlu_amt",
    "nass_amt",
    "fncg_gld_auto_rdpt_yn",
    "pchs_amt_smtl_amt",
    "evlu_amt_smtl_amt",
    "evlu_pfls_smtl_amt",
    "tot_stln_slng_chgs",
    "bfdy_tot_asst_evlu_amt",
    "asst_icdc_amt",
    "asst_icdc_erng_rt",
)

# trading/inquire-daily-ccld (TTTC0081R) `output1`, one row per order: 36 fields.
# `excg_id_dvsn_Cd` is mixed case at KIS (reference gotcha 16).
DAILY_CCLD_OUTPUT1: Layout = (
    "ord_dt",
    "ord_gno_brno",
    "odno",
    "orgn_odno",
    "ord_dvsn_name",
    "sll_buy_dvsn_cd",
    "sll_buy_dvsn_cd_name",
    "pdno",
    "prdt_name",
    "ord_qty",
    "ord_unpr",
    "ord_tmd",
    "tot_ccld_qty",
    "avg_prvs",
    "cncl_yn",
    "tot_ccld_amt",
    "loan_dt",
    "ordr_empno",
    "ord_dvsn_cd",
    "cnc_cfrm_qty",
    "rmn_qty",
    "rjct_qty",
    "ccld_cndt_name",
    "inqr_ip_addr",
    "cpbc_ordp_ord_rcit_dvsn_cd",
    "cpbc_ordp_infm_mthd_dvsn_cd",
    "infm_tmd",
    "ctac_tlno",
    "prdt_type_cd",
    "excg_dvsn_cd",
    "cpbc_ordp_mtrl_dvsn_cd",
    "ord_orgno",
    "rsvn_ord_end_dt",
    "excg_id_dvsn_Cd",
    "stpm_cndt_pric",
    "stpm_efct_occr_dtmd",
)

# trading/inquire-daily-ccld `output2`, the day's totals.
DAILY_CCLD_OUTPUT2: Layout = (
    "tot_ord_qty",
    "tot_ccld_qty",
    "tot_ccld_amt",
    "prsm_tlex_smtl",
    "pchs_avg_pric",
)

# trading/inquire-psbl-order (TTTC8908R) `output` (reference §4.6).
PSBL_ORDER_OUTPUT: Layout = (
    "ord_psbl_cash",
    "ord_psbl_sbst",
    "ruse_psbl_amt",
    "fund_rpch_chgs",
    "psbl_qty_calc_unpr",
    "nrcvb_buy_amt",
    "nrcvb_buy_qty",
    "max_buy_amt",
    "max_buy_qty",
    "cma_evlu_amt",
    "ovrs_re_use_amt_wcrc",
    "ord_psbl_frcr_amt_wcrc",
)

# trading/order-cash and order-rvsecncl `output`; upper-case keys (reference §4.1).
ORDER_OUTPUT: Layout = (
    "KRX_FWDG_ORD_ORGNO",
    "ODNO",
    "ORD_TMD",
)

# quotations/search-info (CTPF1604R) `output`: the 20 documented fields, of which the
# official sample lists 12 and python-kis reads the names (`prdt_abrv_name`, ...).
SEARCH_INFO_OUTPUT: Layout = (
    "pdno",
    "prdt_type_cd",
    "prdt_name",
    "prdt_name120",
    "prdt_abrv_name",
    "prdt_eng_name",
    "prdt_eng_name120",
    "prdt_eng_abrv_name",
    "std_pdno",
    "shtn_pdno",
    "prdt_sale_stat_cd",
    "prdt_risk_grad_cd",
    "prdt_clsf_cd",
    "prdt_clsf_name",
    "sale_strt_dt",
    "sale_end_dt",
    "wrap_asst_type_cd",
    "ivst_prdt_type_cd",
    "ivst_prdt_type_cd_name",
    "frst_erlm_dt",
)

# quotations/search-stock-info (CTPF1002R) `output`: 67 fields.
SEARCH_STOCK_INFO_OUTPUT: Layout = (
    "pdno",
    "prdt_type_cd",
    "prdt_name",
    "prdt_name120",
    "prdt_abrv_name",
    "prdt_eng_name",
    "prdt_eng_name120",
    "prdt_eng_abrv_name",
    "mket_id_cd",
    "scty_grp_id_cd",
    "excg_dvsn_cd",
    "setl_mmdd",
    "lstg_stqt",
    "lstg_cptl_amt",
    "cpta",
    "papr",
    "issu_pric",
    "kospi200_item_yn",
    "scts_mket_lstg_dt",
    "scts_mket_lstg_abol_dt",
    "kosdaq_mket_lstg_dt",
    "kosdaq_mket_lstg_abol_dt",
    "frbd_mket_lstg_dt",
    "frbd_mket_lstg_abol_dt",
    "reits_kind_cd",
    "etf_dvsn_cd",
    "oilf_fund_yn",
    "idx_bztp_lcls_cd",
    "idx_bztp_mcls_cd",
    "idx_bztp_scls_cd",
    "idx_bztp_lcls_cd_name",
    "idx_bztp_mcls_cd_name",
    "idx_bztp_scls_cd_name",
    "stck_kind_cd",
    "mfnd_opng_dt",
    "mfnd_end_dt",
    "dpsi_erlm_cncl_dt",
    "etf_cu_qty",
    "std_pdno",
    "dpsi_aptm_erlm_yn",
    "etf_txtn_type_cd",
    "etf_type_cd",
    "lstg_abol_dt",
    "nwst_odst_dvsn_cd",
    "sbst_pric",
    "thco_sbst_pric",
    "thco_sbst_pric_chng_dt",
    "tr_stop_yn",
    "admn_item_yn",
    "thdt_clpr",
    "bfdy_clpr",
    "clpr_chng_dt",
    "std_idst_clsf_cd",
    "std_idst_clsf_cd_name",
    "ocr_no",
    "crfd_item_yn",
    "elec_scty_yn",
    "issu_istt_cd",
    "etf_chas_erng_rt_dbnb",
    "etf_etn_ivst_heed_item_yn",
    "stln_int_rt_dvsn_cd",
    "frnr_psnl_lmt_rt",
    "lstg_rqsr_issu_istt_cd",
    "lstg_rqsr_item_cd",
    "trst_istt_issu_istt_cd",
    "cptt_trad_tr_psbl_yn",
    "nxt_tr_stop_yn",
)


def placeholder(name: str) -> str:
    """A plausible value for a field the simulator has no data for.

    Flags are `N`, codes, names and dates are empty, everything else (amounts, counts,
    rates) is `0`, which every client parses as a number.
    """
    lowered = name.lower()
    if lowered.endswith("_yn"):
        return "N"
    if lowered.endswith(("_cd", "_code", "_name", "_nm", "_dt", "_date", "_dtmd", "_cnnm")):
        return ""
    return "0"


def emit(layout: Layout, values: Mapping[str, str]) -> dict[str, str]:
    """The whole layout in order: `values` where given, placeholders elsewhere.

    A value for a name outside the layout is a bug in the simulator, not in the client.
    """
    stray = set(values) - set(layout)
    if stray:
        raise KeyError(f"not in the layout: {sorted(stray)}")
    return {name: values[name] if name in values else placeholder(name) for name in layout}


# quotations/inquire-daily-itemchartprice (FHKST03010100): `output1` (30 fields, the
# symbol today) and `output2` rows (13 fields, one bar each, newest first).
CHART_OUTPUT1: Layout = (
    "prdy_vrss",
    "prdy_vrss_sign",
    "prdy_ctrt",
    "stck_prdy_clpr",
    "acml_vol",
    "acml_tr_pbmn",
    "hts_kor_isnm",
    "stck_prpr",
    "stck_shrn_iscd",
    "prdy_vol",
    "stck_mxpr",
    "stck_llam",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "stck_prdy_oprc",
    "stck_prdy_hgpr",
    "stck_prdy_lwpr",
    "askp",
    "bidp",
    "prdy_vrss_vol",
    "vol_tnrt",
    "stck_fcam",
    "lstn_stcn",
    "cpfn",
    "hts_avls",
    "per",
    "eps",
    "pbr",
    "itewhol_loan_rmnd_ratem_name",
)
CHART_OUTPUT2: Layout = (
    "stck_bsop_date",
    "stck_clpr",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "acml_vol",
    "acml_tr_pbmn",
    "flng_cls_code",
    "prtt_rate",
    "mod_yn",
    "prdy_vrss_sign",
    "prdy_vrss",
    "revl_issu_reas",
)
