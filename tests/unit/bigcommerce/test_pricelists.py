"""Price list models, the typed 422 of a records upsert, SKU filters, and the sandbox's record rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError as ModelError

from connectors.bigcommerce.client.pricelists import SKU_FILTER_BATCH, sku_filters
from connectors.bigcommerce.errors import PriceRecordsRejected, ValidationError, error_for, price_record_errors
from connectors.bigcommerce.formats import dumps
from connectors.bigcommerce.models import UNBOUNDED_QUANTITY, BulkPricingTier, PriceRecord, PriceRecordUpsert
from connectors.bigcommerce.sandbox import SandboxConfig
from connectors.bigcommerce.sandbox import pricelists as rules
from connectors.bigcommerce.sandbox.faults import PriceRecordFaults
from connectors.bigcommerce.sandbox.seed import add_stock_products
from connectors.bigcommerce.sandbox.state import Store
from connectors.bigcommerce.sandbox.web import decode_cursor, encode_cursor


def tier(low: int, high: int | None, kind: str = "fixed", amount: str = "9.00") -> BulkPricingTier:
    return BulkPricingTier(quantity_min=low, quantity_max=high, type=kind, amount=Decimal(amount))


def test_upsert_body_is_what_bigcommerce_expects() -> None:
    record = PriceRecordUpsert(sku="TEE-BLK-M", currency="USD", price=Decimal("12.50"),
                               bulk_pricing_tiers=[tier(1, 9, amount="12.00"), tier(10, None, "percent", "5")])
    body = record.body()
    assert body["currency"] == "usd" and "variant_id" not in body and "sale_price" not in body
    assert body["bulk_pricing_tiers"][1] == {"quantity_min": 10, "type": "percent", "amount": Decimal("5")}
    wire = dumps([body]).decode()
    assert '"price":12.5' in wire and '"amount":12.0' in wire and "quantity_max" in wire.split("},{")[0]


def test_upsert_refuses_what_bigcommerce_would() -> None:
    with pytest.raises(ModelError):
        PriceRecordUpsert(currency="usd", price=Decimal("1"))  # no variant
    with pytest.raises(ModelError):
        PriceRecordUpsert(sku="A", currency="usd", price=Decimal("-0.01"))
    with pytest.raises(ModelError, match="overlap"):
        PriceRecordUpsert(sku="A", currency="usd", price=Decimal(1), bulk_pricing_tiers=[tier(1, 10), tier(10, 20)])
    with pytest.raises(ModelError, match="overlap"):
        PriceRecordUpsert(sku="A", currency="usd", price=Decimal(1), bulk_pricing_tiers=[tier(5, None), tier(10, 20)])
    with pytest.raises(ModelError):
        tier(0, 5)
    with pytest.raises(ModelError):
        tier(5, 4)
    with pytest.raises(ModelError):
        tier(1, None, "percent", "101")


def test_record_reads_tiers_and_bigcommerce_unbounded_maximum() -> None:
    record = PriceRecord.model_validate({
        "price_list_id": 1, "variant_id": 2, "currency": "usd", "price": Decimal("3.99"),
        "bulk_pricing_tiers": [{"quantity_min": 10, "quantity_max": UNBOUNDED_QUANTITY, "type": "percent",
                                "amount": 3}],
    })
    assert record.bulk_pricing_tiers == [tier(10, None, "percent", "3")]
    assert PriceRecord.model_validate({"price_list_id": 1, "variant_id": 2, "currency": "usd"}).bulk_pricing_tiers == []


def test_a_refused_batch_keeps_each_item_error() -> None:
    body = {"batch_errors": [
        {"data": {"price_list_id": 3, "sku": "A-1", "currency": "usd"}, "field_errors": {"sku": "SKU A-1 unknown"}},
        {"data": {"price_list_id": 3, "variant_id": 7, "currency": "jpy"}, "field_errors": {"price": "decimals"}},
    ]}
    err = error_for(422, body, {})
    assert isinstance(err, ValidationError) and "SKU A-1 unknown" in err.message
    rejected = PriceRecordsRejected.from_error(err)
    assert isinstance(rejected, ValidationError) and rejected.status == 422
    assert [e.sku or e.variant_id for e in rejected.item_errors] == ["A-1", 7]
    assert rejected.item_errors[0].matches(variant_id=None, sku="A-1", currency="USD")
    assert not rejected.item_errors[0].matches(variant_id=None, sku="A-1", currency="eur")
    assert rejected.item_errors[1].matches(variant_id=7, sku="whatever", currency="jpy")
    assert "2 price record(s) rejected" in str(rejected)
    assert price_record_errors({"status": 422, "title": "Not an array"}) == []


def test_sku_filters_bound_count_and_length_and_refuse_commas() -> None:
    groups = list(sku_filters(f"SKU-{n}" for n in range(250)))
    assert [len(g) for g in groups] == [SKU_FILTER_BATCH, SKU_FILTER_BATCH, 50]
    long = list(sku_filters("X" * 200 for _ in range(50)))
    assert all(sum(len(s) + 1 for s in g) <= 4000 for g in long) and sum(map(len, long)) == 50
    with pytest.raises(ValueError, match="comma"):
        list(sku_filters(["A,B"]))


@pytest.fixture
def shop() -> Store:
    store = Store(SandboxConfig(currencies=("usd", "eur", "jpy")))
    add_stock_products(store, prefix="P", products=0, skus=["A", "B", "C"], variants=2)
    return store


def test_sandbox_checks_currency_decimals_and_variants(shop: Store) -> None:
    ok = {"sku": "A", "currency": "JPY", "price": 1200}
    variant, fields, errors = rules.check_record(shop, ok)
    assert errors == {} and variant is not None and fields["currency"] == "jpy"
    assert rules.check_record(shop, {**ok, "price": Decimal("1200.5")})[2] == {
        "price": "price must have at most 0 decimal places"}
    assert "price" in rules.check_record(shop, {"sku": "A", "currency": "usd", "price": Decimal("1.005")})[2]
    assert "price" in rules.check_record(shop, {"sku": "A", "currency": "usd", "price": -1})[2]
    assert "price" in rules.check_record(shop, {"sku": "A", "currency": "usd"})[2]
    assert "currency" in rules.check_record(shop, {"sku": "A", "currency": "gbp", "price": 1})[2]
    assert "sku" in rules.check_record(shop, {"sku": "NOPE", "currency": "usd", "price": 1})[2]
    other = shop.variant_by_sku("B")
    assert other is not None
    assert "sku" in rules.check_record(shop, {"sku": "A", "variant_id": other["id"], "currency": "usd", "price": 1})[2]


def test_sandbox_checks_tiers(shop: Store) -> None:
    def why(*tiers: dict[str, object]) -> str | None:
        errors = rules.check_record(shop, {"sku": "A", "currency": "usd", "price": 10,
                                           "bulk_pricing_tiers": list(tiers)})[2]
        return errors.get("bulk_pricing_tiers")

    assert why({"quantity_min": 1, "quantity_max": 9, "type": "fixed", "amount": 9},
               {"quantity_min": 10, "type": "percent", "amount": Decimal("2.5")}) is None
    assert "overlaps" in str(why({"quantity_min": 1, "quantity_max": 10, "type": "fixed", "amount": 9},
                                 {"quantity_min": 10, "type": "fixed", "amount": 8}))
    assert "overlaps" in str(why({"quantity_min": 5, "type": "fixed", "amount": 9},
                                 {"quantity_min": 1, "quantity_max": 4, "type": "fixed", "amount": 8}))
    assert "quantity_min" in str(why({"quantity_min": 0, "type": "fixed", "amount": 1}))
    assert "type" in str(why({"quantity_min": 1, "type": "bogus", "amount": 1}))
    assert "amount" in str(why({"quantity_min": 1, "type": "fixed", "amount": -1}))
    assert "decimal" in str(why({"quantity_min": 1, "type": "price", "amount": Decimal("0.001")}))


def test_sandbox_batch_is_all_or_nothing(shop: Store) -> None:
    faults = PriceRecordFaults()
    faults.set({"sku": "C", "field": "price", "message": "refused", "times": 1})
    items = [{"sku": "A", "currency": "usd", "price": 1}, {"sku": "C", "currency": "usd", "price": 2}]
    errors = rules.upsert_records(shop, 1, items, faults)
    assert errors == [{"data": {"price_list_id": 1, "sku": "C", "currency": "usd"},
                       "field_errors": {"price": "refused"}}]
    assert shop.price_records == {}
    assert rules.upsert_records(shop, 1, items, faults) == []  # the fault was used up
    assert sorted(r["sku"] for r in rules.records_of(shop, 1)) == ["A", "C"]
    view = rules.record_view(rules.records_of(shop, 1)[0], tiers=False, sku=False)
    assert "sku" not in view and "bulk_pricing_tiers" not in view and view["calculated_price"] == 1


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor((301, "usd"))) == (301, "usd")
