from streams.audit.stock import Tracked, compare

TRACKED = {"A": Tracked("A", 1, 11), "B": Tracked("B", 2, None)}


def test_equal_stock_is_fine_and_untracked_skus_are_left_out() -> None:
    assert compare({"A": {1: 5}, "Z": {1: 3}}, {"A": {1: 5}}, TRACKED) == []


def test_a_differing_location_names_both_figures() -> None:
    found = compare({"A": {1: 5, 2: 0}}, {"A": {1: 7, 2: 0}}, TRACKED, item_ids={"A": "900"})
    assert [(f.kind, f.bc_id, f.ns_id) for f in found] == [("stock_differs", "11", "900")]
    assert "location 1: BigCommerce 7, NetSuite 5" in found[0].message
    assert found[0].detail == {"sku": "A", "locations": {"1": [7, 5]}}


def test_nothing_shown_by_bigcommerce_is_drift_and_a_product_tracked_sku_names_its_product() -> None:
    found = compare({"B": {1: 2}}, {}, TRACKED)
    assert [(f.kind, f.bc_id) for f in found] == [("stock_differs", "2")]
