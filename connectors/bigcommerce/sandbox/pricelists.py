"""Price lists, their records and assignments, validated the way BigCommerce validates them (no HTTP here).

- A price list's ``name`` is required and unique (409 on a duplicate, as the spec says); deleting a list
  deletes its records and assignments.
- A records upsert item needs ``currency`` (one of the store's: ``SandboxConfig.store_currencies``), a
  variant by ``variant_id`` or ``sku`` that exists, and ``price`` (≥ 0); every amount must be ≥ 0 with no
  more decimals than the currency has (2; 0 for JPY and the like; 3 for BHD, KWD...). ``bulk_pricing_tiers``:
  ``quantity_min`` ≥ 1, ``quantity_max`` ≥ it (absent/``null`` = no maximum), ``type`` fixed | price |
  percent, ``amount`` ≥ 0 (percent ≤ 100), tiers in increasing order without overlapping. Any invalid item
  (or one whose SKU has a fault set) makes the whole batch a 422 with per-item errors and nothing is
  written. A valid record replaces the one stored for (list, variant, currency): fields not sent are unset.
- A list cannot be assigned to a customer group that has customer-group discounts (422; spec usage notes).
- Records are read back with ``bulk_pricing_tiers`` only under ``include=bulk_pricing_tiers`` and ``sku`` only
  under ``include=sku``; a tier without maximum reads back with ``quantity_max`` 2147483647, as BigCommerce
  shows it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .state import ApiError, now

if TYPE_CHECKING:
    from .faults import PriceRecordFaults
    from .state import Store

#: ISO 4217 currencies without minor units, and with three decimals; every other one has two.
ZERO_DECIMALS = frozenset({"bif", "clp", "djf", "gnf", "isk", "jpy", "kmf", "krw", "pyg", "rwf", "ugx", "vnd",
                           "vuv", "xaf", "xof", "xpf"})
THREE_DECIMALS = frozenset({"bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd"})
PERCENT_PLACES = 4
UNBOUNDED = 2_147_483_647
TIER_TYPES = ("fixed", "price", "percent")
MONEY_FIELDS = ("price", "sale_price", "retail_price", "map_price")
#: The store's channels (assignments name one).
CHANNELS = frozenset({1})
RecordKey = tuple[int, int, str]


def places(currency: str) -> int:
    code = currency.lower()
    return 0 if code in ZERO_DECIMALS else 3 if code in THREE_DECIMALS else 2


def _amount(value: Any, name: str, decimals: int) -> tuple[Decimal | None, str | None]:
    """(the amount, None) or (None, why it is refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None, f"{name} must be a number"
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        return None, f"{name} must be greater than or equal to 0"
    if amount != amount.quantize(Decimal(1).scaleb(-decimals)):
        return None, f"{name} must have at most {decimals} decimal places"
    return amount, None


def _tiers(raw: Any, decimals: int) -> tuple[list[dict[str, Any]], str | None]:
    if not isinstance(raw, list):
        return [], "bulk_pricing_tiers must be an array"
    tiers: list[dict[str, Any]] = []
    for n, tier in enumerate(raw, start=1):
        if not isinstance(tier, dict):
            return [], f"tier {n} must be an object"
        low, high, kind = tier.get("quantity_min"), tier.get("quantity_max"), tier.get("type")
        if isinstance(low, bool) or not isinstance(low, int) or low < 1:
            return [], f"tier {n}: quantity_min must be an integer of at least 1"
        if high is not None and (isinstance(high, bool) or not isinstance(high, int) or high < low):
            return [], f"tier {n}: quantity_max must be an integer not below quantity_min"
        if kind not in TIER_TYPES:
            return [], f"tier {n}: type must be one of fixed, price, percent"
        amount, why = _amount(tier.get("amount"), f"tier {n}: amount", PERCENT_PLACES if kind == "percent"
                              else decimals)
        if amount is None:
            return [], why
        if kind == "percent" and amount > 100:
            return [], f"tier {n}: a percent amount must be at most 100"
        if tiers and (tiers[-1]["quantity_max"] is None or low <= tiers[-1]["quantity_max"]):
            return [], f"tier {n} overlaps tier {n - 1} or is out of order"
        tiers.append({"quantity_min": low, "quantity_max": None if high is None or high >= UNBOUNDED else high,
                      "type": kind, "amount": amount})
    return tiers, None


def _variant(store: Store, item: dict[str, Any], errors: dict[str, str]) -> dict[str, Any] | None:
    by_id = by_sku = None
    if item.get("variant_id") is not None:
        raw = item["variant_id"]
        by_id = store.variants.get(raw) if isinstance(raw, int) and not isinstance(raw, bool) else None
        if by_id is None:
            errors["variant_id"] = f"Variant {raw} does not exist"
    if item.get("sku") is not None:
        by_sku = store.variant_by_sku(str(item["sku"]))
        if by_sku is None:
            errors["sku"] = f"SKU {item['sku']} does not exist"
    if item.get("variant_id") is None and item.get("sku") is None:
        errors["variant_id"] = "A variant_id or sku is required"
    if by_id is not None and by_sku is not None and by_id is not by_sku:
        errors["sku"] = "variant_id and sku name different variants"
    return None if errors else by_id or by_sku


def check_record(store: Store, item: Any, faults: PriceRecordFaults | None = None
                 ) -> tuple[dict[str, Any] | None, dict[str, Any], dict[str, str]]:
    """(the variant, the record's fields, {}) for a valid upsert item, else (None, {}, field errors)."""
    if not isinstance(item, dict):
        return None, {}, {"item": "Each price record must be an object"}
    errors: dict[str, str] = {}
    variant = _variant(store, item, errors)
    currency = item.get("currency")
    if not isinstance(currency, str) or not currency:
        errors["currency"] = "currency is required"
        currency = "usd"
    elif currency.lower() not in store.config.store_currencies:
        errors["currency"] = f"Currency {currency} is not enabled on this store"
    currency = currency.lower()
    decimals = places(currency)
    fields: dict[str, Any] = {"currency": currency}
    for name in MONEY_FIELDS:
        if item.get(name) is None:
            if name == "price":
                errors["price"] = "price is required"
            continue
        amount, why = _amount(item[name], name, decimals)
        if why:
            errors[name] = why
        fields[name] = amount
    if "bulk_pricing_tiers" in item and item["bulk_pricing_tiers"] is not None:
        tiers, why = _tiers(item["bulk_pricing_tiers"], decimals)
        if why:
            errors["bulk_pricing_tiers"] = why
        fields["bulk_pricing_tiers"] = tiers
    fault = faults.take(variant["sku"] if variant else str(item.get("sku") or "")) if faults else None
    if fault is not None:
        errors[fault.field] = fault.message
    return (None, {}, errors) if errors else (variant, fields, {})


def _identifiers(price_list_id: int, item: Any) -> dict[str, Any]:
    """What the spec's batch error ``data`` echoes of an item (only well-typed values)."""
    out: dict[str, Any] = {"price_list_id": price_list_id}
    if isinstance(item, dict):
        if isinstance(item.get("variant_id"), int) and not isinstance(item["variant_id"], bool):
            out["variant_id"] = item["variant_id"]
        for name in ("sku", "currency"):
            if isinstance(item.get(name), str):
                out[name] = item[name]
    return out


def upsert_records(store: Store, price_list_id: int, items: list[Any], faults: PriceRecordFaults | None = None
                   ) -> list[dict[str, Any]]:
    """Validate every item; if all are valid write them and return ``[]``, else write nothing and return
    the spec's ``batch_errors`` (``{"data": identifiers, "field_errors": {...}}`` per refused item)."""
    valid: list[tuple[dict[str, Any], dict[str, Any]]] = []
    batch_errors: list[dict[str, Any]] = []
    for item in items:
        variant, fields, errors = check_record(store, item, faults)
        if errors:
            batch_errors.append({"data": _identifiers(price_list_id, item), "field_errors": errors})
        else:
            assert variant is not None
            valid.append((variant, fields))
    if batch_errors:
        return batch_errors
    for variant, fields in valid:
        write_record(store, price_list_id, variant, fields)
    store.emit("store/priceList/records/updated", {
        "price_list_id": price_list_id,
        "records": [{"variant_id": v["id"], "currency": f["currency"]} for v, f in valid],
    })
    return []


def write_record(store: Store, price_list_id: int, variant: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    key = (price_list_id, int(variant["id"]), str(fields["currency"]))
    existing = store.price_records.get(key)
    ts = now()
    record = {
        "price_list_id": price_list_id, "variant_id": variant["id"], "product_id": variant["product_id"],
        "sku": variant["sku"], **fields, "bulk_pricing_tiers": fields.get("bulk_pricing_tiers") or [],
        "date_created": existing["date_created"] if existing else ts, "date_modified": ts,
    }
    store.price_records[key] = record
    store.price_records_version += 1
    return record


def records_of(store: Store, price_list_id: int) -> list[dict[str, Any]]:
    """The list's records ordered by (variant id, currency) (cached until the records change; do not
    modify the list returned)."""
    stamp = (store.price_records_version, len(store.price_records))
    cached = store.records_cache.get(price_list_id)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    keys = sorted(k for k in store.price_records if k[0] == price_list_id)
    rows = [store.price_records[k] for k in keys]
    store.records_cache[price_list_id] = (stamp, rows)
    return rows


def record_key(record: dict[str, Any]) -> tuple[Any, ...]:
    return (record["variant_id"], record["currency"])


def record_view(record: dict[str, Any], *, tiers: bool, sku: bool) -> dict[str, Any]:
    """A record as the API shows it: ``calculated_price``, and tiers / sku only when included."""
    view = {k: v for k, v in record.items() if k not in ("bulk_pricing_tiers", "sku")}
    view["calculated_price"] = record.get("sale_price") or record["price"]
    if tiers:
        view["bulk_pricing_tiers"] = [
            {**t, "quantity_max": UNBOUNDED if t["quantity_max"] is None else t["quantity_max"]}
            for t in record.get("bulk_pricing_tiers") or []
        ]
    if sku:
        view["sku"] = record["sku"]
    return view


def delete_records(store: Store, price_list_id: int, *, variant_ids: set[int] | None = None,
                   skus: set[str] | None = None, currency: str | None = None) -> int:
    """Delete the list's records matching every filter given; how many."""
    doomed = [
        k for k, r in store.price_records.items()
        if k[0] == price_list_id
        and (variant_ids is None or k[1] in variant_ids)
        and (skus is None or r["sku"] in skus)
        and (currency is None or k[2] == currency.lower())
    ]
    for k in doomed:
        del store.price_records[k]
    store.price_records_version += 1
    if doomed:
        store.emit("store/priceList/records/deleted", {
            "price_list_id": price_list_id, "records": [{"variant_id": k[1], "currency": k[2]} for k in doomed]})
    return len(doomed)


# ------------------------------------------------------------------ price lists


def _name(store: Store, body: Any, *, except_id: int | None = None) -> str:
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ApiError(422, "The price list is not valid.", {"name": "name is required"})
    if any(p["name"].lower() == name.lower() and p["id"] != except_id for p in store.pricelists.values()):
        raise ApiError(409, "A price list with this name already exists.", {"name": f"{name} is taken"})
    return name


def _active(body: dict[str, Any]) -> bool:
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise ApiError(422, "The price list is not valid.", {"active": "active must be a boolean"})
    return active


def create_price_list(store: Store, body: Any) -> dict[str, Any]:
    name = _name(store, body)
    ts = now()
    pid = store.next_id("pricelist")
    pl: dict[str, Any] = {"id": pid, "name": name, "date_created": ts, "date_modified": ts, "active": _active(body)}
    store.pricelists[pid] = pl
    store.emit("store/priceList/created", {"id": pid})
    return pl


def update_price_list(store: Store, price_list_id: int, body: Any) -> dict[str, Any]:
    pl = get_price_list(store, price_list_id)
    pl["name"] = _name(store, body, except_id=price_list_id)
    pl["active"] = _active(body) if "active" in body else pl["active"]
    pl["date_modified"] = now()
    store.emit("store/priceList/updated", {"id": price_list_id})
    return pl


def get_price_list(store: Store, price_list_id: int) -> dict[str, Any]:
    pl = store.pricelists.get(price_list_id)
    if pl is None:
        raise ApiError(404, "The requested price list was not found.")
    return pl


def delete_price_list(store: Store, price_list_id: int) -> bool:
    """Delete the list with its records and assignments; False if there was none."""
    if store.pricelists.pop(price_list_id, None) is None:
        return False
    for k in [k for k in store.price_records if k[0] == price_list_id]:
        del store.price_records[k]
    store.price_records_version += 1
    for aid in [a["id"] for a in store.assignments.values() if a["price_list_id"] == price_list_id]:
        del store.assignments[aid]
    store.emit("store/priceList/deleted", {"id": price_list_id})
    return True


# ------------------------------------------------------------------ assignments


def upsert_assignment(store: Store, price_list_id: int, group: Any, channel: Any) -> dict[str, Any]:
    """One assignment per (group, channel): a new list for them replaces the old one."""
    get_price_list(store, price_list_id)
    if group is not None and group not in store.groups:
        raise ApiError(404, f"Customer group {group} was not found.")
    if group is not None and any(r.get("type") != "price_list" for r in store.groups[group]["discount_rules"]):
        raise ApiError(422, "You cannot assign a price list to a customer group with customer group discounts.",
                       {"customer_group_id": f"Customer group {group} has discounts; delete them first"})
    if channel is not None and channel not in CHANNELS:
        raise ApiError(404, f"Channel {channel} was not found.")
    for a in store.assignments.values():
        if a["customer_group_id"] == group and a["channel_id"] == channel:
            a["price_list_id"] = price_list_id
            store.emit("store/priceList/assignment/updated", {"id": a["id"]})
            return a
    a = {"id": store.next_id("assignment"), "price_list_id": price_list_id, "customer_group_id": group,
         "channel_id": channel}
    store.assignments[a["id"]] = a
    store.emit("store/priceList/assignment/updated", {"id": a["id"]})
    return a


def delete_assignments(store: Store, filters: dict[str, set[int]]) -> int:
    """Delete the assignments whose fields are in every filter (at least one filter: else 422)."""
    if not filters:
        raise ApiError(422, "At least one filter is required to delete price list assignments.")
    doomed = [a["id"] for a in store.assignments.values() if all(a.get(f) in ids for f, ids in filters.items())]
    for aid in doomed:
        del store.assignments[aid]
        store.emit("store/priceList/assignment/deleted", {"id": aid})
    return len(doomed)
