"""Login with Amazon: the refresh-token grant, and an access token cached for its lifetime.

The token is refreshed `lead_time` seconds (120) before it expires, and once more when SP-API refuses it
(`invalidate()`, called by the HTTP layer on a 401/403). No SigV4: the token alone goes in
`x-amz-access-token`. Secrets are held in `LwaCredentials`, whose repr hides them, and never reach a log
line or an exception message.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from sellerledger import tls
from sellerledger.amazon.errors import (
    AmazonApiError,
    AuthBlocked,
    FatalError,
    RetriableError,
    classify_transport,
    describe,
    retry_after_seconds,
)
from sellerledger.amazon.regions import LWA_TOKEN_URL

log = logging.getLogger(__name__)

REFRESH_LEAD_TIME = 120.0
_AUTH_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "unsupported_grant_type"})


@dataclass(frozen=True)
class LwaCredentials:
    """An app's LWA client id and secret plus the seller's refresh token."""

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)

    def redact(self, text: str) -> str:
        """`text` with the secret and the refresh token replaced by `***`."""
        for secret in (self.client_secret, self.refresh_token):
            if secret:
                text = text.replace(secret, "***")
        return text


class LwaTokenProvider:
    """Hands out a valid LWA access token, fetching a new one only when needed (thread-safe)."""

    def __init__(
        self,
        credentials: LwaCredentials,
        *,
        token_url: str = LWA_TOKEN_URL,
        client: httpx.Client | None = None,
        lead_time: float = REFRESH_LEAD_TIME,
        time_scale: float = 1.0,
        max_attempts: int = 4,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._credentials = credentials
        self._token_url = token_url
        self._client = client or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), verify=tls.client_context())
        self._owns_client = client is None
        self._lead = lead_time
        self._scale = time_scale
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.token_requests = 0

    def access_token(self) -> str:
        """A token valid for at least the lead time (refreshing first if not)."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self._lead / self._scale:
                self._refresh()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (SP-API refused it). With `token`, only if it is still the cached one."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None
                self._expires_at = 0.0

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def _refresh(self) -> None:
        creds = self._credentials
        form = {
            "grant_type": "refresh_token",
            "refresh_token": creds.refresh_token,
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        }
        attempt = 0
        while True:
            attempt += 1
            try:
                self.token_requests += 1
                response = self._client.post(
                    self._token_url,
                    data=form,
                    headers={"content-type": "application/x-www-form-urlencoded;charset=UTF-8"},
                )
                self._accept(response)
                return
            except httpx.TransportError as exc:
                error: AmazonApiError = classify_transport("LWA token", exc)
            except RetriableError as exc:
                error = exc
            if not isinstance(error, RetriableError) or attempt >= self._max_attempts:
                raise error
            delay = error.retry_after if error.retry_after is not None else min(30.0, 0.5 * 2**attempt)
            log.warning("LWA token request failed (%s); retrying in %.1fs", error, delay)
            self._sleep(delay)

    def _accept(self, response: httpx.Response) -> None:
        redact = self._credentials.redact
        if response.status_code == 200:
            try:
                body = json.loads(response.content)
                token = str(body["access_token"])
                expires_in = float(body.get("expires_in", 3600))
            except (ValueError, KeyError, TypeError):
                raise FatalError("LWA token: HTTP 200 without an access_token", operation="LWA token") from None
            self._token = token
            self._expires_at = self._clock() + expires_in / self._scale
            log.info("LWA access token refreshed (valid %ss)", int(expires_in))
            return
        message, code = describe("LWA token", response)
        message = redact(message)
        if response.status_code == 429 or response.status_code >= 500:
            raise RetriableError(message, operation="LWA token", status=response.status_code, code=code,
                                 retry_after=retry_after_seconds(response.headers.get("Retry-After")))
        if code in _AUTH_ERRORS or response.status_code in (400, 401, 403):
            raise AuthBlocked(
                f"{message}; the seller must re-authorise the app or the client credentials are wrong",
                operation="LWA token", status=response.status_code, code=code,
            )
        raise FatalError(message, operation="LWA token", status=response.status_code, code=code)
