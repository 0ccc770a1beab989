"""What a ledger client needs from its Airflow connection, Airflow-free, plus the shared helpers
every client uses to build its token source and its pacing.

Connection fields (the same names in every ledger's connection form): login = OAuth client id,
password = OAuth client secret; extras: `refresh_token`, `tenant_id` (Xero tenant, QBO realm, MYOB
company file, Wave business, Zoho organization), `base_url` (API base, e.g. the sandbox), `token_url`,
`region` / data centre, `api_key` (MYOB), `cf_username` / `cf_password` (MYOB company file),
`time_scale` (sandbox only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sellerledger import db, settings
from sellerledger.amazon.ratelimit import BucketStore, MemoryBucketStore, OperationLimit, RateLimiter
from sellerledger.ledgers.oauth import OAuthApp, OAuthTokens
from sellerledger.staging.token_store import TokenStore

SENSITIVE_EXTRAS = ("refresh_token", "access_token", "api_key", "cf_password", "client_secret")


@dataclass(frozen=True)
class LedgerConnection:
    ledger: str
    conn_id: str
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    tenant_id: str
    base_url: str
    token_url: str
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def time_scale(self) -> float:
        return float(self.extra.get("time_scale") or 1.0)

    @property
    def token_key(self) -> str:
        return f"{self.ledger}:{self.conn_id}:{self.tenant_id}"

    def secrets(self) -> list[str]:
        values = [self.client_secret, self.refresh_token]
        values += [str(self.extra[name]) for name in SENSITIVE_EXTRAS if self.extra.get(name)]
        return [value for value in values if value]


_SHARED_STORE: BucketStore | None = None


def bucket_store() -> BucketStore:
    """The process's bucket store: Postgres-backed (shared by all workers) unless configured `memory`."""
    global _SHARED_STORE
    if _SHARED_STORE is None:
        if settings.rate_limit_store() == "memory":
            _SHARED_STORE = MemoryBucketStore()
        else:
            from sellerledger.staging.rate_buckets import PostgresBucketStore

            _SHARED_STORE = PostgresBucketStore(db.staging_url())
    return _SHARED_STORE


def limiter(conn: LedgerConnection, limits: dict[str, OperationLimit], store: BucketStore | None = None) -> RateLimiter:
    """Pacing for one ledger tenant (bucket keys carry ledger and tenant)."""
    return RateLimiter(limits, store=store or bucket_store(), key_prefix=f"{conn.ledger}:{conn.tenant_id}",
                       time_scale=conn.time_scale)


def oauth_tokens(conn: LedgerConnection, *, auth_style: str = "basic", token_store: TokenStore | None = None,
                 lead_time: float = 120.0) -> OAuthTokens:
    """Access tokens for the connection, refreshed through the encrypted token store."""
    app = OAuthApp(conn.ledger, conn.token_url, conn.client_id, conn.client_secret, auth_style, lead_time)
    store = token_store or TokenStore(db.staging_url())
    return OAuthTokens(app, store, conn.token_key, conn.refresh_token, time_scale=conn.time_scale)
