"""`SellingPartnerClient`: one seller-region's SP-API access, built from a `ClientConfig`.

It wires LWA, the rate limiter and the HTTP layer once and exposes the operation groups the pipeline
uses (`orders`, `finances`, `reports`), plus call counts for run reports. Airflow-free: the hook builds
one from a Connection, tests build one from the sandbox's credentials.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

from sellerledger import tls
from sellerledger.amazon.errors import FatalError
from sellerledger.amazon.finances import FinancesApi
from sellerledger.amazon.http import RetryPolicy, SpApiHttp
from sellerledger.amazon.lwa import LwaCredentials, LwaTokenProvider
from sellerledger.amazon.orders import OrdersApi
from sellerledger.amazon.ratelimit import BucketStore, RateLimiter
from sellerledger.amazon.regions import LWA_TOKEN_URL, check_marketplaces, endpoint, marketplaces_of
from sellerledger.amazon.reports import ReportsApi


@dataclass(frozen=True)
class ClientConfig:
    """Everything needed to talk to SP-API for one seller in one region.

    `marketplaces` are ids or country codes (default: every marketplace of the region). `base_url` and
    `lwa_token_url` point elsewhere than Amazon (the sandbox). `time_scale` > 1 only for a sandbox whose
    clock runs faster: rates, token lifetimes, report polling and retry back-off are scaled by it.
    """

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    region: str = "NA"
    marketplaces: tuple[str, ...] = ()
    base_url: str | None = None
    lwa_token_url: str | None = None
    orders_api_version: str = "2026-01-01"
    time_scale: float = 1.0
    seller_key: str = ""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 60.0

    def marketplace_ids(self) -> list[str]:
        if self.marketplaces:
            return check_marketplaces(self.region, list(self.marketplaces))
        return [mp.id for mp in marketplaces_of(self.region)]

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> ClientConfig:
        """Build from a plain mapping (e.g. the sandbox's `/_sandbox/credentials` entry or connection fields)."""
        marketplaces = data.get("marketplaces") or data.get("marketplace_ids") or ()
        if isinstance(marketplaces, str):
            marketplaces = [m.strip() for m in marketplaces.split(",") if m.strip()]
        return cls(
            client_id=str(data["client_id"]),
            client_secret=str(data["client_secret"]),
            refresh_token=str(data["refresh_token"]),
            region=str(data.get("region") or "NA").upper(),
            marketplaces=tuple(marketplaces),
            base_url=data.get("base_url") or None,
            lwa_token_url=data.get("lwa_token_url") or data.get("token_url") or None,
            orders_api_version=str(data.get("orders_api_version") or "2026-01-01"),
            time_scale=float(data.get("time_scale") or 1.0),
            seller_key=str(data.get("seller_key") or data.get("seller_id") or ""),
        )


class SellingPartnerClient:
    """SP-API for one seller and region: `orders`, `finances`, `reports`, and call statistics."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        store: BucketStore | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self._clock = clock or (lambda: datetime.now(UTC))
        self.marketplace_ids = config.marketplace_ids()
        timeout = httpx.Timeout(config.timeout, connect=min(10.0, config.timeout))
        self._lwa_client = httpx.Client(timeout=timeout, transport=transport, verify=tls.client_context())
        self.tokens = LwaTokenProvider(
            LwaCredentials(config.client_id, config.client_secret, config.refresh_token),
            token_url=config.lwa_token_url or LWA_TOKEN_URL,
            client=self._lwa_client,
            time_scale=config.time_scale,
            sleep=sleep,
        )
        self.limiter = RateLimiter(
            store=store, key_prefix=f"{config.seller_key or config.client_id}:{config.region}",
            time_scale=config.time_scale, sleep=sleep,
        )
        self.http = SpApiHttp(
            endpoint(config.region, config.base_url), self.tokens, self.limiter,
            retry=config.retry, timeout=timeout, transport=transport, sleep=sleep, time_scale=config.time_scale,
        )
        self.reports = ReportsApi(self.http, time_scale=config.time_scale, sleep=sleep, clock=self.now)
        self.orders = OrdersApi(self.http, self.reports, version=config.orders_api_version)
        self.finances = FinancesApi(self.http)

    def now(self) -> datetime:
        """The API's current time (the real clock, or the sandbox's virtual one when given)."""
        return self._clock()

    def calls(self) -> dict[str, int]:
        """HTTP requests sent per operation so far (retries included)."""
        return self.http.calls_per_operation()

    def throttled(self) -> dict[str, int]:
        """429 answers per operation so far."""
        return self.http.throttled_per_operation()

    def ping(self) -> str:
        """A cheap read-only call proving the credentials work; returns the operation that answered.

        getMarketplaceParticipations (Sellers API) where it is served, else listFinancialEventGroups for one
        group: read-only, 0.5 req/s, and unlike a tiny getOrders window it needs no clock agreement with
        the API (a *Before less than 2 minutes before the API's now is refused).
        """
        try:
            self.http.request("getMarketplaceParticipations", "GET", "/sellers/v1/marketplaceParticipations")
            return "getMarketplaceParticipations"
        except FatalError as exc:
            if exc.status != 404:
                raise
        self.http.request("listFinancialEventGroups", "GET", "/finances/v0/financialEventGroups",
                          params={"MaxResultsPerPage": 1})
        return "listFinancialEventGroups"

    def close(self) -> None:
        self.http.close()
        self._lwa_client.close()

    def __enter__(self) -> SellingPartnerClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
