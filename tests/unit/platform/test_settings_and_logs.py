"""Settings come from O2C_* variables, the README lists every one, and secrets never reach a log."""

from __future__ import annotations

import logging
from pathlib import Path

import orjson
import pytest

from streams.inventory.settings import InventorySettings
from streams.orders.settings import OrderSettings
from streams.platform.logs import ConsoleFormatter, JsonFormatter, register_secrets
from streams.platform.settings import Settings
from streams.prices.settings import PricesSettings

README = Path(__file__).resolve().parents[3] / "README.md"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("O2C_KAFKA_PORT", "19092")
    monkeypatch.setenv("O2C_DATABASE_URL", "postgresql://u:hunter2@db/o2c")
    settings = Settings()
    assert settings.bootstrap == "127.0.0.1:19092"
    assert settings.dsn == "postgresql://u:hunter2@db/o2c"
    assert "hunter2" not in repr(settings)


def test_defaults_are_the_documented_ports() -> None:
    settings = Settings()
    assert (settings.bootstrap, settings.web_port) == ("127.0.0.1:9092", 6066)


def test_readme_documents_every_setting() -> None:
    text = README.read_text()
    for name in Settings.model_fields:
        assert f"O2C_{name.upper()}" in text, f"README does not document O2C_{name.upper()}"
    for name in OrderSettings.model_fields:
        assert f"O2C_ORDERS_{name.upper()}" in text, f"README does not document O2C_ORDERS_{name.upper()}"
    for name in InventorySettings.model_fields:
        assert f"O2C_INVENTORY_{name.upper()}" in text, f"README does not document O2C_INVENTORY_{name.upper()}"
    for name in PricesSettings.model_fields:
        assert f"O2C_PRICES_{name.upper()}" in text, f"README does not document O2C_PRICES_{name.upper()}"


def test_json_logs_carry_ids_and_mask_secrets() -> None:
    register_secrets(["s3cr3t-token-value"])
    record = logging.LogRecord("o2c.test", logging.INFO, __file__, 1, "calling with s3cr3t-token-value", (), None)
    record.bc_order_id = 101
    record.headers = {"X-Auth-Token": "s3cr3t-token-value"}
    line = orjson.loads(JsonFormatter().format(record))
    assert line["bc_order_id"] == 101
    assert line["level"] == "info"
    assert "s3cr3t-token-value" not in orjson.dumps(line).decode()


CREDENTIALS = {  # every configured credential of every system, with a value unlike any other text
    "O2C_DATABASE_URL": "postgresql://o2c:pg-pass-6c1f@db.internal:5432/o2c",
    "O2C_BC_ACCESS_TOKEN": "bc-token-0a9e77d2",
    "O2C_BC_WEBHOOK_SECRET": "bc-hook-secret-51b3",
    "O2C_NS_CONSUMER_KEY": "ns-consumer-key-8d20",
    "O2C_NS_CONSUMER_SECRET": "ns-consumer-secret-f4a1",
    "O2C_NS_TOKEN_ID": "ns-token-id-3377",
    "O2C_NS_TOKEN_SECRET": "ns-token-secret-c0de",
    "O2C_NS_PRIVATE_KEY_PEM": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
                              "-----END PRIVATE KEY-----\n",
    "O2C_NS_PUSH_SECRET": "ns-push-secret-9e9e",
}


def _logged(text: str) -> str:
    record = logging.LogRecord("o2c.test", logging.WARNING, __file__, 1, "failed: %s", (text,), None)
    record.detail = {"value": text}
    return JsonFormatter().format(record) + "\n" + ConsoleFormatter().format(record)


@pytest.mark.parametrize("name", sorted(CREDENTIALS))
def test_every_configured_credential_is_masked_with_every_flow_disabled(name: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Registered when the app is created, not when the flow or source that uses it is enabled."""
    from streams.platform.app import create_app

    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    for flow in ("O2C_ORDERS_ENABLED", "O2C_INVENTORY_ENABLED", "O2C_BC_SOURCE_ENABLED", "O2C_NS_SOURCE_ENABLED"):
        monkeypatch.setenv(flow, "false")
    create_app(Settings(app_id="o2c-redaction-test"))
    value = CREDENTIALS[name]
    line = _logged(f"calling with {value!r} and {value}")
    assert value not in line
    for part in value.splitlines():
        if len(part) >= 16:
            assert part not in line, "a key's lines are masked too (a traceback shows them escaped)"
    assert "***" in line


def test_the_dsn_password_and_a_derived_webhook_secret_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.bigcommerce.config import BigCommerceSettings
    from streams.platform.app import configured_secrets

    monkeypatch.setenv("O2C_BC_ACCESS_TOKEN", "bc-token-for-derivation")
    monkeypatch.delenv("O2C_BC_WEBHOOK_SECRET", raising=False)
    settings = Settings(database_url="postgresql://u:only-the-password@db/o2c")
    register_secrets(configured_secrets(settings))
    derived = BigCommerceSettings().webhook_secret_value()
    line = _logged(f"auth failed for u with only-the-password; hook secret {derived}")
    assert "only-the-password" not in line and derived not in line


def test_a_bearer_token_obtained_at_run_time_is_masked() -> None:
    """NetSuite OAuth 2.0: the token the client-credentials flow receives is reported to connectors.secrets."""
    import httpx

    from connectors.netsuite.auth import ClientCredentialsAuth

    class Signer:
        algorithm = "PS256"

        def sign(self, signing_input: bytes) -> bytes:
            return b"signature"

    auth = ClientCredentialsAuth(token_url="https://ns.example/token", client_id="c", certificate_id="k",
                                 signer=Signer())
    auth._store(httpx.Response(200, json={"access_token": "bearer-7f3a9c0e11", "expires_in": 3600}))
    assert "bearer-7f3a9c0e11" not in _logged("Authorization: Bearer bearer-7f3a9c0e11")


def test_connectors_register_through_a_leaf_that_imports_nothing_of_o2c() -> None:
    import ast

    source = Path(__file__).resolve().parents[3] / "connectors" / "secrets.py"
    imported = {n.module for n in ast.walk(ast.parse(source.read_text())) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(ast.parse(source.read_text())) if isinstance(n, ast.Import)
                 for a in n.names}
    assert not {m for m in imported if m and m.split(".")[0] in ("streams", "connectors", "state")}

    from connectors import secrets

    secrets.register("leaf-registered-4242")
    assert "leaf-registered-4242" not in _logged("value leaf-registered-4242")
    secrets.register("abc")  # too short to mask safely: ordinary text would vanish
    assert "abc" in _logged("abc")
