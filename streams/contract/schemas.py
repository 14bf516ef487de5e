"""JSON Schema files for the public topics, generated from the event models.

``o2c schemas`` (re)writes ``docs/schemas/<topic>.v<N>.json``. A test regenerates them in memory
and fails when a model changed without its ``schema_version`` being bumped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from streams.contract.topics import PUBLIC_TOPICS

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def generate() -> dict[str, dict[str, Any]]:
    """File name → schema, for every public topic that has an event model."""
    out: dict[str, dict[str, Any]] = {}
    for spec in PUBLIC_TOPICS:
        if spec.event is None:
            continue
        schema = spec.event.model_json_schema(mode="serialization")
        schema["$id"] = f"https://o2c.dev/schemas/{spec.name}.v{spec.event.SCHEMA_VERSION}.json"
        schema["x-topic"] = spec.name
        schema["x-key"] = spec.key
        out[f"{spec.name}.v{spec.event.SCHEMA_VERSION}.json"] = schema
    return out


def render(schema: dict[str, Any]) -> bytes:
    return orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file; existing files of older versions are kept for consumers."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in generate().items():
        path = directory / name
        path.write_bytes(render(schema))
        written.append(path)
    return written
