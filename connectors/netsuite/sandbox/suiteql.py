"""A small SuiteQL engine over the sandbox's records.

Supported: ``SELECT [DISTINCT] <exprs | *> FROM t [alias] [[LEFT|INNER] JOIN t2 [alias] ON …]*
[WHERE …] [GROUP BY …] [ORDER BY … [ASC|DESC]]``; operators ``= <> != < <= > >= || + - * /``,
``AND OR NOT``, ``[NOT] IN (…)``, ``[NOT] LIKE``, ``BETWEEN``, ``IS [NOT] NULL``; ``?`` parameters;
functions ``LOWER UPPER ABS NVL COALESCE TO_DATE TO_TIMESTAMP TO_CHAR SUM COUNT MIN MAX
BUILTIN.DF BUILTIN.CF``. Tables: see :mod:`.tables`. As in NetSuite, result values are strings,
column names are lower case, null columns are omitted and a plain date/datetime column comes back in
the user's date format (``M/D/YYYY``) — use ``TO_CHAR`` for a precise timestamp.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

Env = dict[str, Any]
Fn = Callable[[Env, list[Env] | None], Any]


class SuiteQLError(Exception):
    """Invalid or unsupported query (HTTP 400 ``INVALID_PARAMETER``)."""


TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<id>[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)*)"
    r"|(?P<op><=|>=|<>|!=|\|\||[=<>(),?*+/-]))"
)
AGGREGATES = {"SUM", "COUNT", "MIN", "MAX"}


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip().rstrip(";")
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            if text[pos:].strip() == "":
                break
            raise SuiteQLError(f"Invalid search query. Unexpected text near: {text[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


@functools.lru_cache(maxsize=64)
def _oracle_format(fmt: str) -> str:
    mapping = {
        "YYYY": "%Y",
        "HH24": "%H",
        "HH": "%I",
        "MI": "%M",
        "MM": "%m",
        "DD": "%d",
        "SS": "%S",
        "FF3": "%f",
        "FF": "%f",
        "AM": "%p",
        "PM": "%p",
    }
    return re.sub(r"YYYY|HH24|HH|MI|MM|DD|SS|FF3|FF|AM|PM", lambda m: mapping[m.group(0)], fmt.upper())


def to_char(value: Any, fmt: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        text = value.strftime(_oracle_format(fmt))
        if "FF3" in fmt.upper() and isinstance(value, datetime):
            text = text.replace(value.strftime("%f"), value.strftime("%f")[:3])
        return text
    return render(value)


def parse_time(text: Any, fmt: str) -> datetime:
    try:
        parsed = datetime.strptime(str(text), _oracle_format(fmt))
    except ValueError as exc:
        raise SuiteQLError(f"Unparseable date: {text!r}") from exc
    from datetime import UTC

    return parsed.replace(tzinfo=UTC)


def render(value: Any) -> str | None:
    """A value as SuiteQL returns it: always a string."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, datetime):
        return f"{value.month}/{value.day}/{value.year}"
    if isinstance(value, date):
        return f"{value.month}/{value.day}/{value.year}"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        return text
    return str(value)


def _num(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def compare(a: Any, b: Any) -> int | None:
    """Three-way comparison with SQL-ish coercion; ``None`` if either side is null."""
    if a is None or b is None:
        return None
    if isinstance(a, datetime) or isinstance(b, datetime):
        if isinstance(a, datetime) and isinstance(b, datetime):
            return (a > b) - (a < b)
        a, b = str(a), str(b)
    if isinstance(a, (int, Decimal)) or isinstance(b, (int, Decimal)):
        na, nb = _num(a), _num(b)
        if na is not None and nb is not None:
            return (na > nb) - (na < nb)
    sa, sb = str(a), str(b)
    return (sa > sb) - (sa < sb)


@dataclass
class Join:
    table: str
    alias: str
    kind: str
    on: Fn | None
    hash_key: tuple[Fn, str] | None = None


@dataclass
class Query:
    distinct: bool
    columns: list[tuple[str, Fn]] | None
    table: str
    alias: str
    joins: list[Join] = field(default_factory=list)
    where: Fn | None = None
    #: WHERE conjuncts that read only the FROM table: applied before the joins (same result, less work)
    base_filters: list[Fn] = field(default_factory=list)
    #: ``id IN (…)`` / ``LOWER(email) IN (…)`` among them (column without alias → constant options):
    #: the table may read only the records that can match
    base_keys: dict[str, list[Fn]] = field(default_factory=dict)
    #: ``column >= <constant>`` / ``column > <constant>`` among them: the table may read only what is newer
    base_bounds: dict[str, Fn] = field(default_factory=dict)
    group_by: list[Fn] = field(default_factory=list)
    order_by: list[tuple[Fn, bool]] = field(default_factory=list)
    aggregate: bool = False


KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "JOIN",
    "LEFT",
    "RIGHT",
    "INNER",
    "OUTER",
    "ON",
    "AND",
    "OR",
    "NOT",
    "GROUP",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "AS",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "BETWEEN",
    "DISTINCT",
}


