"""Webhooks V3: the hooks o2c registers and the thin payloads BigCommerce delivers."""

from __future__ import annotations

from typing import Any

from .base import ReadModel, Text, WriteModel


class Webhook(ReadModel):
    id: int
    client_id: Text = ""
    store_hash: Text = ""
    scope: str
    destination: str
    headers: dict[str, str] | None = None
    is_active: bool = True
    created_at: int = 0
    updated_at: int = 0


class WebhookCreate(WriteModel):
    scope: str
    destination: str
    is_active: bool = True
    headers: dict[str, str] | None = None


class WebhookUpdate(WriteModel):
    scope: str | None = None
    destination: str | None = None
    is_active: bool | None = None
    headers: dict[str, str] | None = None


class WebhookPayload(ReadModel):
    """The body BigCommerce POSTs to a destination; ``hash`` is the duplicate-detection key."""

    scope: str
    store_id: str
    data: dict[str, Any]
    hash: str
    created_at: int
    producer: str
