"""Zoho Books requests for one organization: `Authorization: Zoho-oauthtoken <token>` and
`organization_id` on every call, JSON bodies, `page`/`per_page` paging, and two senders.

Reads, upserts (`PUT /invoices` keyed by a unique custom field), PUTs and status changes can be repeated
safely and go through a retrying `LedgerHttp`; a POST that creates (journal, credit note, contact) goes
out once per attempt and `create_once` looks for a lost commit before the next. Both share the pacing
(100 calls a minute per organization) and the token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from sellerledger.amazon.http import RetryPolicy
from sellerledger.amazon.ratelimit import RateLimiter
from sellerledger.ledgers.http import LedgerHttp
from sellerledger.ledgers.zoho.errors import classify

PER_PAGE = 200


class ZohoApi:
    """The organization `org_id` at the Books API base `books_url` (`.../books/v3`)."""

    def __init__(
        self,
        books_url: str,
        org_id: str,
        *,
        access_token: Callable[[], str],
        refresh: Callable[[], None],
        limiter: RateLimiter | None,
        retry: RetryPolicy,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.org_id = org_id
        self._access_token = access_token
        kwargs: dict[str, Any] = {"auth_headers": self._headers, "refresh": refresh, "classify": classify,
                                  "limiter": limiter, "transport": transport}
        if sleep is not None:
            kwargs["sleep"] = sleep
        self.reads = LedgerHttp("zoho", books_url, retry=retry, **kwargs)
        self.writes = LedgerHttp("zoho", books_url, retry=RetryPolicy(max_attempts=1), **kwargs)

    def _headers(self) -> Mapping[str, str]:
        return {"Authorization": f"Zoho-oauthtoken {self._access_token()}"}

    def close(self) -> None:
        self.reads.close()
        self.writes.close()

    def calls(self) -> dict[str, int]:
        totals = dict(self.reads.calls_per_operation())
        for operation, count in self.writes.calls_per_operation().items():
            totals[operation] = totals.get(operation, 0) + count
        return dict(sorted(totals.items()))

    def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
             headers: Mapping[str, str] | None = None, once: bool = False) -> dict[str, Any]:
        """One request (`once`: not retried by the HTTP layer); the envelope (`code` 0 checked)."""
        http = self.writes if once else self.reads
        query = {"organization_id": self.org_id, **(params or {})}
        return http.json(f"{method} {operation_path(path)}", method, path, params=query, json_body=body,
                         headers=headers)

    def list(self, path: str, key: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every row of a list, page by page while `page_context.has_more_page`."""
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self.call("GET", path, params={**(params or {}), "page": page, "per_page": PER_PAGE})
            rows.extend(answer.get(key) or [])
            if not (answer.get("page_context") or {}).get("has_more_page"):
                return rows
            page += 1


def operation_path(path: str) -> str:
    """`/invoices/4605600000501/status/sent` → `/invoices/{id}/status/sent` (operation names without ids)."""
    return re.sub(r"/\d{6,}", "/{id}", path)
