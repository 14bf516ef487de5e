"""webhook_deactivated: BigCommerce deactivated (or lost) o2c's webhooks, so orders arrive only by the poll."""

from __future__ import annotations

from dataclasses import dataclass

from streams.alerts.firing import Firing, span


@dataclass(frozen=True)
class Hooks:
    """The store's hooks at o2c's destination: scope → active (a scope o2c needs but has no hook is absent)."""

    store_hash: str
    destination: str
    wanted: tuple[str, ...]
    found: dict[str, bool]


def webhook_deactivated(hooks: Hooks, *, repair_interval: float) -> list[Firing]:
    inactive = [s for s in hooks.wanted if hooks.found.get(s) is False]
    missing = [s for s in hooks.wanted if s not in hooks.found]
    if not inactive and not missing:
        return []
    parts = []
    if inactive:
        parts.append(f"deactivated {', '.join(inactive)}")
    if missing:
        parts.append(f"has no hook for {', '.join(missing)}")
    return [Firing(
        subject=hooks.store_hash,
        message=(f"BigCommerce {' and '.join(parts)} at {hooks.destination} (store {hooks.store_hash}). BigCommerce "
                 "deactivates a hook after its deliveries keep failing, so the worker's webhook address is probably "
                 "unreachable or answering errors. Until it is fixed, orders arrive only through the catch-up poll "
                 f"(minutes late). o2c turns the hooks back on every {span(repair_interval)}; if this alert keeps "
                 "coming back, check the address (DNS, TLS, ingress, O2C_BC_WEBHOOK_DESTINATION) and the worker's "
                 "/webhooks/bigcommerce answers. It closes when every hook is active."),
        payload={"store": hooks.store_hash, "destination": hooks.destination, "inactive": inactive,
                 "missing": missing})]
