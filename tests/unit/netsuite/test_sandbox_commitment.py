"""The sandbox commits stock for a new sales order incrementally; the result must equal a full FIFO recompute."""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from typing import Any

from connectors.netsuite.sandbox.app import SandboxState
from connectors.netsuite.sandbox.config import SandboxConfig


def _figures(state: SandboxState) -> tuple[list[Any], list[Any]]:
    rows = [(item["id"], row["locationId"], row["quantityCommitted"], row["quantityBackOrdered"],
             row["quantityAvailable"])
            for item in state.store.all("inventoryItem") for row in (item.get("locations") or {}).get("items") or []]
    lines = [(order["id"], index, line.get("quantityCommitted"), line.get("quantityBackOrdered"))
             for order in state.store.all("salesOrder") for index, line in enumerate(order["item"]["items"])]
    return rows, lines


def test_incremental_commitment_equals_full_recompute() -> None:
    state = SandboxState(SandboxConfig(seed_data=True))
    rng = random.Random(3)
    items = [item["id"] for item in state.store.all("inventoryItem")][1:7]
    for item_id in items:  # little stock, so later orders are back ordered
        for location in ("1", "2"):
            state.behaviour.set_stock(item_id, location, Decimal(rng.randint(0, 6)))
    for number in range(60):
        lines = [{"item": {"id": rng.choice(items)}, "quantity": rng.randint(1, 3), "rate": Decimal("10.00")}
                 for _ in range(rng.randint(1, 3))]
        state.store.create("salesOrder", {"externalId": f"BC-SO-t-{number}", "entity": {"id": "101"},
                                          "location": {"id": rng.choice(("1", "2"))}, "item": {"items": lines}},
                           defaults=state.behaviour.prepare)
    incremental = copy.deepcopy(_figures(state))
    assert any(row[3] > 0 for row in incremental[0]), "the test should reach back orders"
    state.behaviour.recompute_committed(None)
    assert _figures(state) == incremental
