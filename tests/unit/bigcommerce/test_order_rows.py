"""Orders list pages read row by row (connectors/bigcommerce/models/rows.py), the versions of rows that
fail validation (versions.row_version) and where the poller places them (source/poller.listed)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.formats import dumps
from connectors.bigcommerce.models import Order, OrderWithLines, UnreadableRow, read_rows
from connectors.bigcommerce.models.rows import readable_id, row_fingerprint
from connectors.bigcommerce.source.poller import listed
from connectors.bigcommerce.versions import order_version, row_version, version_time

D1 = "Tue, 05 Mar 2019 21:40:11 +0000"
D2 = "Tue, 05 Mar 2019 21:40:12 +0000"
T1 = datetime(2019, 3, 5, 21, 40, 11, tzinfo=UTC)
T2 = datetime(2019, 3, 5, 21, 40, 12, tzinfo=UTC)


def row(order_id: Any = 1, **fields: Any) -> dict[str, Any]:
    return {"id": order_id, "status_id": 11, "date_created": D1, "date_modified": D2,
            "total_inc_tax": "10.0000", **fields}


def test_good_rows_are_orders_and_a_bad_row_stays_in_its_place() -> None:
    page = read_rows([row(1), row(2, status_id="Awaiting Fulfillment"), row(3)], Order.model_validate)
    first, bad, last = page.rows
    assert isinstance(first, Order) and isinstance(last, Order) and (first.id, last.id) == (1, 3)
    assert isinstance(bad, UnreadableRow)
    assert (bad.order_id, bad.date_modified, bad.date_created) == (2, D2, D1)
    assert (bad.modified, bad.created) == (T2, T1)
    assert bad.error.startswith("ValidationError: 1 validation error for Order status_id ")
    assert "\n" not in bad.error and len(bad.error) <= 500
    assert bad.fingerprint == row_fingerprint(row(2, status_id="Awaiting Fulfillment"))
    assert (page.received, page.unidentified) == (3, ())


def test_rows_without_a_readable_id_are_left_out_but_received() -> None:
    page = read_rows([row("abc", status_id="x"), row(None), ["not", "an", "object"], row(0, status_id=None),
                      row(4)], Order.model_validate)
    assert [r.id for r in page.rows if isinstance(r, Order)] == [4] and len(page.rows) == 1
    assert page.received == 5 and len(page.unidentified) == 4
    assert "TypeError: an order row must be an object, not list" in page.unidentified
    assert all("\n" not in e for e in page.unidentified)


def test_an_empty_answer_is_an_empty_page() -> None:
    assert read_rows(None, Order.model_validate).rows == [] and read_rows([], Order.model_validate).received == 0


def test_a_row_id_in_digits_is_read() -> None:
    assert [readable_id({"id": v}) for v in (7, "8", " 9 ", True, -1, 1.5, "x", None)] == [
        7, 8, 9, None, None, None, None, None]
    bad = read_rows([row("12", status_id=[])], Order.model_validate).rows[0]
    assert isinstance(bad, UnreadableRow) and bad.order_id == 12


def test_dates_that_do_not_read_are_none() -> None:
    bad = read_rows([row(5, date_modified="yesterday", date_created=3)], Order.model_validate).rows[0]
    assert isinstance(bad, UnreadableRow)
    assert (bad.date_modified, bad.date_created, bad.modified, bad.created) == (None, None, None, None)
    assert "date_modified" in bad.error


def test_a_with_lines_row_without_consignments_is_unreadable_too() -> None:
    page = read_rows([row(6)], OrderWithLines.from_order_row)
    bad = page.rows[0]
    assert isinstance(bad, UnreadableRow) and bad.order_id == 6 and "no consignments object" in bad.error


def test_the_fingerprint_is_of_the_raw_row_whatever_its_key_order() -> None:
    a = row(1, total_inc_tax=Decimal("10.5"), status_id="x")
    b = dict(reversed(list(a.items())))
    assert row_fingerprint(a) == row_fingerprint(b)
    assert row_fingerprint(a) != row_fingerprint({**a, "status_id": "y"})
    assert len(row_fingerprint(a)) == 12


def unreadable(order_id: int = 1, modified: str | None = D2, created: str | None = D1,
               fingerprint: str = "abcdefabcdef") -> UnreadableRow:
    return UnreadableRow(order_id, modified, "ValidationError: x", fingerprint, created)


def test_a_row_version_is_its_date_modified_and_fingerprint() -> None:
    assert row_version(unreadable()) == f"{T2.isoformat()}/abcdefabcdef"
    assert version_time(row_version(unreadable())) == T2
    assert row_version(unreadable(modified=None)) == f"{T1.isoformat()}/abcdefabcdef"
    assert version_time(row_version(unreadable(modified=None, created=None))) == datetime(1970, 1, 1, tzinfo=UTC)
    assert row_version(unreadable(fingerprint="0" * 12)) != row_version(unreadable())  # the row changed


def test_the_poller_places_each_row_for_the_watermark() -> None:
    since = datetime(2019, 3, 5, 21, 0, tzinfo=UTC)
    early = Order.model_validate(row(1, date_modified=D1))
    undated = unreadable(9, modified=None, created=None)
    rows: list[Order | UnreadableRow] = [undated, early, unreadable(2, modified=None, created=None), unreadable(3),
                                         unreadable(4, modified=None, created="Tue, 05 Mar 2019 21:50:00 +0000")]
    placed = listed(rows, since)
    assert [(r.order_id, r.at) for r in placed] == [
        (9, since),  # nothing readable: no later than where the list starts
        (1, T1),
        (2, T1),  # no later than the row above it
        (3, T2),
        (4, datetime(2019, 3, 5, 21, 50, tzinfo=UTC)),  # created after the row above: not modified before it
    ]
    assert placed[1].version == order_version(early) and placed[1].unreadable is None
    assert placed[3].key == f"3@{row_version(unreadable(3))}" and placed[3].unreadable == unreadable(3)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_the_client_hands_on_bad_rows_and_counts_those_it_leaves_out() -> None:
    body = [row(1), row(2, status_id="Awaiting Fulfillment"), row("nope", status_id="x")]

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/stores/rows/v2/orders" and request.url.params["min_date_modified"] == D1
        return httpx.Response(200, content=dumps(body), headers={"Content-Type": "application/json"})

    settings = BigCommerceSettings(api_base="http://bc.test", store_hash="rows")
    name = "o2c_bigcommerce_order_rows_unreadable_total"
    kept = {"store": "rows", "endpoint": "orders_list", "identified": "true"}
    dropped = {**kept, "identified": "false"}
    before = (sample(name, **kept), sample(name, **dropped))
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer), headers=settings.auth_headers()) as http:
        client = BigCommerceClient(settings, http=http, governor=RateLimitGovernor("rows-unit", policy=PacingPolicy()))
        page = await client.list_order_rows(min_date_modified=T1)
        with pytest.raises(ValueError):
            await client.list_orders_page(min_date_modified=T1)  # the strict listing still fails on a bad row
    assert [type(r).__name__ for r in page.rows] == ["Order", "UnreadableRow"] and page.received == 3
    assert (sample(name, **kept), sample(name, **dropped)) == (before[0] + 1, before[1] + 1)