class Parser:
    def __init__(self, text: str, params: Sequence[Any]) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.params = list(params)
        self.param_index = 0
        self.has_aggregate = False
        #: ``column IN (…)`` predicates by ``id()`` of their function: (column, option functions)
        self.in_lists: dict[int, tuple[str, list[Fn]]] = {}
        #: ``column >= <constant>`` (or ``>``) predicates by ``id()`` of their function: (column, the bound)
        self.lower_bounds: dict[int, tuple[str, Fn]] = {}

    # token helpers
    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def word(self, offset: int = 0) -> str:
        token = self.peek(offset)
        return token[1].upper() if token and token[0] in ("id", "op") else ""

    def accept(self, *words: str) -> bool:
        if self.word() in words:
            self.pos += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.accept(word):
            found = self.peek()
            raise SuiteQLError(f"Invalid search query. Expected {word}, found {found[1] if found else 'end'}")

    # grammar
    def parse(self) -> Query:
        self.expect("SELECT")
        distinct = self.accept("DISTINCT")
        columns: list[tuple[str, Fn]] | None
        if self.accept("*"):
            columns = None
        else:
            columns = [self.select_item()]
            while self.accept(","):
                columns.append(self.select_item())
        self.expect("FROM")
        table, alias = self.table_ref()
        query = Query(distinct=distinct, columns=columns, table=table, alias=alias)
        while self.word() in ("JOIN", "LEFT", "INNER", "RIGHT"):
            kind = "left" if self.accept("LEFT", "RIGHT") else "inner"
            self.accept("INNER")
            self.accept("OUTER")
            self.expect("JOIN")
            jtable, jalias = self.table_ref()
            self.expect("ON")
            start = self.pos
            on = self.expr()
            query.joins.append(Join(jtable, jalias, kind, on, self._hash_key(start, self.pos, jalias)))
        if self.accept("WHERE"):
            query.where, query.base_filters = self.where_clause(query)
        if self.accept("GROUP"):
            self.expect("BY")
            query.group_by.append(self.expr())
            while self.accept(","):
                query.group_by.append(self.expr())
        if self.accept("ORDER"):
            self.expect("BY")
            query.order_by.append(self.order_item())
            while self.accept(","):
                query.order_by.append(self.order_item())
        if self.peek() is not None:
            raise SuiteQLError(f"Invalid search query. Unexpected {self.peek()[1]!r}")  # type: ignore[index]
        query.aggregate = self.has_aggregate or bool(query.group_by)
        return query

    def where_clause(self, query: Query) -> tuple[Fn | None, list[Fn]]:
        """The WHERE condition, split into conjuncts on the FROM table alone (pushed below the joins) and the rest."""
        start, first_param = self.pos, self.param_index
        conjuncts: list[tuple[Fn, int, int]] = []
        while True:
            begin = self.pos
            conjuncts.append((self.not_expr(), begin, self.pos))
            if not self.accept("AND"):
                break
        if self.word() == "OR":
            self.pos, self.param_index = start, first_param  # parse again as one condition
            return self.expr(), []
        base: list[Fn] = []
        rest: Fn | None = None
        for fn, begin, end in conjuncts:
            on_base = not query.joins or self._reads_only(begin, end, query.alias)
            column, options = self.in_lists.get(id(fn), ("", []))
            if column and on_base:
                query.base_keys[column.replace(f"{query.alias}.", "")] = options
            bounded, bound = self.lower_bounds.get(id(fn), ("", None))
            if bounded and bound is not None and on_base:
                query.base_bounds[bounded.replace(f"{query.alias}.", "")] = bound
            if on_base and query.joins:
                base.append(fn)  # without joins there is nothing to push below
            else:
                rest = fn if rest is None else _logic(rest, fn, any_of=False)
        return rest, base

    def _reads_only(self, begin: int, end: int, alias: str) -> bool:
        """Whether every column in tokens ``begin:end`` is qualified with ``alias`` (bare names may be ambiguous)."""
        tokens = self.tokens[begin:end]
        for index, (kind, text) in enumerate(tokens):
            if kind != "id" or text.upper() in KEYWORDS:
                continue
            if "." in text:
                if not text.lower().startswith(alias + "."):
                    return False
            elif not (index + 1 < len(tokens) and tokens[index + 1][1] == "("):
                return False  # a bare column: which table it belongs to is not known here
        return True

    def _constant(self, start: int, end: int) -> bool:
        """Whether tokens ``start:end`` read no column: literals, parameters and function calls of them."""
        tokens = self.tokens[start:end]
        for index, (kind, _) in enumerate(tokens):
            if kind == "id" and not (index + 1 < len(tokens) and tokens[index + 1][1] == "("):
                return False
        return bool(tokens)

    def _hash_key(self, start: int, end: int, alias: str) -> tuple[Fn, str] | None:
        """``a.x = b.y AND …`` where one side belongs to the joined alias: use a hash join."""
        toks = self.tokens[start : start + 3]
        if any(t[1].upper() in ("OR", "(") for t in self.tokens[start:end]):
            return None
        if len(toks) == 3 and toks[0][0] == "id" and toks[1][1] == "=" and toks[2][0] == "id":
            left, right = toks[0][1].lower(), toks[2][1].lower()
            if right.startswith(alias + ".") and not left.startswith(alias + "."):
                return self.column(left), right
            if left.startswith(alias + ".") and not right.startswith(alias + "."):
                return self.column(right), left
        return None

    def table_ref(self) -> tuple[str, str]:
        token = self.peek()
        if token is None or token[0] != "id":
            raise SuiteQLError("Invalid search query. Expected a table name")
        self.pos += 1
        table = token[1].lower()
        alias = table
        nxt = self.peek()
        if nxt and nxt[0] == "id" and nxt[1].upper() not in KEYWORDS:
            alias = nxt[1].lower()
            self.pos += 1
        return table, alias

    def select_item(self) -> tuple[str, Fn]:
        start = self.pos
        fn = self.expr()
        name = None
        if self.accept("AS"):
            name = self.tokens[self.pos][1]
            self.pos += 1
        else:
            nxt = self.peek()
            if nxt and nxt[0] == "id" and nxt[1].upper() not in KEYWORDS:
                name = nxt[1]
                self.pos += 1
        if name is None:
            first = self.tokens[start]
            if self.pos - start == 1 and first[0] == "id":
                name = first[1].split(".")[-1]
            else:
                name = f"expr{start}"
        return name.lower(), fn

    def order_item(self) -> tuple[Fn, bool]:
        fn = self.expr()
        descending = False
        if self.accept("DESC"):
            descending = True
        else:
            self.accept("ASC")
        return fn, descending

    def expr(self) -> Fn:
        left = self.and_expr()
        while self.accept("OR"):
            left = _logic(left, self.and_expr(), any_of=True)
        return left

    def and_expr(self) -> Fn:
        left = self.not_expr()
        while self.accept("AND"):
            left = _logic(left, self.not_expr(), any_of=False)
        return left

    def not_expr(self) -> Fn:
        if self.accept("NOT"):
            inner = self.not_expr()
            return lambda env, grp: not inner(env, grp)
        return self.comparison()

    def comparison(self) -> Fn:
        left_start = self.pos
        left = self.concat()
        left_column = _key_column(self.tokens[left_start : self.pos])
        op = self.word()
        if op in ("=", "<>", "!=", "<", "<=", ">", ">="):
            self.pos += 1
            right_start = self.pos
            right = self.concat()
            bounds = left_column is not None and op in (">", ">=") and self._constant(right_start, self.pos)
            checks: dict[str, Callable[[int], bool]] = {
                "=": lambda c: c == 0,
                "<>": lambda c: c != 0,
                "!=": lambda c: c != 0,
                "<": lambda c: c < 0,
                "<=": lambda c: c <= 0,
                ">": lambda c: c > 0,
                ">=": lambda c: c >= 0,
            }
            check = checks[op]

            def cmp(env: Env, grp: list[Env] | None) -> bool:
                result = compare(left(env, grp), right(env, grp))
                return result is not None and check(result)

            if bounds and left_column is not None:
                self.lower_bounds[id(cmp)] = (left_column, right)
            return cmp
        negate = False
        if op == "NOT" and self.word(1) in ("IN", "LIKE", "BETWEEN"):
            self.pos += 1
            negate = True
            op = self.word()
        if op == "IN":
            self.pos += 1
            self.expect("(")
            list_start = self.pos
            options = [self.concat()]
            while self.accept(","):
                options.append(self.concat())
            constant = all(kind in ("num", "str") or text == "?"
                           for kind, text in self.tokens[list_start : self.pos] if text != ",")
            self.expect(")")
            if len(options) > 1000:
                raise SuiteQLError("Invalid search query. More than 1000 values in an IN list")

            lookup = _lookup([o({}, None) for o in options]) if constant else None

            def within(env: Env, grp: list[Env] | None) -> bool:
                value = left(env, grp)
                if value is None:
                    return False
                found = lookup(value) if lookup is not None else None
                if found is None:
                    found = any(compare(value, o(env, grp)) == 0 for o in options)
                return found != negate

            if left_column is not None and not negate and constant:
                self.in_lists[id(within)] = (left_column, options)
            return within
        if op == "LIKE":
            self.pos += 1
            pattern_fn = self.concat()

            def like(env: Env, grp: list[Env] | None) -> bool:
                value, pattern = left(env, grp), pattern_fn(env, grp)
                if value is None or pattern is None:
                    return False
                regex = "^" + re.escape(str(pattern)).replace("%", ".*").replace("_", ".") + "$"
                return bool(re.match(regex, str(value), re.S)) != negate

            return like
        if op == "BETWEEN":
            self.pos += 1
            low = self.concat()
            self.expect("AND")
            high = self.concat()

            def between(env: Env, grp: list[Env] | None) -> bool:
                value = left(env, grp)
                lo, hi = compare(value, low(env, grp)), compare(value, high(env, grp))
                return (lo is not None and hi is not None and lo >= 0 and hi <= 0) != negate

            return between
        if op == "IS":
            self.pos += 1
            is_not = self.accept("NOT")
            self.expect("NULL")
            return lambda env, grp: (left(env, grp) is None) != is_not
        return left

    def concat(self) -> Fn:
        left = self.additive()
        while self.accept("||"):
            left = _concat(left, self.additive())
        return left

    def additive(self) -> Fn:
        left = self.term()
        while self.word() in ("+", "-"):
            op = self.tokens[self.pos][1]
            self.pos += 1
            left = _arith(op, left, self.term())
        return left

    def term(self) -> Fn:
        left = self.unary()
        while self.word() in ("*", "/"):
            op = self.tokens[self.pos][1]
            self.pos += 1
            left = _arith(op, left, self.unary())
        return left

    def unary(self) -> Fn:
        if self.accept("-"):
            inner = self.unary()
            return lambda env, grp: None if (v := _num(inner(env, grp))) is None else -v
        return self.primary()

    def column(self, name: str) -> Fn:
        key = name.lower()
        return lambda env, grp: env.get(key)

    def primary(self) -> Fn:
        token = self.peek()
        if token is None:
            raise SuiteQLError("Invalid search query. Unexpected end")
        kind, text = token
        self.pos += 1
        if kind == "num":
            value: Any = Decimal(text) if "." in text else int(text)
            return lambda env, grp: value
        if kind == "str":
            literal = text[1:-1].replace("''", "'")
            return lambda env, grp: literal
        if text == "?":
            if self.param_index >= len(self.params):
                raise SuiteQLError("Invalid search query. Not enough parameters")
            bound = self.params[self.param_index]
            self.param_index += 1
            return lambda env, grp: bound
        if text == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        if kind != "id":
            raise SuiteQLError(f"Invalid search query. Unexpected {text!r}")
        upper = text.upper()
        if upper == "NULL":
            return lambda env, grp: None
        if upper in ("SYSDATE", "CURRENT_TIMESTAMP", "CURRENT_DATE"):
            return lambda env, grp: env.get("$now")
        if self.word() == "(":
            return self.function(upper)
        return self.column(text)

    def function(self, name: str) -> Fn:
        self.expect("(")
        if name in AGGREGATES:
            self.has_aggregate = True
            star = self.accept("*")
            distinct = self.accept("DISTINCT")
            arg = None if star else self.expr()
            self.expect(")")
            return _aggregate(name, arg, distinct)
        if name in ("BUILTIN.DF", "BUILTIN.CF"):
            token = self.peek()
            if token is None or token[0] != "id":
                raise SuiteQLError(f"Invalid search query. {name} needs a column")
            self.pos += 1
            self.expect(")")
            key = token[1].lower()
            suffix = "#df" if name == "BUILTIN.DF" else "#cf"
            return lambda env, grp: env.get(key + suffix, env.get(key))
        start = self.pos
        args: list[Fn] = []
        if not self.accept(")"):
            args.append(self.expr())
            while self.accept(","):
                args.append(self.expr())
            self.expect(")")
        scalar = _scalar(name, args)
        if all(kind in ("num", "str") or text in ("?", ",", ")") for kind, text in self.tokens[start : self.pos]):
            return _once(scalar)  # constant arguments, e.g. TO_TIMESTAMP(?, '…'): computed once, not per row
        return scalar


