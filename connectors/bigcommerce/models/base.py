"""What every BigCommerce model shares: read/write bases and the field types money, dates and text use.

Read models accept unknown fields (the API grows); money is :class:`Decimal` (V2 four-decimal strings
and V3 numbers alike); V2 dates are RFC-2822 and become aware UTC datetimes; text that BigCommerce
sends as ``null`` (a billing ``company`` nobody filled in, a product without a name) reads as ``""``.
Write models (``*Create``/``*Update``/``*Item``) dump to the exact request body shape.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from ..formats import parse_money, parse_rfc2822


def null_as_empty(value: Any) -> Any:
    """``None`` → ``""``; anything else is left for the ``str`` validation."""
    return "" if value is None else value


Money = Annotated[Decimal, BeforeValidator(parse_money)]
OptionalMoney = Annotated[Decimal | None, BeforeValidator(lambda v: None if v is None else parse_money(v))]
V2Date = Annotated[datetime | None, BeforeValidator(parse_rfc2822)]
#: A string BigCommerce may send as ``null``: read as ``""``.
Text = Annotated[str, BeforeValidator(null_as_empty)]


class ReadModel(BaseModel):
    """A resource as BigCommerce returns it; unknown fields are kept."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class WriteModel(BaseModel):
    """A request body; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    def body(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, mode="python")
