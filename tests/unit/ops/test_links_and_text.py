"""Links to both systems, plain-English numbers, filters from a query string, safe redirects, CSV cells."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from state.exceptions import Filters
from streams.ops import links
from streams.ops.cli import main as ops_main
from streams.ops.text import age, count, duration, rate
from streams.ops.views.audit import cell
from streams.ops.views.exceptions import filters_from
from streams.ops.views.signin import safe_next

BC = "https://store-abc123.mybigcommerce.com/"


def url(link: links.Link | None) -> str | None:
    assert link is not None
    return link.url
NS = "https://1234567.app.netsuite.com"


def test_links_per_object_type() -> None:
    assert links.bigcommerce(BC, "order", "101") == links.Link(
        "BigCommerce", "101", "https://store-abc123.mybigcommerce.com/manage/orders/101")
    assert url(links.bigcommerce(BC, "inventory", "TEE/RED 1")) == \
        "https://store-abc123.mybigcommerce.com/manage/products?keywords=TEE%2FRED%201"
    assert url(links.netsuite(NS, "fulfilment", "55")) == \
        "https://1234567.app.netsuite.com/app/accounting/transactions/itemship.nl?id=55"
    assert str(url(links.netsuite(NS, "payout", "9"))).endswith("/journal.nl?id=9")


def test_plain_ids_without_base_url_path_or_safe_scheme() -> None:
    assert links.bigcommerce(None, "order", "101") == links.Link("BigCommerce", "101", None)
    assert url(links.bigcommerce(BC, "payout", "stripe:po_1")) is None  # a gateway id, not a BigCommerce record
    assert url(links.netsuite("javascript:alert(1)//", "order", "1")) is None
    assert links.netsuite(NS, "order", None) is None


def test_text() -> None:
    assert [duration(s) for s in (5, 90, 3600, 3 * 3600 + 300, 3 * 86400)] == \
        ["5 s", "1 min", "1 h", "3 h 5 min", "3 days"]
    assert age(None, datetime.now(UTC)) == "never"
    assert (count(1, "order"), count(4210, "order"), count(2, "worker", "workers")) == \
        ("1 order", "4,210 orders", "2 workers")
    assert (rate(None), rate(0.44), rate(1234.4)) == ("—", "0.4/min", "1,234/min")


def test_filters_from_a_query_string() -> None:
    filters, form, problems = filters_from({"owner": "finance", "kind": "total_mismatch", "status": "all",
                                            "since": "2024-05-31", "q": " 1001 "})
    assert filters == Filters(status=("open", "retrying", "resolved", "auto_resolved"), owner="finance",
                              kind="total_mismatch", since=datetime(2024, 5, 31, tzinfo=UTC), text="1001")
    assert form["q"] == "1001" and problems == []
    filters, _, problems = filters_from({"owner": "x", "status": "gone", "since": "31/05"})
    assert filters == Filters() and len(problems) == 3


@pytest.mark.parametrize(("target", "expected"), [
    ("/exceptions?owner=finance", "/exceptions?owner=finance"), ("//evil.example", "/"),
    ("https://evil.example", "/"), ("/\\evil.example", "/"), (None, "/")])
def test_only_local_paths_are_followed_after_sign_in(target: object, expected: str) -> None:
    assert safe_next(target) == expected


def test_csv_cells_never_start_a_formula() -> None:
    assert [cell(v) for v in ("=SUM(A1)", "+1", "-2", "@x", "plain", None)] == \
        ["'=SUM(A1)", "'+1", "'-2", "'@x", "plain", ""]


def test_hash_password_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret pass\n"))
    assert ops_main(["hash-password"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("$argon2id$") and PasswordHasher().verify(printed, "s3cret pass")
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert ops_main(["hash-password"]) == 2