def _once(fn: Fn) -> Fn:
    """``fn`` evaluated on its first call only (an expression without columns)."""
    done: list[Any] = []

    def run(env: Env, grp: list[Env] | None) -> Any:
        if not done:
            done.append(fn(env, grp))
        return done[0]

    return run


def _lookup(values: list[Any]) -> Callable[[Any], bool | None] | None:
    """A set lookup giving what ``any(compare(value, v) == 0 for v in values)`` gives, for the usual cases
    (``None``: not decided, compare one by one): an ``IN`` list of ids or codes tested on every row."""
    if values and all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in values):
        numbers = {Decimal(v) for v in values}

        def numeric(value: Any) -> bool | None:
            if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
                return None
            number = _num(value)  # text that is not a number equals none of them
            return number is not None and number.is_finite() and number in numbers

        return numeric
    if values and all(isinstance(v, str) for v in values):
        texts = set(values)
        return lambda value: (value in texts) if isinstance(value, str) else None
    return None


def _logic(a: Fn, b: Fn, *, any_of: bool) -> Fn:
    if any_of:
        return lambda env, grp: bool(a(env, grp)) or bool(b(env, grp))
    return lambda env, grp: bool(a(env, grp)) and bool(b(env, grp))


def _concat(a: Fn, b: Fn) -> Fn:
    return lambda env, grp: (render(a(env, grp)) or "") + (render(b(env, grp)) or "")


