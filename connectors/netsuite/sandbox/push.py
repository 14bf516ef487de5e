"""What a NetSuite user-event script does after a record is saved: POST a signed notice to o2c.

The notice is ``{"recordType": "itemfulfillment", "id": "123", "type": "create"}``, signed as
``docs/suitescript/o2c_push_ue.js`` signs it (see :mod:`connectors.netsuite.push`). Calls are fire and
forget, and ``push_loss_rate`` of them are dropped, as NetSuite's outbound calls can be; o2c's
regular poll is what guarantees delivery.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any

import httpx

from connectors.netsuite.push import sign
from connectors.netsuite.sandbox.config import SandboxConfig

log = logging.getLogger(__name__)

#: Record types a deployed user-event script watches (REST type -> script record type id).
WATCHED = {
    "inventoryItem": "inventoryitem",
    "salesOrder": "salesorder",
    "itemFulfillment": "itemfulfillment",
    "itemReceipt": "itemreceipt",
    "priceLevel": "pricelevel",
    "customer": "customer",
}


class Pusher:
    def __init__(self, config: SandboxConfig, rng: random.Random) -> None:
        self.config = config
        self.rng = rng
        self.sent = 0
        self.lost = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None

    def on_write(self, record_type: str, record: dict[str, Any]) -> None:
        script_type = WATCHED.get(record_type)
        if not self.config.push_url or script_type is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self.config.push_loss_rate > 0 and self.rng.random() < self.config.push_loss_rate:
            self.lost += 1
            return
        notice = {"recordType": script_type, "id": str(record.get("id", "")), "type": "edit"}
        task = loop.create_task(self._send(notice))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, notice: dict[str, str]) -> None:
        import orjson

        body = orjson.dumps(notice)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-O2C-Timestamp": stamp,
            "X-O2C-Signature": sign(self.config.push_secret, stamp, body),
        }
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(45.0, connect=5.0))
        try:
            await self._http.post(self.config.push_url, content=body, headers=headers)
            self.sent += 1
        except httpx.HTTPError as exc:  # lossy by nature: the poll catches up
            self.lost += 1
            log.info("sandbox push failed: %s", exc)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._http is not None:
            await self._http.aclose()
