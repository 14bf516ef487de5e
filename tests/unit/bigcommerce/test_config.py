from pydantic import SecretStr

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings


def test_env_prefix(monkeypatch):
    monkeypatch.setenv("O2C_BC_STORE_HASH", "abc123")
    monkeypatch.setenv("O2C_BC_PLAN", "pro")
    s = BigCommerceSettings()
    assert s.store_hash == "abc123"
    assert s.plan_quota == 450
    assert s.base_url("v3").endswith("/stores/abc123/v3")


def test_secrets_never_in_repr():
    s = BigCommerceSettings(access_token=SecretStr("tok-very-secret"), webhook_secret=SecretStr("hook-secret"))
    for text in (repr(s), str(s), str(s.model_dump()), repr(BigCommerceClient(s))):
        assert "tok-very-secret" not in text
        assert "hook-secret" not in text
    assert s.auth_headers()["X-Auth-Token"] == "tok-very-secret"