def _arith(op: str, a: Fn, b: Fn) -> Fn:
    def run(env: Env, grp: list[Env] | None) -> Any:
        x, y = _num(a(env, grp)), _num(b(env, grp))
        if x is None or y is None:
            return None
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        return x / y if y else None

    return run


def _aggregate(name: str, arg: Fn | None, distinct: bool) -> Fn:
    def run(env: Env, grp: list[Env] | None) -> Any:
        rows = grp if grp is not None else [env]
        values = [1 if arg is None else arg(row, None) for row in rows]
        values = [v for v in values if v is not None]
        if distinct:
            values = list(dict.fromkeys(values))
        if name == "COUNT":
            return len(values)
        if not values:
            return None
        if name == "SUM":
            return sum((_num(v) or Decimal(0) for v in values), Decimal(0))
        ordered = sorted(values, key=lambda v: _SortKey(v, False))
        return ordered[0] if name == "MIN" else ordered[-1]

    return run


def _scalar(name: str, args: list[Fn]) -> Fn:
    def arg(index: int, env: Env, grp: list[Env] | None) -> Any:
        return args[index](env, grp) if index < len(args) else None

    if name in ("LOWER", "UPPER"):

        def case(env: Env, grp: list[Env] | None) -> Any:
            value = arg(0, env, grp)
            if value is None:
                return None
            return str(value).lower() if name == "LOWER" else str(value).upper()

        return case
    if name == "ABS":
        return lambda env, grp: None if (v := _num(arg(0, env, grp))) is None else abs(v)
    if name in ("NVL", "COALESCE"):
        return lambda env, grp: next((v for a in args if (v := a(env, grp)) is not None), None)
    if name in ("TO_TIMESTAMP", "TO_DATE"):

        def to_time(env: Env, grp: list[Env] | None) -> Any:
            value = arg(0, env, grp)
            if value is None:
                return None
            fmt = arg(1, env, grp) or "YYYY-MM-DD HH24:MI:SS"
            parsed = parse_time(value, str(fmt))
            return parsed

        return to_time
    if name == "TO_CHAR":
        return lambda env, grp: to_char(arg(0, env, grp), str(arg(1, env, grp) or "YYYY-MM-DD HH24:MI:SS"))
    if name == "TO_NUMBER":
        return lambda env, grp: _num(arg(0, env, grp))
    raise SuiteQLError(f"Invalid search query. Unsupported function {name}")


