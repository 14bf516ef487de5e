"""Users, password checks, proxy identities, sessions, CSRF and the sign-in rate limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.ops import csrf
from streams.ops.auth import (
    Identity,
    UsersError,
    check_password,
    hash_password,
    load_users,
    parse_users,
    proxy_identity,
    role_for_groups,
    trusted,
)
from streams.ops.ratelimit import SignInLimiter
from streams.ops.sessions import SessionCodec
from streams.ops.settings import OpsSettings

SECRET = "unit-test-secret-0123456789abcdefghij"


def settings(**overrides: object) -> OpsSettings:
    return OpsSettings(session_secret=SECRET, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ann_hash() -> str:
    return hash_password("correct horse")


def test_users_from_json_and_yaml_files_and_env(tmp_path, ann_hash: str) -> None:
    entries = [{"user": "ann", "password_hash": ann_hash, "role": "operator"}]
    (tmp_path / "users.json").write_text(json.dumps(entries))
    (tmp_path / "users.yaml").write_text(f"- user: ann\n  password_hash: '{ann_hash}'\n  role: operator\n")
    for path in ("users.json", "users.yaml"):
        assert load_users(settings(users_file=tmp_path / path))["ann"].role == "operator"
    assert load_users(settings(users=json.dumps(entries)))["ann"].password_hash == ann_hash
    assert load_users(settings()) == {}


@pytest.mark.parametrize(("entries", "problem"), [
    ({"user": "ann"}, "must be a list"),
    ([{"password_hash": "$argon2id$x", "role": "viewer"}], "no user name"),
    ([{"user": "ann", "password_hash": "plain", "role": "viewer"}], "hash-password"),
    ([{"user": "ann", "password_hash": "$argon2id$x", "role": "admin"}], "viewer and operator"),
])
def test_bad_users_lists_are_explained(entries: object, problem: str) -> None:
    with pytest.raises(UsersError, match=problem):
        parse_users(entries)


def test_check_password(ann_hash: str) -> None:
    users = parse_users([{"user": "ann", "password_hash": ann_hash, "role": "operator"}])
    assert check_password(users, "ann", "correct horse") == Identity("ann", "operator")
    assert check_password(users, "ann", "wrong") is None
    assert check_password(users, "bob", "correct horse") is None


def test_session_secret_is_required_and_long() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        OpsSettings(session_secret="short")


def test_groups_to_roles() -> None:
    assert role_for_groups(["a", "ops"], operator_groups=["ops"], viewer_groups=["v"]) == "operator"
    assert role_for_groups(["v"], operator_groups=["ops"], viewer_groups=["v"]) == "viewer"
    assert role_for_groups(["x"], operator_groups=["ops"], viewer_groups=["v"]) is None
    assert role_for_groups([], operator_groups=["ops"], viewer_groups=[]) == "viewer"


def test_proxy_identity_only_from_trusted_addresses() -> None:
    s = settings(auth="proxy", trusted_proxies=["10.0.0.0/8", "::1/128"], operator_groups=["ops"])
    headers = {"X-Forwarded-User": "ann", "X-Forwarded-Email": "ann@example.com", "X-Forwarded-Groups": "ops"}
    assert proxy_identity(headers, "10.1.2.3", s) == (Identity("ann@example.com", "operator"), "")
    refused, why = proxy_identity(headers, "192.0.2.7", s)
    assert refused is None and "did not come through it" in why
    assert proxy_identity({}, "10.1.2.3", s)[0] is None
    assert trusted("::1", s.trusted_proxies) and not trusted("garbage", s.trusted_proxies)
    assert not trusted(None, s.trusted_proxies)
    with pytest.raises(ValueError):
        settings(trusted_proxies=["10.0.0.0/33"])


def test_sessions_are_signed_expire_and_can_be_revoked() -> None:
    now = [1000.0]
    codec = SessionCodec(SECRET, max_age=60, clock=lambda: now[0])
    session = codec.new("ann", "operator").with_flash(True, "done")
    cookie = codec.dumps(session)
    assert codec.loads(cookie) == session
    payload, signature = cookie.split(".")
    assert codec.loads(payload + "x." + signature) is None
    assert codec.loads(cookie + "x") is None and codec.loads("") is None and codec.loads("a.b.c") is None
    assert SessionCodec("another-secret-0123456789abcdefghijkl", max_age=60).loads(cookie) is None
    codec.revoke(session)
    assert codec.loads(cookie) is None
    fresh = codec.new("vic", "viewer")
    now[0] += 61
    assert codec.loads(codec.dumps(fresh)) is None
    assert fresh.csrf != session.csrf and fresh.sid != session.sid


def test_csrf_token_must_be_the_sessions() -> None:
    session = SessionCodec(SECRET, max_age=60).new()
    assert csrf.valid(session, session.csrf)
    assert not csrf.valid(session, "x" + session.csrf)
    assert not csrf.valid(session, None) and not csrf.valid(None, session.csrf) and not csrf.valid(session, "")


def test_sign_in_limiter_per_user_and_per_address() -> None:
    now = [0.0]
    limiter = SignInLimiter(per_user=2, per_address=3, window=100, clock=lambda: now[0])
    limiter.failed("Ann", "1.1.1.1")
    assert limiter.blocked("ann", "1.1.1.1") == 0
    now[0] = 10
    limiter.failed("ann", "1.1.1.1")
    assert limiter.blocked("ann", "2.2.2.2") == 90  # the first failure leaves the window at 100
    limiter.failed("bob", "1.1.1.1")
    assert limiter.blocked("carol", "1.1.1.1") == 90  # three from this address
    now[0] = 101
    assert limiter.blocked("ann", "2.2.2.2") == 0
    limiter.succeeded("ann")
    assert limiter.blocked("ann", "3.3.3.3") == 0


def test_the_engineers_doc_lists_every_setting() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "ops-page.md").read_text()
    missing = [f"O2C_OPS_{name.upper()}" for name in OpsSettings.model_fields if f"O2C_OPS_{name.upper()}" not in doc]
    assert missing == []
