"""Xero's `where` filter: a small parser and evaluator over rendered entities.

Supported: `==`, `!=`, `>`, `>=`, `<`, `<=`, `AND`/`&&`, `OR`/`||`, `NOT`/`!`, parentheses, dotted paths
(`Contact.ContactID`), string / number / true / false / null literals, `guid("...")`,
`DateTime(y,m,d[,h,m,s])`, and the methods `.Contains("x")`, `.StartsWith("x")`, `.EndsWith("x")`.
Strings compare case-insensitively; `/Date(...)/` fields compare as dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|>=|<=|&&|\|\||[><!(),.])'
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*))"
)
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")

Predicate = Callable[[dict[str, Any]], bool]


class WhereError(ValueError):
    """The filter is not understood."""


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Tok]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise WhereError(f"where: cannot read {text[pos:pos + 20]!r} at column {pos + 1}")
        kind = match.lastgroup or ""
        tokens.append(_Tok(kind, match.group(kind)))
        pos = match.end()
    return tokens


def _unescape(literal: str) -> str:
    """The text of a `"..."` literal (backslash escapes the next character)."""
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def _lookup(entity: Any, path: list[str]) -> Any:
    value = entity
    for part in path:
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(key) if key is not None else None
    return value


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        match = _MS_DATE.match(value)
        if match:
            return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
        return value.lower()
    if isinstance(value, bool) or value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value)
    return value


def _compare(left: Any, op: str, right: Any) -> bool:
    a, b = _norm(left), _norm(right)
    if isinstance(a, Decimal) and isinstance(b, str):
        try:
            b = Decimal(b)
        except InvalidOperation:
            return False
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if a is None or b is None:
        return False
    try:
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]
    except TypeError:
        return False


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, text: str | None = None) -> _Tok:
        tok = self.peek()
        if tok is None or (text is not None and tok.text.upper() != text.upper()):
            raise WhereError(f"where: expected {text or 'more'} at token {self.pos + 1}")
        self.pos += 1
        return tok

    def at(self, *texts: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind in ("op", "ident") and tok.text.upper() in texts

    def parse(self) -> Predicate:
        pred = self.or_()
        if self.peek() is not None:
            raise WhereError(f"where: unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return pred

    def or_(self) -> Predicate:
        parts = [self.and_()]
        while self.at("OR", "||"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else (lambda e: any(p(e) for p in parts))

    def and_(self) -> Predicate:
        parts = [self.unary()]
        while self.at("AND", "&&"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda e: all(p(e) for p in parts))

    def unary(self) -> Predicate:
        if self.at("NOT", "!"):
            self.take()
            inner = self.unary()
            return lambda e: not inner(e)
        if self.at("("):
            self.take("(")
            inner = self.or_()
            self.take(")")
            return inner
        left = self.operand()
        if self.at("==", "!=", ">", ">=", "<", "<="):
            op = self.take().text
            right = self.operand()
            return lambda e: _compare(left(e), op, right(e))
        return lambda e: left(e) is True

    def operand(self) -> Callable[[dict[str, Any]], Any]:
        tok = self.take()
        if tok.kind == "str":
            value = _unescape(tok.text)
            return lambda e: value
        if tok.kind == "num":
            number = Decimal(tok.text)
            return lambda e: number
        if tok.kind != "ident":
            raise WhereError(f"where: unexpected {tok.text!r}")
        word = tok.text
        if word.lower() in ("true", "false"):
            flag = word.lower() == "true"
            return lambda e: flag
        if word.lower() == "null":
            return lambda e: None
        if word.lower() == "guid" and self.at("("):
            self.take("(")
            inner = self.take()
            self.take(")")
            guid = inner.text.strip('"')
            return lambda e: guid
        if word.lower() == "datetime" and self.at("("):
            self.take("(")
            numbers = [int(self.take().text)]
            while self.at(","):
                self.take(",")
                numbers.append(int(self.take().text))
            self.take(")")
            moment = datetime(*numbers, tzinfo=UTC)  # type: ignore[misc]
            return lambda e: moment
        path = [word]
        while self.at("."):
            self.take(".")
            name = self.take().text
            if self.at("("):
                self.take("(")
                arg_tok = self.take()
                self.take(")")
                arg = _unescape(arg_tok.text).lower() if arg_tok.kind == "str" else arg_tok.text.lower()
                method = name.lower()
                base = list(path)
                if method not in ("contains", "startswith", "endswith"):
                    raise WhereError(f"where: unknown method {name}")
                return _method(base, method, arg)
            path.append(name)
        return lambda e: _lookup(e, path)


def _method(path: list[str], method: str, arg: str) -> Callable[[dict[str, Any]], Any]:
    def test(entity: dict[str, Any]) -> bool:
        value = _lookup(entity, path)
        if not isinstance(value, str):
            return False
        text = value.lower()
        if method == "contains":
            return arg in text
        return text.startswith(arg) if method == "startswith" else text.endswith(arg)

    return test


def compile_where(text: str) -> Predicate:
    """A predicate over a rendered entity; WhereError when the filter is not understood."""
    return _Parser(text).parse()