class _Qualified(dict[str, Any]):
    """A row seen as an environment (``alias.column`` or ``column``) without copying it."""

    def __init__(self, alias: str, now: datetime) -> None:
        super().__init__()
        self._prefix = alias + "."
        self._now = now
        self._row: dict[str, Any] = {}

    def of(self, row: dict[str, Any]) -> _Qualified:
        self._row = row
        return self

    def get(self, key: str, default: Any = None) -> Any:
        if key == "$now":
            return self._now
        return self._row.get(key.removeprefix(self._prefix), default)


def _key_column(tokens: list[tuple[str, str]]) -> str | None:
    """``id`` / ``t.id`` / ``LOWER(t.email)`` as a lower-case key; None for any other expression."""
    texts = [text.lower() for _, text in tokens]
    if len(tokens) == 1 and tokens[0][0] == "id":
        return texts[0]
    if len(tokens) == 4 and texts[0] == "lower" and texts[1] == "(" and tokens[2][0] == "id" and texts[3] == ")":
        return f"lower({texts[2]})"
    return None


def _env_for(alias: str, row: dict[str, Any]) -> Env:
    env: Env = {}
    for key, value in row.items():
        env[f"{alias}.{key}"] = value
        env[key] = value
    return env


class TableSource(Protocol):
    """Rows of a SuiteQL table. ``keys`` (``column`` → values it must be one of, e.g. ``id`` or
    ``lower(email)``) may narrow what is read; a source that cannot narrow returns every row."""

    def __call__(self, name: str, keys: dict[str, set[str]] | None = None) -> list[dict[str, Any]]: ...


