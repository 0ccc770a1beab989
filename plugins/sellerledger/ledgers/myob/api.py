"""MYOB requests for one company file: the three-part auth on every call, OData paging, and two senders.

Every call carries `Authorization: Bearer <20-minute access token>`, `x-myobapi-key` (the API key),
`x-myobapi-version: v2` and, when the file has a company-file user, `x-myobapi-cftoken`
(base64 `user:password`). The company file URI is the base of every path.

Reads and PUTs (which carry a RowVersion, so a repeat cannot apply twice) go through a retrying
`LedgerHttp`; POSTs go out once per attempt through a non-retrying one, because MYOB has no idempotency
key: `create_once` searches for a lost commit before the next attempt. Both share the pacing (8 calls a
second per API key) and the token.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from sellerledger.amazon.http import RetryPolicy
from sellerledger.amazon.ratelimit import RateLimiter
from sellerledger.ledgers.http import LedgerHttp
from sellerledger.ledgers.myob.errors import classify

MAX_TOP = 1000


def odata_text(value: str) -> str:
    """A string literal for `$filter` (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def cftoken(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


class MyobApi:
    """The company file at `base_url` (`.../accountright/<cf uid>`)."""

    def __init__(
        self,
        base_url: str,
        *,
        access_token: Callable[[], str],
        refresh: Callable[[], None],
        api_key: str,
        company_file_token: str | None,
        limiter: RateLimiter | None,
        retry: RetryPolicy,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._access_token = access_token
        self._api_key = api_key
        self._cftoken = company_file_token
        kwargs: dict[str, Any] = {"auth_headers": self._headers, "refresh": refresh, "classify": classify,
                                  "limiter": limiter, "transport": transport}
        if sleep is not None:
            kwargs["sleep"] = sleep
        self.reads = LedgerHttp("myob", base_url, retry=retry, **kwargs)
        self.writes = LedgerHttp("myob", base_url, retry=RetryPolicy(max_attempts=1), **kwargs)

    def _headers(self) -> Mapping[str, str]:
        headers = {"Authorization": f"Bearer {self._access_token()}", "x-myobapi-key": self._api_key,
                   "x-myobapi-version": "v2", "Accept-Encoding": "gzip"}
        if self._cftoken:
            headers["x-myobapi-cftoken"] = self._cftoken
        return headers

    def close(self) -> None:
        self.reads.close()
        self.writes.close()

    def calls(self) -> dict[str, int]:
        totals = dict(self.reads.calls_per_operation())
        for operation, count in self.writes.calls_per_operation().items():
            totals[operation] = totals.get(operation, 0) + count
        return dict(sorted(totals.items()))

    # reads ------------------------------------------------------------------------------------------
    def get(self, path: str) -> dict[str, Any]:
        return self.reads.json(f"GET {_resource(path)}", "GET", path)

    def list(self, resource: str, *, filter: str | None = None, top: int = MAX_TOP) -> list[dict[str, Any]]:
        """Every row of a collection (OData `$top`/`$skip` pages until `NextPageLink` is empty)."""
        rows: list[dict[str, Any]] = []
        skip = 0
        while True:
            params: dict[str, Any] = {"$top": str(top), "$skip": str(skip)}
            if filter:
                params["$filter"] = filter
            page = self.reads.json(f"GET {resource}", "GET", resource, params=params)
            items = page.get("Items") or []
            rows.extend(items)
            if not page.get("NextPageLink") or not items:
                return rows
            skip += top

    def first(self, resource: str, filter: str) -> list[dict[str, Any]]:
        """The rows matching `filter` (at most two: more than one is a duplicate to report)."""
        page = self.reads.json(f"GET {resource}", "GET", resource, params={"$filter": filter, "$top": "2"})
        return list(page.get("Items") or [])

    # writes -----------------------------------------------------------------------------------------
    def post_once(self, resource: str, body: dict[str, Any]) -> dict[str, Any]:
        """One POST, no retry (see the module docstring); the created entity (`returnBody=true`)."""
        return self.writes.json(f"POST {resource}", "POST", resource, params={"returnBody": "true"},
                                json_body=body)

    def put(self, resource: str, uid: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.reads.json(f"PUT {resource}", "PUT", f"{resource}/{uid}", params={"returnBody": "true"},
                               json_body=body)


def _resource(path: str) -> str:
    """`Sale/Invoice/Item/<uid>` → `Sale/Invoice/Item` (operation names without ids)."""
    parts = path.split("/")
    if len(parts) > 1 and len(parts[-1]) == 36 and parts[-1].count("-") == 4:
        parts = parts[:-1]
    return "/".join(parts)
