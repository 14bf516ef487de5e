"""Customers V3 and customer groups V2."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from .base import ReadModel, Text


class Customer(ReadModel):
    id: int
    email: str
    first_name: Text = ""
    last_name: Text = ""
    company: Text = ""
    phone: Text = ""
    customer_group_id: int = 0
    notes: Text = ""
    tax_exempt_category: Text = ""
    date_created: datetime | None = None
    date_modified: datetime | None = None


class CustomerGroup(ReadModel):
    id: int
    name: Text
    is_default: bool = False
    is_group_for_guests: bool = False
    discount_rules: list[dict[str, Any]] = Field(default_factory=list)
