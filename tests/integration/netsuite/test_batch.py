"""Batch operations (up to 100 records in one async request): the sandbox over real HTTP, raw and via the client."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors.http import NotFoundError, PermanentError
from connectors.netsuite import NetSuiteClient, NetSuiteSettings, codec
from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from connectors.netsuite.transport import build_auth

RECORD = "/services/rest/record/v1"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"
BATCH = {"Prefer": "respond-async", "Content-Type": COLLECTION}


@pytest.fixture
async def ns(sandbox: SandboxHandle) -> AsyncIterator[httpx.AsyncClient]:
    """Signed (TBA) raw HTTP to the sandbox, as the client would send it."""
    auth = build_auth(NetSuiteSettings(base_url=sandbox.url))
    async with httpx.AsyncClient(base_url=sandbox.url, auth=auth) as http:
        yield http


async def submit(
    ns: httpx.AsyncClient,
    method: str,
    items: Any,
    *,
    record_type: str = "customer",
    headers: dict[str, str] | None = None,
    body: Any = None,
) -> httpx.Response:
    payload = body if body is not None else {"items": items}
    return await ns.request(
        method, f"{RECORD}/{record_type}", content=codec.dumps(payload), headers={**BATCH, **(headers or {})}
    )


async def completed_job(ns: httpx.AsyncClient, job_url: str, *, timeout: float = 10.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        job: dict[str, Any] = (await ns.get(job_url)).json()
        if job["completed"]:
            return job
        assert asyncio.get_running_loop().time() < deadline, f"job {job_url} not complete after {timeout}s"
        await asyncio.sleep(0.02)


async def task_outcomes(ns: httpx.AsyncClient, job_url: str) -> list[tuple[dict[str, Any], httpx.Response]]:
    tasks = (await ns.get(f"{job_url}/task")).json()
    out = []
    for item in tasks["items"]:
        href = item["links"][0]["href"]
        out.append(((await ns.get(href)).json(), await ns.get(f"{href}/result")))
    return out


async def customer_by_eid(admin: httpx.AsyncClient, external_id: str) -> list[dict[str, Any]]:
    customers = (await admin.get("/__sandbox/records/customer")).json()
    return [c for c in customers if (c.get("externalId") or "").lower() == external_id.lower()]


async def stats(admin: httpx.AsyncClient) -> dict[str, Any]:
    result: dict[str, Any] = (await admin.get("/__sandbox/stats")).json()
    return result


# -- sandbox, raw HTTP ------------------------------------------------------------------------------


async def test_batch_upsert_is_pending_then_completes_and_upserts_by_external_id(sandbox, ns, admin):
    await admin.post("/__sandbox/config", json={"latency_ms": 100, "async_processors": 1})
    items = [{"externalId": f"BC-BATCH-{n}", "firstName": f"B{n}", "lastName": "Batch"} for n in range(3)]
    submitted = await submit(ns, "PUT", items)
    assert submitted.status_code == 202, submitted.text
    assert submitted.headers["Preference-Applied"] == "respond-async"
    job_url = submitted.headers["Location"]
    assert "/services/rest/async/v1/job/" in job_url

    # three records one after the other on a single processor (300 ms) outlast one 100 ms request
    pending = (await ns.get(job_url)).json()
    assert (pending["completed"], pending["progress"]) == (False, "pending")
    job = await completed_job(ns, job_url)
    assert job["progress"] == "succeeded"

    outcomes = await task_outcomes(ns, job_url)
    assert [task["id"] for task, _ in outcomes] == ["1", "2", "3"]
    ids = []
    for n, (task, result) in enumerate(outcomes):
        assert (task["completed"], task["progress"]) == (True, "succeeded")
        assert task["startTime"] and task["endTime"]
        assert result.status_code == 204
        record_id = result.headers["Location"].rsplit("/", 1)[-1]
        (record,) = await customer_by_eid(admin, f"BC-BATCH-{n}")
        assert (record["id"], record["firstName"]) == (record_id, f"B{n}")
        ids.append(record_id)

    # the same externalIds again: updated in place, not duplicated
    before = len((await admin.get("/__sandbox/records/customer")).json())
    again = await submit(ns, "PUT", [{**item, "firstName": "Again"} for item in items])
    await completed_job(ns, again.headers["Location"])
    assert len((await admin.get("/__sandbox/records/customer")).json()) == before
    for n, record_id in enumerate(ids):
        (record,) = await customer_by_eid(admin, f"BC-BATCH-{n}")
        assert (record["id"], record["firstName"]) == (record_id, "Again")


async def test_an_invalid_item_fails_only_its_own_task(sandbox, ns, admin):
    items = [
        {"externalId": "BC-OK-1", "firstName": "Ok"},
        {"externalId": "BC-BAD-1", "firstName": "Bad", "subsidiary": {"id": "999"}},
        {"externalId": "BC-NOFIELD-1", "notARealField": "x"},
        {"externalId": "BC-OK-2", "firstName": "Ok"},
    ]
    submitted = await submit(ns, "PUT", items, headers={"X-NetSuite-PropertyNameValidation": "error"})
    job = await completed_job(ns, submitted.headers["Location"])
    assert job["progress"] == "failed"

    outcomes = await task_outcomes(ns, submitted.headers["Location"])
    assert [task["progress"] for task, _ in outcomes] == ["succeeded", "failed", "failed", "succeeded"]
    bad_ref, bad_field = outcomes[1][1], outcomes[2][1]
    assert bad_ref.status_code == 400
    assert bad_ref.headers["Content-Type"].endswith("type=error")
    assert bad_ref.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_CONTENT"
    assert bad_field.json()["o:errorDetails"][0] == {
        "detail": "Invalid field name: notARealField.",
        "o:errorCode": "NONEXISTENT_FIELD",
        "o:errorPath": "notARealField",
    }
    assert await customer_by_eid(admin, "BC-OK-1") and await customer_by_eid(admin, "BC-OK-2")
    assert not await customer_by_eid(admin, "BC-BAD-1") and not await customer_by_eid(admin, "BC-NOFIELD-1")


@pytest.mark.parametrize(
    ("method", "payload", "headers", "detail"),
    [
        ("PUT", {"items": [{"externalId": f"X-{n}"} for n in range(101)]}, {}, "1 to 100 records, not 101"),
        ("POST", {"items": []}, {}, "1 to 100 records, not 0"),
        ("PUT", {"records": [{"externalId": "X"}]}, {}, '{"items": [...]}'),
        ("PUT", {"items": [{"externalId": "X"}]}, {"Prefer": ""}, "Prefer: respond-async"),
        ("PUT", {"items": [{"externalId": "X"}]}, {"Content-Type": "application/json"}, "type=collection"),
        ("PUT", {"items": [{"externalId": "X"}, {"firstName": "no key"}]}, {}, "needs an externalId"),
        ("PATCH", {"items": [{"firstName": "no key"}]}, {}, "needs an id or an externalId"),
        ("POST", {"items": ["not an object"]}, {}, "must be a JSON object"),
    ],
)
async def test_malformed_batches_are_rejected_with_400_and_run_nothing(sandbox, ns, admin, method, payload, headers,
                                                                       detail):
    before = len((await admin.get("/__sandbox/records/customer")).json())
    response = await submit(ns, method, None, body=payload, headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["o:errorDetails"][0]
    assert error["o:errorCode"] == "INVALID_REQUEST"
    assert detail in error["detail"]
    assert (await ns.get("/services/rest/async/v1/job/1")).status_code == 404
    await asyncio.sleep(0.05)
    assert len((await admin.get("/__sandbox/records/customer")).json()) == before
    assert (await stats(admin))["batch_records"] == 0


async def test_a_reused_idempotency_key_returns_the_original_job(sandbox, ns, admin):
    key = {"X-NetSuite-Idempotency-Key": str(uuid.uuid4())}
    items = [{"externalId": "BC-IDEM-1", "firstName": "Once"}, {"externalId": "BC-IDEM-2", "firstName": "Once"}]
    first = await submit(ns, "PUT", items, headers=key)
    assert first.status_code == 202
    second = await submit(ns, "PUT", items, headers=key)
    assert second.status_code == 400
    assert second.json()["o:errorDetails"][0]["o:errorCode"] == "IDEMPOTENCY_ERROR"
    assert second.headers["Location"] == first.headers["Location"]
    await completed_job(ns, first.headers["Location"])
    assert (await stats(admin))["batch_records"] == 2


async def test_processing_holds_no_governance_slot_and_the_submission_is_one_request(sandbox, ns, admin):
    await admin.post("/__sandbox/config", json={"concurrency_limit": 1, "latency_ms": 100, "async_processors": 2})
    items = [{"externalId": f"BC-GOV-{n}", "firstName": "Gov"} for n in range(6)]
    submitted = await submit(ns, "PUT", items)
    assert submitted.status_code == 202
    job_url = submitted.headers["Location"]
    assert sandbox.state.processing > 0

    # the pool has one slot; six records being processed two at a time never take it
    statuses = []
    while sandbox.state.processing:
        statuses.append((await ns.get(f"{RECORD}/customer/101")).status_code)
    assert statuses and set(statuses) == {200}
    assert (await ns.get(job_url)).json()["progress"] == "succeeded"

    counted = await stats(admin)
    assert counted["throttled"] == 0 and counted["max_in_flight"] == 1
    assert counted["by_kind"]["PUT customer batch"] == 1
    assert "PUT customer" not in counted["by_kind"]
    assert counted["by_kind"]["GET async job"] == 1  # job polls count as one kind, whatever the job id
    assert counted["batch_records"] == 6
    assert counted["requests"] == 1 + len(statuses) + 1  # the batch, the reads, the job


async def test_records_are_processed_at_most_async_processors_at_a_time(sandbox, ns, admin):
    await admin.post("/__sandbox/config", json={"latency_ms": 100, "async_processors": 3})
    submitted = await submit(ns, "POST", [{"externalId": f"BC-PAR-{n}", "firstName": "P"} for n in range(9)])
    processors = sandbox.state.processors
    busy = []
    while sandbox.state.processing:
        busy.append(processors.busy)
        await asyncio.sleep(0.005)
    assert max(busy) == 3
    job = (await ns.get(submitted.headers["Location"])).json()
    assert (job["completed"], job["progress"]) == (True, "succeeded")


async def test_post_creates_and_patch_updates_by_id_or_external_id(sandbox, ns, admin):
    created = await submit(ns, "POST", [{"externalId": f"BC-NEW-{x}", "firstName": x} for x in "ABC"])
    assert created.status_code == 202
    await completed_job(ns, created.headers["Location"])
    outcomes = await task_outcomes(ns, created.headers["Location"])
    a_id, b_id, c_id = [result.headers["Location"].rsplit("/", 1)[-1] for _, result in outcomes]
    assert len({a_id, b_id, c_id}) == 3

    # POST again with the same externalIds: "already exists", per record
    duplicate = await submit(ns, "POST", [{"externalId": "BC-NEW-A", "firstName": "A2"}])
    await completed_job(ns, duplicate.headers["Location"])
    ((task, result),) = await task_outcomes(ns, duplicate.headers["Location"])
    assert task["progress"] == "failed" and "already exists" in result.json()["o:errorDetails"][0]["detail"]

    patched = await submit(ns, "PATCH", [
        {"id": a_id, "lastName": "ById"},
        {"externalId": "BC-NEW-B", "lastName": "ByEid"},
        {"id": c_id, "externalId": "BC-NEW-A", "firstName": "Clash"},  # the id picks C, not A
        {"id": "99999", "lastName": "Nobody"},
    ])
    assert patched.status_code == 202
    job = await completed_job(ns, patched.headers["Location"])
    assert job["progress"] == "failed"
    outcomes = await task_outcomes(ns, patched.headers["Location"])
    assert [task["progress"] for task, _ in outcomes] == ["succeeded", "succeeded", "failed", "failed"]
    # C was picked by its id, so its externalId field was to become A's: "already exists"
    assert "already exists" in outcomes[2][1].json()["o:errorDetails"][0]["detail"]
    assert outcomes[3][1].status_code == 404
    assert outcomes[3][1].json()["o:errorDetails"][0]["o:errorCode"] == "NONEXISTENT_ID"
    by_id = {c["id"]: c for c in (await admin.get("/__sandbox/records/customer")).json()}
    assert (by_id[a_id]["lastName"], by_id[a_id]["firstName"]) == ("ById", "A")
    assert by_id[b_id]["lastName"] == "ByEid"
    assert (by_id[c_id]["firstName"], by_id[c_id]["externalId"]) == ("C", "BC-NEW-C")

    # with both, the id picks the record and the externalId is a field to set (as in a single PATCH)
    renamed = await submit(ns, "PATCH", [{"id": c_id, "externalId": "BC-NEW-C2", "firstName": "IdWins"}])
    await completed_job(ns, renamed.headers["Location"])
    (record,) = await customer_by_eid(admin, "BC-NEW-C2")
    assert (record["id"], record["firstName"]) == (c_id, "IdWins")


async def test_task_list_pages_and_unknown_or_unfinished_tasks(sandbox, ns, admin):
    await admin.post("/__sandbox/config", json={"latency_ms": 150, "async_processors": 1})
    submitted = await submit(ns, "PUT", [{"externalId": f"BC-PAGE-{n}"} for n in range(3)])
    job_url = submitted.headers["Location"]
    unfinished = await ns.get(f"{job_url}/task/3/result")
    assert unfinished.status_code == 400 and "not completed" in unfinished.json()["o:errorDetails"][0]["detail"]
    task = (await ns.get(f"{job_url}/task/3")).json()
    assert (task["completed"], task["progress"]) == (False, "pending") and "endTime" not in task

    first = (await ns.get(f"{job_url}/task", params={"limit": "2"})).json()
    assert [i["id"] for i in first["items"]] == ["1", "2"]
    assert (first["hasMore"], first["totalResults"], first["count"]) == (True, 3, 2)
    next_url = next(link["href"] for link in first["links"] if link["rel"] == "next")
    second = (await ns.get(next_url)).json()
    assert ([i["id"] for i in second["items"]], second["hasMore"], second["offset"]) == (["3"], False, 2)
    assert (await ns.get(f"{job_url}/task", params={"limit": "2", "offset": "1"})).status_code == 400
    assert (await ns.get(f"{job_url}/task/4")).status_code == 404
    assert (await ns.get(f"{job_url}/task/0")).status_code == 404
    assert (await ns.get("/services/rest/async/v1/job/999/task/1")).status_code == 404


async def test_single_async_request_is_still_one_completed_task(sandbox, ns):
    response = await ns.put(f"{RECORD}/customer/eid:BC-SINGLE-1", content=codec.dumps({"firstName": "S"}),
                            headers={"Prefer": "respond-async", "Content-Type": "application/json"})
    assert response.status_code == 202
    job = (await ns.get(response.headers["Location"])).json()
    assert (job["completed"], job["progress"]) == (True, "succeeded")
    ((task, result),) = await task_outcomes(ns, response.headers["Location"])
    assert task["id"] == "1" and task["startTime"] and task["endTime"]
    assert result.status_code == 204 and "/record/v1/customer/" in result.headers["Location"]


async def test_reset_clears_jobs_and_stops_their_processing(sandbox, ns, admin):
    await admin.post("/__sandbox/config", json={"latency_ms": 300, "async_processors": 1})
    submitted = await submit(ns, "PUT", [{"externalId": f"BC-RESET-{n}"} for n in range(3)])
    old = sandbox.state
    assert old.processing == 3
    await admin.post("/__sandbox/reset")
    assert old.processing == 0
    await admin.post("/__sandbox/config", json={"latency_ms": 0})
    assert (await ns.get(submitted.headers["Location"])).status_code == 404


async def test_stopping_the_sandbox_cancels_batches_in_progress():
    config = SandboxConfig(seed_styles=1, require_auth=False, latency_ms=300, async_processors=1)
    handle = await start_sandbox("127.0.0.1", 0, config)
    try:
        async with httpx.AsyncClient(base_url=handle.url, timeout=10) as http:
            submitted = await submit(http, "POST", [{"firstName": "Slow"} for _ in range(3)])
        assert submitted.status_code == 202
        assert handle.state.processing == 3
    finally:
        await handle.stop()
    assert handle.state.processing == 0
    assert not [t for t in asyncio.all_tasks() if "_process" in repr(t.get_coro())]


# -- client -------------------------------------------------------------------------------------------


async def _completed(client: NetSuiteClient, job_url: str) -> None:
    for _ in range(500):
        if (await client.job(job_url)).completed:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"job {job_url} not complete")


async def test_client_batch_upsert_and_its_task_results(client: NetSuiteClient, admin):
    items = [
        {"externalId": "BC-CLI-1", "firstName": "One"},
        {"externalId": "BC-CLI-2", "notARealField": "x"},  # the client sends PropertyNameValidation: error
        {"externalId": "BC-CLI-3", "firstName": "Three"},
    ]
    job_url = await client.submit_batch("PUT", "customer", items, idempotency_key=str(uuid.uuid4()), label="customer")
    await _completed(client, job_url)
    assert (await client.job(job_url)).progress == "failed"

    results = await client.task_results(job_url)
    assert [(r.task_id, r.progress, r.succeeded) for r in results] == [
        ("1", "succeeded", True), ("2", "failed", False), ("3", "succeeded", True)]
    assert results[0].record_id == await client.find_by_external_id("customer", "BC-CLI-1")
    assert results[2].record_id == await client.find_by_external_id("customer", "BC-CLI-3")
    assert results[0].status == 204 and results[0].error() is None
    failed = results[1]
    assert (failed.status, failed.error_code, failed.record_id) == (400, "NONEXISTENT_FIELD", None)
    assert failed.error_message == "Invalid field name: notARealField."
    assert isinstance(failed.error(), PermanentError)
    assert await client.task_results(job_url, page_size=2) == results  # walks both pages

    kinds = (await stats(admin))["by_kind"]
    assert kinds["PUT customer batch"] == 1


async def test_client_task_results_of_a_job_still_running(sandbox, client: NetSuiteClient, admin):
    await admin.post("/__sandbox/config", json={"latency_ms": 100, "async_processors": 1})
    items = [{"externalId": f"BC-RUN-{n}", "firstName": "Run"} for n in range(4)]
    job_url = await client.submit_batch("POST", "customer", items, idempotency_key=str(uuid.uuid4()))
    early = await client.task_results(job_url)
    assert [r.task_id for r in early] == ["1", "2", "3", "4"]
    assert not early[-1].completed and early[-1].status is None and early[-1].progress == "pending"
    assert await client.wait_for_job(job_url, poll=0.02) == [None, None, None, None]
    done = await client.task_results(job_url)
    assert all(r.succeeded and r.record_id for r in done)


async def test_client_batch_size_and_method_are_checked_before_sending(client: NetSuiteClient, admin):
    before = (await stats(admin))["requests"]
    for items in ([], [{"externalId": f"X-{n}"} for n in range(101)]):
        with pytest.raises(ValueError, match="1 to 100"):
            await client.submit_batch("PUT", "customer", items, idempotency_key="k")
    with pytest.raises(ValueError, match="POST, PUT or PATCH"):
        await client.submit_batch("DELETE", "customer", [{"id": "1"}], idempotency_key="k")  # type: ignore[arg-type]
    assert (await stats(admin))["requests"] == before


async def test_client_batch_resent_after_a_lost_response_is_the_same_job(sandbox, client: NetSuiteClient, admin):
    await admin.post("/__sandbox/config", json={"drop_after_commit_next": 1})
    items = [{"externalId": "BC-LOST-1", "firstName": "L"}, {"externalId": "BC-LOST-2", "firstName": "L"}]
    key = str(uuid.uuid4())
    job_url = await client.submit_batch("PUT", "customer", items, idempotency_key=key)
    assert await client.submit_batch("PUT", "customer", items, idempotency_key=key) == job_url
    assert await client.wait_for_job(job_url, poll=0.02) == [None, None]
    counted = await stats(admin)
    # sent (and dropped), retried by the client (IDEMPOTENCY_ERROR), sent again above
    assert counted["dropped"] == 1 and counted["by_kind"]["PUT customer batch"] == 3
    assert counted["batch_records"] == 2 and len(sandbox.state.jobs) == 1


async def test_client_create_then_patch_batch_and_wait_for_job_raises_a_failure(client: NetSuiteClient):
    created = await client.submit_batch(
        "POST", "customer", [{"externalId": "BC-CP-1", "firstName": "C"}, {"externalId": "BC-CP-2", "firstName": "C"}],
        idempotency_key=str(uuid.uuid4()),
    )
    await client.wait_for_job(created, poll=0.02)
    first, second = [r.record_id for r in await client.task_results(created)]
    assert first and second

    patched = await client.submit_batch(
        "PATCH", "customer", [{"id": first, "lastName": "P1"}, {"externalId": "BC-CP-2", "lastName": "P2"}],
        idempotency_key=str(uuid.uuid4()),
    )
    await client.wait_for_job(patched, poll=0.02)
    assert (await client.get("customer", first))["lastName"] == "P1"
    assert (await client.get("customer", second))["lastName"] == "P2"

    broken = await client.submit_batch("PATCH", "customer", [{"id": "99999", "lastName": "X"}],
                                       idempotency_key=str(uuid.uuid4()))
    with pytest.raises(NotFoundError):
        await client.wait_for_job(broken, poll=0.02)
