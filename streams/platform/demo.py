"""``o2c run --demo``: the sandboxes seeded to match, the whole daemon, a demo load, and a live summary.

The sandboxes (BigCommerce, NetSuite, Stripe), the order generator and the demo's payment gateway run as
child processes of ``o2c run``; the worker is configured to use them (BigCommerce webhooks + catch-up
poller, NetSuite pollers, the order, inventory, fulfilment and money-in flows, Stripe webhooks). The
NetSuite sandbox's demo warehouse ships a share of the sales orders, so the summary shows shipments coming
back to BigCommerce and invoices; every :data:`DEMO_PAYOUT_EVERY` seconds Stripe pays out what the demo
orders took, and the summary shows the payouts posted and reconciled; every :data:`DEMO_REFUND_EVERY` seconds
the demo's refund desk refunds an order in BigCommerce, and the summary shows the refunds credited.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime

from streams.platform.settings import Settings

STYLES = "6"  # the same catalogue on both sides: every BigCommerce variant has its NetSuite matrix child
#: Share of the demo's sales orders the NetSuite sandbox's warehouse ships (some partially, some in two
#: cartons; ``connectors.netsuite.sandbox.demo_warehouse``), so shipments flow back to BigCommerce.
DEMO_SHIP_SHARE = "0.6"
#: The demo store's shipping methods (``connectors.bigcommerce.sandbox.load.SHIPPING``) → the NetSuite
#: sandbox's ship items (UPS Ground, FedEx 2Day, Free Shipping). Its multi-address orders (about 6%) need
#: Multiple Shipping Routes, which the demo account has.
DEMO_ORDER_ENV = {
    "O2C_ORDERS_SHIP_METHODS": '{"Flat Rate": "301", "Express": "302", "Free Shipping": "303"}',
    "O2C_ORDERS_DEFAULT_SHIP_METHOD": "301",
    "O2C_ORDERS_MULTIPLE_SHIPPING_ROUTES": "true",
}


#: The demo's Stripe account (the Stripe sandbox's key and webhook signing secret; never a real one).
DEMO_STRIPE_KEY = "sk_test_o2cdemo"
DEMO_STRIPE_WEBHOOK_SECRET = "whsec_o2cdemo"
#: Seconds between the demo's Stripe payouts (a real account pays out daily).
DEMO_PAYOUT_EVERY = "60"
#: The NetSuite sandbox's chart of accounts (connectors/netsuite/sandbox/accounts.py) for the demo's Stripe.
DEMO_CASH_ACCOUNTS = ('{"stripe": {"clearing": "1010", "bank": "1000", "fees": {"default": "5010", '
                      '"dispute:stripe_fee": "5013"}, "refunds": "4010", "disputes": "5012", "reserves": "1020", '
                      '"adjustments": "5014"}, "paypal": {"clearing": "1011", "bank": "1000", "fees": {"default": '
                      '"5011"}, "refunds": "4010", "disputes": "5012", "reserves": "1020", "adjustments": "5014"}}')
#: Seconds between the demo's refunds (``connectors.bigcommerce.sandbox.demo_refunds``), and the NetSuite
#: sandbox's location returns are received into (its main warehouse, which the stock flow counts).
DEMO_REFUND_EVERY = "15"
DEMO_RETURNS_LOCATION = "1"
#: The demo's orders pay through Stripe (80%) and PayPal (20%; settled by files in the drop folder).
DEMO_GATEWAYS = "stripe=0.8,paypal=0.2"


def paypal_folder(settings: Settings) -> str:
    """The demo's PayPal drop folder (an SFTP job fills it in production)."""
    return str(settings.data_dir / "paypal-settlements")


def sandbox_commands(settings: Settings) -> list[list[str]]:
    cli = [sys.executable, "-m", "streams.cli", "sandbox"]
    return [
        [*cli, "bigcommerce", "--port", str(settings.demo_bigcommerce_port), "--styles", STYLES, "--plan", "pro"],
        [*cli, "netsuite", "--port", str(settings.demo_netsuite_port), "--styles", STYLES, "--latency-ms", "150",
         "--demo-warehouse", DEMO_SHIP_SHARE, "--multiple-shipping-routes"],
        [*cli, "stripe", "--port", str(settings.demo_stripe_port), "--api-key", DEMO_STRIPE_KEY,
         "--webhook-secret", DEMO_STRIPE_WEBHOOK_SECRET],
    ]


def load_command(settings: Settings, rate: float) -> list[str]:
    return [sys.executable, "-m", "streams.cli", "sandbox", "bigcommerce-load", "--url",
            f"http://127.0.0.1:{settings.demo_bigcommerce_port}", "--count", "1000000", "--rate", str(rate),
            "--gateways", DEMO_GATEWAYS]


def gateway_command(settings: Settings) -> list[str]:
    """The demo's payment gateway: BigCommerce's Stripe payments become charges, paid out every minute."""
    return [sys.executable, "-m", "streams.cli", "sandbox", "stripe-payouts",
            "--bigcommerce", f"http://127.0.0.1:{settings.demo_bigcommerce_port}",
            "--stripe", f"http://127.0.0.1:{settings.demo_stripe_port}",
            "--webhook-url", f"{webhooks_url(settings)}/stripe",
            "--every", DEMO_PAYOUT_EVERY, "--paypal-folder", paypal_folder(settings)]