def execute(
    text: str,
    params: Sequence[Any],
    tables: TableSource,
    now: datetime,
) -> list[dict[str, str]]:
    """Run a query; returns rows as NetSuite renders them (string values, nulls omitted)."""
    query = Parser(text, params).parse()
    keys = {column: {str(render(o({}, None))) for o in options} for column, options in query.base_keys.items()}
    for column, bound in query.base_bounds.items():
        value = bound({}, None)
        if isinstance(value, datetime) and value.tzinfo is not None:
            keys[f"{column}>="] = {value.isoformat()}
    base = tables(query.table, keys or None)
    if query.base_filters:  # filter the raw rows first: most never become an environment
        view = _Qualified(query.alias, now)
        base = [row for row in base if all(condition(view.of(row), None) for condition in query.base_filters)]
    if not query.joins and query.where is not None:  # one table: filter the raw rows, as below the joins
        view, where = _Qualified(query.alias, now), query.where
        base = [row for row in base if where(view.of(row), None)]
        query.where = None
    envs = [_env_for(query.alias, row) | {"$now": now} for row in base]
    for join in query.joins:
        if not envs:
            break  # nothing to join to: every join gives nothing (inner) or nothing more (left)
        if join.hash_key is not None:  # only the right rows some left row can match
            wanted = {render(join.hash_key[0](env, None)) for env in envs}
            column = join.hash_key[1].removeprefix(join.alias + ".")
            narrowed = {column: {w for w in wanted if w is not None}} if column == "id" else None
            candidate_rows = [row for row in tables(join.table, narrowed) if render(row.get(column)) in wanted]
        else:
            candidate_rows = tables(join.table)
        right_rows = [_env_for(join.alias, row) for row in candidate_rows]
        index: dict[str, list[Env]] | None = None
        if join.hash_key is not None:
            index = {}
            for row in right_rows:
                key = render(row.get(join.hash_key[1]))
                if key is not None:
                    index.setdefault(key, []).append(row)
        joined: list[Env] = []
        for env in envs:
            if index is not None and join.hash_key is not None:
                candidates = index.get(render(join.hash_key[0](env, None)) or "", [])
            else:
                candidates = right_rows
            matched = False
            for right in candidates:
                merged = {**right, **env}
                if join.on is None or join.on(merged, None):
                    joined.append(merged)
                    matched = True
            if not matched and join.kind == "left":
                joined.append(dict(env))
        envs = joined
    if query.where is not None:
        where = query.where
        envs = [env for env in envs if where(env, None)]
    if query.aggregate:
        groups: dict[tuple[Any, ...], list[Env]] = {}
        for env in envs:
            group_key = tuple(render(g(env, None)) for g in query.group_by)
            groups.setdefault(group_key, []).append(env)
        if not groups and not query.group_by:
            groups[()] = []
        results: list[tuple[Env, list[Env] | None]] = [(grp[0] if grp else {}, grp) for grp in groups.values()]
    else:
        results = [(env, None) for env in envs]

    def sort_key_for(fn: Fn, descending: bool) -> Callable[[tuple[Env, list[Env] | None]], Any]:
        def key(item: tuple[Env, list[Env] | None]) -> Any:
            value = fn(item[0], item[1])
            return _SortKey(value, descending)

        return key

    for fn, descending in reversed(query.order_by):
        values = [fn(env, grp) for env, grp in results]
        if _natively_ordered(values):  # one plain type: the same order as compare(), without calling it per pair
            order = sorted(range(len(results)), key=lambda i: (values[i] is None, values[i]), reverse=descending)
            results = [results[i] for i in order]
        else:
            results.sort(key=sort_key_for(fn, descending))
    rows: list[dict[str, str]] = []
    seen: set[tuple[Any, ...]] = set()
    for env, grp in results:
        if query.columns is None:
            raw = {k: v for k, v in env.items() if "." not in k and not k.startswith("$") and "#" not in k}
        else:
            raw = {name: fn(env, grp) for name, fn in query.columns}
        row = {k: r for k, v in raw.items() if (r := render(v)) is not None}
        if query.distinct:
            marker = tuple(sorted(row.items()))
            if marker in seen:
                continue
            seen.add(marker)
        rows.append(row)
    return rows


def _natively_ordered(values: list[Any]) -> bool:
    """Whether the non-null values are all text, all numbers or all aware (or all naive) datetimes: Python
    orders them as :func:`compare` does (nulls are placed by the caller)."""
    present = [v for v in values if v is not None]
    if not present:
        return True
    if all(type(v) is str for v in present):
        return True
    if all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in present):
        return not any(isinstance(v, Decimal) and v.is_nan() for v in present)
    if all(isinstance(v, datetime) for v in present):
        return len({v.tzinfo is None for v in present}) == 1
    return False


class _SortKey:
    """Orders values (nulls last, as Oracle does for ASC) with SQL-ish coercion."""

    __slots__ = ("descending", "value")

    def __init__(self, value: Any, descending: bool) -> None:
        self.value, self.descending = value, descending

    def __lt__(self, other: _SortKey) -> bool:
        a, b = self.value, other.value
        if a is None and b is None:
            return False
        if a is None:
            return self.descending  # ascending: nulls last; descending: nulls first
        if b is None:
            return not self.descending
        result = compare(a, b) or 0
        return result > 0 if self.descending else result < 0
