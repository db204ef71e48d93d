from hantu.domain.masking import mask, sanitize


def test_mask_named_secrets_keep_a_short_prefix() -> None:
    text = 'appkey="PSabcdefghijklmnop" appsecret: zyxwvutsrqponm token=abcdef123456'
    masked = mask(text)
    assert "PSabcdefghijklmnop" not in masked
    assert "zyxwvutsrqponm" not in masked
    assert "abcdef123456" not in masked
    assert "PSabcd***" in masked
    assert "abcdef***" in masked


def test_mask_bearer_header_hides_token() -> None:
    masked = mask("Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.payload")
    assert "payload" not in masked
    assert "eyJ0eX***" in masked


def test_mask_account_number_keeps_four_digits() -> None:
    masked = mask("계좌 50012345-01 잔고 부족")
    assert "50012345" not in masked
    assert "5001***" in masked
    assert "잔고 부족" in masked


def test_mask_unlabelled_long_token_is_hidden() -> None:
    secret = "A" * 20 + "b" * 20
    assert secret not in mask(f"error near {secret} end")


def test_sanitize_cuts_to_limit() -> None:
    out = sanitize("잔고 부족 " * 120, 500)
    assert out is not None
    assert len(out) == 500


def test_sanitize_none_stays_none() -> None:
    assert sanitize(None, 10) is None


def test_mask_labelled_account_number_keeps_four_digits() -> None:
    masked = mask("GET /uapi/inquire-balance?CANO=50123456&ACNT_PRDT_CD=01 acnt_no=5012345601")

    assert "501234" not in masked
    assert "CANO=5012***" in masked
    assert "acnt_no=5012***" in masked


def test_mask_labelled_hts_id_keeps_two_characters() -> None:
    masked = mask('{"hts_id": "hantusecret"} HTS ID: hantusecret')

    assert "hantus" not in masked
    assert masked.count("ha***") == 2
