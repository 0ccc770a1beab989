"""Finances API v0: financial event groups and financial events of the generated seller.

listFinancialEventGroups (MaxResultsPerPage 1-100, default 10; FinancialEventGroupStartedAfter/Before),
listFinancialEvents (PostedAfter/PostedBefore; MaxResultsPerPage default 100), listFinancialEventsByGroupId,
listFinancialEventsByOrderId. Rules as documented: dates more than two minutes before now, *Before after
*After (PostedBefore needs PostedAfter, defaults to now minus two minutes), a window over 180 days
answers an **empty** result (not an error), groups older than two years are not returned. Paging:
`payload.NextToken`, the follow-up call repeats the same arguments (else 400), and one empty page that
still carries a NextToken follows the first page whenever there is more than one page.

Events appear only from their `visible_at` (up to 48 h after posting; deferred orders only after
release). Without PostedAfter, listFinancialEvents covers the 180 days before PostedBefore.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sellerledger.sandbox.amazon.common import Auth, BadRequest, Http, date_param, int_param, json_response
from sellerledger.sandbox.amazon.events import financial_events, group_json
from sellerledger.sandbox.amazon.model import Posting

TWO_MINUTES = timedelta(minutes=2)
WINDOW = timedelta(days=180)
TWO_YEARS = timedelta(days=730)
BAD_TOKEN = "Token is not valid, token duration is 25 minutes."
ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")


def posted_window(request: Request, now: datetime, after_name: str, before_name: str, *,
                  default_span: timedelta | None) -> tuple[datetime | None, datetime, bool]:
    """(after, before, empty) of a Finances date filter; `empty` when the span exceeds 180 days."""
    after, before = date_param(request, after_name), date_param(request, before_name)
    latest = now - TWO_MINUTES
    if after is not None and after > latest:
        raise BadRequest("Date range is invalid.", details=f"{after_name} must be more than two minutes before now.")
    if before is not None:
        if after is None:
            raise BadRequest("Date range is invalid.", details=f"{before_name} requires {after_name}.")
        if before > latest:
            raise BadRequest("Date range is invalid.", details=f"{before_name} must be more than two minutes before now.")
        if before <= after:
            raise BadRequest("Date range is invalid.", details=f"{before_name} must be later than {after_name}.")
    else:
        before = latest
    if after is None and default_span is not None:
        after = before - default_span
    empty = after is not None and before - after > WINDOW
    return after, before, empty


def routes(http: Http, region: str | None) -> list[Route]:
    state = http.state
    index: dict[str, Any] = {}

    def postings_by_id() -> dict[str, Posting]:
        if "postings" not in index:
            index["postings"] = {p.posting_id: p for p in state.seller.postings}
        return index["postings"]

    def postings_by_order() -> dict[str, list[Posting]]:
        if "orders" not in index:
            found: dict[str, list[Posting]] = {}
            for p in state.seller.postings:
                order_id = p.order.amazon_order_id if p.order is not None else (p.charge.order_id if p.charge else "")
                if order_id:
                    found.setdefault(order_id, []).append(p)
            index["orders"] = found
        return index["orders"]

    def signature(request: Request, *names: str) -> dict[str, Any]:
        return {name: request.query_params.get(name) for name in (*names, "MaxResultsPerPage")}

    def events_page(request: Request, op: str, sig: dict[str, Any], size: int,
                    select: Any) -> Response:
        def compute(now: datetime) -> tuple[dict[str, Any], list[str]]:
            chosen = sorted(select(now), key=lambda p: (p.posted_at, p.posting_id))
            return sig, [p.posting_id for p in chosen]

        page_ids, next_token, _ = http.page(op, request.query_params.get("NextToken"), size, compute,
                                            invalid_message=BAD_TOKEN, same_params=lambda pt: pt.params == sig,
                                            empty_pages=True)
        table = postings_by_id()
        payload: dict[str, Any] = {}
        if next_token:
            payload["NextToken"] = next_token
        payload["FinancialEvents"] = financial_events([table[i] for i in page_ids])
        return json_response({"payload": payload})

    def region_codes(auth: Auth) -> set[str]:
        return {mp.code for mp in state.marketplaces_in(auth.region)}

    async def list_groups(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        size = int_param(request, "MaxResultsPerPage", 10, 1, 100)
        sig = signature(request, "FinancialEventGroupStartedAfter", "FinancialEventGroupStartedBefore")
        codes = region_codes(auth)

        def compute(now: datetime) -> tuple[dict[str, Any], list[str]]:
            after, before, empty = posted_window(request, now, "FinancialEventGroupStartedAfter",
                                                 "FinancialEventGroupStartedBefore", default_span=None)
            if empty:
                return sig, []
            ids = [g.group_id for g in state.seller.event_groups
                   if g.marketplace.code in codes and g.start <= now and g.start >= now - TWO_YEARS
                   and (after is None or g.start >= after) and g.start < before]
            return sig, ids

        page_ids, next_token, pt = http.page("listFinancialEventGroups", request.query_params.get("NextToken"),
                                             size, compute, invalid_message=BAD_TOKEN,
                                             same_params=lambda p: p.params == sig, empty_pages=True)
        seller = state.seller
        payload: dict[str, Any] = {}
        if next_token:
            payload["NextToken"] = next_token
        payload["FinancialEventGroupList"] = [group_json(seller.event_group(i), pt.snapshot)  # type: ignore[arg-type]
                                              for i in page_ids]
        return json_response({"payload": payload})

    async def list_events(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        size = int_param(request, "MaxResultsPerPage", 100, 1, 100)
        codes = region_codes(auth)

        def select(now: datetime) -> list[Posting]:
            after, before, empty = posted_window(request, now, "PostedAfter", "PostedBefore", default_span=WINDOW)
            if empty:
                return []
            return [p for p in state.seller.postings if p.marketplace.code in codes and p.visible_at <= now
                    and after <= p.posted_at < before]  # type: ignore[operator]

        return events_page(request, "listFinancialEvents", signature(request, "PostedAfter", "PostedBefore"),
                           size, select)

    async def events_by_group(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        size = int_param(request, "MaxResultsPerPage", 100, 1, 100)
        group = state.seller.event_group(request.path_params["eventGroupId"])
        if group is None or group.marketplace.code not in region_codes(auth):
            raise BadRequest("Bad event group ID provided.")

        def select(now: datetime) -> list[Posting]:
            after, before, empty = posted_window(request, now, "PostedAfter", "PostedBefore", default_span=None)
            if empty or group.start < now - TWO_YEARS:
                return []
            return [p for p in group.postings if p.visible_at <= now
                    and (after is None or p.posted_at >= after) and p.posted_at < before]

        sig = {**signature(request, "PostedAfter", "PostedBefore"), "group": group.group_id}
        return events_page(request, "listFinancialEventsByGroupId", sig, size, select)

    async def events_by_order(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        size = int_param(request, "MaxResultsPerPage", 100, 1, 100)
        order_id = request.path_params["orderId"]
        if not ORDER_ID.match(order_id):
            raise BadRequest("Bad order ID provided.")
        codes = region_codes(auth)

        def select(now: datetime) -> list[Posting]:
            return [p for p in postings_by_order().get(order_id, [])
                    if p.marketplace.code in codes and p.visible_at <= now]

        sig = {**signature(request), "order": order_id}
        return events_page(request, "listFinancialEventsByOrderId", sig, size, select)

    ep = http.endpoint
    return [
        Route("/finances/v0/financialEventGroups", ep("listFinancialEventGroups", list_groups, region=region)),
        Route("/finances/v0/financialEventGroups/{eventGroupId}/financialEvents",
              ep("listFinancialEventsByGroupId", events_by_group, region=region)),
        Route("/finances/v0/orders/{orderId}/financialEvents",
              ep("listFinancialEventsByOrderId", events_by_order, region=region)),
        Route("/finances/v0/financialEvents", ep("listFinancialEvents", list_events, region=region)),
    ]
