"""NetSuite ship method / carrier → what BigCommerce accepts on a shipment. Pure.

In order, never a guess (a ``tracking_carrier`` BigCommerce does not list makes it reject the shipment):

1. the configured map (``O2C_FULFILMENTS_CARRIERS``), by ship method name, then by carrier;
2. an exact match against BigCommerce's official ``tracking_carrier`` list of the ship method name, then of
   its first words (``"UPS Ground"`` → ``ups``), then of the carrier field;
3. BigCommerce's native ``shipping_provider`` by name (``"Royal Mail Tracked 24"`` → ``royalmail``: Royal Mail
   is not in the tracking_carrier list);
4. otherwise no carrier: empty carrier and provider, and a ``tracking_link`` from the ship method's configured
   URL template, if there is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connectors.bigcommerce import carriers as bc_carriers
from connectors.bigcommerce.carriers import normalise

PROVIDER_PREFIX = "provider:"

#: Native BigCommerce shipping providers, by the normalised names a ship method starts with.
NATIVE_PROVIDERS = {"ups": "ups", "fedex": "fedex", "usps": "usps", "royalmail": "royalmail",
                    "canadapost": "canadapost", "auspost": "auspost", "australiapost": "auspost"}
#: NetSuite shipCarrier values that name no carrier ("nonups" = "FedEx/USPS/More").
GENERIC_CARRIERS = frozenset({"", "nonups", "more", "other"})
#: Words a ship method often starts with that are also carrier slugs or names ("Pickup in store" is not the
#: carrier "pickup"): matched only as part of a longer name, or when configured.
AMBIGUOUS_WORDS = frozenset({"pickup", "collect", "store", "local", "express", "standard", "free", "courier",
                             "post", "mail", "freight", "economy", "priority", "ground"})


@dataclass(frozen=True)
class CarrierChoice:
    shipping_provider: str = ""
    tracking_carrier: str = ""
    tracking_link: str = ""
    how: str = "none"  # configured, matched, provider, link, none

    @property
    def known(self) -> bool:
        return bool(self.shipping_provider or self.tracking_carrier)


def _configured(target: str) -> CarrierChoice:
    if target.startswith(PROVIDER_PREFIX):
        return CarrierChoice(shipping_provider=target[len(PROVIDER_PREFIX):], how="configured")
    return CarrierChoice(tracking_carrier=target, how="configured")


def _prefixes(name: str) -> list[str]:
    """The name, then its first words, longest first: "DHL Express Worldwide" → that, "DHL Express", "DHL"."""
    words = name.split()
    return [" ".join(words[:n]) for n in range(len(words), 0, -1)]


def choose(ship_method: str, carrier: str, tracking: str, *, configured: Mapping[str, str],
           links: Mapping[str, str]) -> CarrierChoice:
    """What to send as ``shipping_provider``, ``tracking_carrier`` and ``tracking_link``."""
    by_name = {normalise(k): v for k, v in configured.items()}
    for name in (ship_method, carrier):
        if name and normalise(name) in by_name:
            return _configured(by_name[normalise(name)])
    for candidate in _prefixes(ship_method):
        if normalise(candidate) in AMBIGUOUS_WORDS:
            continue
        found = bc_carriers.match(candidate)
        if found:
            return CarrierChoice(tracking_carrier=found, how="matched")
    if normalise(carrier) not in GENERIC_CARRIERS:
        found = bc_carriers.match(carrier)
        if found:
            return CarrierChoice(tracking_carrier=found, how="matched")
    for candidate in (*_prefixes(ship_method), carrier):
        provider = NATIVE_PROVIDERS.get(normalise(candidate))
        if provider:
            return CarrierChoice(shipping_provider=provider, how="provider")
    template = {normalise(k): v for k, v in links.items()}.get(normalise(ship_method)) if ship_method else None
    if template and tracking:
        return CarrierChoice(tracking_link=template.replace("{tracking}", tracking)[:500], how="link")
    return CarrierChoice()
