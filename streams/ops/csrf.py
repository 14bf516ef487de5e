"""CSRF: every POST carries its session's token in the ``csrf_token`` form field (403 otherwise)."""

from __future__ import annotations

import hmac

from streams.ops.sessions import Session

FIELD = "csrf_token"


def valid(session: Session | None, submitted: object) -> bool:
    """True when ``submitted`` is the session's token (compared in constant time)."""
    if session is None or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())
