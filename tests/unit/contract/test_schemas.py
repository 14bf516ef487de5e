"""The checked-in JSON Schemas match the models; a model change needs a schema_version bump."""

from __future__ import annotations

import orjson

from streams.contract.schemas import SCHEMA_DIR, generate, render
from streams.contract.topics import PUBLIC_TOPICS


def test_every_schema_file_matches_its_model() -> None:
    for name, schema in generate().items():
        path = SCHEMA_DIR / name
        assert path.exists(), f"{name} is missing: run `make schemas` and commit it"
        assert path.read_bytes() == render(schema), (
            f"{name} differs from the model. If the change is deliberate, bump the event's SCHEMA_VERSION "
            "(consumers rely on a version meaning one shape), then run `make schemas` and commit."
        )


def test_version_literals_agree_with_class_constants() -> None:
    for spec in PUBLIC_TOPICS:
        if spec.event is None:
            continue
        assert spec.event.literal("schema_version") == spec.event.SCHEMA_VERSION
        assert spec.event.TOPIC == spec.name
        schema = orjson.loads((SCHEMA_DIR / f"{spec.name}.v{spec.event.SCHEMA_VERSION}.json").read_bytes())
        assert schema["x-topic"] == spec.name


def test_topic_names_are_unique_and_documented() -> None:
    from pathlib import Path

    names = [t.name for t in PUBLIC_TOPICS]
    assert len(names) == len(set(names))
    doc = (Path(__file__).resolve().parents[3] / "docs" / "topics.md").read_text()
    for name in names:
        assert f"`{name}`" in doc, f"docs/topics.md does not describe {name}"