def refunds_command(settings: Settings) -> list[str]:
    """The demo's refund desk: a BigCommerce refund (a return, or an unshipped order whole) now and then."""
    return [sys.executable, "-m", "streams.cli", "sandbox", "bigcommerce-refunds",
            "--url", f"http://127.0.0.1:{settings.demo_bigcommerce_port}", "--every", DEMO_REFUND_EVERY]


def webhooks_url(settings: Settings) -> str:
    """Where the sandboxes deliver their webhooks: the worker's webhook server (``O2C_WEBHOOK_PORT``)."""
    return f"http://{settings.webhook_host}:{settings.webhook_port}/webhooks"


def worker_env(settings: Settings) -> dict[str, str]:
    """The demo worker's settings: every flow against the sandboxes, which ``O2C_SANDBOX_MODE`` allows."""
    return {
        "O2C_SANDBOX_MODE": "true",
        "O2C_ORDERS_ENABLED": "true",
        **DEMO_ORDER_ENV,
        "O2C_INVENTORY_ENABLED": "true",
        "O2C_FULFILMENTS_ENABLED": "true",
        "O2C_CASH_ENABLED": "true",
        "O2C_CASH_PAYOUTS_ENABLED": "true",
        "O2C_CASH_ACCOUNTS": DEMO_CASH_ACCOUNTS,
        "O2C_CASH_RECONCILE_INTERVAL": "5",
        "O2C_RETURNS_ENABLED": "true",
        "O2C_RETURNS_RECEIVE_ON_REFUND": "true",
        "O2C_RETURNS_LOCATION_ID": DEMO_RETURNS_LOCATION,
        "O2C_STRIPE_ENABLED": "true",
        "O2C_STRIPE_API_BASE": f"http://127.0.0.1:{settings.demo_stripe_port}",
        "O2C_STRIPE_API_KEY": DEMO_STRIPE_KEY,
        "O2C_STRIPE_WEBHOOK_SECRET": DEMO_STRIPE_WEBHOOK_SECRET,
        "O2C_STRIPE_POLL_INTERVAL": "60",
        "O2C_PAYPAL_ENABLED": "true",
        "O2C_PAYPAL_SETTLEMENT_FOLDER": paypal_folder(settings),
        "O2C_PAYPAL_POLL_INTERVAL": "10",
        "O2C_BC_SOURCE_ENABLED": "true",
        "O2C_BC_API_BASE": f"http://127.0.0.1:{settings.demo_bigcommerce_port}",
        "O2C_BC_WEBHOOK_DESTINATION": f"{webhooks_url(settings)}/bigcommerce",
        "O2C_BC_POLL_INTERVAL": "15",
        "O2C_NS_SOURCE_ENABLED": "true",
        "O2C_NS_BASE_URL": f"http://127.0.0.1:{settings.demo_netsuite_port}",
        # Orders wait (parked) until their NetSuite items are known, and a poller first runs one interval
        # after the worker is ready: a short items interval lets the first demo orders sync within seconds.
        "O2C_NS_ITEMS_POLL_SECONDS": "2",
        "O2C_NS_STOCK_POLL_SECONDS": "15",
        "O2C_NS_FULFILMENTS_POLL_SECONDS": "3",
        # B2B prices: NetSuite's Wholesale level (2) becomes a BigCommerce price list for a "Wholesale" group,
        # and the NetSuite customers on it (Acme Outfitters, seeded in both sandboxes) join that group.
        "O2C_PRICES_ENABLED": "true",
        "O2C_PRICES_LEVELS": '{"2": "Wholesale"}',
        "O2C_PRICES_GROUPS": '{"2": "Wholesale"}',
        "O2C_NS_PRICES_POLL_SECONDS": "5",
        "O2C_NS_CUSTOMERS_POLL_SECONDS": "5",
        "O2C_HEARTBEAT_INTERVAL": "0",
        "O2C_LOG_LEVEL": "warning",
    }


async def print_summaries(settings: Settings, every: float = 5.0, startup_every: float = 0.5) -> None:
    """Print one summary line every ``every`` seconds until cancelled.

    Until the first sales order is synced, the worker's state is also read every ``startup_every``
    seconds and each start-up milestone is printed the moment it happens, with the seconds since this
    started (the demo's banner): worker starting, joining the consumer group, recovering tables, ready,
    NetSuite items known, first sales order synced.
    """
    from state.db import create_pool
    from streams.platform.summary import StartupWatch, collect

    since = datetime.now(UTC)
    started = time.monotonic()
    next_line = started + every
    worker_url = f"http://{settings.web_host}:{settings.web_port}"
    watch = StartupWatch()
    pool = await create_pool(settings.dsn, max_size=1)
    try:
        while True:
            now = time.monotonic()
            periodic = now >= next_line
            if periodic or not watch.done:
                summary = await collect(pool, worker_url, since, with_metrics=periodic)
                for milestone in watch.milestones(summary):
                    print(f"{_clock()}  +{time.monotonic() - started:4.1f}s  {milestone}", flush=True)
                if periodic:
                    print(f"{_clock()}  {summary.line()}", flush=True)
                    while next_line <= time.monotonic():
                        next_line += every
            await asyncio.sleep(startup_every if not watch.done else max(0.0, next_line - time.monotonic()))
    finally:
        await pool.close()


def _clock() -> str:
    return datetime.now().strftime("%H:%M:%S")
