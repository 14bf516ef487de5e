from streams.audit.customers import BcCustomer, NsCustomer, compare


def test_matching_customers_are_fine() -> None:
    assert compare([NsCustomer("1", "Jane@Example.com", "Jane")], [BcCustomer(5, "jane@example.com")]) == []


def test_duplicates_by_email_ignore_case_and_name_every_record() -> None:
    found = compare([NsCustomer("12", "a@x.com", "A"), NsCustomer("3", "A@X.COM ", "A2")], [])
    assert [(f.kind, f.ns_id) for f in found] == [("duplicate_customer", "3,12")]
    assert found[0].owner == "customer_service" and "oldest (3)" in found[0].message


def test_an_inactive_twin_is_not_a_duplicate() -> None:
    assert compare([NsCustomer("1", "a@x.com", "A", inactive=True), NsCustomer("2", "a@x.com", "A")], []) == []


def test_a_bigcommerce_customer_with_no_active_netsuite_customer() -> None:
    found = compare([NsCustomer("1", "b@x.com", "B", inactive=True)], [BcCustomer(9, "B@x.com")])
    assert [(f.kind, f.bc_id) for f in found] == [("customer_not_in_netsuite", "9")]
