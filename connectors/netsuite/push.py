"""Push notices from a NetSuite user-event script: signature and timestamp checks.

The script (``docs/suitescript/o2c_push_ue.js``) POSTs a small JSON body
``{"recordType": "itemfulfillment", "id": "123", "type": "create"}`` with two headers:

- ``X-O2C-Timestamp``: Unix seconds when it was sent;
- ``X-O2C-Signature``: ``sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>``.

A notice only says "look now": o2c answers by polling that record type at once. It never carries
data that is published as is, so a forged or replayed notice inside the window costs one poll.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import orjson

SIGNATURE_HEADER = "X-O2C-Signature"
TIMESTAMP_HEADER = "X-O2C-Timestamp"


class PushRejected(Exception):
    """The notice is not authentic or too old; ``status`` is the HTTP answer (401 or 400)."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


@dataclass(frozen=True)
class PushNotice:
    record_type: str
    record_id: str
    event: str


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-O2C-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    *, secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float, tolerance: float = 300
) -> PushNotice:
    """Check the signature (constant time) and the timestamp window; return the parsed notice."""
    if not secret:
        raise PushRejected("push is not configured (no O2C_NS_PUSH_SECRET)", 403)
    if not timestamp or not signature:
        raise PushRejected("missing signature or timestamp")
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.strip().encode()):
        raise PushRejected("bad signature")
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise PushRejected("bad timestamp") from exc
    if abs(now - sent) > tolerance:
        raise PushRejected("stale timestamp")
    try:
        data = orjson.loads(body)
        return PushNotice(str(data["recordType"]).lower(), str(data.get("id", "")), str(data.get("type", "")))
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise PushRejected("malformed notice", 400) from exc
