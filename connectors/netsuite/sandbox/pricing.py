"""B2B pricing actions: what a pricing manager does in NetSuite, to drive ``ns.prices`` and ``ns.customers``.

Over HTTP (no authentication, no governance, like the other ``/__sandbox`` routes), JSON in and out:

- ``POST /__sandbox/pricing/level`` ``{"name": "Gold", "discountPct": -10, "isOnline": false}``: the price
  level of that name (created when missing) → ``{"id", "name", "created"}``;
- ``POST /__sandbox/pricing/item`` ``{"sku" | "item", "prices": [{"level": "2" | "Wholesale", "currency":
  "USD", "quantity": 0, "price": "9.99"}, …]}``: replace the item's whole price table (``level`` is an id or
  a name; ``currency`` a symbol or id, default the base currency; ``quantity`` the break, default 0) and
  bump its ``lastModifiedDate`` → ``{"item", "sku", "rows", "lastModifiedDate"}``;
- ``POST /__sandbox/pricing/customer`` ``{"customer": "105" | "email": "…", "priceLevel": "2" | "Wholesale"
  | null}``: set (or clear) a customer's price level → ``{"customer", "priceLevel", "lastModifiedDate"}``;
- ``POST /__sandbox/pricing/seed``: many inventory items at once, each priced at every level, currency and
  quantity break (:func:`seed_items`);
- ``POST /__sandbox/pricing/change-random``: change random prices (:func:`change_random`) → what changed.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from aiohttp import web

from connectors.netsuite import codec
from connectors.netsuite.sandbox.behaviour import Behaviour
from connectors.netsuite.sandbox.store import Record, Store, StoreError, id_key, price_currency, to_decimal
from connectors.netsuite.sandbox.tables import PRICED_TYPES

CENT = Decimal("0.01")
#: Currencies the bulk seed may create when the account lacks them: symbol → (name, rate to USD).
CURRENCIES = {"USD": ("USA", Decimal(1)), "EUR": ("Euro", Decimal("0.92")), "GBP": ("British pound", Decimal("0.79")),
              "CAD": ("Canadian dollar", Decimal("1.36"))}


class _HasStore(Protocol):
    store: Store
    behaviour: Behaviour


def _bad(detail: str) -> StoreError:
    return StoreError(400, "INVALID_CONTENT", detail)


def _money(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise _bad(f"Invalid {what} {value!r}.") from exc
    if not amount.is_finite():
        raise _bad(f"Invalid {what} {value!r}.")
    return amount


def level_id(store: Store, ref: Any) -> str:
    """A price level's internal id from its id or its name."""
    text = str(ref).strip()
    if text in store.records["priceLevel"]:
        return text
    for record in store.all("priceLevel"):
        if str(record.get("name", "")).lower() == text.lower():
            return str(record["id"])
    raise _bad(f"No price level {text!r}.")


def ensure_level(store: Store, name: str, discount_pct: Decimal = Decimal(0), online: bool = False) -> tuple[str, bool]:
    """(id, created) of the price level named ``name``, created when missing."""
    try:
        return level_id(store, name), False
    except StoreError:
        record = store.create("priceLevel", {"name": name, "discountPct": discount_pct, "isOnline": online})
        return str(record["id"]), True


def currency_id(store: Store, ref: Any, *, create: bool = False) -> str:
    """A currency's internal id from its id or symbol (``USD``); with ``create``, a known symbol is added."""
    text = str(ref).strip()
    if text in store.records["currency"]:
        return text
    for record in store.all("currency"):
        if str(record.get("symbol", "")).upper() == text.upper():
            return str(record["id"])
    if create and text.upper() in CURRENCIES:
        record = store.create("currency", {"name": CURRENCIES[text.upper()][0], "symbol": text.upper()})
        return str(record["id"])
    raise _bad(f"No currency {text!r}.")


