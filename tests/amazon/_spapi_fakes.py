"""An in-process SP-API + LWA double for unit tests (httpx.MockTransport): routes, token checks, recording.

Integration tests use the real sandbox over HTTP; these fakes only pin down client behaviour that the
sandbox cannot easily force (exact retry sequences, header handling, error shapes).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any

import httpx

from sellerledger.amazon.client import ClientConfig, SellingPartnerClient
from sellerledger.amazon.http import RetryPolicy

SECRET = "very-secret-client-secret-123"
REFRESH = "Atzr|refresh-token-that-must-not-leak"
Handler = Callable[[httpx.Request], httpx.Response]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"content-type": "application/json", "x-amzn-RequestId": "req-1",
                                   **(headers or {})})


def throttled() -> httpx.Response:
    return json_response(429, {"errors": [{"code": "QuotaExceeded",
                                           "message": "You exceeded your quota for the requested resource.",
                                           "details": ""}]})


class FakeSpApi:
    """Routes by (method, path regex); LWA at /auth/o2/token; every request recorded."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[httpx.Request] = []
        self.token_requests = 0
        self.valid_tokens: set[str] = set()
        self._ids = itertools.count(1)
        self.lwa_handler: Handler | None = None

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.insert(0, (method, re.compile(pattern + r"$"), handler))

    def issue_token(self) -> str:
        token = f"Atza|token-{next(self._ids)}"
        self.valid_tokens.add(token)
        return token

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/auth/o2/token":
            self.token_requests += 1
            if self.lwa_handler is not None:
                return self.lwa_handler(request)
            return json_response(200, {"access_token": self.issue_token(), "token_type": "bearer",
                                       "expires_in": 3600, "refresh_token": REFRESH})
        if request.url.host == "sp.test" and request.headers.get("x-amz-access-token") not in self.valid_tokens:
            return json_response(403, {"errors": [{"code": "Unauthorized",
                                                   "message": "Access to requested resource is denied.",
                                                   "details": "The access token you provided is revoked, "
                                                              "malformed or invalid."}]})
        for method, pattern, handler in self.routes:
            if method == request.method and pattern.match(request.url.path):
                return handler(request)
        return json_response(404, {"errors": [{"code": "NotFound", "message": "no route"}]})

    def api_requests(self, path_part: str = "") -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/auth/o2/token" and path_part in r.url.path]


class Sleeps(list[float]):
    """A `sleep` that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_client(fake: FakeSpApi, sleeps: Sleeps | None = None, **overrides: Any) -> SellingPartnerClient:
    clock = overrides.pop("clock", None)
    config = ClientConfig(
        client_id="amzn1.application-oa2-client.test", client_secret=SECRET, refresh_token=REFRESH,
        region=overrides.pop("region", "NA"), base_url="https://sp.test",
        lwa_token_url="https://lwa.test/auth/o2/token",
        retry=overrides.pop("retry", RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05)),
        **overrides,
    )
    return SellingPartnerClient(config, transport=httpx.MockTransport(fake), clock=clock,
                                sleep=sleeps if sleeps is not None else Sleeps())
