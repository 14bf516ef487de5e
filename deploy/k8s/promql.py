"""The metric names a PromQL expression reads (for the tests that check every name is exported).

Not a full PromQL parser: it drops strings, label matchers (``{…}``), ranges and subqueries (``[…]``) and
the label lists of ``by``/``without``/``on``/``ignoring``/``group_left``/``group_right``; every identifier left
that is neither a function, an aggregation nor a keyword is a metric name. Dashboard variables (``$x``,
``${x}``) only appear inside the dropped parts.
"""

from __future__ import annotations

import re

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_LABEL_LISTS = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENT = re.compile(r"(?<![\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])")
_NUMBER_WORDS = {"inf", "nan", "e"}
KEYWORDS = {"and", "or", "unless", "offset", "bool", "by", "without", "on", "ignoring", "group_left",
            "group_right", "atan2", "start", "end"}


def metric_names(expr: str) -> set[str]:
    """Every metric name ``expr`` selects, e.g. ``{"o2c_events_in_total", "up"}``."""
    text = _STRING.sub(" ", expr)
    while True:  # nested braces/brackets do not occur in PromQL, but a subquery's range follows a ``]``
        stripped = _BRACKETS.sub(" ", _BRACES.sub(" ", text))
        if stripped == text:
            break
        text = stripped
    text = _LABEL_LISTS.sub(" ", text)
    names = set()
    for match in _IDENT.finditer(text):
        word = match.group(1)
        rest = text[match.end():].lstrip()
        if rest.startswith("(") or word.lower() in KEYWORDS or word.lower() in _NUMBER_WORDS:
            continue  # a function or aggregation call, or a keyword
        names.add(word)
    return names