def priced_item(store: Store, body: Mapping[str, Any]) -> tuple[str, Record]:
    """(record type, record) of the item named by ``item`` (internal id) or ``sku`` (itemId)."""
    if body.get("item"):
        hit = store.by_group_id("item", str(body["item"]))
        if hit is not None and hit[0] in PRICED_TYPES:
            return hit
        raise StoreError(404, "NONEXISTENT_ID", f"No priced item {body['item']}.")
    if body.get("sku"):
        for record_type in PRICED_TYPES:
            for record in store.all(record_type):
                if record.get("itemId") == body["sku"]:
                    return record_type, record
        raise StoreError(404, "NONEXISTENT_ID", f"No item with itemId {body['sku']}.")
    raise KeyError("sku")


def price_line(level: str, currency: str, quantity: Decimal, price: Decimal) -> Record:
    return {"priceLevel": {"id": level}, "currencyPage": {"id": currency}, "quantity": quantity, "price": price}


def set_item_prices(state: _HasStore, body: Mapping[str, Any]) -> dict[str, Any]:
    """Replace an item's whole price table (``body["prices"]``, possibly empty); bumps its lastModifiedDate."""
    store = state.store
    record_type, record = priced_item(store, body)
    lines: dict[tuple[str, str, Decimal], Record] = {}
    for entry in body.get("prices") or ():
        level = level_id(store, entry.get("level", entry.get("priceLevel", "")))
        currency = currency_id(store, entry.get("currency") or "1")
        quantity = _money(entry.get("quantity", 0), "quantity")
        lines[(level, currency, quantity)] = price_line(level, currency, quantity, _money(entry["price"], "price"))
    updated = store.update(record_type, str(record["id"]), {"price": {"items": list(lines.values())}},
                           replace=["price"])
    return {"item": updated["id"], "sku": updated.get("itemId"), "rows": len(lines),
            "lastModifiedDate": updated.get("lastModifiedDate")}


def set_customer_level(state: _HasStore, body: Mapping[str, Any]) -> dict[str, Any]:
    """Set (or, with ``null``, clear) a customer's price level; bumps its lastModifiedDate."""
    store = state.store
    if body.get("customer"):
        customer = store.get("customer", str(body["customer"]))
    elif body.get("email"):
        wanted = str(body["email"]).lower()
        found = [r for r in store.all("customer") if str(r.get("email") or "").lower() == wanted]
        if not found:
            raise StoreError(404, "NONEXISTENT_ID", f"No customer with email {body['email']}.")
        customer = found[-1]
    else:
        raise KeyError("customer")
    if "priceLevel" not in body:
        raise KeyError("priceLevel")
    level = None if body["priceLevel"] in (None, "") else level_id(store, body["priceLevel"])
    updated = store.update("customer", str(customer["id"]), {"priceLevel": None if level is None else {"id": level}},
                           after=state.behaviour.prepare)
    return {"customer": updated["id"], "priceLevel": level, "lastModifiedDate": updated.get("lastModifiedDate")}


def _levels(store: Store, wanted: Any) -> list[tuple[str, Decimal]]:
    """(id, discount %) of the levels to price at: a list of ids or names, or a count (the first active ones
    by id, ``Level N`` added when there are fewer)."""
    if isinstance(wanted, list):
        ids = [level_id(store, ref) for ref in wanted]
    else:
        count = int(wanted)
        ids = sorted((str(r["id"]) for r in store.all("priceLevel") if not r.get("isInactive")), key=id_key)[:count]
        while len(ids) < count:
            ids.append(ensure_level(store, f"Level {len(ids) + 1}", Decimal(-5 * len(ids)))[0])
    return [(i, to_decimal(store.records["priceLevel"][i].get("discountPct")) or Decimal(0)) for i in ids]


def _skus(body: Mapping[str, Any]) -> list[str]:
    if body.get("skus"):
        return [str(s) for s in body["skus"]]
    pattern = str(body.get("skuPattern") or "B2B-{n:06d}")
    start = int(body.get("start", 1))
    return [pattern.format(n=n) for n in range(start, start + int(body["count"]))]


