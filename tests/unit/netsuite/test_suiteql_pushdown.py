"""WHERE conditions on the FROM table alone are applied before the joins; results must not change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.netsuite.sandbox import suiteql

TABLES: dict[str, list[dict[str, Any]]] = {
    "transaction": [{"id": str(i), "type": "ItemShip" if i % 3 == 0 else "SalesOrd", "entity": str(100 + i % 4),
                     "memo": None if i % 5 == 0 else f"m{i}"} for i in range(1, 40)],
    "transactionline": [{"transaction": str(i), "id": str(n), "mainline": "T" if n == 0 else "F", "quantity": str(n)}
                        for i in range(1, 40, 2) for n in range(3)],
    "customer": [{"id": str(100 + n), "email": f"c{n}@example.com"} for n in range(3)],
}
QUERIES = [
    ("SELECT t.id, l.quantity FROM transaction t JOIN transactionline l ON l.transaction = t.id AND l.mainline = 'F' "
     "WHERE t.type = ? AND l.quantity >= ? ORDER BY t.id, l.quantity", ["ItemShip", 1], True),
    ("SELECT t.id, c.email FROM transaction t LEFT JOIN customer c ON c.id = t.entity "
     "WHERE t.type = 'SalesOrd' AND c.email IS NULL ORDER BY t.id", [], True),
    ("SELECT t.id FROM transaction t JOIN customer c ON c.id = t.entity "
     "WHERE t.id BETWEEN ? AND ? AND LOWER(c.email) LIKE 'c%' ORDER BY t.id", [5, 20], True),
    ("SELECT t.id FROM transaction t JOIN customer c ON c.id = t.entity WHERE t.type = 'ItemShip' OR c.id = '101' "
     "ORDER BY t.id", [], False),  # OR: one condition, nothing pushed
    ("SELECT t.id FROM transaction t JOIN customer c ON c.id = t.entity WHERE memo IS NULL AND t.type = 'SalesOrd' "
     "ORDER BY t.id", [], True),  # the bare ``memo`` stays above the join
    ("SELECT t.id FROM transaction t JOIN transactionline l ON l.transaction = t.id "
     "WHERE t.type = 'Nothing' ORDER BY t.id", [], True),
]


def _run(query: str, params: list[Any]) -> list[dict[str, str]]:
    return suiteql.execute(query, params, lambda name, keys=None: [dict(r) for r in TABLES[name]], datetime.now(UTC))


@pytest.mark.parametrize(("query", "params", "pushes"), QUERIES)
def test_pushdown_gives_the_same_rows(query: str, params: list[Any], pushes: bool,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pushed = _run(query, params)
    parsed = suiteql.Parser(query, params).parse()

    def unsplit(self: suiteql.Parser, query: suiteql.Query) -> tuple[Any, list[Any]]:
        return self.expr(), []

    monkeypatch.setattr(suiteql.Parser, "where_clause", unsplit)
    assert pushed == _run(query, params)
    assert bool(parsed.base_filters) is pushes
    if "Nothing" not in query:
        assert pushed, "the query should return rows, or the comparison proves little"


def test_id_in_list_reads_only_those_records() -> None:
    asked: list[tuple[str, dict[str, set[str]] | None]] = []

    def tables(name: str, keys: dict[str, set[str]] | None = None) -> list[dict[str, Any]]:
        asked.append((name, keys))
        return [dict(r) for r in TABLES[name]]

    rows = suiteql.execute("SELECT id, type FROM transaction WHERE id IN (?, ?, '9') ORDER BY id", [3, "4"], tables,
                           datetime.now(UTC))
    assert [r["id"] for r in rows] == ["3", "4", "9"]
    assert asked == [("transaction", {"id": {"3", "4", "9"}})]
    asked.clear()
    suiteql.execute("SELECT t.id FROM transaction t WHERE t.id IN (1, 2) OR t.type = 'ItemShip'", [], tables,
                    datetime.now(UTC))
    suiteql.execute("SELECT t.id FROM transaction t WHERE t.entity IN (t.id, '101')", [], tables, datetime.now(UTC))
    assert asked == [("transaction", None), ("transaction", None)]  # an OR, or an IN list that is not constant
    asked.clear()
    rows = suiteql.execute("SELECT id FROM customer c WHERE LOWER(c.email) IN (?) ORDER BY id", ["c1@example.com"],
                           tables, datetime.now(UTC))
    assert [r["id"] for r in rows] == ["101"] and asked == [("customer", {"lower(email)": {"c1@example.com"}})]


def test_externalid_in_list_reads_the_externalid_index_and_matches_a_full_scan() -> None:
    from connectors.netsuite.sandbox.store import Store
    from connectors.netsuite.sandbox.tables import Tables

    store = Store(lambda: datetime.now(UTC))
    for n in range(6):
        store.create("customer", {"externalId": f"EXT-{n}", "email": f"c{n}@example.com"})
    store.create("customer", {"email": "no.eid@example.com"})
    tables = Tables(store)
    query = "SELECT id, externalid FROM customer WHERE externalid IN (?, ?, ?) ORDER BY id"
    params = ["EXT-4", "EXT-1", "ext-2"]  # SuiteQL compares the exact value: "ext-2" matches nothing
    narrowed = suiteql.execute(query, params, tables, datetime.now(UTC))
    full = suiteql.execute(query, params, lambda name, keys=None: tables(name), datetime.now(UTC))
    assert narrowed == full
    assert [r["externalid"] for r in narrowed] == ["EXT-1", "EXT-4"]


def _priced_store() -> tuple[Any, Any]:
    """A store with items priced in two currencies, modified at three times, and customers with price levels."""
    from datetime import timedelta

    from connectors.netsuite.sandbox.store import Store
    from connectors.netsuite.sandbox.tables import Tables

    now = [datetime(2026, 11, 1, 12, 0, tzinfo=UTC)]
    store = Store(lambda: now[0])
    store.create("currency", {"name": "USA", "symbol": "USD"}, record_id="1")
    store.create("currency", {"name": "Euro", "symbol": "EUR"}, record_id="2")
    store.create("priceLevel", {"name": "Base Price"}, record_id="1")
    store.create("priceLevel", {"name": "Wholesale"}, record_id="2")
    parent = store.create("inventoryItem", {"itemId": "TEE", "matrixType": {"id": "PARENT"}})
    for n in range(9):
        now[0] += timedelta(minutes=10 * (n % 3))
        store.create("inventoryItem", {
            "itemId": f"TEE-{n}", "parent": {"id": parent["id"]}, "matrixType": {"id": "CHILD"},
            "price": {"items": [{"priceLevel": {"id": level}, "currencyPage": {"id": currency}, "quantity": q,
                                 "price": 10 + n}
                                for level in ("1", "2") for currency in ("1", "2") for q in (0, 10)]}})
        store.create("customer", {"email": f"c{n}@example.com", "priceLevel": {"id": "2"} if n % 2 else None})
    return store, Tables(store)


@pytest.mark.parametrize(("query", "params"), [
    ("SELECT i.id, i.itemid FROM item i WHERE i.lastmodifieddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') "
     "AND i.itemtype IN ('InvtPart', 'Kit') AND (i.matrixtype IS NULL OR i.matrixtype <> 'PARENT') "
     "ORDER BY i.lastmodifieddate, i.id", ["2026-11-01 12:20:00"]),
    ("SELECT i.id, p.itemid parent FROM item i LEFT JOIN item p ON p.id = i.parent "
     "WHERE i.lastmodifieddate > TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') ORDER BY i.id", ["2026-11-01 12:10:00"]),
    ("SELECT p.item, p.pricelevel, pl.name levelname, c.symbol currency, p.quantity, p.unitprice FROM pricing p "
     "JOIN pricelevel pl ON pl.id = p.pricelevel LEFT JOIN currency c ON c.id = p.currency "
     "WHERE p.item IN (104, 106, '108', 999) ORDER BY p.item, p.pricelevel, p.quantity", []),
    ("SELECT item, unitprice FROM pricing WHERE pricelevel = 1 AND item IN (103, 105.0) ORDER BY item", []),
    ("SELECT c.id, c.email, pl.name FROM customer c LEFT JOIN pricelevel pl ON pl.id = c.pricelevel "
     "WHERE c.lastmodifieddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') ORDER BY c.lastmodifieddate, c.id",
     ["2026-11-01 12:30:00"]),
    ("SELECT id FROM item WHERE id IN ('0103', '104') ORDER BY id", []),  # text compares as text: '0103' ≠ '103'
])
def test_narrowed_tables_give_the_rows_a_full_scan_gives(query: str, params: list[Any]) -> None:
    _, tables = _priced_store()
    narrowed = suiteql.execute(query, params, tables, datetime.now(UTC))
    full = suiteql.execute(query, params, lambda name, keys=None: tables(name), datetime.now(UTC))
    assert narrowed == full and narrowed


def test_lower_bounds_and_item_lists_reach_the_tables() -> None:
    _, real = _priced_store()
    asked: list[tuple[str, dict[str, set[str]] | None]] = []

    def tables(name: str, keys: dict[str, set[str]] | None = None) -> list[dict[str, Any]]:
        asked.append((name, keys))
        return real(name, keys)

    suiteql.execute("SELECT i.id FROM item i LEFT JOIN item p ON p.id = i.parent WHERE i.lastmodifieddate >= "
                    "TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') AND i.isinactive = 'F'", ["2026-11-01 12:20:00"], tables,
                    datetime.now(UTC))
    assert asked == [("item", {"lastmodifieddate>=": {"2026-11-01T12:20:00+00:00"}}), ("item", {"id": {"101"}})]
    asked.clear()
    suiteql.execute("SELECT p.item FROM pricing p JOIN pricelevel pl ON pl.id = p.pricelevel "
                    "WHERE p.item IN (102, 103)", [], tables, datetime.now(UTC))
    assert asked == [("pricing", {"item": {"102", "103"}}), ("pricelevel", {"id": {"1", "2"}})]
    asked.clear()
    # A bound that reads a column, or under an OR, is not pushed down.
    suiteql.execute("SELECT id FROM item WHERE lastmodifieddate >= createddate", [], tables, datetime.now(UTC))
    suiteql.execute("SELECT id FROM item WHERE lastmodifieddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') "
                    "OR isinactive = 'T'", ["2026-11-01 12:20:00"], tables, datetime.now(UTC))
    assert asked == [("item", None), ("item", None)]


def test_price_lines_are_keyed_by_level_currency_and_quantity() -> None:
    store, tables = _priced_store()
    item = store.all("inventoryItem")[1]  # TEE-0, priced 10 everywhere
    store.update("inventoryItem", item["id"], {"price": {"items": [
        {"priceLevel": {"id": "2"}, "currencyPage": {"id": "2"}, "quantity": 10, "price": "7.5"},
        {"priceLevel": {"id": "2"}, "price": "8"}]}})  # no currency, no quantity: the base currency's base row
    rows = suiteql.execute(f"SELECT pricelevel, currency, quantity, unitprice FROM pricing WHERE item = {item['id']} "
                           "AND pricelevel = 2 ORDER BY currency, quantity", [], tables, datetime.now(UTC))
    assert rows == [{"pricelevel": "2", "currency": "1", "quantity": "0", "unitprice": "8"},
                    {"pricelevel": "2", "currency": "1", "quantity": "10", "unitprice": "10"},
                    {"pricelevel": "2", "currency": "2", "quantity": "0", "unitprice": "10"},
                    {"pricelevel": "2", "currency": "2", "quantity": "10", "unitprice": "7.5"}]
    store.update("inventoryItem", item["id"], {"price": {"items": [
        {"priceLevel": {"id": "1"}, "currencyPage": {"id": "1"}, "quantity": 0, "price": "9"}]}}, replace=["price"])
    rows = suiteql.execute(f"SELECT pricelevel, unitprice FROM pricing WHERE item = {item['id']}", [], tables,
                           datetime.now(UTC))
    assert rows == [{"pricelevel": "1", "unitprice": "9"}]


def test_query_results_serve_the_next_pages_for_a_while() -> None:
    from connectors.netsuite.sandbox.app import QueryResults

    results = QueryResults(size=2, ttl=60)
    key = ("SELECT 1", ())
    assert results.get(key) is None
    results.put(key, [{"a": "1"}])
    results.put(("SELECT 2", ()), [])
    assert results.get(key) == [{"a": "1"}]
    results.put(("SELECT 3", ()), [])  # the oldest goes
    assert results.get(key) is None
    results.ttl = -1
    assert results.get(("SELECT 3", ())) is None
