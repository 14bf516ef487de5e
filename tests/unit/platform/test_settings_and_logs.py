"""Settings come from O2C_* variables, the README lists every one, and secrets never reach a log."""

from __future__ import annotations

import logging
from pathlib import Path

import orjson
import pytest

from streams.inventory.settings import InventorySettings
from streams.orders.settings import OrderSettings
from streams.platform.logs import JsonFormatter, register_secrets
from streams.platform.settings import Settings

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


def test_json_logs_carry_ids_and_mask_secrets() -> None:
    register_secrets(["s3cr3t-token-value"])
    record = logging.LogRecord("o2c.test", logging.INFO, __file__, 1, "calling with s3cr3t-token-value", (), None)
    record.bc_order_id = 101
    record.headers = {"X-Auth-Token": "s3cr3t-token-value"}
    line = orjson.loads(JsonFormatter().format(record))
    assert line["bc_order_id"] == 101
    assert line["level"] == "info"
    assert "s3cr3t-token-value" not in orjson.dumps(line).decode()
