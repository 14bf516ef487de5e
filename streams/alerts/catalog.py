"""Every alert: its name (exception kind ``alert_<name>``), owning team and runbook anchor in docs/operations.md."""

from __future__ import annotations

from dataclasses import dataclass

from state.exceptions import Owner, Severity


@dataclass(frozen=True)
class Alert:
    name: str
    owner: Owner | None  # None: the owner of the exception kind concerned (exception_spike)
    title: str
    severity: Severity = "error"

    @property
    def kind(self) -> str:
        return f"alert_{self.name}"

    @property
    def anchor(self) -> str:
        return f"alert-{self.name}"


ALERTS = (
    Alert("orders_stalled", "engineering", "BigCommerce orders arrive but no sales order is written", "critical"),
    Alert("source_quiet", "engineering", "a change source stopped polling"),
    Alert("webhook_deactivated", "engineering", "BigCommerce deactivated o2c's webhooks"),
    Alert("stock_stale", "operations", "NetSuite stock not shown in BigCommerce"),
    Alert("backlog", "engineering", "work piling up (consumer lag or waiting orders)", "warning"),
    Alert("exception_spike", None, "a burst of exceptions of one kind", "warning"),
    Alert("payout_unreconciled", "finance", "a payout not reconciled to 0.00"),
)
BY_NAME = {a.name: a for a in ALERTS}
RUNBOOK = "docs/operations.md"
