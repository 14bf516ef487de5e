"""Values that must never reach a log: the one registry the log redactor reads (``streams.platform.logs``).

A leaf module (it imports nothing of o2c), so a connector can report a secret it obtains at run time,
such as a NetSuite OAuth 2.0 bearer token, without importing ``streams``::

    from connectors.secrets import register
    register(token)

The worker registers every configured credential of every system when its app is created.
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_LENGTH = 4  # shorter values would mask ordinary text ("1", "abc")
PEM_LINE = 16  # a multi-line secret (a PEM key) is also masked line by line, as a traceback shows it

_values: set[str] = set()
_longest_first: tuple[str, ...] = ()


def register(value: str | None) -> None:
    """Remember ``value`` (a token, a password, a DSN, a private key) so that logs mask it."""
    register_all([value])


def register_all(values: Iterable[str | None]) -> None:
    global _longest_first
    new = set()
    for value in values:
        if not value:
            continue
        new.add(value)
        if "\n" in value:
            new.update(line.strip() for line in value.splitlines() if len(line.strip()) >= PEM_LINE)
    new = {v for v in new if len(v) >= MIN_LENGTH} - _values
    if new:
        _values.update(new)
        # longest first: a token inside a DSN or a key inside a longer secret is masked as the longer one
        _longest_first = tuple(sorted(_values, key=len, reverse=True))


def registered() -> tuple[str, ...]:
    """Every registered value, longest first."""
    return _longest_first
