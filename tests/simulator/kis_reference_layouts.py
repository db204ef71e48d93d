"""The realtime layouts of the protocol reference (kis-openapi.md §7), index and field name.

Copied row by row from the reference's tables (the meaning column left out), so the
contract tests compare the simulator with the reference itself, not with a second copy
of the simulator's own idea of it. Update only from the reference.
"""

from __future__ import annotations

# §7.1 H0STCNT0 — realtime trade (KRX), 46 fields
TRADE_TABLE = """
| 0 | MKSC_SHRN_ISCD |
| 1 | STCK_CNTG_HOUR |
| 2 | STCK_PRPR |
| 3 | PRDY_VRSS_SIGN |
| 4 | PRDY_VRSS |
| 5 | PRDY_CTRT |
| 6 | WGHN_AVRG_STCK_PRC |
| 7 | STCK_OPRC |
| 8 | STCK_HGPR |
| 9 | STCK_LWPR |
| 10 | ASKP1 |
| 11 | BIDP1 |
| 12 | CNTG_VOL |
| 13 | ACML_VOL |
| 14 | ACML_TR_PBMN |
| 15 | SELN_CNTG_CSNU |
| 16 | SHNU_CNTG_CSNU |
| 17 | NTBY_CNTG_CSNU |
| 18 | CTTR |
| 19 | SELN_CNTG_SMTN |
| 20 | SHNU_CNTG_SMTN |
| 21 | CCLD_DVSN |
| 22 | SHNU_RATE |
| 23 | PRDY_VOL_VRSS_ACML_VOL_RATE |
| 24 | OPRC_HOUR |
| 25 | OPRC_VRSS_PRPR_SIGN |
| 26 | OPRC_VRSS_PRPR |
| 27 | HGPR_HOUR |
| 28 | HGPR_VRSS_PRPR_SIGN |
| 29 | HGPR_VRSS_PRPR |
| 30 | LWPR_HOUR |
| 31 | LWPR_VRSS_PRPR_SIGN |
| 32 | LWPR_VRSS_PRPR |
| 33 | BSOP_DATE |
| 34 | NEW_MKOP_CLS_CODE |
| 35 | TRHT_YN |
| 36 | ASKP_RSQN1 |
| 37 | BIDP_RSQN1 |
| 38 | TOTAL_ASKP_RSQN |
| 39 | TOTAL_BIDP_RSQN |
| 40 | VOL_TNRT |
| 41 | PRDY_SMNS_HOUR_ACML_VOL |
| 42 | PRDY_SMNS_HOUR_ACML_VOL_RATE |
| 43 | HOUR_CLS_CODE |
| 44 | MRKT_TRTM_CLS_CODE |
| 45 | VI_STND_PRC |
"""

# §7.2 H0STASP0 — realtime 10-level order book (KRX), 59 fields
BOOK_TABLE = """
| 0 | MKSC_SHRN_ISCD |
| 1 | BSOP_HOUR |
| 2 | HOUR_CLS_CODE |
| 3–12 | ASKP1 … ASKP10 |
| 13–22 | BIDP1 … BIDP10 |
| 23–32 | ASKP_RSQN1 … 10 |
| 33–42 | BIDP_RSQN1 … 10 |
| 43 | TOTAL_ASKP_RSQN |
| 44 | TOTAL_BIDP_RSQN |
| 45 | OVTM_TOTAL_ASKP_RSQN |
| 46 | OVTM_TOTAL_BIDP_RSQN |
| 47 | ANTC_CNPR |
| 48 | ANTC_CNQN |
| 49 | ANTC_VOL |
| 50 | ANTC_CNTG_VRSS |
| 51 | ANTC_CNTG_VRSS_SIGN |
| 52 | ANTC_CNTG_PRDY_CTRT |
| 53 | ACML_VOL |
| 54 | TOTAL_ASKP_RSQN_ICDC |
| 55 | TOTAL_BIDP_RSQN_ICDC |
| 56 | OVTM_TOTAL_ASKP_ICDC |
| 57 | OVTM_TOTAL_BIDP_ICDC |
| 58 | STCK_DEAL_CLS_CODE |
"""

# §7.3 H0STCNI0 (real) / H0STCNI9 (paper) — execution notice, 26 fields
NOTICE_TABLE = """
| 0 | CUST_ID |
| 1 | ACNT_NO |
| 2 | ODER_NO |
| 3 | OODER_NO |
| 4 | SELN_BYOV_CLS |
| 5 | RCTF_CLS |
| 6 | ODER_KIND |
| 7 | ODER_COND |
| 8 | STCK_SHRN_ISCD |
| 9 | CNTG_QTY |
| 10 | CNTG_UNPR |
| 11 | STCK_CNTG_HOUR |
| 12 | RFUS_YN |
| 13 | CNTG_YN |
| 14 | ACPT_YN |
| 15 | BRNC_NO |
| 16 | ODER_QTY |
| 17 | ACNT_NAME |
| 18 | ORD_COND_PRC |
| 19 | ORD_EXG_GB |
| 20 | POPUP_YN |
| 21 | FILLER |
| 22 | CRDT_CLS |
| 23 | CRDT_LOAN_DATE |
| 24 | CNTG_ISNM40 |
| 25 | ODER_PRC |
"""

# §7.4 H0STMKO0 — market operation / VI status (KRX), 11 fields
STATUS_TABLE = """
| 0 | MKSC_SHRN_ISCD |
| 1 | TRHT_YN |
| 2 | TR_SUSP_REAS_CNTT |
| 3 | MKOP_CLS_CODE |
| 4 | ANTC_MKOP_CLS_CODE |
| 5 | MRKT_TRTM_CLS_CODE |
| 6 | DIVI_APP_CLS_CODE |
| 7 | ISCD_STAT_CLS_CODE |
| 8 | VI_CLS_CODE |
| 9 | OVTM_VI_CLS_CODE |
| 10 | EXCH_CLS_CODE |
"""
