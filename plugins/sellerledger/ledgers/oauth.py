"""OAuth 2 access tokens for a ledger connection: refreshed before expiry, rotations saved at once.

The refresh happens under the token store's row lock, and the new token set (including a rotated refresh
token) is committed before the lock is released, so two tasks never spend the same refresh token. A
refused refresh (`invalid_grant`, 400/401) is `AuthBlocked`: the connection must be re-authorised.

The connection's own refresh token seeds the store. When the user re-authorises (puts a new refresh token
in the connection), its fingerprint changes and the store is re-seeded from it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from sellerledger import tls
from sellerledger.ledgers.errors import AuthBlocked, RetriableError
from sellerledger.staging.token_store import TokenStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OAuthApp:
    """Where and how to refresh: `auth_style` 'basic' (client id/secret as HTTP Basic) or 'body'."""

    ledger: str
    token_url: str
    client_id: str
    client_secret: str
    auth_style: str = "basic"
    lead_time: float = 120.0

    def __repr__(self) -> str:  # never print the secret
        return f"OAuthApp(ledger={self.ledger!r}, token_url={self.token_url!r}, client_id={self.client_id!r})"


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class OAuthTokens:
    """Access tokens of one connection (`key`, e.g. `xero:xero_default`)."""

    def __init__(
        self,
        app: OAuthApp,
        store: TokenStore,
        key: str,
        seed_refresh_token: str,
        *,
        http: httpx.Client | None = None,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.store = store
        self.key = key
        self._seed = seed_refresh_token
        self._http = http or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), verify=tls.client_context())
        self._scale = time_scale
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: dict[str, object] | None = None
        self.refreshes = 0

    def _valid(self, data: dict[str, object] | None) -> bool:
        if not data or data.get("seed") != fingerprint(self._seed) or not data.get("access_token"):
            return False
        return float(data.get("expires_at", 0)) - self.app.lead_time / self._scale > self._clock()

    def access_token(self) -> str:
        with self._lock:
            if self._valid(self._cached):
                return str(self._cached["access_token"])  # type: ignore[index]
            stored = self.store.read(self.key)
            if self._valid(stored):
                self._cached = stored
                return str(stored["access_token"])  # type: ignore[index]
            with self.store.lease(self.key) as lease:
                if self._valid(lease.data):  # another task refreshed while we waited for the lock
                    self._cached = lease.data
                    return str(lease.data["access_token"])  # type: ignore[index]
                current = lease.data if lease.data and lease.data.get("seed") == fingerprint(self._seed) else None
                refresh_token = str(current["refresh_token"]) if current else self._seed
                new = self._refresh(refresh_token)
                lease.save(new)
                self._cached = new
                return str(new["access_token"])

    def invalidate(self) -> None:
        """The API refused the access token: the next call refreshes (once; a second refusal blocks)."""
        with self._lock:
            if self._cached:
                self._cached = {**self._cached, "expires_at": 0}
            with self.store.lease(self.key) as lease:
                if lease.data:
                    lease.save({**lease.data, "expires_at": 0})

    def _refresh(self, refresh_token: str) -> dict[str, object]:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        auth = None
        if self.app.auth_style == "basic":
            auth = (self.app.client_id, self.app.client_secret)
        else:
            form.update(client_id=self.app.client_id, client_secret=self.app.client_secret)
        try:
            response = self._http.post(self.app.token_url, data=form, auth=auth,
                                       headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise RetriableError(f"{self.app.ledger} token refresh: {type(exc).__name__}",
                                 ledger=self.app.ledger, operation="refresh_token") from None
        try:
            body = json.loads(response.content or b"{}")
        except ValueError:
            body = {}
        error = body.get("error") if isinstance(body, dict) else None
        if response.status_code >= 500 or response.status_code == 429:
            raise RetriableError(f"{self.app.ledger} token refresh: HTTP {response.status_code}",
                                 ledger=self.app.ledger, operation="refresh_token", status=response.status_code)
        if response.status_code >= 400 or error or not body.get("access_token"):
            raise AuthBlocked(
                f"{self.app.ledger} refused the refresh token (HTTP {response.status_code}"
                f"{', ' + str(error) if error else ''}); re-authorise the connection",
                ledger=self.app.ledger, operation="refresh_token", status=response.status_code,
                code=str(error) if error else None,
            )
        self.refreshes += 1
        expires_in = float(body.get("expires_in", 1800))
        log.info("%s: access token refreshed (valid %.0fs%s)", self.app.ledger, expires_in,
                 ", refresh token rotated" if body.get("refresh_token") not in (None, refresh_token) else "")
        return {
            "access_token": body["access_token"],
            "refresh_token": body.get("refresh_token") or refresh_token,
            "expires_at": self._clock() + expires_in / self._scale,
            "seed": fingerprint(self._seed),
            "extra": {k: v for k, v in body.items() if k not in ("access_token", "refresh_token", "id_token")},
        }
