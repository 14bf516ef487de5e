"""The demo account's chart of accounts (``account`` records), with fixed internal ids.

The internal id of each account is its number (``acctNumber``), so tests and the demo can name them
without a lookup. ``acctType`` ids are NetSuite's account type codes (``Bank``, ``OthCurrAsset``,
``OthCurrLiab``, ``AcctRec``, ``Income``, ``Expense``, ``OthExpense``, ``COGS``…).

====  ==============================  ============  =====================================
id    acctName                        acctType      use
====  ==============================  ============  =====================================
10    Checking                        Bank          NetSuite's doc examples (journal lines)
11    Accounts Receivable             AcctRec       NetSuite's doc examples
1000  Operating bank                  Bank          payouts land here
1010  Stripe clearing                 Bank          customer deposits paid through Stripe
1011  PayPal clearing                 Bank          customer deposits paid through PayPal
1012  Store credit clearing           OthCurrAsset  deposits paid with store credit
1013  Gift certificates outstanding   OthCurrLiab   gift certificates sold, not redeemed
1020  Gateway reserves                OthCurrAsset  amounts a gateway holds back
1030  Undeposited funds               OthCurrAsset  special ``UndepFunds`` (``undepFunds: true``)
4010  Refunds                         Income        contra revenue
5010  Stripe fees                     Expense
5011  PayPal fees                     Expense
5012  Chargebacks                     Expense
5013  Dispute fees                    Expense
5014  Payout adjustments              OthExpense
====  ==============================  ============  =====================================

All are active, in USD (currency ``1``) and subsidiary ``1``.
"""

from __future__ import annotations

from typing import Final

CHECKING: Final = "10"
ACCOUNTS_RECEIVABLE: Final = "11"
OPERATING_BANK: Final = "1000"
STRIPE_CLEARING: Final = "1010"
PAYPAL_CLEARING: Final = "1011"
STORE_CREDIT_CLEARING: Final = "1012"
GIFT_CERTIFICATES_OUTSTANDING: Final = "1013"
GATEWAY_RESERVES: Final = "1020"
UNDEPOSITED_FUNDS: Final = "1030"
REFUNDS: Final = "4010"
STRIPE_FEES: Final = "5010"
PAYPAL_FEES: Final = "5011"
CHARGEBACKS: Final = "5012"
DISPUTE_FEES: Final = "5013"
PAYOUT_ADJUSTMENTS: Final = "5014"

#: (internal id = acctNumber, acctName, acctType, specialAccountType or None).
CHART: Final[tuple[tuple[str, str, str, str | None], ...]] = (
    (CHECKING, "Checking", "Bank", None),
    (ACCOUNTS_RECEIVABLE, "Accounts Receivable", "AcctRec", "AcctRec"),
    (OPERATING_BANK, "Operating bank", "Bank", None),
    (STRIPE_CLEARING, "Stripe clearing", "Bank", None),
    (PAYPAL_CLEARING, "PayPal clearing", "Bank", None),
    (STORE_CREDIT_CLEARING, "Store credit clearing", "OthCurrAsset", None),
    (GIFT_CERTIFICATES_OUTSTANDING, "Gift certificates outstanding", "OthCurrLiab", None),
    (GATEWAY_RESERVES, "Gateway reserves", "OthCurrAsset", None),
    (UNDEPOSITED_FUNDS, "Undeposited funds", "OthCurrAsset", "UndepFunds"),
    (REFUNDS, "Refunds", "Income", None),
    (STRIPE_FEES, "Stripe fees", "Expense", None),
    (PAYPAL_FEES, "PayPal fees", "Expense", None),
    (CHARGEBACKS, "Chargebacks", "Expense", None),
    (DISPUTE_FEES, "Dispute fees", "Expense", None),
    (PAYOUT_ADJUSTMENTS, "Payout adjustments", "OthExpense", None),
)

#: Account types a customer deposit may be deposited to (``undepFunds: false`` + ``account``).
DEPOSIT_TYPES: Final = frozenset({"Bank", "OthCurrAsset"})
TYPE_NAMES: Final = {
    "Bank": "Bank",
    "AcctRec": "Accounts Receivable",
    "OthCurrAsset": "Other Current Asset",
    "OthCurrLiab": "Other Current Liability",
    "Income": "Income",
    "Expense": "Expense",
    "OthExpense": "Other Expense",
    "COGS": "Cost of Goods Sold",
}
