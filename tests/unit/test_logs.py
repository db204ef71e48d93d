import io
import logging

from hantu.logs import MaskingFormatter


def test_masking_formatter_hides_secrets_in_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingFormatter("%(message)s"))
    log = logging.getLogger("hantu.test.masking")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("token issued: appsecret=%s", "S3CRETVALUE-0123456789")
        try:
            raise ValueError("refused: authorization: Bearer abcdefghijklmnopqrstuvwxyz012345")
        except ValueError:
            log.exception("order failed for account 50012345-01")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert "S3CRETVALUE-0123456789" not in out
    assert "abcdefghijklmnopqrstuvwxyz012345" not in out
    assert "50012345-01" not in out
    assert "S3CRET***" in out
    assert "Traceback" in out
