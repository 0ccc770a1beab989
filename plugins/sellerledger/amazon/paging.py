"""NextToken paging, with loop detection, and the window restart that makes an expired token harmless.

`NextTokenPaginator` knows where an API puts its token and how the follow-up call sends it:
- Orders v0 and Finances v0: `payload.NextToken` → `NextToken`, with the same other parameters;
- Orders 2026-01-01: `pagination.nextToken` → `paginationToken`, with the same other parameters;
- Reports getReports: `nextToken` → `nextToken` sent **alone** (any other parameter is an error).
A token already seen in this walk raises `PagingLoopError` instead of looping forever, and so does a
page whose items repeat the previous page's exactly (an API that hands back a fresh token for the page
it just served): Finances events carry no id, so a repeated page would otherwise count twice.

`restart_window(run)` re-runs a whole window from its first page when its token expired or looped.
That is safe because every page is staged with an upsert on natural keys: re-reading converges.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sellerledger.amazon.errors import NextTokenExpired, PagingLoopError

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class NextTokenPaginator:
    """Where the token is in a response (`token_path`) and which query parameter carries it back."""

    token_path: Sequence[str]
    token_param: str
    token_alone: bool = False
    max_pages: int = 100_000

    def next_token(self, page: Any) -> str | None:
        node = page
        for key in self.token_path:
            if not isinstance(node, Mapping):
                return None
            node = node.get(key)
        return str(node) if node else None

    def fingerprint(self, page: Any) -> str | None:
        """Digest of the page without its token, or None for a page without any item."""
        if not _has_items(page):
            return None
        body = _without(page, tuple(self.token_path))
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()

    def pages(self, fetch: Callable[[dict[str, Any]], Any], params: Mapping[str, Any]) -> Iterator[Any]:
        """Yield every page of the query `params`; `fetch(params)` performs one call."""
        seen: set[str] = set()
        token: str | None = None
        previous: str | None = None
        for _ in range(self.max_pages):
            if token is None:
                call = dict(params)
            elif self.token_alone:
                call = {self.token_param: token}
            else:
                call = {**params, self.token_param: token}
            page = fetch(call)
            current = self.fingerprint(page)
            if current is not None and current == previous:
                raise PagingLoopError(f"page {len(seen) + 1} repeats the previous page ({self.token_param}); "
                                      "stopping instead of counting it twice")
            previous = current
            yield page
            following = self.next_token(page)
            if following is None:
                return
            if following in seen:
                raise PagingLoopError(
                    f"paging token repeated after {len(seen) + 1} pages ({self.token_param}); stopping instead "
                    "of looping"
                )
            seen.add(following)
            token = following
        raise PagingLoopError(f"more than {self.max_pages} pages; stopping")


def _has_items(node: Any) -> bool:
    if isinstance(node, list):
        return bool(node)
    if isinstance(node, Mapping):
        return any(_has_items(value) for value in node.values())
    return False


def _without(node: Any, path: tuple[str, ...]) -> Any:
    if not path or not isinstance(node, Mapping):
        return node
    head, rest = path[0], path[1:]
    if not rest:
        return {k: v for k, v in node.items() if k != head}
    return {k: (_without(v, rest) if k == head else v) for k, v in node.items()}


PAYLOAD_NEXT_TOKEN = NextTokenPaginator(("payload", "NextToken"), "NextToken")
ORDERS_2026_TOKEN = NextTokenPaginator(("pagination", "nextToken"), "paginationToken")
REPORTS_TOKEN = NextTokenPaginator(("nextToken",), "nextToken", token_alone=True)


def restart_window(run: Callable[[], T], *, what: str, max_restarts: int = 3) -> T:
    """Call `run()`; when its paging token expires or loops, call it again from the start (bounded)."""
    attempt = 0
    while True:
        try:
            return run()
        except (NextTokenExpired, PagingLoopError) as exc:
            attempt += 1
            if attempt > max_restarts:
                raise
            log.warning("%s: %s; restarting the window from its first page (%d/%d)", what, exc, attempt,
                        max_restarts)
