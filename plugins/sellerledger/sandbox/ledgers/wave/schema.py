"""Wave's public GraphQL schema, built from the introspection result in `schema.json` (xclydes/longboard,
2021; see shared/reference/ledgers/wave/README.md), with the custom scalars made exact: `Decimal` reads
and writes `decimal.Decimal` (serialized as a string, as Wave does), `Date` is `YYYY-MM-DD`, `DateTime`
ISO-8601 UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    FloatValueNode,
    GraphQLError,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    StringValueNode,
    ValueNode,
    build_client_schema,
)

SCHEMA_PATH = Path(__file__).with_name("schema.json")


def _decimal_value(value: Any) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise GraphQLError(f"Decimal cannot represent {value!r} exactly; send a string")
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise GraphQLError(f"Decimal cannot represent {value!r}") from exc
    if not result.is_finite():
        raise GraphQLError(f"Decimal cannot represent {value!r}")
    return result


def _decimal_literal(node: ValueNode, _variables: Any = None) -> Decimal:
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return _decimal_value(node.value)
    raise GraphQLError("Decimal must be a string or a number")


def _decimal_out(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise GraphQLError(f"Decimal cannot serialize {value!r}")


def _date_value(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise GraphQLError(f"Date must be YYYY-MM-DD, got {value!r}") from exc


def _date_literal(node: ValueNode, _variables: Any = None) -> date:
    if isinstance(node, StringValueNode):
        return _date_value(node.value)
    raise GraphQLError("Date must be a string")


def _date_out(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _datetime_value(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise GraphQLError(f"DateTime must be ISO-8601, got {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _datetime_literal(node: ValueNode, _variables: Any = None) -> datetime:
    if isinstance(node, StringValueNode):
        return _datetime_value(node.value)
    raise GraphQLError("DateTime must be a string")


def _datetime_out(value: Any) -> str:
    if isinstance(value, datetime):
        utc = value.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return str(value)


def _patch(schema: GraphQLSchema, name: str, out: Any, value: Any, literal: Any) -> None:
    scalar = schema.type_map[name]
    assert isinstance(scalar, GraphQLScalarType)
    # graphql-core 3.2 names, and the 3.3 names that replace them
    scalar.serialize = out  # type: ignore[method-assign]
    scalar.parse_value = value  # type: ignore[method-assign]
    scalar.parse_literal = literal  # type: ignore[method-assign]
    for name_33, function in (("coerce_output_value", out), ("coerce_input_value", value),
                              ("coerce_input_literal", literal)):
        if hasattr(scalar, name_33):
            setattr(scalar, name_33, function)


@lru_cache(maxsize=1)
def wave_schema() -> GraphQLSchema:
    """The schema (built once per process)."""
    introspection = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    schema = build_client_schema(introspection["data"])
    _patch(schema, "Decimal", _decimal_out, _decimal_value, _decimal_literal)
    _patch(schema, "Date", _date_out, _date_value, _date_literal)
    _patch(schema, "DateTime", _datetime_out, _datetime_value, _datetime_literal)
    return schema
