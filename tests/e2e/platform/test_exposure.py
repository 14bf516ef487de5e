"""What a real worker serves: health and metrics on O2C_WEB_PORT, POST /webhooks/* on O2C_WEBHOOK_PORT, nothing
else (Faust's own views are 404); and outside sandbox mode it refuses to start against a sandbox."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.support.worker import WorkerProcess

FAUST_VIEWS = ["/", "/router", "/router/", "/table", "/table/", "/table/inventory-stock/", "/graph", "/graph/",
               "/stats", "/stats/", "/assignment/", "/performance/", "/signal/", "/webhooks/stripe"]
#: BigCommerce and Stripe receivers registered; nothing listens on port 9, and sandbox mode allows it.
SOURCES = {"O2C_BC_SOURCE_ENABLED": "true", "O2C_BC_API_BASE": "http://127.0.0.1:9", "O2C_BC_WEBHOOK_SECRET": "s",
           "O2C_STRIPE_ENABLED": "true", "O2C_STRIPE_API_BASE": "http://127.0.0.1:9",
           "O2C_STRIPE_API_KEY": "sk_test_e2e", "O2C_STRIPE_WEBHOOK_SECRET": "whsec_e2e",
           "O2C_STRIPE_POLL_INTERVAL": "3600", "O2C_BC_POLL_INTERVAL": "3600", "O2C_BC_HOOK_CHECK_INTERVAL": "3600"}


async def test_each_port_serves_only_its_own_paths(make_worker: Callable[..., WorkerProcess]) -> None:
    worker = make_worker(**SOURCES)
    async with httpx.AsyncClient(base_url=worker.url, timeout=10) as web, \
            httpx.AsyncClient(base_url=worker.webhook_url, timeout=10) as hooks:
        for path in ("/healthz", "/readyz", "/metrics"):
            assert (await web.get(path)).status_code == 200, path
        for path in FAUST_VIEWS:
            assert (await web.get(path)).status_code == 404, path
        assert (await web.post("/webhooks/bigcommerce", content=b"{}")).status_code == 404

        # the receivers answer on the webhook port: here, unsigned deliveries are refused
        assert (await hooks.post("/webhooks/bigcommerce", content=b"{}")).status_code == 401
        stripe = await hooks.post("/webhooks/stripe", content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"})
        assert stripe.status_code == 400, stripe.text
        for method, path in [("GET", "/webhooks/stripe"), ("POST", "/webhooks/netsuite"), ("POST", "/webhooks/"),
                             ("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/readyz"), ("GET", "/"),
                             ("GET", "/router"), ("POST", "/table/")]:
            assert (await hooks.request(method, path)).status_code == 404, (method, path)


def test_outside_sandbox_mode_a_worker_refuses_sandbox_settings(make_worker: Callable[..., WorkerProcess]) -> None:
    with pytest.raises(RuntimeError) as refused:
        make_worker(**SOURCES, O2C_SANDBOX_MODE="false")
    message = str(refused.value)
    assert "worker exited with 1" in message, message
    for says in ("refusing to start against sandbox settings", "O2C_BC_API_BASE is http://127.0.0.1:9 (not https",
                 "O2C_BC_ACCESS_TOKEN is the sandbox's default value", "O2C_STRIPE_API_KEY is a Stripe test-mode key",
                 "O2C_STRIPE_API_BASE", "set O2C_SANDBOX_MODE=true"):
        assert says in message, message
    assert "Traceback" not in message, message
