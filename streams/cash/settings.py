"""Settings of the money-in flow (prefix ``O2C_CASH_``): deposits, invoices, payouts and their accounts."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: BigCommerce transaction ``gateway`` values → the payout gateway they settle through.
DEFAULT_GATEWAYS = {
    "stripe": "stripe", "stripev3": "stripe", "stripeupe": "stripe", "stripeocs": "stripe",
    "paypalcommerce": "paypal", "paypalexpress": "paypal", "paypal": "paypal",
    "braintree": "braintree", "braintreepaypal": "braintree",
}


class GatewayAccounts(BaseModel):
    """The NetSuite accounts (internal ids) of one payment gateway."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clearing: str = Field(description="Clearing account: customer deposits debit it, payouts relieve it.")
    bank: str = Field(description="The bank account payouts reach.")
    fees: dict[str, str] = Field(description='Fee account per fee type, e.g. {"default": "5010", '
                                 '"dispute:stripe_fee": "5013"}; keys "<line kind>:<fee type>", "<fee type>" or '
                                 '"default" (required).')
    refunds: str = Field(description="Refunds paid out of the gateway balance.")
    disputes: str = Field(description="Chargebacks (won disputes credit it back).")
    reserves: str = Field(description="Funds the gateway holds back (an asset until released).")
    adjustments: str = Field(description="Other adjustments, and lines o2c cannot classify (flagged).")
    payment_method: str | None = Field(None, description="NetSuite payment method of the deposits, if any.")

    @field_validator("fees")
    @classmethod
    def _has_default(cls, value: dict[str, str]) -> dict[str, str]:
        if "default" not in value:
            raise ValueError('fees needs a "default" account for fee types not listed')
        return value

    def fee_account(self, kind: str, fee_type: str) -> str:
        """A fee's account; a fee returned on a reversal (a won dispute) goes back where it was booked."""
        base = kind.removesuffix("_reversal")
        return (self.fees.get(f"{kind}:{fee_type}") or self.fees.get(f"{base}:{fee_type}") or self.fees.get(fee_type)
                or self.fees["default"])


class CashSettings(BaseSettings):
    # populate_by_name: CashSettings(refunds_to_clearing=True) in code and tests, not only the aliases
    model_config = SettingsConfigDict(env_prefix="O2C_CASH_", extra="ignore", frozen=True, populate_by_name=True)

    enabled: bool = Field(False, description="Book customer deposits and invoices (and apply the deposits).")
    payouts_enabled: bool = Field(False, description="Post a journal entry per gateway payout and reconcile it.")
    concurrency: int = Field(8, ge=1, description="Orders handled at once per worker.")
    invoicing: Literal["o2c", "netsuite"] = Field(
        "o2c", description="o2c: an invoice per shipment (transform of the sales order); netsuite: NetSuite bills "
        "(e.g. a billing schedule) and o2c only applies the deposits to the invoices it finds.")
    gateways: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_GATEWAYS), description="(JSON) BigCommerce transaction gateway → "
        "payout gateway key (stripe, paypal, …) whose accounts apply.")
    accounts: dict[str, GatewayAccounts] = Field(
        default_factory=dict, description='(JSON) payout gateway key → its NetSuite accounts, e.g. {"stripe": '
        '{"clearing": "1010", "bank": "1000", "fees": {"default": "5010"}, "refunds": "4010", "disputes": "5012", '
        '"reserves": "1020", "adjustments": "5014"}}. A payment through a gateway not listed is held as '
        "gateway_unmapped (finance).")
    store_credit_account: str | None = Field(
        None, description="Account of store credit used on orders (its own deposit, BC-DEP-…-SC); unset: store "
        "credit is not deposited and stays open on the invoice for finance to settle.")
    gift_certificate_account: str | None = Field(
        None, description="Account of gift certificates redeemed on orders (deposit BC-DEP-…-GC); unset: not "
        "deposited.")
    subsidiary_id: str = Field("1", validation_alias=AliasChoices("O2C_CASH_SUBSIDIARY_ID",
                                                                 "O2C_ORDERS_SUBSIDIARY_ID"),
                               description="Subsidiary of payout journal entries (default: the orders').")
    currencies: dict[str, str] = Field(
        default_factory=dict, validation_alias=AliasChoices("O2C_CASH_CURRENCIES", "O2C_ORDERS_CURRENCIES"),
        description="(JSON) ISO currency → NetSuite currency id for payout journal entries (default: the orders' "
        "map). A payout in a currency not listed is posted without a currency (the subsidiary's).")
    refunds_to_clearing: bool = Field(
        False, validation_alias=AliasChoices("O2C_CASH_REFUNDS_TO_CLEARING", "O2C_RETURNS_ENABLED"),
        description="Refund lines of a payout relieve the gateway's clearing account (NetSuite customer refunds "
        "booked by the returns flow credit it) and are reconciled against those customer refunds; off: refund "
        "lines go to the refunds account and are only reported (default: on with O2C_RETURNS_ENABLED).")
    reconcile_interval: float = Field(15.0, gt=0, description="Seconds between re-checks of unreconciled payouts "
                                      "and deposits waiting for their sales order.")

    def gateway_key(self, bc_gateway: str) -> str:
        """The payout gateway of a BigCommerce transaction gateway (itself when not in the map)."""
        name = bc_gateway.strip().lower()
        return self.gateways.get(name, name)


@lru_cache(maxsize=1)
def get_cash_settings() -> CashSettings:
    return CashSettings()
