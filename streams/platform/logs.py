"""Structured logs: one JSON object per line, carrying the ids of the objects concerned.

Pass ids with ``extra``: ``log.info("sales order created", extra={"bc_order_id": 101, "ns_id": "77"})``.
Known secret values are masked wherever they appear, in the message or in any field. They are kept in
``connectors.secrets``: the app registers every configured credential when it is created
(``streams.platform.app.configured_secrets``) and connectors add what they obtain at run time.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

from connectors import secrets

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
MASK = "***"


def register_secrets(values: Iterable[str | None]) -> None:
    """Remember values that must never reach a log (tokens, passwords, DSNs)."""
    secrets.register_all(values)


def redact(text: str) -> str:
    for secret in secrets.registered():
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", **ids}`` as one orjson line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _clean(value)
        if record.exc_info:
            entry["error"] = redact("".join(traceback.format_exception(*record.exc_info)))
        return orjson.dumps(entry, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    """Human-readable lines for a terminal, ids appended as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        ids = " ".join(f"{k}={_clean(v)}" for k, v in fields.items())
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S")
        line = f"{ts} {record.levelname:<7} {record.name}: {redact(record.getMessage())}"
        if ids:
            line += f"  [{ids}]"
        if record.exc_info:
            line += "\n" + redact("".join(traceback.format_exception(*record.exc_info)))
        return line


def logging_config(level: str = "info", fmt: str = "json") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict (Faust's worker applies it)."""
    formatter = "streams.platform.logs.JsonFormatter" if fmt == "json" else "streams.platform.logs.ConsoleFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"o2c": {"()": formatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "o2c", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "aiokafka": {"level": "WARNING"},
            "faust": {"level": "WARNING" if level != "debug" else "DEBUG"},
            "mode": {"level": "WARNING" if level != "debug" else "DEBUG"},
            "aiohttp.access": {"level": "WARNING"},
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},  # its per-request debug tracing costs CPU when enabled
        },
    }


def setup(level: str = "info", fmt: str = "json") -> None:
    """Configure logging for CLI commands that do not run a Faust worker."""
    import logging.config

    logging.config.dictConfig(logging_config(level, fmt))
