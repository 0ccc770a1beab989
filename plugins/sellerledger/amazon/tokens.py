"""Tokens API 2021-03-01: createRestrictedDataToken, and the restricted reads that need one.

A Restricted Data Token (RDT) replaces the access token for the restricted Orders v0 operations it was
issued for; its `dataElements` decide which buyer PII comes back. `restricted_order` fetches one order
with buyer info and shipping address. The token and the PII it unlocks are never logged: callers get
them back in memory only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sellerledger.amazon.errors import FatalError
from sellerledger.amazon.http import SpApiHttp

PATH = "/tokens/2021-03-01/restrictedDataToken"
ORDER_PATH = "/orders/v0/orders/{orderId}"


@dataclass
class RestrictedToken:
    token: str
    expires_at: float  # monotonic seconds

    def __repr__(self) -> str:  # never show the token
        return "RestrictedToken(<hidden>)"


class TokensApi:
    def __init__(self, http: SpApiHttp, *, time_scale: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.http = http
        self._scale = time_scale
        self._clock = clock

    def create(self, resources: Sequence[dict[str, Any]]) -> RestrictedToken:
        answer = self.http.request("createRestrictedDataToken", "POST", PATH,
                                   json_body={"restrictedResources": list(resources)})
        token = answer.get("restrictedDataToken") if isinstance(answer, dict) else None
        if not token:
            raise FatalError("createRestrictedDataToken: answer without a token", operation="createRestrictedDataToken")
        lifetime = float(answer.get("expiresIn") or 3600) / self._scale
        return RestrictedToken(str(token), self._clock() + lifetime * 0.9)

    def order_pii_token(self) -> RestrictedToken:
        """An RDT for getOrder with buyerInfo and shippingAddress, for any order id."""
        return self.create([{"method": "GET", "path": ORDER_PATH, "dataElements": ["buyerInfo", "shippingAddress"]}])

    def restricted_order(self, rdt: RestrictedToken, order_id: str) -> dict[str, Any]:
        """getOrder (v0) with the RDT: the order with BuyerInfo and the full ShippingAddress."""
        answer = self.http.request("getOrder", "GET", ORDER_PATH.format(orderId=order_id), access_token=rdt.token)
        payload = answer.get("payload") if isinstance(answer, dict) else None
        if not isinstance(payload, dict):
            raise FatalError(f"getOrder {order_id}: answer without a payload", operation="getOrder")
        return payload

    def fresh(self, rdt: RestrictedToken | None) -> bool:
        return rdt is not None and self._clock() < rdt.expires_at
