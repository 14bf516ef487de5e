from streams.audit.items import BcVariant, NsItem, compare


def test_one_to_one_is_fine_and_parents_offline_items_are_left_out() -> None:
    items = [NsItem("1", "TEE", matrix_parent=True), NsItem("2", "TEE-BLK-M"), NsItem("3", "ROUNDING", online=False)]
    assert compare([BcVariant("TEE-BLK-M", 10, 100)], items) == []


def test_a_variant_without_item() -> None:
    found = compare([BcVariant("NEW-1", 10, 101)], [])
    assert [(f.kind, f.bc_id, f.ns_id) for f in found] == [("variant_without_item", "101", None)]
    assert found[0].owner == "operations"


def test_a_variant_of_an_inactive_item() -> None:
    found = compare([BcVariant("OLD-1", 10, 101)], [NsItem("7", "OLD-1", inactive=True)])
    assert [(f.kind, f.ns_id) for f in found] == [("variant_item_inactive", "7")]


def test_a_sellable_item_without_variant() -> None:
    found = compare([], [NsItem("8", "SOCK-1", "Sock")])
    assert [(f.kind, f.ns_id) for f in found] == [("item_without_variant", "8")]


def test_custom_line_skus_are_not_items_by_design() -> None:
    assert compare([BcVariant("GIFT-WRAP", 1, 2)], [], custom_skus={"GIFT-WRAP"}) == []
