from connectors.netsuite.config import NetSuiteSettings, host_for, realm_for


def test_realm_and_host_rules():
    assert realm_for("123456_sb1") == "123456_SB1"
    assert realm_for("123456-SB1") == "123456_SB1"
    assert host_for("123456_SB1") == "123456-sb1.suitetalk.api.netsuite.com"
    assert host_for("345678") == "345678.suitetalk.api.netsuite.com"


def test_service_url_defaults_to_sandbox_and_derives_for_real_accounts():
    assert NetSuiteSettings().service_url == "http://127.0.0.1:8702"
    real = NetSuiteSettings(account_id="123456_SB1", base_url="")
    assert real.service_url == "https://123456-sb1.suitetalk.api.netsuite.com"
    assert real.token_url.endswith("/services/rest/auth/oauth2/v1/token")
    assert real.realm == "123456_SB1"


def test_env_prefix_headroom_and_secret_hiding(monkeypatch):
    monkeypatch.setenv("O2C_NS_CONSUMER_SECRET", "very-secret-value")
    monkeypatch.setenv("O2C_NS_CONCURRENCY_LIMIT", "20")
    monkeypatch.setenv("O2C_NS_HEADROOM", "5")
    settings = NetSuiteSettings()
    assert settings.consumer_secret.get_secret_value() == "very-secret-value"
    assert "very-secret-value" not in repr(settings)
    assert "very-secret-value" not in str(settings.model_dump())
    assert settings.effective_concurrency == 15


def test_replicas_share_the_account_pool(monkeypatch):
    monkeypatch.setenv("O2C_NS_CONCURRENCY_LIMIT", "20")
    monkeypatch.setenv("O2C_NS_HEADROOM", "2")
    monkeypatch.setenv("O2C_NS_WORKERS", "3")
    settings = NetSuiteSettings()
    assert settings.effective_concurrency == 6  # (20 - 2) // 3: three workers never exceed 18 together
    assert settings.share(5) == 1  # never below min_concurrency
