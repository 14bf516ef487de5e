"""Webhook delivery: thin payloads POSTed at least once to every matching active hook.

Each event gets one ``hash`` (SHA-1) that every delivery of it repeats, so receivers can dedupe.
Knobs: delay, jitter (reordering), duplicates, loss. A delivery that is not answered with a 2xx is
retried on ``webhook_retry_delays_s`` (BigCommerce: 60 s ... 24 h, compressed here); when every retry
fails the hook is deactivated (``is_active: false``), as BigCommerce does after ~48 h.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import logging
import random
import time
from typing import Any

import aiohttp

from .config import SandboxConfig
from .state import Store

log = logging.getLogger(__name__)


def scope_matches(hook_scope: str, scope: str) -> bool:
    if hook_scope.endswith("/*"):
        return scope.startswith(hook_scope[:-1])
    return hook_scope == scope


class WebhookDispatcher:
    def __init__(self, store: Store, config: SandboxConfig, rng: random.Random) -> None:
        self.store = store
        self.config = config
        self.rng = rng
        self.deliveries: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self._seq = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        store.emit = self.emit

    def emit(self, scope: str, data: dict[str, Any]) -> None:
        created_at = int(time.time())
        seq = next(self._seq)
        payload: dict[str, Any] = {
            "scope": scope,
            "store_id": self.config.store_id,
            "data": data,
            "created_at": created_at,
            "producer": f"stores/{self.config.store_hash}",
        }
        digest_source = json.dumps({**payload, "_event": seq}, sort_keys=True, separators=(",", ":"))
        payload["hash"] = hashlib.sha1(digest_source.encode()).hexdigest()
        self.events.append({"seq": seq, "scope": scope, "hash": payload["hash"], "data": data})
        for hook in list(self.store.hooks.values()):
            if not hook["is_active"] or not scope_matches(hook["scope"], scope):
                continue
            if self.rng.random() < self.config.webhook_loss_rate:
                self.deliveries.append({"hook_id": hook["id"], "scope": scope, "hash": payload["hash"], "lost": True})
                continue
            copies = 2 if self.rng.random() < self.config.webhook_duplicate_rate else 1
            for _ in range(copies):
                self._spawn(hook["id"], payload)

    def _spawn(self, hook_id: int, payload: dict[str, Any]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # seeding outside a loop: nobody is subscribed yet
        task = loop.create_task(self._deliver(hook_id, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, hook: dict[str, Any], payload: dict[str, Any]) -> int | None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json", **(hook.get("headers") or {})}
        try:
            async with self._session.post(
                hook["destination"],
                data=json.dumps(payload, separators=(",", ":")),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.config.webhook_timeout_s),
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            return None

    async def _deliver(self, hook_id: int, payload: dict[str, Any]) -> None:
        delay = self.config.webhook_delay_ms / 1000.0
        delay += self.rng.uniform(0, self.config.webhook_jitter_ms / 1000.0)
        if delay > 0:
            await asyncio.sleep(delay)
        retries = list(self.config.webhook_retry_delays_s)
        attempt = 0
        while True:
            hook = self.store.hooks.get(hook_id)
            if hook is None or not hook["is_active"]:
                return
            status = await self._post(hook, payload)
            ok = status is not None and 200 <= status < 300
            self.deliveries.append(
                {
                    "hook_id": hook_id,
                    "scope": payload["scope"],
                    "hash": payload["hash"],
                    "attempt": attempt,
                    "status": status,
                    "ok": ok,
                    "lost": False,
                }
            )
            if ok:
                return
            if attempt >= len(retries):
                hook["is_active"] = False
                hook["updated_at"] = int(time.time())
                log.info("sandbox webhook %s deactivated after %d failed attempts", hook_id, attempt + 1)
                return
            await asyncio.sleep(retries[attempt])
            attempt += 1

    async def drain(self, wait_s: float = 10.0) -> None:
        """Wait for in-flight deliveries (tests)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=wait_s)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
