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
