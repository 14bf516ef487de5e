import hashlib
import hmac
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.push import PushRejected, sign, verify
from connectors.netsuite.sandbox.config import SandboxConfig
from connectors.netsuite.source.rows import bc_order_id, dec, parse_ts

BODY = b'{"recordType":"itemfulfillment","id":"42","type":"create"}'


def test_signature_is_hmac_sha256_over_timestamp_and_body():
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign("s3cret", "1700000000", BODY) == f"sha256={expected}"


def test_verify_accepts_a_good_notice():
    notice = verify(secret="s3cret", body=BODY, timestamp="1700000000", signature=sign("s3cret", "1700000000", BODY),
                    now=1700000100, tolerance=300)
    assert (notice.record_type, notice.record_id, notice.event) == ("itemfulfillment", "42", "create")


@pytest.mark.parametrize(
    ("secret", "body", "stamp", "signature", "reason"),
    [
        ("s3cret", BODY, "1700000000", sign("other", "1700000000", BODY), "bad signature"),
        ("s3cret", BODY + b" ", "1700000000", sign("s3cret", "1700000000", BODY), "bad signature"),
        ("s3cret", BODY, "1699999000", sign("s3cret", "1699999000", BODY), "stale timestamp"),
        ("s3cret", BODY, "1700000000", sign("s3cret", "1700000001", BODY), "bad signature"),
        ("s3cret", BODY, None, sign("s3cret", "1700000000", BODY), "missing signature or timestamp"),
        ("", BODY, "1700000000", sign("", "1700000000", BODY), "push is not configured (no O2C_NS_PUSH_SECRET)"),
        ("s3cret", b"[]", "1700000000", sign("s3cret", "1700000000", b"[]"), "malformed notice"),
    ],
)
def test_verify_refuses(secret, body, stamp, signature, reason):
    with pytest.raises(PushRejected) as caught:
        verify(secret=secret, body=body, timestamp=stamp, signature=signature, now=1700000100, tolerance=300)
    assert caught.value.reason == reason


def test_bc_order_id_from_link_field_or_external_id():
    assert bc_order_id("1001", "BC-SO-store-9") == 1001
    assert bc_order_id(None, "BC-SO-abc123-2002") == 2002
    assert bc_order_id("", "bc-so-x-y-77") == 77
    assert bc_order_id(None, "SO-manual") is None


def test_suiteql_values_parse():
    assert parse_ts("2026-11-03 10:20:30") == datetime(2026, 11, 3, 10, 20, 30, tzinfo=UTC)
    assert dec(None) == 0 and dec("-2.50") == Decimal("-2.50") and dec("x", Decimal(1)) == 1


def test_source_settings_defaults_and_env(monkeypatch):
    assert NetSuiteSettings().source_enabled is False
    monkeypatch.setenv("O2C_NS_SOURCE_ENABLED", "true")
    monkeypatch.setenv("O2C_NS_STOCK_LOCATIONS", '["1","2"]')
    monkeypatch.setenv("O2C_NS_PUSH_SECRET", "abc")
    settings = NetSuiteSettings()
    assert settings.source_enabled and settings.stock_locations == ("1", "2")
    assert "abc" not in repr(settings)


def test_sandbox_pool_presets():
    assert SandboxConfig(service_tier="standard").pool_size == 5
    assert SandboxConfig(service_tier="enterprise", suitecloud_plus=1).pool_size == 30
    assert SandboxConfig(concurrency_limit=7).pool_size == 7
