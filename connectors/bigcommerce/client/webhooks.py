"""Webhooks V3: create, list, get, update and delete hooks."""

from __future__ import annotations

from typing import Any

from ..models import Webhook, WebhookCreate, WebhookUpdate
from .transport import Transport


class WebhooksApi(Transport):
    """``/v3/hooks``."""

    async def create_webhook(self, hook: WebhookCreate) -> Webhook:
        data = await self._v3_data("POST", "/hooks", endpoint="webhook_create", json=hook.body())
        return Webhook.model_validate(data)

    async def list_webhooks(self, **filters: Any) -> list[Webhook]:
        return [
            Webhook.model_validate(r) async for r in self._v3_pages("/hooks", endpoint="webhooks_list", params=filters)
        ]

    async def get_webhook(self, webhook_id: int) -> Webhook:
        return Webhook.model_validate(await self._v3_data("GET", f"/hooks/{webhook_id}", endpoint="webhook_get"))

    async def update_webhook(self, webhook_id: int, update: WebhookUpdate) -> Webhook:
        data = await self._v3_data("PUT", f"/hooks/{webhook_id}", endpoint="webhook_update", json=update.body())
        return Webhook.model_validate(data)

    async def delete_webhook(self, webhook_id: int) -> Webhook:
        data = await self._v3_data("DELETE", f"/hooks/{webhook_id}", endpoint="webhook_delete")
        return Webhook.model_validate(data)