def _create_items(state: _HasStore, skus: list[str], levels: list[tuple[str, Decimal]],
                  currencies: list[tuple[str, Decimal]], breaks: list[Decimal], rng: random.Random,
                  created: dict[str, str]) -> None:
    """Inventory items ``skus``, each priced at every level, currency and break (ids into ``created``)."""
    store = state.store
    names = {level: str(store.records["priceLevel"][level].get("name")) for level, _ in levels}
    for sku in skus:
        base = Decimal(rng.randint(500, 20000)) / 100
        lines = [price_line(level, currency, quantity,
                            max(CENT, (base * (100 + pct) / 100 * rate * (1 - Decimal("0.05") * n)).quantize(CENT)))
                 for level, pct in levels for currency, rate in currencies for n, quantity in enumerate(breaks)]
        for line in lines:  # as the store would resolve them, without resolving 500,000 references one by one
            line["priceLevel"]["refName"] = names[line["priceLevel"]["id"]]
        record = store.create("inventoryItem", {"itemId": sku, "displayName": sku, "isOnline": True},
                              defaults=state.behaviour.prepare)
        record["price"] = {"items": lines}
        created[sku] = str(record["id"])


def seed_items(state: _HasStore, body: Mapping[str, Any]) -> dict[str, Any]:
    """Create inventory items priced at every level, currency and quantity break, fast.

    Body: ``count`` with ``skuPattern`` (a ``str.format`` pattern of ``n``, default ``B2B-{n:06d}``, from
    ``start``, default 1) or ``skus`` (a list); ``levels`` (a count, default 5, or a list of ids/names);
    ``currencies`` (symbols, default ``["USD", "EUR"]``, created when missing); ``quantityBreaks``
    (default ``[0]``); ``seed`` (default 7). Prices: a random base per item (5.00-200.00), times the
    level's markup/discount, the currency's rate, and 5 % less per break. ``returnItems``: also list
    ``{sku: id}``. Answer: ``{"created", "rows", "levels", "currencies", "firstId", "lastId", "seconds"}``.
    """
    started = time.perf_counter()
    store = state.store
    skus = _skus(body)
    taken = {r.get("itemId") for t in PRICED_TYPES for r in store.all(t)}
    clash = next((sku for sku in skus if sku in taken), None)
    if clash is not None or len(set(skus)) != len(skus):
        raise _bad(f"SKU {clash or 'listed twice'} already exists.")
    levels = _levels(store, body.get("levels", 5))
    currencies = [(currency_id(store, c, create=True), CURRENCIES.get(str(c).upper(), ("", Decimal(1)))[1])
                  for c in body.get("currencies") or ("USD", "EUR")]
    breaks = [_money(q, "quantity break") for q in body.get("quantityBreaks") or (0,)]
    rng = random.Random(int(body.get("seed", 7)))
    created: dict[str, str] = {}
    gc.disable()  # hundreds of thousands of small dicts: the collector would walk them again and again
    try:
        _create_items(state, skus, levels, currencies, breaks, rng, created)
    finally:
        gc.enable()
    ids = list(created.values())
    answer: dict[str, Any] = {
        "created": len(ids), "rows": len(ids) * len(levels) * len(currencies) * len(breaks),
        "levels": [{"id": level, "name": store.records["priceLevel"][level].get("name")} for level, _ in levels],
        "currencies": [{"id": c, "symbol": store.records["currency"][c].get("symbol")} for c, _ in currencies],
        "firstId": ids[0] if ids else None, "lastId": ids[-1] if ids else None,
        "seconds": Decimal(f"{time.perf_counter() - started:.3f}"),
    }
    if body.get("returnItems"):
        answer["items"] = created
    return answer


