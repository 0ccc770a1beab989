"""The OData v2 query options MYOB's collection endpoints accept: `$filter`, `$orderby`, `$top`, `$skip`.

`$filter` supports `eq ne gt ge lt le`, `and or not`, parentheses, `substringof`, `startswith`,
`endswith`, `tolower`, `toupper`, and literals `'text'` (with `''` escapes), `datetime'...'`,
`guid'...'`, numbers (optional `M`/`L` suffix), `true`, `false`, `null`. Paths use `/`
(`Customer/UID`). Rows are the rendered JSON entities; field names are case-sensitive, as in MYOB.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Row = dict[str, Any]
Predicate = Callable[[Row], Any]


class ODataError(ValueError):
    """A query option MYOB would refuse (answered as a 400)."""


_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<datetime>datetime'[^']*')|(?P<guid>guid'[^']*')|(?P<string>'(?:[^']|'')*')"
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMlLdDfF]?)"
    r"|(?P<punct>[(),])|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)"
    r")"
)

_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"substringof", "startswith", "endswith", "tolower", "toupper", "length", "trim"}


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ODataError(f"$filter: cannot read {text[pos:pos + 20]!r} at position {pos}")
        kind = match.lastgroup or ""
        tokens.append(_Tok(kind, match.group(kind)))
        pos = match.end()
    return tokens


def _parse_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ODataError(f"$filter: {text!r} is not a datetime") from exc
    return value.replace(tzinfo=None)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise ODataError("$filter: unexpected end of expression")
        self.pos += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise ODataError(f"$filter: expected {text!r}, found {tok.text!r}")

    def keyword(self, *words: str) -> str | None:
        tok = self.peek()
        if tok is not None and tok.kind == "name" and tok.text in words:
            self.pos += 1
            return tok.text
        return None

    def parse(self) -> Predicate:
        predicate = self.or_expr()
        if self.peek() is not None:
            raise ODataError(f"$filter: unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return predicate

    def or_expr(self) -> Predicate:
        left = self.and_expr()
        while self.keyword("or"):
            right = self.and_expr()
            left = (lambda a, b: lambda row: bool(a(row)) or bool(b(row)))(left, right)
        return left

    def and_expr(self) -> Predicate:
        left = self.not_expr()
        while self.keyword("and"):
            right = self.not_expr()
            left = (lambda a, b: lambda row: bool(a(row)) and bool(b(row)))(left, right)
        return left

    def not_expr(self) -> Predicate:
        if self.keyword("not"):
            inner = self.not_expr()
            return lambda row: not inner(row)
        return self.comparison()

    def comparison(self) -> Predicate:
        left = self.primary()
        tok = self.peek()
        if tok is not None and tok.kind == "name" and tok.text in _COMPARISONS:
            self.pos += 1
            right = self.primary()
            return _compare(tok.text, left, right)
        return left

    def primary(self) -> Predicate:
        tok = self.take()
        if tok.text == "(":
            inner = self.or_expr()
            self.expect(")")
            return inner
        if tok.kind == "string":
            value = tok.text[1:-1].replace("''", "'")
            return lambda row: value
        if tok.kind == "datetime":
            moment = _parse_datetime(tok.text[len("datetime'"):-1])
            return lambda row: moment
        if tok.kind == "guid":
            guid = tok.text[len("guid'"):-1]
            return lambda row: guid
        if tok.kind == "number":
            text = tok.text.rstrip("mMlLdDfF")
            try:
                number = Decimal(text)
            except InvalidOperation as exc:
                raise ODataError(f"$filter: {tok.text!r} is not a number") from exc
            return lambda row: number
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                flag = tok.text == "true"
                return lambda row: flag
            if tok.text == "null":
                return lambda row: None
            nxt = self.peek()
            if tok.text in _FUNCTIONS and nxt is not None and nxt.text == "(":
                return self.function(tok.text)
            path = tok.text.split("/")
            return lambda row: _lookup(row, path)
        raise ODataError(f"$filter: unexpected {tok.text!r}")

    def function(self, name: str) -> Predicate:
        self.expect("(")
        args = [self.or_expr()]
        while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
            self.pos += 1
            args.append(self.or_expr())
        self.expect(")")
        arity = {"substringof": 2, "startswith": 2, "endswith": 2}.get(name, 1)
        if len(args) != arity:
            raise ODataError(f"$filter: {name} takes {arity} argument(s)")

        def text(value: Any) -> str:
            return "" if value is None else str(value)

        if name == "substringof":
            return lambda row: text(args[0](row)).lower() in text(args[1](row)).lower()
        if name == "startswith":
            return lambda row: text(args[0](row)).lower().startswith(text(args[1](row)).lower())
        if name == "endswith":
            return lambda row: text(args[0](row)).lower().endswith(text(args[1](row)).lower())
        if name == "tolower":
            return lambda row: text(args[0](row)).lower()
        if name == "toupper":
            return lambda row: text(args[0](row)).upper()
        if name == "trim":
            return lambda row: text(args[0](row)).strip()
        return lambda row: Decimal(len(text(args[0](row))))


def _lookup(row: Any, path: list[str]) -> Any:
    value = row
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _coerce(left: Any, right: Any) -> tuple[Any, Any]:
    """Compare like with like: a datetime literal against a date string, a number against a number."""
    if isinstance(right, datetime) and isinstance(left, str):
        return _parse_datetime(left), right
    if isinstance(left, datetime) and isinstance(right, str):
        return left, _parse_datetime(right)
    if isinstance(left, bool) or isinstance(right, bool):
        return left, right
    if isinstance(right, Decimal) and isinstance(left, int | Decimal):
        return Decimal(left), right
    if isinstance(left, Decimal) and isinstance(right, int):
        return left, Decimal(right)
    if isinstance(left, str) and isinstance(right, str):
        return left.lower(), right.lower()
    return left, right


def _compare(op: str, left: Predicate, right: Predicate) -> Predicate:
    def run(row: Row) -> bool:
        a, b = _coerce(left(row), right(row))
        if op == "eq":
            return a == b
        if op == "ne":
            return a != b
        if a is None or b is None:
            return False
        try:
            if op == "gt":
                return a > b
            if op == "ge":
                return a >= b
            if op == "lt":
                return a < b
            return a <= b
        except TypeError:
            return False

    return run


def parse_filter(text: str) -> Predicate:
    """A predicate over rendered entities for a `$filter` expression."""
    return _Parser(text).parse()


def order_rows(rows: list[Row], orderby: str) -> list[Row]:
    """Rows sorted by a `$orderby` list (`Date desc, Number`); missing values sort first."""
    keys = []
    for part in orderby.split(","):
        words = part.strip().split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise ODataError(f"$orderby: cannot read {part.strip()!r}")
        keys.append((words[0].split("/"), len(words) == 2 and words[1].lower() == "desc"))
    result = list(rows)
    for path, descending in reversed(keys):
        result.sort(key=lambda row, p=path: _sort_key(_lookup(row, p)), reverse=descending)
    return result


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | Decimal):
        return (2, Decimal(value))
    return (3, str(value))


DEFAULT_TOP = 400
MAX_TOP = 1000


def page_bounds(top: str | None, skip: str | None) -> tuple[int, int]:
    """(`$top`, `$skip`) as integers: default page 400, at most 1000."""
    try:
        size = DEFAULT_TOP if top is None else int(top)
        offset = 0 if skip is None else int(skip)
    except ValueError as exc:
        raise ODataError("$top and $skip must be whole numbers") from exc
    if size < 0 or offset < 0:
        raise ODataError("$top and $skip must not be negative")
    if size > MAX_TOP:
        raise ODataError(f"$top must not exceed {MAX_TOP}")
    return size, offset
