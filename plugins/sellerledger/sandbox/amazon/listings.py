"""Listings Items 2021-08-01: getListingsItem and patchListingsItem for the generated catalogue.

PATCH `/listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=...` with
`{"productType": "...", "patches": [{"op": "replace", "path": "/attributes/purchasable_offer", "value":
[{"marketplace_id": "...", "currency": "USD", "our_price": [{"schedule": [{"value_with_tax": 19.99}]}]}]}]}`
sets the price; `/attributes/fulfillment_availability` with `[{"fulfillment_channel_code": "DEFAULT",
"quantity": 12}]` sets a merchant-fulfilled quantity. A rejected change answers 200 with status INVALID
and `issues` (severity ERROR) and is not applied: a price that is not positive, in another currency, or
outside 0.1× to 10× of the current price (a potential pricing error), a negative or non-integer quantity,
or a quantity for an FBA listing (Amazon manages those). `mode=VALIDATION_PREVIEW` validates without
applying (status VALID). Accepted changes are kept in the stand-in's state (and its saved state).
Errors of the request itself use the bare `{"errors": [...]}` list.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sellerledger.sandbox.amazon.common import Auth, BadRequest, Http, csv_list, json_response
from sellerledger.sandbox.amazon.model import Sku
from sellerledger.sandbox.amazon.timefmt import iso_z

GET_DATA = {"summaries", "attributes", "issues", "offers", "fulfillmentAvailability", "procurement", "relationships",
            "productTypes"}
PATCH_DATA = {"identifiers", "issues"}
OPS = {"add", "replace", "merge", "delete"}


def _issue(code: str, message: str, attribute: str, category: str, marketplace_id: str) -> dict[str, Any]:
    return {"code": code, "message": message, "severity": "ERROR", "attributeNames": [attribute],
            "categories": [category], "marketplaceIds": [marketplace_id]}


def routes(http: Http, region: str | None) -> list[Route]:
    state = http.state

    def resolve(request: Request, auth: Auth, allowed_data: set[str], default_data: list[str]) -> tuple[Sku, str, set[str]]:
        if request.path_params["sellerId"] != state.seller_id:
            raise BadRequest("Access to requested resource is denied.", code="Unauthorized", status=403)
        mp_ids = csv_list(request, "marketplaceIds")
        if len(mp_ids) != 1:
            raise BadRequest("marketplaceIds must name exactly one marketplace.")
        http.marketplaces(auth, mp_ids)
        mp = state.seller.marketplace(mp_ids[0])
        assert mp is not None
        data = set(csv_list(request, "includedData") or default_data)
        if not data <= allowed_data:
            raise BadRequest(f"Invalid includedData value(s): {sorted(data - allowed_data)}.")
        sku = state.seller.sku(request.path_params["sku"])
        if sku is None or mp.code not in sku.prices:
            raise BadRequest(f"Requested item '{request.path_params['sku']}' not found in marketplace {mp.id}.",
                             code="NOT_FOUND", status=404)
        return sku, mp.code, data

    def current(sku: Sku, code: str) -> tuple[Decimal, int]:
        patched = state.listings.get((sku.sku, code), {})
        return patched.get("price", sku.prices[code]), patched.get("quantity", sku.stock[code])

    async def get_item(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        sku, code, data = resolve(request, auth, GET_DATA, ["summaries"])
        mp = state.seller.marketplace(code)
        assert mp is not None
        price, quantity = current(sku, code)
        channel = "DEFAULT" if sku.channel == "MFN" else f"AMAZON_{mp.region}"
        horizon = state.seller.horizon
        updated = state.listings.get((sku.sku, code), {}).get("updated", iso_z(horizon - timedelta(days=10)))
        body: dict[str, Any] = {"sku": sku.sku}
        if "summaries" in data:
            summary: dict[str, Any] = {
                "marketplaceId": mp.id, "asin": sku.asin, "productType": sku.product_type, "conditionType": "new_new",
                "status": ["BUYABLE", "DISCOVERABLE"], "itemName": sku.title,
                "createdDate": iso_z(horizon - timedelta(days=400)), "lastUpdatedDate": updated,
                "mainImage": {"link": f"https://m.media-amazon.com/images/I/{sku.asin}.jpg", "height": 500, "width": 500},
            }
            if sku.channel == "AFN":
                summary["fnSku"] = sku.fnsku
            body["summaries"] = [summary]
        if "attributes" in data:
            body["attributes"] = {
                "item_name": [{"value": sku.title, "language_tag": mp.language, "marketplace_id": mp.id}],
                "purchasable_offer": [{"marketplace_id": mp.id, "currency": mp.currency,
                                       "our_price": [{"schedule": [{"value_with_tax": price}]}]}],
                "fulfillment_availability": [{"fulfillment_channel_code": channel, "quantity": quantity}],
            }
        if "issues" in data:
            body["issues"] = []
        if "offers" in data:
            body["offers"] = [{"marketplaceId": mp.id, "offerType": "B2C",
                               "price": {"currencyCode": mp.currency, "amount": format(price, "f")},
                               "audience": {"value": "ALL", "displayName": "Sell on Amazon"}}]
        if "fulfillmentAvailability" in data:
            body["fulfillmentAvailability"] = [{"fulfillmentChannelCode": channel, "quantity": quantity}]
        return json_response(body)

    async def patch_item(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        sku, code, data = resolve(request, auth, PATCH_DATA, ["issues"])
        mp = state.seller.marketplace(code)
        assert mp is not None
        try:
            body = json.loads(await request.body() or b"null", parse_float=Decimal)
        except ValueError:
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(body, dict) or not isinstance(body.get("productType"), str):
            raise BadRequest("productType is required.")
        patches = body.get("patches")
        if not isinstance(patches, list) or not patches:
            raise BadRequest("patches must be a non-empty list.")
        price, _ = current(sku, code)
        issues: list[dict[str, Any]] = []
        changes: dict[str, Any] = {}
        for patch in patches:
            if not isinstance(patch, dict) or patch.get("op") not in OPS or not isinstance(patch.get("path"), str):
                raise BadRequest("Each patch needs op (add, replace, merge, delete) and path.")
            path = patch["path"]
            if not path.startswith("/attributes/") or path.count("/") != 2:
                raise BadRequest(f"Invalid patch path '{path}': only top-level attributes can be patched.")
            attribute = path.split("/")[2]
            value = patch.get("value")
            if patch["op"] != "delete" and not isinstance(value, list):
                raise BadRequest(f"The value of patch '{path}' must be a list.")
            if attribute == "purchasable_offer" and patch["op"] != "delete":
                issues += _price_issues(value, mp.id, mp.currency, price, changes)
            elif attribute == "fulfillment_availability" and patch["op"] != "delete":
                issues += _quantity_issues(value, mp.id, sku.channel, changes)
        status = "INVALID" if issues else ("VALID" if request.query_params.get("mode") == "VALIDATION_PREVIEW"
                                            else "ACCEPTED")
        if status == "ACCEPTED" and changes:
            entry = state.listings.setdefault((sku.sku, code), {})
            entry.update(changes)
            entry["updated"] = iso_z(state.now())
        response: dict[str, Any] = {"sku": sku.sku, "status": status, "submissionId": uuid.uuid4().hex}
        if "issues" in data:
            response["issues"] = issues
        if "identifiers" in data:
            response["identifiers"] = [{"marketplaceId": mp.id, "asin": sku.asin}]
        return json_response(response)

    ep = http.endpoint
    path = "/listings/2021-08-01/items/{sellerId}/{sku}"
    return [
        Route(path, ep("getListingsItem", get_item, region=region), methods=["GET"]),
        Route(path, ep("patchListingsItem", patch_item, region=region), methods=["PATCH"]),
    ]


def _price_issues(value: list[Any], mp_id: str, currency: str, current: Decimal, changes: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    entry = next((v for v in value if isinstance(v, dict) and v.get("marketplace_id", mp_id) == mp_id), None)
    try:
        amount = Decimal(str(entry["our_price"][0]["schedule"][0]["value_with_tax"]))  # type: ignore[index]
    except (TypeError, KeyError, IndexError, InvalidOperation):
        return [_issue("90000900", "The attribute 'purchasable_offer' is invalid: our_price[0].schedule[0]."
                       "value_with_tax is required.", "purchasable_offer", "INVALID_ATTRIBUTE", mp_id)]
    if entry.get("currency", currency) != currency:
        return [_issue("90000900", f"The currency '{entry.get('currency')}' does not match the marketplace currency "
                       f"'{currency}'.", "purchasable_offer", "INVALID_ATTRIBUTE", mp_id)]
    if amount <= 0:
        return [_issue("8541", "The price must be greater than 0.", "purchasable_offer", "INVALID_PRICE", mp_id)]
    if amount > current * 10 or amount < current / 10:
        return [_issue("90244", f"The price {amount} {currency} is outside the allowed range of the current price "
                       f"{current} {currency} (potential pricing error).", "purchasable_offer", "INVALID_PRICE", mp_id)]
    changes["price"] = amount
    return []


def _quantity_issues(value: list[Any], mp_id: str, channel: str, changes: dict[str, Any]) -> list[dict[str, Any]]:
    entry = next((v for v in value if isinstance(v, dict)), None)
    quantity = entry.get("quantity") if entry else None
    if channel == "AFN":
        return [_issue("90000900", "The quantity of a listing fulfilled by Amazon is managed by Amazon.",
                       "fulfillment_availability", "INVALID_ATTRIBUTE", mp_id)]
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        return [_issue("90000900", "fulfillment_availability quantity must be a whole number of 0 or more.",
                       "fulfillment_availability", "INVALID_ATTRIBUTE", mp_id)]
    changes["quantity"] = quantity
    return []
