"""Customers: one active NetSuite customer per email, and every BigCommerce customer in NetSuite.

| what the two systems hold                                        | finding                                   |
|------------------------------------------------------------------|-------------------------------------------|
| two or more active NetSuite customers with one email (any case)  | ``duplicate_customer`` (customer_service) |
| a BigCommerce customer whose email no active NetSuite customer has | ``customer_not_in_netsuite`` (customer_service) |

Inactive NetSuite customers are left out: o2c links an order to the oldest *active* customer with the email,
so an inactive twin is not a duplicate. A registered customer who never ordered is created in NetSuite at
their first order, so a ``customer_not_in_netsuite`` is drift only for a customer who has ordered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from streams.audit.findings import NewFinding, finding

CHECK = "customers"


@dataclass(frozen=True)
class NsCustomer:
    id: str
    email: str
    name: str
    inactive: bool = False


@dataclass(frozen=True)
class BcCustomer:
    id: int
    email: str
    name: str = ""


def norm(email: str) -> str:
    return email.strip().lower()


def compare(netsuite: Iterable[NsCustomer], bigcommerce: Iterable[BcCustomer]) -> list[NewFinding]:
    by_email: dict[str, list[NsCustomer]] = {}
    for c in netsuite:
        if not c.inactive and norm(c.email):
            by_email.setdefault(norm(c.email), []).append(c)
    out: list[NewFinding] = []
    for email, found in sorted(by_email.items()):
        if len(found) < 2:
            continue
        ids = sorted((c.id for c in found), key=lambda i: (len(i), i))
        names = ", ".join(f"{c.id} ({c.name})" for c in sorted(found, key=lambda c: (len(c.id), c.id)))
        out.append(finding(
            CHECK, "duplicate_customer", "customer", "customer_service", ns_id=",".join(ids),
            message=(f"{len(found)} active NetSuite customers share the email {email}: {names}. o2c books orders "
                     f"with that email on the oldest ({ids[0]}). Merge the duplicates in NetSuite (or make the extra "
                     "ones inactive) so orders, payments and credit land on one customer."),
            detail={"email": email, "customers": ids}))
    for customer in sorted(bigcommerce, key=lambda c: c.id):
        if norm(customer.email) and norm(customer.email) not in by_email:
            out.append(finding(
                CHECK, "customer_not_in_netsuite", "customer", "customer_service", bc_id=customer.id,
                message=(f"BigCommerce customer {customer.id} ({customer.email}) has no active NetSuite customer "
                         "with that email. If they have ordered, their orders were booked elsewhere or not at all: "
                         "check their orders in the orders check; if they never ordered, NetSuite gets them at their "
                         "first order and nothing needs doing."),
                detail={"email": norm(customer.email)}))
    return out
