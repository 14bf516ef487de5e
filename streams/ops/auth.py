"""Who is signing in: password users (argon2 hashes) and identities from a trusted OIDC proxy's headers."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from streams.ops.settings import OpsSettings

Role = Literal["viewer", "operator"]
ROLES: tuple[Role, ...] = ("viewer", "operator")
USER_HEADER = "X-Forwarded-User"
EMAIL_HEADER = "X-Forwarded-Email"
GROUPS_HEADER = "X-Forwarded-Groups"

_hasher = PasswordHasher()
#: Verified against when the user name is unknown, so an unknown name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("o2c: no such user")


@dataclass(frozen=True)
class User:
    name: str
    password_hash: str
    role: Role


@dataclass(frozen=True)
class Identity:
    """A signed-in person and what they may do."""

    name: str
    role: Role

    @property
    def can_act(self) -> bool:
        return self.role == "operator"


class UsersError(ValueError):
    """The users list cannot be read (a plain sentence for the operator starting the page)."""


def hash_password(password: str) -> str:
    """An argon2id hash for ``O2C_OPS_USERS`` / the users file."""
    if not password:
        raise ValueError("the password is empty")
    return _hasher.hash(password)


def parse_users(entries: Any) -> dict[str, User]:
    """``[{"user": ..., "password_hash": "$argon2id$...", "role": "operator"}]`` → users by name."""
    if not isinstance(entries, list):
        raise UsersError("the users must be a list of {user, password_hash, role}")
    users: dict[str, User] = {}
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, Mapping):
            raise UsersError(f"user entry {n} is not an object")
        name, hashed, role = entry.get("user"), entry.get("password_hash"), entry.get("role", "viewer")
        if not isinstance(name, str) or not name.strip():
            raise UsersError(f"user entry {n} has no user name")
        if not isinstance(hashed, str) or not hashed.startswith("$argon2"):
            raise UsersError(f"user {name!r} has no argon2 password_hash (make one with `o2c ops hash-password`)")
        if role not in ROLES:
            raise UsersError(f"user {name!r} has role {role!r}; the roles are viewer and operator")
        users[name.strip()] = User(name.strip(), hashed, role)
    return users


def load_users(settings: OpsSettings) -> dict[str, User]:
    """The password users: from ``O2C_OPS_USERS_FILE`` (YAML or JSON) or else ``O2C_OPS_USERS`` (JSON)."""
    if settings.users_file is not None:
        path = Path(settings.users_file)
        try:
            text = path.read_text()
        except OSError as exc:
            raise UsersError(f"cannot read O2C_OPS_USERS_FILE {path}: {exc.strerror}") from None
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError):
            raise UsersError(f"O2C_OPS_USERS_FILE {path} is not valid YAML or JSON") from None
        return parse_users(data)
    if settings.users is not None:
        try:
            data = json.loads(settings.users.get_secret_value())
        except ValueError:
            raise UsersError("O2C_OPS_USERS is not valid JSON") from None
        return parse_users(data)
    return {}


def check_password(users: Mapping[str, User], name: str, password: str) -> Identity | None:
    """The identity when ``password`` is ``name``'s (CPU-bound: run it in a thread)."""
    user = users.get(name)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return Identity(user.name, user.role) if user else None


def trusted(peer: str | None, proxies: Iterable[str]) -> bool:
    """True when the connection comes from one of the trusted proxy networks."""
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in proxies)


def role_for_groups(groups: Iterable[str], *, operator_groups: Iterable[str],
                    viewer_groups: Iterable[str]) -> Role | None:
    """operator if in an operator group, viewer if in a viewer group (or no viewer group is configured)."""
    mine = {g.strip() for g in groups if g.strip()}
    if mine & set(operator_groups):
        return "operator"
    viewers = set(viewer_groups)
    if not viewers or mine & viewers:
        return "viewer"
    return None


def proxy_identity(headers: Mapping[str, str], peer: str | None,
                   settings: OpsSettings) -> tuple[Identity | None, str]:
    """The identity the proxy vouches for (only from a trusted proxy address), or None and why not."""
    if not trusted(peer, settings.trusted_proxies):
        return None, ("This page only accepts sign-ins through the company's sign-in proxy, and this request did "
                      "not come through it.")
    name = (headers.get(EMAIL_HEADER) or headers.get(USER_HEADER) or "").strip()
    if not name:
        return None, "The sign-in proxy did not say who you are; sign in through it again."
    groups = (headers.get(GROUPS_HEADER) or "").split(",")
    role = role_for_groups(groups, operator_groups=settings.operator_groups, viewer_groups=settings.viewer_groups)
    if role is None:
        return None, f"{name} is signed in but in no group that may use the ops page; ask your administrator."
    return Identity(name[:200], role), ""