def change_random(state: _HasStore, body: Mapping[str, Any]) -> dict[str, Any]:
    """Change ``count`` random prices (rows of items with a price table; only ``skus`` or SKUs starting with
    ``skuPrefix`` when given) by 1 % up to ``maxChangePct`` (default 10) either way; each changed item's
    lastModifiedDate moves. Answer: ``{"changed": [{"item", "sku", "priceLevel", "currency", "quantity",
    "old", "new"}, …], "items": distinct items changed}``."""
    store = state.store
    rng = random.Random(body.get("seed"))
    only = set(body.get("skus") or ())
    prefix = str(body.get("skuPrefix") or "")
    candidates = [(t, r) for t in PRICED_TYPES for r in store.all(t)
                  if (r.get("price") or {}).get("items") and str(r.get("itemId") or "").startswith(prefix)
                  and (not only or r.get("itemId") in only)]
    count = int(body.get("count", 1))
    if not candidates or count < 1:
        return {"changed": [], "items": 0}
    most = max(Decimal(1), _money(body.get("maxChangePct", 10), "maxChangePct"))
    picks: dict[str, tuple[str, Record, list[Record]]] = {}
    changed: list[dict[str, Any]] = []
    for _ in range(count):
        record_type, record = rng.choice(candidates)
        _, _, lines = picks.setdefault(str(record["id"]), (
            record_type, record, [dict(line) for line in record["price"]["items"]]))
        line = rng.choice(lines)
        old = to_decimal(line.get("price")) or Decimal(0)
        step = Decimal(rng.randint(100, int(most * 100))) / 10000 * rng.choice((-1, 1))
        new = max(CENT, (old * (1 + step)).quantize(CENT))
        if new == old:
            new = old + CENT
        line["price"] = new
        changed.append({"item": record["id"], "sku": record.get("itemId"), "priceLevel": (line.get("priceLevel") or {})
                        .get("id"), "currency": price_currency(line), "quantity": str(line.get("quantity") or 0),
                        "old": str(old), "new": str(new)})
    for item_id, (record_type, _, lines) in picks.items():
        store.update(record_type, item_id, {"price": {"items": lines}}, replace=["price"])
    return {"changed": changed, "items": len(picks)}


# -- HTTP ---------------------------------------------------------------------------------------------


def add_routes(app: web.Application, state_of: Callable[[web.Request], _HasStore]) -> None:
    """The ``/__sandbox/pricing/…`` routes (see the module's docstring)."""

    def answer(result: Any, status: int = 200) -> web.Response:
        return web.Response(status=status, body=codec.dumps(result), content_type="application/json")

    def route(action: Callable[[_HasStore, Mapping[str, Any]], dict[str, Any]],
              status: int = 200) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.Response:
            try:
                raw = await request.read()
                data = codec.loads(raw) if raw else {}
                if not isinstance(data, dict):
                    raise StoreError(400, "INVALID_REQUEST", "The request body must be a JSON object.")
                return answer(action(state_of(request), data), status)
            except StoreError as exc:
                return answer({"error": exc.code, "detail": exc.detail}, exc.status)
            except (KeyError, ValueError, TypeError) as exc:
                return answer({"error": "INVALID_REQUEST", "detail": f"missing or bad {exc}"}, 400)

        return handle

    def level(state: _HasStore, data: Mapping[str, Any]) -> dict[str, Any]:
        level_ref, created = ensure_level(state.store, str(data["name"]),
                                          _money(data.get("discountPct", 0), "discountPct"),
                                          bool(data.get("isOnline", False)))
        return {"id": level_ref, "name": state.store.records["priceLevel"][level_ref].get("name"), "created": created}

    app.router.add_post("/__sandbox/pricing/level", route(level))
    app.router.add_post("/__sandbox/pricing/item", route(set_item_prices))
    app.router.add_post("/__sandbox/pricing/customer", route(set_customer_level))
    app.router.add_post("/__sandbox/pricing/seed", route(seed_items, 201))
    app.router.add_post("/__sandbox/pricing/change-random", route(change_random))


__all__ = ["add_routes", "change_random", "currency_id", "level_id", "seed_items", "set_customer_level",
           "set_item_prices"]
