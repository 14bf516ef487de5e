"""Signed session cookies: who is signed in, their role, the CSRF token, an expiry and a one-shot message.

The cookie holds base64url(JSON) and an HMAC-SHA256 of it under ``O2C_OPS_SESSION_SECRET``; nothing in it
is secret, but nobody can forge or alter it. Signing out revokes the session id in this process until it
would have expired anyway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any

import orjson

COOKIE = "o2c_ops_session"


@dataclass(frozen=True)
class Session:
    sid: str
    csrf: str
    expires: float
    user: str | None = None
    role: str | None = None
    flash: tuple[bool, str] | None = None  # shown once on the next page: (ok, message)

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    def with_flash(self, ok: bool, message: str) -> Session:
        return replace(self, flash=(ok, message))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    """Creates, signs, reads and revokes sessions."""

    def __init__(self, secret: str, *, max_age: int, clock: Any = time.time) -> None:
        self._key = hashlib.sha256(b"o2c-ops-session\0" + secret.encode()).digest()
        self.max_age = max_age
        self._clock = clock
        self._revoked: dict[str, float] = {}

    def new(self, user: str | None = None, role: str | None = None) -> Session:
        """A fresh session (new id and CSRF token): anonymous, or for a user who just signed in."""
        return Session(sid=secrets.token_urlsafe(16), csrf=secrets.token_urlsafe(32),
                       expires=self._clock() + self.max_age, user=user, role=role)

    def dumps(self, session: Session) -> str:
        payload = _b64(orjson.dumps({"sid": session.sid, "csrf": session.csrf, "exp": session.expires,
                                     "u": session.user, "r": session.role, "f": session.flash}))
        return f"{payload}.{_b64(self._sign(payload))}"

    def loads(self, cookie: str | None) -> Session | None:
        """The session in ``cookie``; None when missing, altered, expired or signed out."""
        if not cookie or cookie.count(".") != 1:
            return None
        payload, signature = cookie.split(".")
        try:
            if not hmac.compare_digest(_unb64(signature), self._sign(payload)):
                return None
            data = orjson.loads(_unb64(payload))
            session = Session(sid=str(data["sid"]), csrf=str(data["csrf"]), expires=float(data["exp"]),
                              user=data.get("u"), role=data.get("r"),
                              flash=(bool(data["f"][0]), str(data["f"][1])) if data.get("f") else None)
        except (ValueError, KeyError, TypeError, IndexError, orjson.JSONDecodeError):
            return None
        if session.expires <= self._clock() or session.sid in self._revoked:
            return None
        return session

    def revoke(self, session: Session) -> None:
        """Sign-out: this session id is refused from now on (kept until it would have expired)."""
        now = self._clock()
        self._revoked = {sid: exp for sid, exp in self._revoked.items() if exp > now}
        self._revoked[session.sid] = session.expires

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
