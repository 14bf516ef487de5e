"""Where and how an order ships: the ship method, and one ship group per BigCommerce address. Pure.

- The BigCommerce shipping method (the address's ``shipping_method``) is mapped to a NetSuite ship item by
  ``O2C_ORDERS_SHIP_METHODS`` (exact name, then case-insensitive). An unmapped method uses
  ``O2C_ORDERS_DEFAULT_SHIP_METHOD`` and is a ``ship_method_unmapped`` exception for operations (the order is
  not held); with no default either the sales order is written without a ship method.
- An order shipping to several addresses (multi-address checkout) gets one ship group per address when the
  NetSuite account has Multiple Shipping Routes (``O2C_ORDERS_MULTIPLE_SHIPPING_ROUTES``); otherwise it is
  held as ``multi_address_unsupported`` (operations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from state.exceptions import NewException
from streams.contract import BcOrderSnapshot
from streams.contract.bigcommerce import BcShippingAddress
from streams.contract.commands import ShipGroup
from streams.orders.addresses import address_spec


@dataclass(frozen=True)
class ShippingConfig:
    methods: Mapping[str, str]  # BigCommerce method name → NetSuite shipItem internal id
    default: str | None = None
    multiple_routes: bool = False


@dataclass(frozen=True)
class ShipMethod:
    ns_id: str | None
    unmapped: str | None  # the BigCommerce method name that had no mapping


def ship_method(name: str, config: ShippingConfig) -> ShipMethod:
    if not name.strip():
        return ShipMethod(config.default, None)
    if name in config.methods:
        return ShipMethod(config.methods[name], None)
    folded = {k.strip().casefold(): v for k, v in config.methods.items()}
    if name.strip().casefold() in folded:
        return ShipMethod(folded[name.strip().casefold()], None)
    return ShipMethod(config.default, name.strip())


def addresses_with_lines(order: BcOrderSnapshot) -> tuple[BcShippingAddress, ...]:
    """The shipping addresses some line with a quantity ships to (every address, if lines name none)."""
    used = {line.order_address_id for line in order.lines if line.quantity}
    found = tuple(a for a in order.shipping_addresses if a.id in used)
    return found or order.shipping_addresses


@dataclass(frozen=True)
class MultiAddressUnsupported:
    addresses: int

    def explain(self, order_id: int) -> str:
        return (
            f"Order {order_id} ships to {self.addresses} addresses (multi-address checkout), but the NetSuite "
            "account is set up without Multiple Shipping Routes, so one sales order cannot ship to each address. "
            "The sales order was not created. Either enable Multiple Shipping Routes in NetSuite and set "
            "O2C_ORDERS_MULTIPLE_SHIPPING_ROUTES=true, then retry this exception, or enter the order in NetSuite "
            "by hand (one sales order per address) and resolve this exception."
        )


@dataclass(frozen=True)
class Shipping:
    method: ShipMethod
    groups: tuple[ShipGroup, ...]  # empty unless the order ships to several addresses
    unmapped: tuple[str, ...]


def plan_shipping(order: BcOrderSnapshot, config: ShippingConfig) -> Shipping | MultiAddressUnsupported:
    addresses = addresses_with_lines(order)
    methods = [ship_method(a.shipping_method, config) for a in addresses]
    unmapped = tuple(dict.fromkeys(m.unmapped for m in methods if m.unmapped))
    first = methods[0] if methods else ShipMethod(config.default, None)
    if len(addresses) <= 1:
        return Shipping(first, (), unmapped)
    if not config.multiple_routes:
        return MultiAddressUnsupported(len(addresses))
    groups = tuple(
        ShipGroup(order_address_id=a.id, address=address_spec(a), ship_method_id=m.ns_id,
                  label=f"BC-{order.order_id}-{a.id}")
        for a, m in zip(addresses, methods, strict=True)
    )
    return Shipping(first, groups, unmapped)


def ship_method_unmapped(method: str, order_ids: list[int], default_id: str | None) -> NewException:
    """One open exception per unmapped method, listing the orders seen with it (operations; not held)."""
    shown = ", ".join(str(o) for o in order_ids[-20:]) + (f" and {len(order_ids) - 20} more" if len(order_ids) > 20
                                                           else "")
    used = (f"They were written with the default ship method (NetSuite ship item {default_id})" if default_id
            else "They were written without a ship method (no O2C_ORDERS_DEFAULT_SHIP_METHOD is set)")
    return NewException(
        kind="ship_method_unmapped", object_type="ship_method", owner="operations", severity="warning",
        bc_id=method,
        message=(f"BigCommerce shipping method \"{method}\" has no NetSuite ship item configured; orders seen with "
                 f"it: {shown}. {used}. Add \"{method}\": \"<NetSuite ship item id>\" to O2C_ORDERS_SHIP_METHODS, "
                 "correct the ship method of these sales orders in NetSuite if needed, then resolve this exception."),
        payload={"method": method, "orders": order_ids, "default_ship_method": default_id},
    )
