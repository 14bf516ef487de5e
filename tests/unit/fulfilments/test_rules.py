"""Fulfilment rules: carriers, tracking numbers, settings and the plan per fulfilment and package."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.bigcommerce import carriers as bc_carriers
from streams.contract.netsuite import NsFulfilment, NsFulfilmentLine, NsPackage, NsPackageLine
from streams.fulfilments.carriers import choose
from streams.fulfilments.plan import (
    TOMBSTONE,
    Create,
    Delete,
    OrderLine,
    Recorded,
    Recreate,
    Update,
    for_this_store,
    plan,
)
from streams.fulfilments.settings import FulfilmentSettings
from streams.fulfilments.tracking import TrackingNumberInvalid, normalise

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ORDER = {501: OrderLine(501, 7, 2, "TEE-M"), 502: OrderLine(502, 7, 1, "CAP")}


def fulfilment(**overrides: Any) -> NsFulfilment:
    values: dict[str, Any] = dict(
        ns_id="900",
        tran_id="IF-7",
        sales_order_ns_id="800",
        bc_order_id=1001,
        status="shipped",
        ship_method="UPS Ground",
        carrier="ups",
        tracking_numbers=("1Z999",),
        packages=(NsPackage(tracking_number="1Z999"),),
        lines=(
            NsFulfilmentLine(
                sku="TEE-M", ns_item_id="42", quantity=Decimal(2), bc_order_product_id=501, order_line="1"
            ),
            NsFulfilmentLine(sku="CAP", ns_item_id="43", quantity=Decimal(1), bc_order_product_id=502, order_line="2"),
        ),
        last_modified=T0,
    )
    return NsFulfilment(**{**values, **overrides})


# -- carriers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "carrier", "expected"),
    [
        ("UPS Ground", "ups", ("", "ups")),
        ("FedEx 2Day", "nonups", ("", "fedex")),
        ("USPS Priority Mail", "nonups", ("", "usps")),
        ("DHL Express Worldwide", "", ("", "dhl")),
        ("Canada Post Expedited", "", ("", "canada-post")),
        ("Royal Mail Tracked 24", "", ("royalmail", "")),  # not in the tracking_carrier list: the native provider
        ("Free Shipping", "", ("", "")),
        ("Pickup in store", "", ("", "")),  # "pickup" is a carrier slug, not a guess to make
        ("Acme Couriers Overnight", "nonups", ("", "")),
    ],
)
def test_carrier_choice(method: str, carrier: str, expected: tuple[str, str]) -> None:
    choice = choose(method, carrier, "X1", configured={}, links={})
    assert (choice.shipping_provider, choice.tracking_carrier) == expected
    assert bc_carriers.is_valid(choice.tracking_carrier)


def test_configured_map_wins_and_links_fill_unknown_carriers() -> None:
    configured = {"Free Shipping": "usps", "acme couriers overnight": "provider:carrier_12"}
    assert choose("Free Shipping", "", "X", configured=configured, links={}).tracking_carrier == "usps"
    assert choose("Acme Couriers Overnight", "", "X", configured=configured, links={}).shipping_provider == "carrier_12"
    linked = choose("Local Van", "", "AB12", configured={}, links={"Local Van": "https://track.example/{tracking}"})
    assert (linked.tracking_carrier, linked.shipping_provider, linked.tracking_link) == (
        "",
        "",
        "https://track.example/AB12",
    )


def test_invalid_configured_carrier_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="not in BigCommerce's tracking_carrier list"):
        FulfilmentSettings(carriers={"UPS Ground": "united-parcel"})
    with pytest.raises(ValidationError, match="not a BigCommerce shipping provider"):
        FulfilmentSettings(carriers={"Royal Mail": "provider:royal-mail"})
    with pytest.raises(ValidationError, match="tracking"):
        FulfilmentSettings(tracking_links={"Van": "https://track.example/"})
    assert FulfilmentSettings(carriers={"Royal Mail": "provider:royalmail", "Free": "ups"}).carriers


# -- tracking ----------------------------------------------------------------------------------------------------


def test_tracking_numbers_are_normalised() -> None:
    assert normalise("  1z 999 aa1 0123 ") == "1Z999AA10123"
    assert normalise("") == ""
    with pytest.raises(TrackingNumberInvalid, match="at most 50"):
        normalise("1" * 51)


# -- plan --------------------------------------------------------------------------------------------------------


def test_single_package_is_one_shipment_with_every_line() -> None:
    p = plan(fulfilment(tracking_numbers=(" 1z 999 ",), packages=(NsPackage(tracking_number=" 1z 999 "),)), {}, ORDER)
    (action,) = p.actions
    assert isinstance(action, Create) and not action.adopt
    w = action.wanted
    assert (w.package_key, w.order_address_id, w.items, w.tracking_number) == ("1", 7, ((501, 2), (502, 1)), "1Z999")
    assert w.carrier.tracking_carrier == "ups" and "(o2c:900:1)" in w.comments and "IF-7" in w.comments


def test_no_tracking_still_ships() -> None:
    (action,) = plan(fulfilment(tracking_numbers=(), packages=()), {}, ORDER).actions
    assert isinstance(action, Create) and action.wanted.tracking_number == ""


def test_packages_with_cartons_are_one_shipment_each() -> None:
    f = fulfilment(
        tracking_numbers=("1ZA", "1ZB"),
        packages=(
            NsPackage(
                tracking_number="1ZA",
                carton="C1",
                lines=(NsPackageLine(order_line="1", sku="TEE-M", quantity=Decimal(1)),),
            ),
            NsPackage(
                tracking_number="1ZB",
                carton="C2",
                lines=(
                    NsPackageLine(order_line="1", sku="TEE-M", quantity=Decimal(1)),
                    NsPackageLine(order_line="2", sku="CAP", quantity=Decimal(1)),
                ),
            ),
        ),
    )
    actions = plan(f, {}, ORDER).actions
    assert [
        (a.wanted.package_key, a.wanted.tracking_number, a.wanted.items) for a in actions if isinstance(a, Create)
    ] == [("c:C1", "1ZA", ((501, 1),)), ("c:C2", "1ZB", ((501, 1), (502, 1)))]


def test_packages_without_contents_are_one_shipment_listing_the_other_tracking_numbers() -> None:
    f = fulfilment(
        tracking_numbers=("1ZA", "1ZB"), packages=(NsPackage(tracking_number="1ZA"), NsPackage(tracking_number="1ZB"))
    )
    p = plan(f, {}, ORDER)
    (action,) = p.actions
    assert isinstance(action, Create) and action.wanted.tracking_number == "1ZA"
    assert "1ZB" in action.wanted.comments and p.notes


def test_partial_shipment_ships_only_its_lines() -> None:
    f = fulfilment(
        lines=(NsFulfilmentLine(sku="TEE-M", ns_item_id="42", quantity=Decimal(1), bc_order_product_id=501),)
    )
    (action,) = plan(f, {}, ORDER).actions
    assert isinstance(action, Create) and action.wanted.items == ((501, 1),)


def test_picked_and_packed_wait() -> None:
    for status in ("picked", "packed"):
        p = plan(fulfilment(status=status), {}, ORDER)
        assert not p.actions and p.problem is None and "not shipped" in p.reason


def created(f: NsFulfilment, **overrides: Any) -> dict[str, Recorded]:
    (action,) = plan(f, {}, ORDER).actions
    assert isinstance(action, Create)
    w = action.wanted
    values: dict[str, Any] = dict(
        package_key="1",
        status="created",
        shipment_id=55,
        items_fingerprint=w.items_fingerprint,
        fields=w.fields,
        source_modified=f.last_modified,
    )
    return {"1": Recorded(**{**values, **overrides})}


def test_replay_does_nothing_and_an_edit_updates_or_recreates() -> None:
    f = fulfilment()
    recorded = created(f)
    assert plan(f, recorded, ORDER).actions == ()
    edited = fulfilment(
        tracking_numbers=("1ZNEW",),
        packages=(NsPackage(tracking_number="1ZNEW"),),
        last_modified=T0 + timedelta(minutes=5),
    )
    (update,) = plan(edited, recorded, ORDER).actions
    assert isinstance(update, Update) and update.shipment_id == 55 and update.wanted.tracking_number == "1ZNEW"
    fewer = fulfilment(lines=f.lines[:1], last_modified=T0 + timedelta(minutes=5))
    (recreate,) = plan(fewer, recorded, ORDER).actions
    assert isinstance(recreate, Recreate) and recreate.wanted.items == ((501, 2),)
    older = fulfilment(tracking_numbers=("OLD",), last_modified=T0 - timedelta(minutes=5))
    assert plan(older, recorded, ORDER).actions == ()


def test_pending_row_adopts_before_creating() -> None:
    f = fulfilment()
    (action,) = plan(f, created(f, status="pending", shipment_id=None), ORDER).actions
    assert isinstance(action, Create) and action.adopt


def test_deleted_fulfilment_deletes_its_shipments_once() -> None:
    f = fulfilment()
    gone = fulfilment(
        status="deleted",
        lines=(),
        packages=(),
        tracking_numbers=(),
        bc_order_id=None,
        last_modified=T0 + timedelta(hours=1),
    )
    p = plan(gone, created(f), None)
    assert p.actions == (Delete("1", 55),) and p.tombstone
    assert plan(f, {TOMBSTONE: Recorded(TOMBSTONE, "deleted")}, ORDER).actions == ()


@pytest.mark.parametrize(
    ("f", "order", "text"),
    [
        (fulfilment(bc_order_id=None), ORDER, "not linked to a BigCommerce order"),
        (fulfilment(), None, "BigCommerce order 1001 is not known to o2c"),
        (
            fulfilment(lines=(NsFulfilmentLine(sku="MUG", ns_item_id="9", quantity=Decimal(1)),)),
            ORDER,
            "no BigCommerce order product id",
        ),
        (
            fulfilment(
                lines=(NsFulfilmentLine(sku="MUG", ns_item_id="9", quantity=Decimal(1), bc_order_product_id=999),)
            ),
            ORDER,
            "not on BigCommerce order 1001",
        ),
    ],
)
def test_unmatched_fulfilments_are_one_exception(
    f: NsFulfilment, order: dict[int, OrderLine] | None, text: str
) -> None:
    p = plan(f, {}, order)
    assert p.problem is not None and p.problem.kind == "fulfilment_unmatched" and not p.actions
    assert text in p.problem.message and "IF-7" in p.problem.message and "sales order 800" in p.problem.message


def test_tracking_number_too_long_is_an_exception() -> None:
    long = "1Z" + "9" * 60
    p = plan(fulfilment(tracking_numbers=(long,), packages=(NsPackage(tracking_number=long),)), {}, ORDER)
    assert p.problem is not None and p.problem.kind == "tracking_invalid"


def test_lines_shipping_to_two_addresses_are_two_shipments() -> None:
    order = {501: OrderLine(501, 7), 502: OrderLine(502, 8)}
    keys = [a.wanted.package_key for a in plan(fulfilment(), {}, order).actions if isinstance(a, Create)]
    assert keys == ["1@7", "1@8"]


def test_two_lines_with_the_same_sku_and_no_order_line_stay_two_lines() -> None:
    lines = (
        NsFulfilmentLine(sku="S", ns_item_id="1", quantity=Decimal(1), bc_order_product_id=501),
        NsFulfilmentLine(sku="S", ns_item_id="1", quantity=Decimal(2), bc_order_product_id=502),
    )
    (action,) = plan(fulfilment(lines=lines), {}, ORDER).actions
    assert isinstance(action, Create) and action.wanted.items == ((501, 1), (502, 2))


def test_repacked_into_cartons_deletes_the_old_shipment_before_creating_the_new_ones() -> None:
    f = fulfilment()
    recorded = created(f)
    repacked = fulfilment(
        tracking_numbers=("1ZA", "1ZB"),
        last_modified=T0 + timedelta(minutes=5),
        packages=(
            NsPackage(tracking_number="1ZA", carton="C1", lines=(NsPackageLine(order_line="1", quantity=Decimal(2)),)),
            NsPackage(tracking_number="1ZB", carton="C2", lines=(NsPackageLine(order_line="2", quantity=Decimal(1)),)),
        ),
    )
    actions = plan(repacked, recorded, ORDER).actions
    assert actions[0] == Delete("1", 55)
    assert [a.wanted.package_key for a in actions[1:] if isinstance(a, Create)] == ["c:C1", "c:C2"]


def test_a_fulfilment_of_another_stores_sales_order_is_not_this_stores() -> None:
    assert for_this_store(fulfilment(store_hash="uk1"), "uk1")
    assert for_this_store(fulfilment(store_hash=""), "uk1")  # a sales order without the store field
    assert not for_this_store(fulfilment(store_hash="us1"), "uk1")
