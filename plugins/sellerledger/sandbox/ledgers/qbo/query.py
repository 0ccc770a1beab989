"""The QBO query language, as far as the API allows it:
`SELECT * | COUNT(*) FROM <Entity> [WHERE a = 'x' AND b IN ('p','q') AND c LIKE '%x%' AND d >= '2026-01-01']
[ORDERBY f [ASC|DESC], ...] [STARTPOSITION n] [MAXRESULTS m]` (no OR, no joins; at most 1000 rows)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sellerledger.sandbox.ledgers.qbo.formats import QboError

MAX_RESULTS = 1000
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?(?![\w.]))|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,|\*)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_.]*))"
)


@dataclass
class Query:
    entity: str
    count: bool = False
    conditions: list[tuple[str, str, Any]] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    start: int = 1
    max_results: int = 100


def _parse_error(text: str, column: int) -> QboError:
    return QboError("4000", "Error parsing query",
                    f"QueryParserError: Encountered \"{text}\" at line 1, column {column}.", "")


def _tokens(text: str) -> list[tuple[str, str, int]]:
    result, pos = [], 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise _parse_error(text[pos:pos + 10], pos + 1)
        kind = match.lastgroup or ""
        result.append((kind, match.group(kind), match.start(kind) + 1))
        pos = match.end()
    return result


def parse(text: str) -> Query:
    """Parse a query; QboError (4000 parse / 4001 validation) when it is not valid."""
    toks = _tokens(text)
    pos = 0

    def peek(offset: int = 0) -> tuple[str, str, int] | None:
        return toks[pos + offset] if pos + offset < len(toks) else None

    def take(expect: str | None = None) -> tuple[str, str, int]:
        nonlocal pos
        tok = peek()
        if tok is None:
            raise _parse_error("<EOF>", len(text) + 1)
        if expect is not None and tok[1].upper() != expect:
            raise _parse_error(tok[1], tok[2])
        pos += 1
        return tok

    def at(word: str) -> bool:
        tok = peek()
        return tok is not None and tok[1].upper() == word

    take("SELECT")
    count = False
    if at("COUNT"):
        take()
        take("(")
        take("*")
        take(")")
        count = True
    elif at("*"):
        take()
    else:
        take()
        while at(","):
            take(",")
            take()
    take("FROM")
    query = Query(entity=take()[1], count=count)
    if at("WHERE"):
        take()
        while True:
            name = take()
            if name[0] != "ident":
                raise _parse_error(name[1], name[2])
            op_tok = take()
            op = op_tok[1].upper()
            if op in ("IN",):
                take("(")
                values = [_literal(take())]
                while at(","):
                    take(",")
                    values.append(_literal(take()))
                take(")")
                query.conditions.append((name[1], "IN", values))
            elif op in ("=", "!=", "<>", "<", "<=", ">", ">=", "LIKE"):
                query.conditions.append((name[1], "!=" if op == "<>" else op, _literal(take())))
            else:
                raise _parse_error(op_tok[1], op_tok[2])
            if at("AND"):
                take()
                continue
            if at("OR"):
                tok = take()
                raise _parse_error(tok[1], tok[2])
            break
    if at("ORDERBY") or (at("ORDER") and peek(1) is not None and peek(1)[1].upper() == "BY"):  # type: ignore[index]
        if take()[1].upper() == "ORDER":
            take("BY")
        while True:
            name = take()[1]
            desc = False
            if at("ASC") or at("DESC"):
                desc = take()[1].upper() == "DESC"
            query.order.append((name, desc))
            if not at(","):
                break
            take(",")
    if at("STARTPOSITION"):
        take()
        query.start = max(1, int(_number(take())))
    if at("MAXRESULTS"):
        take()
        query.max_results = int(_number(take()))
        if query.max_results > MAX_RESULTS:
            raise QboError("4001", "Invalid query",
                           f"QueryValidationError: value {query.max_results} is too large. Max allowed value is: "
                           f"{MAX_RESULTS}")
    if peek() is not None:
        tok = take()
        raise _parse_error(tok[1], tok[2])
    return query


def _number(tok: tuple[str, str, int]) -> Decimal:
    if tok[0] != "num":
        raise _parse_error(tok[1], tok[2])
    return Decimal(tok[1])


def _literal(tok: tuple[str, str, int]) -> Any:
    kind, text, column = tok
    if kind == "str":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if kind == "num":
        return Decimal(text)
    if kind == "ident" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise _parse_error(text, column)


def _lookup(entity: dict[str, Any], path: str) -> Any:
    value: Any = entity
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(key) if key is not None else None
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def _as_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 10 or value[4:5] != "-":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _compare(actual: Any, op: str, wanted: Any) -> bool:
    if actual is None:
        return False
    if isinstance(wanted, bool) or isinstance(actual, bool):
        left: Any = actual if isinstance(actual, bool) else str(actual).lower() == "true"
        right: Any = wanted if isinstance(wanted, bool) else str(wanted).lower() == "true"
    elif isinstance(wanted, Decimal) or isinstance(actual, Decimal | int):
        try:
            left, right = Decimal(str(actual)), Decimal(str(wanted))
        except InvalidOperation:
            return False
    elif _as_datetime(actual) is not None and _as_datetime(wanted) is not None:
        left, right = _as_datetime(actual), _as_datetime(wanted)
    else:
        left, right = str(actual).lower(), str(wanted).lower()
    if op == "LIKE":
        pattern = "^" + ".*".join(re.escape(part) for part in str(wanted).lower().split("%")) + "$"
        return re.match(pattern, str(actual).lower()) is not None
    try:
        return {"=": left == right, "!=": left != right, "<": left < right, "<=": left <= right,
                ">": left > right, ">=": left >= right}[op]
    except TypeError:
        return False


def matches(entity: dict[str, Any], query: Query) -> bool:
    for name, op, wanted in query.conditions:
        actual = _lookup(entity, name)
        if op == "IN":
            if not any(_compare(actual, "=", value) for value in wanted):
                return False
        elif not _compare(actual, op, wanted):
            return False
    return True


def run(rows: list[dict[str, Any]], query: Query) -> tuple[list[dict[str, Any]], int]:
    """(page of matching rows, total matches)."""
    found = [row for row in rows if matches(row, query)]
    for name, desc in reversed(query.order):
        found.sort(key=lambda row, n=name: _sort_key(_lookup(row, n)), reverse=desc)
    start = query.start - 1
    return found[start:start + query.max_results], len(found)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return (1, Decimal(value))
    text = str(value)
    try:
        return (1, Decimal(text))
    except InvalidOperation:
        return (2, text.lower())
