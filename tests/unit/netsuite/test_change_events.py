"""NetSuite change records → contract events (streams.ingest.netsuite_events), and the rows they come from.

The event ids below are the ones the source published before its changes became records of their own
(computed with that code): consumers dedupe on them, so they must never move.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.netsuite.changes import (
    Change,
    CustomerChange,
    FulfilmentChange,
    ItemChange,
    ItemPricingChange,
    PriceRowChange,
    StockChange,
)
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.source.fulfilments import Details, fulfilment_change
from connectors.netsuite.source.items import item_change
from streams.contract import Envelope, NsCustomerEvent, NsFulfilmentEvent, NsItemEvent, NsPriceEvent, NsStockEvent
from streams.ingest.netsuite_events import norm, publishing, to_event, unfit_price_exception

ACCOUNT = "1234567_SB1"
SETTINGS = NetSuiteSettings(account_id=ACCOUNT)
ITEM_ROW = {"id": "42", "itemid": "TEE-BLK-M", "displayname": "Classic Tee", "itemtype": "InvtPart", "parent": "40",
            "matrixtype": "CHILD", "isinactive": "F", "isonline": "T", "parent_sku": "TEE", "custitem_color": "Black",
            "custitem_size": "M", "custitem_bc_buffer": "2", "lmd": "2026-11-03 10:20:30"}
FULFILMENT_ROW = {"id": "900", "tranid": "IF-7", "status": "ItemShip:C", "shipmethod": "UPS Ground",
                  "shipcarrier": "ups", "trandate": "2026-11-04", "lmd": "2026-11-04 08:00:01", "so_id": "800",
                  "so_externalid": "BC-SO-store1-1001", "so_link": "1001"}
DETAILS = Details(
    lines={"900": [{"transaction": "900", "id": "2", "item": "42", "sku": "TEE-BLK-M", "quantity": "2"},
                   {"transaction": "900", "id": "3", "item": "43", "sku": "TEE-BLK-L", "quantity": "1.5"}]},
    tracking={"900": ["1Z9", "1Z8", "1Z9"]},
    links={("900", "2"): ("800", "1"), ("900", "3"): ("800", "5")},
    order_lines={("800", "1"): "501"},
)
READ_AT = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


def stock(**overrides: Any) -> StockChange:
    values: dict[str, Any] = dict(account=ACCOUNT, item_id="42", sku="TEE-BLK-M", location_id="2",
                                  location_name="East Coast Warehouse", on_hand=Decimal("75.000"),
                                  committed=Decimal("1.5"), available=Decimal("73.50"), read_at=READ_AT, version=3)
    return StockChange(**{**values, **overrides})


ROWS = (PriceRowChange(price_level_id="1", price_level_name="Base Price", currency="USD", min_quantity=Decimal(0),
                       price=Decimal("19.990")),
        PriceRowChange(price_level_id="2", price_level_name="Wholesale", currency="USD", min_quantity=Decimal("10.0"),
                       price=Decimal("9.99")),
        PriceRowChange(price_level_id="2", price_level_name="Wholesale", currency="EUR", min_quantity=Decimal(0),
                       price=Decimal("-1.5")))


def pricing(**overrides: Any) -> ItemPricingChange:
    values: dict[str, Any] = dict(account=ACCOUNT, item_id="42", sku="TEE-BLK-M", rows=ROWS,
                                  last_modified=datetime(2026, 11, 3, 10, 20, 30, tzinfo=UTC),
                                  modified="2026-11-03 10:20:30")
    return ItemPricingChange(**{**values, **overrides})


def customer(**overrides: Any) -> CustomerChange:
    values: dict[str, Any] = dict(account=ACCOUNT, customer_id="107", email="buyer@acme.example", entity_id="Acme",
                                  company_name="Acme Outfitters", is_inactive=False, price_level_id="2",
                                  price_level_name="Wholesale", last_modified=datetime(2026, 11, 3, 9, 0, tzinfo=UTC),
                                  modified="2026-11-03 09:00:00")
    return CustomerChange(**{**values, **overrides})


def test_item_row_to_event() -> None:
    change = item_change(ITEM_ROW, SETTINGS, ACCOUNT, Decimal("19.99"))
    assert change.options == (("Colour", "Black"), ("Size", "M")) and change.safety_buffer == Decimal(2)
    event = to_event(change)
    assert isinstance(event, NsItemEvent)
    assert event.event_id == "fd5125c1-cff9-54e6-a563-e7facf9d5ec2"
    assert (event.key, event.source, event.occurred_at) == ("TEE-BLK-M", f"netsuite:{ACCOUNT}", change.last_modified)
    assert event.payload.model_dump(mode="json") == {
        "ns_id": "42", "sku": "TEE-BLK-M", "display_name": "Classic Tee", "item_type": "inventoryItem",
        "is_matrix_parent": False, "parent_ns_id": "40", "parent_sku": "TEE", "options": [["Colour", "Black"],
        ["Size", "M"]], "is_inactive": False, "sellable": True, "safety_buffer": "2", "base_price": "19.99",
        "last_modified": "2026-11-03T10:20:30Z"}


def test_matrix_parent_and_inactive_items_are_not_sellable() -> None:
    parent = to_event(item_change({**ITEM_ROW, "matrixtype": "PARENT", "parent": None}, SETTINGS, ACCOUNT))
    inactive = to_event(item_change({**ITEM_ROW, "isinactive": "T"}, SETTINGS, ACCOUNT))
    assert isinstance(parent, NsItemEvent) and isinstance(inactive, NsItemEvent)
    assert parent.payload.is_matrix_parent and not parent.payload.sellable and parent.payload.parent_ns_id is None
    assert inactive.payload.is_inactive and not inactive.payload.sellable
    # Another version of the row in the same second is another event.
    assert len({parent.event_id, inactive.event_id, to_event(item_change(ITEM_ROW, SETTINGS, ACCOUNT)).event_id}) == 3


def test_fulfilment_row_to_event() -> None:
    event = to_event(fulfilment_change(FULFILMENT_ROW, DETAILS, ACCOUNT))
    assert isinstance(event, NsFulfilmentEvent)
    assert event.event_id == "0138b7e7-670d-53ba-81c4-075fe32f8adf"
    assert (event.key, event.occurred_at) == ("1001", datetime(2026, 11, 4, 8, 0, 1, tzinfo=UTC))
    payload = event.payload
    assert (payload.ns_id, payload.tran_id, payload.sales_order_ns_id, payload.bc_order_id) == ("900", "IF-7", "800",
                                                                                                1001)
    assert (payload.ship_date, payload.status, payload.ship_method, payload.carrier) == (
        date(2026, 11, 4), "shipped", "UPS Ground", "ups")
    assert payload.tracking_numbers == ("1Z9", "1Z8")
    assert [(x.sku, x.ns_item_id, x.quantity, x.bc_order_product_id) for x in payload.lines] == [
        ("TEE-BLK-M", "42", Decimal(2), 501), ("TEE-BLK-L", "43", Decimal("1.5"), None)]


@pytest.mark.parametrize(
    ("overrides", "key", "bc_order"),
    [
        ({}, "1001", 1001),
        ({"so_link": None}, "1001", 1001),  # the externalId BC-SO-<store>-<id>
        ({"so_link": None, "so_externalid": "SO-manual"}, "800", None),  # no link: the sales order's id
        ({"so_link": None, "so_externalid": None, "so_id": None}, "900", None),  # not even that: the fulfilment's
    ],
)
def test_fulfilment_key(overrides: dict[str, Any], key: str, bc_order: int | None) -> None:
    change = fulfilment_change({**FULFILMENT_ROW, **overrides}, DETAILS, ACCOUNT)
    event = to_event(change)
    assert (event.key, change.bc_order_id) == (key, bc_order)


def test_fulfilment_change_defaults() -> None:
    change = fulfilment_change({"id": "901", "lmd": "2026-11-04 08:00:01", "trandate": "not a date"}, Details(),
                               ACCOUNT)
    assert (change.status, change.ship_date, change.lines, change.tracking_numbers) == ("shipped", None, (), ())
    assert isinstance(change, FulfilmentChange) and change.sales_order_id == ""


def test_stock_change_to_event() -> None:
    event = to_event(stock())
    assert isinstance(event, NsStockEvent)
    assert event.event_id == "7df727d5-85ab-5a5f-a88a-fc936621d094"
    assert (event.key, event.occurred_at, event.payload.last_modified) == ("TEE-BLK-M", READ_AT, READ_AT)
    assert (event.payload.on_hand, event.payload.committed, event.payload.available) == (
        Decimal(75), Decimal("1.5"), Decimal("73.5"))
    assert event.payload.location_name == "East Coast Warehouse"
    # The figures as written do not matter, their values do; a new version is a new event.
    assert to_event(stock(on_hand=Decimal(75))).event_id == event.event_id
    assert to_event(stock(version=4)).event_id != event.event_id


def test_price_table_to_event() -> None:
    event = to_event(pricing())
    assert isinstance(event, NsPriceEvent)
    assert event.event_id == "7d75cd91-8bd4-50c7-bc99-15f7f0c776bb"
    assert (event.key, event.type, event.schema_version) == ("TEE-BLK-M", "ns.item.prices", 2)
    assert event.occurred_at == event.payload.last_modified
    assert event.payload.model_dump(mode="json") == {
        "sku": "TEE-BLK-M", "ns_item_id": "42", "last_modified": "2026-11-03T10:20:30Z",
        "prices": [{"price_level_id": "1", "price_level_name": "Base Price", "currency": "USD", "min_quantity": "0",
                    "price": "19.990"},
                   {"price_level_id": "2", "price_level_name": "Wholesale", "currency": "USD", "min_quantity": "10.0",
                    "price": "9.99"},
                   {"price_level_id": "2", "price_level_name": "Wholesale", "currency": "EUR", "min_quantity": "0",
                    "price": "-1.5"}]}  # a negative price is handed on: the consumer decides


def test_price_event_id_is_the_table() -> None:
    event = to_event(pricing())
    # The same table however written or ordered is the same event (a crash re-hands it on identical) ...
    same = (PriceRowChange("2", "Wholesale", "EUR", Decimal("0.00"), Decimal("-1.50")), ROWS[1],
            PriceRowChange("1", "Base Price", "USD", Decimal(0), Decimal("19.99")))
    assert to_event(pricing(rows=same)).event_id == event.event_id
    # ... any other table, or another version of the item, is another event.
    others = [pricing(rows=ROWS[:2]), pricing(rows=()), pricing(modified="2026-11-03 10:20:31"),
              pricing(rows=(ROWS[0], ROWS[1], PriceRowChange("2", "Trade", "EUR", Decimal(0), Decimal("-1.5")))),
              pricing(rows=(ROWS[0], ROWS[1], PriceRowChange("2", "Wholesale", "EUR", Decimal(1), Decimal("-1.5")))),
              pricing(item_id="43"), pricing(version=2)]  # a table handed on again within one second
    ids = {to_event(change).event_id for change in others}
    assert len(ids) == len(others) and event.event_id not in ids
    empty = to_event(pricing(rows=()))
    assert isinstance(empty, NsPriceEvent) and empty.payload.prices == ()


def test_customer_change_to_event() -> None:
    event = to_event(customer())
    assert isinstance(event, NsCustomerEvent)
    assert event.event_id == "826fde7b-a300-5d32-9695-28d37b5b9c68"
    assert (event.key, event.type, event.schema_version, event.source) == (
        "107", "ns.customer.changed", 1, f"netsuite:{ACCOUNT}")
    assert event.payload.model_dump(mode="json") == {
        "ns_customer_id": "107", "email": "buyer@acme.example", "entity_id": "Acme", "company_name": "Acme Outfitters",
        "is_inactive": False, "price_level_id": "2", "price_level_name": "Wholesale",
        "last_modified": "2026-11-03T09:00:00Z"}
    cleared = to_event(customer(price_level_id=None, price_level_name=""))
    assert isinstance(cleared, NsCustomerEvent) and cleared.payload.price_level_id is None
    versions = [customer(), customer(price_level_id=None, price_level_name=""),
                customer(email="new@acme.example"), customer(is_inactive=True),
                customer(modified="2026-11-03 09:00:01"), customer(entity_id="Acme 2"), customer(version=2)]
    assert len({to_event(c).event_id for c in versions}) == len(versions)
    assert to_event(customer()).event_id == event.event_id


def test_norm() -> None:
    assert norm(Decimal("5.000")) == norm(Decimal(5)) == "5" and norm(Decimal("-0")) == "0"
    assert norm(Decimal("1E+2")) == "100" and norm(Decimal("0.50")) == "0.5"


def test_changes_are_immutable_records() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        stock().version = 9  # type: ignore[misc]


async def test_publishing_maps_then_publishes_each_change() -> None:
    sent: list[Envelope[Any]] = []

    async def publish(event: Envelope[Any]) -> None:
        sent.append(event)

    hand_on = publishing(publish)
    changes: list[Change] = [item_change(ITEM_ROW, SETTINGS, ACCOUNT), stock(), pricing(),
                             fulfilment_change(FULFILMENT_ROW, DETAILS, ACCOUNT), customer()]
    for change in changes:
        await hand_on(change)
    assert [type(e) for e in sent] == [NsItemEvent, NsStockEvent, NsPriceEvent, NsFulfilmentEvent, NsCustomerEvent]
    assert [e.event_id for e in sent] == [to_event(c).event_id for c in changes]
    assert isinstance(changes[0], ItemChange)


@pytest.mark.parametrize(("price", "reason"), [
    (Decimal("0.00125"), "an amount of 0.00125 has more than 4 decimal places"),
    (Decimal("1E+20"), "is too large to book"),
    (Decimal("NaN"), "Input should be a finite number"),
])
async def test_a_price_the_contract_cannot_carry_is_set_aside_not_published(price: Decimal, reason: str) -> None:
    sent: list[Envelope[Any]] = []
    unfit: list[tuple[ItemPricingChange, str]] = []

    async def publish(event: Envelope[Any]) -> None:
        sent.append(event)

    async def on_unfit(change: ItemPricingChange, why: str) -> None:
        unfit.append((change, why))

    hand_on = publishing(publish, on_unfit)
    bad = pricing(rows=(*ROWS, PriceRowChange("3", "Trade", "USD", Decimal(0), price)))
    await hand_on(bad)
    await hand_on(pricing())  # the next item goes on as usual
    assert [e.key for e in sent] == ["TEE-BLK-M"] and len(unfit) == 1
    (change, why), = unfit
    assert change is bad and reason in why
    exception = unfit_price_exception(change, why)
    assert (exception.kind, exception.owner, exception.ns_id) == ("ns_price_unfit", "operations", "42")
    assert exception.key() == f"ns_price_unfit:{ACCOUNT}:42"
    assert "TEE-BLK-M" in exception.message and reason in exception.message
    assert exception.payload["rows"][-1] == {"price_level_id": "3", "currency": "USD", "min_quantity": "0",
                                             "price": str(price)}
    await publishing(publish)(bad)  # without a handler: logged and skipped
    assert len(sent) == 1


async def test_other_changes_that_do_not_fit_raise() -> None:
    async def publish(event: Envelope[Any]) -> None:
        raise AssertionError("nothing may be published")

    with pytest.raises(ValueError, match="finite"):
        await publishing(publish)(stock(on_hand=Decimal("NaN")))
