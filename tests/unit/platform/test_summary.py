"""The demo's summary: the worker's state is its /readyz answer, and start-up milestones are told once each."""

from __future__ import annotations

import httpx

from streams.platform.summary import STARTING, StartupWatch, Summary, WorkerState, worker_state


def summary(worker: WorkerState, *, items: int = 0, synced: int = 0, parked: int = 0) -> Summary:
    return Summary(parked + synced, synced, parked, 0, 0, None, None, None, None, worker, items)


JOINING = WorkerState(False, "joining the consumer group", ("waiting for the first partition assignment",))
READY = WorkerState(True, "ready")


async def test_the_worker_state_is_the_readyz_answer_word_for_word() -> None:
    answers = {
        "/joining": httpx.Response(503, json={"status": "not ready", "phase": "joining the consumer group",
                                              "reasons": ["waiting for the first partition assignment"]}),
        "/ready": httpx.Response(200, json={"status": "ready", "phase": "ready"}),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down":
            raise httpx.ConnectError("connection refused")
        return answers[request.url.path]

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://worker") as http:
        assert await worker_state(http, "/joining") == JOINING
        assert await worker_state(http, "/ready") == READY
        assert await worker_state(http, "/down") == STARTING


def test_the_line_says_what_the_worker_and_the_orders_wait_for() -> None:
    assert summary(JOINING).line().startswith("worker joining the consumer group | orders received 0 |")
    waiting = summary(READY, parked=3).line()
    assert waiting.startswith("worker ready, waiting for the first NetSuite item poll")
    assert "parked 3" in waiting
    assert summary(READY, items=80, synced=2).line().startswith("worker ready | orders received 2 | sales orders 2")


def test_start_up_milestones_are_reported_once_each_in_order() -> None:
    watch = StartupWatch()
    told = [watch.milestones(s) for s in (
        summary(STARTING), summary(STARTING), summary(JOINING), summary(READY, parked=2),
        summary(READY, parked=4), summary(READY, items=20, parked=4), summary(READY, items=81, synced=3),
        summary(READY, items=81, synced=9),
    )]
    assert told == [
        ["worker starting (loading the flows, creating topics)"],
        [],
        ["worker joining the consumer group"],
        ["worker ready", "waiting for the first NetSuite item poll: orders are parked until their items are known"],
        [],
        ["NetSuite items arriving (20 known so far): parked orders go ahead"],
        ["first sales order synced (3 so far)"],
        [],
    ]
    assert watch.done


def test_the_line_counts_shipments_made_from_netsuite_fulfilments() -> None:
    line = Summary(5, 5, 0, 0, 0, 1.0, 2.0, 3, 15, READY, 80, shipments=4).line()
    assert "| shipments 4 |" in line and line.endswith("NetSuite slots 3/15")
