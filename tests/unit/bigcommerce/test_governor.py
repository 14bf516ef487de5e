"""Pacing decisions of the governor, with an injected clock (no real time involved)."""

import asyncio

from connectors.bigcommerce.governor import Lane, PacingPolicy, QuotaHeaders, RateLimitGovernor
from connectors.http import Backoff


def headers(left, reset_ms, quota=150, window_ms=30_000):
    return QuotaHeaders(left=left, reset_ms=reset_ms, quota=quota, window_ms=window_ms)


def test_headers_parse_case_insensitively_from_mapping():
    h = QuotaHeaders.from_headers(
        {
            "X-Rate-Limit-Requests-Left": "35",
            "X-Rate-Limit-Time-Reset-Ms": "15000",
            "X-Rate-Limit-Requests-Quota": "150",
            "X-Rate-Limit-Time-Window-Ms": "30000",
        }
    )
    assert h == headers(35, 15000)
    assert QuotaHeaders.from_headers({}).complete is False


def test_single_probe_until_headers_known():
    p = PacingPolicy()
    assert p.delay(0.0) == 0
    p.on_send(0.0)
    assert p.delay(0.0) > 0  # a second request waits for the first response
    p.on_response(0.1, headers(149, 29_900), 200)
    assert p.delay(0.1) == 0


def test_bursts_while_quota_is_plentiful():
    p = PacingPolicy(reserve=5)
    p.on_send(0.0)
    p.on_response(0.0, headers(140, 20_000), 200)
    for _ in range(60):
        assert p.delay(0.0) == 0
        p.on_send(0.0)


def test_spreads_remaining_requests_over_remaining_window():
    p = PacingPolicy(reserve=5)
    p.on_send(0.0)
    p.on_response(0.0, headers(25, 10_000), 200)  # 20 usable over 10 s -> one per 0.5 s
    p.on_send(0.0)
    assert abs(p.delay(0.0) - 10.0 / 19) < 0.01  # 19 usable left after this send
    assert p.delay(1.0) == 0


def test_reserve_waits_for_reset():
    p = PacingPolicy(reserve=5, reset_margin=0.0)
    p.on_send(0.0)
    p.on_response(0.0, headers(5, 4_000), 200)
    assert abs(p.delay(0.0) - 4.0) < 1e-9
    assert p.delay(4.0) == 0  # new window: full quota again


def test_in_flight_requests_count_against_reported_left():
    p = PacingPolicy(reserve=0, burst_share=0.0)
    p.on_send(0.0)
    p.on_response(0.0, headers(10, 1_000, quota=10), 200)
    for _ in range(5):
        p.on_send(0.0)
    # one response comes back saying 9 left, but 4 others are still in flight
    p.on_response(0.0, headers(9, 1_000, quota=10), 200)
    assert p.left == 5


def test_429_with_headers_blocks_until_reset():
    p = PacingPolicy(reset_margin=0.0)
    p.on_send(0.0)
    p.on_response(0.0, headers(0, 2_500), 429)
    assert abs(p.delay(0.0) - 2.5) < 1e-9
    assert abs(p.delay(1.0) - 1.5) < 1e-9
    assert p.delay(2.5) == 0


def test_429_without_headers_backs_off_with_growing_jitter():
    import random

    p = PacingPolicy(backoff=Backoff(base=1.0, cap=60.0, rng=random.Random(1)))
    waits = []
    for i in range(4):
        p.on_send(float(i * 100))
        p.on_response(float(i * 100), QuotaHeaders(), 429)
        waits.append(p.blocked_until - i * 100)
    assert all(0 <= w <= 60 for w in waits)
    assert p.consecutive_429 == 4
    p.on_send(1000.0)
    p.on_response(1000.0, headers(100, 1000), 200)
    assert p.consecutive_429 == 0


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


async def test_high_priority_lane_goes_first_when_pacing():
    clock = FakeClock()
    policy = PacingPolicy(reserve=0)
    policy.quota, policy.left, policy.reset_at, policy.window = 100, 100, 1e9, 30.0
    policy.blocked_until = 50.0  # e.g. after a 429
    gov = RateLimitGovernor("unit-lanes", policy=policy, clock=clock)
    order: list[str] = []

    async def call(name, lane):
        await gov.acquire(lane)
        order.append(name)

    tasks = [asyncio.create_task(call(f"normal{i}", Lane.NORMAL)) for i in range(3)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(call("high", Lane.HIGH)))
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == []
    clock.now = 60.0
    await gov.release(None, 200)  # any state change wakes the queue
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert order[0] == "high"
    assert order[1:] == ["normal0", "normal1", "normal2"]


async def test_concurrency_cap_per_key():
    gov = RateLimitGovernor("unit-caps", caps={"pricelist_records_upsert": 2, "order_refund": 1})
    active = peak = 0

    async def hold(key):
        nonlocal active, peak
        async with gov.capped(key):
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            active -= 1

    await asyncio.gather(*(hold("pricelist_records_upsert") for _ in range(6)))
    assert peak == 2
    peak = 0
    await asyncio.gather(*(hold("order_refund:7") for _ in range(3)), *(hold("order_refund:8") for _ in range(3)))
    assert peak == 2  # one per order


def test_for_store_shares_one_instance():
    assert RateLimitGovernor.for_store("shared-x") is RateLimitGovernor.for_store("shared-x")
