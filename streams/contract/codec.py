"""orjson codec for envelopes: models to bytes and back, with a clear error for bad input."""

from __future__ import annotations

from typing import TypeVar

import orjson
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class InvalidEvent(ValueError):
    """Bytes on a topic that are not a valid event of the expected type."""

    def __init__(self, model: type[BaseModel], reason: str) -> None:
        super().__init__(f"not a valid {model.__name__}: {reason}")
        self.model = model
        self.reason = reason


def encode(event: BaseModel) -> bytes:
    """JSON bytes; ``Decimal`` becomes a string so money keeps every digit."""
    return orjson.dumps(event.model_dump(mode="json"))


def decode(model: type[M], raw: bytes | str | None) -> M:
    """Parse and validate; raise ``InvalidEvent`` naming the first problems in plain words."""
    if raw is None:
        raise InvalidEvent(model, "the message has no value")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(model, f"the value is not JSON ({exc})") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise InvalidEvent(model, problems) from exc
