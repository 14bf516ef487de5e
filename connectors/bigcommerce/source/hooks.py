"""One active hook per scope at the worker's public destination, carrying the secret header.

Missing hooks are created; hooks BigCommerce deactivated (or that carry a stale secret) are
re-activated with the header. A 422 "already exists" means another worker won the race.
"""

from __future__ import annotations

import logging

from .. import metrics
from ..client import BigCommerceClient
from ..errors import ValidationError
from ..models import Webhook, WebhookCreate, WebhookUpdate

log = logging.getLogger(__name__)


class HookManager:
    """One active hook per scope at ``destination``, carrying the secret header."""

    def __init__(self, client: BigCommerceClient, destination: str, scopes: tuple[str, ...], header: str,
                 secret: str) -> None:
        self.client = client
        self.destination = destination
        self.scopes = scopes
        self.header = header
        self._secret = secret

    def _headers(self, hook: Webhook | None = None) -> dict[str, str]:
        return {**((hook.headers or {}) if hook else {}), self.header: self._secret}

    async def ensure(self) -> dict[str, list[str]]:
        """Create missing hooks, re-activate or correct the others; returns scopes by action."""
        actions: dict[str, list[str]] = {"created": [], "reactivated": [], "updated": []}
        mine = [h for h in await self.client.list_webhooks() if h.destination == self.destination]
        store = self.client.settings.store_hash
        for scope in self.scopes:
            hook = next((h for h in mine if h.scope == scope), None)
            if hook is None:
                try:
                    await self.client.create_webhook(WebhookCreate(
                        scope=scope, destination=self.destination, is_active=True, headers=self._headers()))
                except ValidationError as exc:  # another worker created it a moment ago
                    log.info("hook not created", extra={"scope": scope, "error": str(exc)})
                    continue
                actions["created"].append(scope)
            elif not hook.is_active or (hook.headers or {}).get(self.header) != self._secret:
                await self.client.update_webhook(hook.id, WebhookUpdate(is_active=True, headers=self._headers(hook)))
                actions["reactivated" if not hook.is_active else "updated"].append(scope)
            else:
                continue
        for action, scopes in actions.items():
            if scopes:
                metrics.HOOKS_REPAIRED.labels(store, action).inc(len(scopes))
                log.info(f"webhooks {action}", extra={"store": store, "scopes": scopes,
                                                      "destination": self.destination})
        return actions
