"""The exceptions list and page, retry and resolve, audit, payouts and activity, over real HTTP and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from state import audit, ops_actions
from state import exceptions as exceptions_store
from state import payouts as payouts_store
from tests.integration.ops.conftest import sign_in
from tests.integration.ops.harness import OpsServer, csrf_token, seed_exception

pytestmark = pytest.mark.postgres


def ids_on(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td data-label="#"><a href="/exceptions/(\d+)">', html)]


async def test_filters_and_keyset_paging(ops: OpsServer, client: httpx.AsyncClient) -> None:
    finance = [await seed_exception(ops.pool, "payout_mismatch", "finance", f"po_{n}", object_type="payout")
               for n in range(7)]
    operations = await seed_exception(ops.pool, "missing_sku", "operations", "2001", message="SKU TEE-RED-XL missing")
    await sign_in(client, "vic")

    first = await client.get("/exceptions", params={"owner": "finance"})
    assert "7 exceptions match." in first.text
    assert ids_on(first.text) == finance[::-1][:5]  # newest first, a page of 5
    older_url = re.search(r'href="([^"]+)" rel="next">Older', first.text)
    assert older_url and 'rel="prev"' not in first.text
    second = await client.get(older_url.group(1).replace("&amp;", "&"))
    assert ids_on(second.text) == finance[::-1][5:]
    newer_url = re.search(r'href="([^"]+)" rel="prev">', second.text)
    assert newer_url and 'rel="next"' not in second.text
    back = await client.get(newer_url.group(1).replace("&amp;", "&"))
    assert ids_on(back.text) == finance[::-1][:5]

    by_kind = await client.get("/exceptions", params={"kind": "missing_sku"})
    assert ids_on(by_kind.text) == [operations]
    by_text = await client.get("/exceptions", params={"q": "tee-red"})
    assert ids_on(by_text.text) == [operations]
    by_type = await client.get("/exceptions", params={"object_type": "payout", "owner": "operations"})
    assert ids_on(by_type.text) == [] and "0 exceptions match." in by_type.text
    bad = await client.get("/exceptions", params={"owner": "nobody", "since": "yesterday"})
    assert "unknown team" in bad.text and "2024-05-31" in bad.text
    assert len(ids_on(bad.text)) == 5  # the filters that made sense still apply


async def test_exception_page_shows_links_escaped_payload_and_history(ops_factory) -> None:
    ops = await ops_factory(bc_control_panel_url="https://store-abc123.mybigcommerce.com",
                            ns_app_url="https://1234567.app.netsuite.com")
    exception_id = await seed_exception(
        ops.pool, "capture_failed", "finance", "3001", ns_id="777", message="Totals differ <b>by 0.02</b>",
        payload={"note": "<script>alert(1)</script>", "total": "10.02"})
    async with httpx.AsyncClient(base_url=ops.url) as client:
        await sign_in(client, "ann")
        page = await client.get(f"/exceptions/{exception_id}")
    assert page.status_code == 200
    assert 'href="https://store-abc123.mybigcommerce.com/manage/orders/3001"' in page.text
    assert 'href="https://1234567.app.netsuite.com/app/accounting/transactions/salesord.nl?id=777"' in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<b>by 0.02</b>" not in page.text
    assert "o2c does not retry capture_failed exceptions: fix the cause, then resolve." in page.text
    assert "/retry" not in page.text and f"/exceptions/{exception_id}/resolve" in page.text


async def test_ids_are_plain_text_without_base_urls(ops: OpsServer, client: httpx.AsyncClient) -> None:
    exception_id = await seed_exception(ops.pool, "processing_failed", "engineering", "3002", ns_id="888")
    await sign_in(client, "vic")
    page = await client.get(f"/exceptions/{exception_id}")
    assert "<dd>3002</dd>" in page.text and "<dd>888</dd>" in page.text
    assert (await client.get("/exceptions/999999")).status_code == 404


async def test_operator_retries_then_resolves_with_a_note(ops: OpsServer, client: httpx.AsyncClient) -> None:
    retried = await seed_exception(ops.pool, "processing_failed", "engineering", "4001")
    resolved = await seed_exception(ops.pool, "total_mismatch", "finance", "4002")
    await sign_in(client, "ann")

    page = await client.get(f"/exceptions/{retried}")
    response = await client.post(f"/exceptions/{retried}/retry", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    after = await client.get(response.headers["location"])
    assert "Retry requested for exception" in after.text
    found = await exceptions_store.get(ops.pool, retried)
    assert found is not None and found.status == "retrying" and found.retry_requested_by == "ann"
    rows = await ops_actions.recent(ops.pool, object_type="exception", object_id=str(retried))
    assert [(a.action, a.actor, a.role, a.source) for a in rows] == [("retry", "ann", "operator", "page")]

    page = await client.get(f"/exceptions/{resolved}")
    token = csrf_token(page.text)
    empty = await client.post(f"/exceptions/{resolved}/resolve", data={"csrf_token": token, "note": "  "})
    assert "A note is required" in (await client.get(empty.headers["location"])).text
    done = await client.post(f"/exceptions/{resolved}/resolve",
                             data={"csrf_token": token, "note": "Booked the difference by hand."})
    shown = await client.get(done.headers["location"])
    assert "resolved." in shown.text and "Booked the difference by hand." in shown.text
    found = await exceptions_store.get(ops.pool, resolved)
    assert found is not None and found.status == "resolved"
    assert found.resolution_note == "Booked the difference by hand." and found.resolved_by == "ann"
    rows = await ops_actions.recent(ops.pool, object_type="exception", object_id=str(resolved))
    assert [(a.action, a.note) for a in rows] == [("resolve", "Booked the difference by hand.")]


async def test_audit_runs_findings_and_csv(ops: OpsServer, client: httpx.AsyncClient) -> None:
    run_id = await audit.start_run(ops.pool, trigger="schedule", checks=["orders", "items"], since=None)
    await audit.add_findings(ops.pool, run_id, [
        audit.NewFinding("orders", "order_without_sales_order", "order", "operations",
                         "Order 5001 has no sales order: retry its exception.", bc_id="5001"),
        audit.NewFinding("orders", "total_differs", "order", "finance", "=HYPERLINK(\"x\") total differs",
                         bc_id="5002", ns_id="99"),
        audit.NewFinding("items", "sku_missing_in_netsuite", "item", "operations", "SKU MUG-1 is not in NetSuite",
                         bc_id="MUG-1"),
    ])
    await audit.finish_run(ops.pool, run_id, compared={"orders": 120, "items": 40})
    await sign_in(client, "vic")

    runs = await client.get("/audit")
    assert f'href="/audit/{run_id}"' in runs.text and "orders, items" in runs.text
    page = await client.get(f"/audit/{run_id}")
    assert "orders · order without sales order (1)" in page.text
    assert "items · sku missing in netsuite (1)" in page.text
    assert "items 40, orders 120" in page.text

    download = await client.get(f"/audit/{run_id}.csv")
    assert download.headers["content-type"].startswith("text/csv")
    assert f'filename="o2c-audit-{run_id}.csv"' in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["check", "kind", "object_type", "bc_id", "ns_id", "owner", "message"]
    assert rows[1:] == [
        ["items", "sku_missing_in_netsuite", "item", "MUG-1", "", "operations", "SKU MUG-1 is not in NetSuite"],
        ["orders", "order_without_sales_order", "order", "5001", "", "operations",
         "Order 5001 has no sales order: retry its exception."],
        ["orders", "total_differs", "order", "5002", "99", "finance", "'=HYPERLINK(\"x\") total differs"],
    ]
    assert (await client.get("/audit/424242")).status_code == 404


async def test_payouts_list(ops: OpsServer, client: httpx.AsyncClient) -> None:
    for n, result in ((1, "reconciled"), (2, "mismatch")):
        await payouts_store.store_page(ops.pool, {
            "gateway": "stripe", "payout_id": f"po_test{n}", "status": "paid", "amount": Decimal("1234.50"),
            "currency": "usd", "arrival_date": date(2024, 5, n), "created": datetime(2024, 5, n, tzinfo=UTC),
            "automatic": True, "method": "standard", "reconciliation": "itemised"}, page=1, pages=1, line_count=0,
            lines=[])
        await payouts_store.set_posted(ops.pool, "stripe", f"po_test{n}", je_external_id=f"PAYOUT-JE-stripe-po_test{n}",
                                       je_ns_id=f"90{n}")
        await payouts_store.set_result(ops.pool, "stripe", f"po_test{n}", result,
                                       residual=Decimal("0") if n == 1 else Decimal("-12.40"))
    await sign_in(client, "vic")
    page = await client.get("/payouts")
    assert "po_test1" in page.text and "po_test2" in page.text
    assert "PAYOUT-JE-stripe-po_test2" in page.text and "1,234.50 usd" in page.text and "-12.40 usd" in page.text
    only = await client.get("/payouts", params={"result": "mismatch"})
    assert "po_test2" in only.text and "po_test1" not in only.text


async def test_activity_pages_back(ops: OpsServer, client: httpx.AsyncClient) -> None:
    for n in range(7):
        await ops_actions.record(ops.pool, actor=f"cli:user{n}", action="resolve", object_type="exception",
                                 object_id=str(n), note=f"note {n}", source="cli")
    await sign_in(client, "vic")  # the 8th action
    first = await client.get("/activity")
    assert "vic" in first.text and "cli:user6" in first.text and "cli:user2" not in first.text
    older = re.search(r'href="(/activity\?before=\d+)" rel="next"', first.text)
    assert older
    second = await client.get(older.group(1))
    assert "cli:user2" in second.text and "cli:user0" in second.text and "cli:user6" not in second.text
    assert 'rel="next"' not in second.text
