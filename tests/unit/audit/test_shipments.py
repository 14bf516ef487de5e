from streams.audit.shipments import BcShipment, Fulfilment, compare


def ful(ns_id: str, order_id: int, status: str = "shipped") -> Fulfilment:
    return Fulfilment(ns_id, f"IF{ns_id}", status, order_id)


def test_a_shipment_carrying_the_marker_or_recorded_is_fine() -> None:
    shipments = {100: [BcShipment(1, 100, "NetSuite fulfilment IF5 (o2c:5:1)")], 101: [BcShipment(2, 101)]}
    assert compare([ful("5", 100), ful("6", 101)], shipments, recorded={"6": {2}}) == []


def test_a_shipped_fulfilment_without_shipment() -> None:
    found = compare([ful("5", 100)], {100: [BcShipment(1, 100, "o2c:55:1")]}, recorded={})
    assert [(f.kind, f.bc_id, f.ns_id) for f in found] == [("fulfilment_without_shipment", "100", "5")]


def test_picked_or_packed_fulfilments_wait() -> None:
    assert compare([ful("5", 100, "packed"), ful("6", 100, "picked")], {}, recorded={}) == []


def test_a_fulfilment_of_an_order_bigcommerce_lacks() -> None:
    found = compare([ful("5", 100)], {}, recorded={}, missing_orders={100})
    assert [f.kind for f in found] == ["fulfilment_order_missing"]
