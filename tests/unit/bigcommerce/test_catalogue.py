import re

from connectors.bigcommerce.sandbox.catalogue import catalogue

SKU = re.compile(r"^[A-Z]+[0-9]*-[A-Z]{3}-(XS|S|M|L|XL|XXL|OS)$")


def test_catalogue_is_deterministic():
    assert catalogue(7, 10) == catalogue(7, 10)
    assert catalogue(7, 10) != catalogue(8, 10)


def test_sku_scheme_and_uniqueness():
    styles = catalogue(3, 30)
    skus = [v.sku for s in styles for v in s.variants]
    assert len(skus) == len(set(skus))
    assert all(SKU.match(sku) for sku in skus)
    assert styles[0].code == "TEE"
    assert any(v.sku.startswith("TEE-") and v.size == "M" for v in styles[0].variants)
    assert styles[12].code == "TEE2"


def test_prices_are_cents():
    for style in catalogue(1, 12):
        assert style.price == style.price.quantize(style.price.__class__("0.01"))
        assert 0 < style.cost < style.price
