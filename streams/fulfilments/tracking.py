"""Tracking numbers as BigCommerce takes them. Pure."""

from __future__ import annotations

MAX_LENGTH = 50  # BigCommerce's tracking_number maxLength


class TrackingNumberInvalid(ValueError):
    """A tracking number BigCommerce cannot take (too long once normalised)."""


def normalise(raw: str) -> str:
    """Strip, remove inner whitespace, upper-case: " 1z 999 aa1 " → "1Z999AA1"; longer than 50 → error."""
    value = "".join(raw.split()).upper()
    if len(value) > MAX_LENGTH:
        raise TrackingNumberInvalid(f"tracking number {raw.strip()[:80]!r} is {len(value)} characters long once "
                                    f"spaces are removed; BigCommerce takes at most {MAX_LENGTH}")
    return value
