"""Wave requests: one GraphQL endpoint, a bearer token, reads that retry and mutations sent once.

Everything is `POST /graphql/public` with `{"query", "variables"}`. Reads (and idempotent look-ups) go
through a retrying `LedgerHttp`; mutations through a non-retrying one, because a 5xx or a lost answer may
hide a commit: the client decides what to resend after looking (see `client`). Both share the token and
the pacing. Decimals travel as strings (Wave's `Decimal` scalar is a string on the wire).

Mutations can be batched: several aliased root fields (`m0: invoiceCreate(...) m1: moneyTransactionCreate(...)`)
in one document, executed in order by the GraphQL server, each answering on its own (`MutationOutcome`).
Pacing counts every mutation field, not just the request, in case Wave's `@rateLimit` (60 per 60 s) is
applied per field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from sellerledger.amazon.http import RetryPolicy
from sellerledger.amazon.ratelimit import RateLimiter
from sellerledger.ledgers.errors import LedgerError
from sellerledger.ledgers.http import LedgerHttp
from sellerledger.ledgers.wave.errors import alias_error, classify, graphql_error

BUCKET = "calls"


def wire(value: Any) -> Any:
    """Variables for the wire: Decimals as plain strings, recursively."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return {str(k): wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    return value


@dataclass(frozen=True)
class Mutation:
    """One root mutation field: `field(input: $i)` with its output `selection`."""

    field: str
    input_type: str
    input: Mapping[str, Any]
    selection: str


@dataclass(frozen=True)
class MutationOutcome:
    """The answer of one aliased mutation: its output object, or the GraphQL error that replaced it."""

    output: dict[str, Any] | None
    error: LedgerError | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None and bool(self.output and self.output.get("didSucceed"))

    @property
    def input_errors(self) -> list[dict[str, Any]]:
        return list((self.output or {}).get("inputErrors") or [])


class WaveApi:
    """The GraphQL endpoint at `graphql_url` for one business."""

    def __init__(
        self,
        graphql_url: str,
        *,
        auth_headers: Callable[[], Mapping[str, str]],
        refresh: Callable[[], None],
        limiter: RateLimiter | None,
        retry: RetryPolicy,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        base, _, self._path = graphql_url.rstrip("/").rpartition("/")
        kwargs: dict[str, Any] = {"auth_headers": auth_headers, "refresh": refresh, "classify": classify,
                                  "limiter": limiter, "limit_key": BUCKET, "transport": transport}
        if sleep is not None:
            kwargs["sleep"] = sleep
        self.limiter = limiter
        self.reads = LedgerHttp("wave", base, retry=retry, **kwargs)
        self.writes = LedgerHttp("wave", base, retry=RetryPolicy(max_attempts=1), **kwargs)

    def close(self) -> None:
        self.reads.close()
        self.writes.close()

    def calls(self) -> dict[str, int]:
        totals = dict(self.reads.calls_per_operation())
        for operation, count in self.writes.calls_per_operation().items():
            totals[operation] = totals.get(operation, 0) + count
        return dict(sorted(totals.items()))

    def requests(self) -> int:
        return self.reads.count() + self.writes.count()

    def query(self, operation: str, document: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """`data` of a read; any GraphQL error in the answer raises (reads are never partial for us)."""
        body = self.reads.json(operation, "POST", self._path,
                               json_body={"query": document, "variables": wire(dict(variables or {}))})
        errors = body.get("errors") or []
        if errors:
            raise graphql_error(operation, errors[0])
        return dict(body.get("data") or {})

    def mutate(self, mutations: Sequence[Mutation]) -> list[MutationOutcome]:
        """Send `mutations` as one document (sent once: a failure of the whole request raises)."""
        if not mutations:
            return []
        operation = mutations[0].field if len({m.field for m in mutations}) == 1 else "mutations"
        params = ", ".join(f"$i{n}: {m.input_type}!" for n, m in enumerate(mutations))
        fields = " ".join(f"m{n}: {m.field}(input: $i{n}) {{ didSucceed inputErrors {{ path message code }} "
                          f"{m.selection} }}" for n, m in enumerate(mutations))
        variables = {f"i{n}": wire(dict(m.input)) for n, m in enumerate(mutations)}
        if self.limiter is not None:
            for _ in range(len(mutations) - 1):  # the request itself takes one more in `LedgerHttp`
                self.limiter.acquire(BUCKET)
        body = self.writes.json(operation, "POST", self._path,
                                json_body={"query": f"mutation Post({params}) {{ {fields} }}", "variables": variables})
        data = body.get("data") or {}
        errors = body.get("errors") or []
        outcomes = []
        for n, mutation in enumerate(mutations):
            alias = f"m{n}"
            output = data.get(alias)
            error = alias_error(mutation.field, alias, errors) if output is None else None
            if output is None and error is None:
                error = graphql_error(mutation.field, {"message": "no answer for this mutation",
                                                       "extensions": {"code": "INTERNAL_SERVER_ERROR"}})
            outcomes.append(MutationOutcome(output, error))
        return outcomes
