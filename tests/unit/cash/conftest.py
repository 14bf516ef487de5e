"""Settings of the money-in rules' tests: one Stripe and one PayPal set of accounts."""

from __future__ import annotations

import pytest

from streams.cash.settings import CashSettings, GatewayAccounts

STRIPE = GatewayAccounts(clearing="1010", bank="1000", fees={"default": "5010", "dispute:stripe_fee": "5013"},
                         refunds="4010", disputes="5012", reserves="1020", adjustments="5014")
PAYPAL = GatewayAccounts(clearing="1011", bank="1000", fees={"default": "5011"}, refunds="4010", disputes="5012",
                         reserves="1020", adjustments="5014")


@pytest.fixture
def cash_settings() -> CashSettings:
    return CashSettings(enabled=True, accounts={"stripe": STRIPE, "paypal": PAYPAL}, store_credit_account="1012")
