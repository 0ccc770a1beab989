"""What the Amazon stand-in remembers: the generated seller, its clock, issued tokens, paging sessions,
created reports, presigned document URLs and patched listings.

Time: the stand-in lives on `SandboxConfig.today`. Its `now()` is the sandbox clock shifted by whole days
so that it starts on `today` at the real time of day (or at `options["amazon_start"]`, an ISO
date-time, for fully repeatable tests); virtual time then runs at the sandbox's `time_scale` and
`POST /_sandbox/clock {"advance_seconds": ...}` moves it. The generated history ends at `today` 00:00 UTC.

Credentials (client id and secret, one refresh token per region) are derived from the seed, so they are
the same on every start with the same seed.
"""

from __future__ import annotations

import random
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.amazon.generator import generate, seller_id_for
from sellerledger.sandbox.amazon.marketplaces import MARKETPLACES, Marketplace
from sellerledger.sandbox.amazon.model import Seller
from sellerledger.sandbox.amazon.profiles import resolve_profile
from sellerledger.sandbox.amazon.timefmt import parse_iso
from sellerledger.sandbox.core.state import SandboxState

TOKEN_TTL = 3600  # seconds an LWA access token or an RDT lives


@dataclass
class AccessToken:
    token: str
    refresh_token: str
    region: str | None        # None: a grantless (client_credentials) token
    scope: str
    expires_at: datetime


@dataclass
class RestrictedToken:
    token: str
    refresh_token: str
    region: str
    resources: list[dict[str, Any]]   # [{"method", "path", "dataElements"}]
    expires_at: datetime


@dataclass
class PageToken:
    token: str
    operation: str
    params: dict[str, Any]
    offset: int
    snapshot: datetime                # the `now` the first page was computed at
    created: datetime
    ids: list[str] = field(default_factory=list)
    empty_pending: bool = False


@dataclass
class CreatedReport:
    report_id: str
    report_type: str
    marketplace_ids: list[str]
    data_start: datetime
    data_end: datetime
    created: datetime
    region: str
    document_id: str
    fatal: bool = False
    cancelled: bool = False


class AmazonState:
    """State of the `amazon` stand-in (one per sandbox)."""

    def __init__(self, sandbox: SandboxState) -> None:
        self.sandbox = sandbox
        self.config = sandbox.config
        options = self.config.options
        self.profile = resolve_profile(self.config.profile, options)
        self._lock = threading.RLock()
        self._seller: Seller | None = None
        start = parse_iso(str(options["amazon_start"])) if options.get("amazon_start") else None
        clock_now = sandbox.clock.now()
        if start is not None:
            self._shift = start - clock_now
        else:
            self._shift = timedelta(days=(self.config.today - clock_now.date()).days)
        self.token_ttl = int(options.get("amazon_token_ttl", TOKEN_TTL))
        self.rate_limit_header = bool(options.get("amazon_rate_limit_header", True))
        self.report_seconds = (float(options.get("amazon_report_queue_seconds", 15)),
                               float(options.get("amazon_report_processing_seconds", 30)))
        self.url_ttl = 300
        rng = random.Random(f"sellerledger/amazon/credentials/{self.config.seed}")
        self.client_id = "amzn1.application-oa2-client." + "".join(rng.choice("0123456789abcdef") for _ in range(32))
        self.client_secret = "amzn1.oa2-cs.v1." + "".join(rng.choice("0123456789abcdef") for _ in range(64))
        self.app_id = "amzn1.sp.solution." + "".join(rng.choice("0123456789abcdef") for _ in range(32))
        self.seller_id = seller_id_for(self.config.seed, self.profile.name)
        self.marketplaces: list[Marketplace] = [MARKETPLACES[plan.code] for plan in self.profile.marketplaces]
        self.regions: list[str] = []
        for mp in self.marketplaces:
            if mp.region not in self.regions:
                self.regions.append(mp.region)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        self.settlement_documents: dict[str, bytes] = {}  # rendered settlement files (derived, not saved)
        self.refresh_tokens: dict[str, str] = {
            "Atzr|IwEB" + "".join(rng.choice(alphabet) for _ in range(120)): region for region in self.regions
        }
        self.reset()

    # ------------------------------------------------------------------------------------- basics
    def reset(self) -> None:
        with self._lock:
            self.access_tokens: dict[str, AccessToken] = {}
            self.rdts: dict[str, RestrictedToken] = {}
            self.revoked: set[str] = set()
            self.pages: dict[str, PageToken] = {}
            self.reports: dict[str, CreatedReport] = {}
            self.report_documents: dict[str, bytes] = {}
            self.urls: dict[str, tuple[str, datetime]] = {}
            self.listings: dict[tuple[str, str], dict[str, Any]] = {}
            self.token_requests = 0
            self._report_seq = 0

    @property
    def seller(self) -> Seller:
        """The generated seller (generated on first use; the API warms it up in the background)."""
        if self._seller is None:
            with self._lock:
                if self._seller is None:
                    self._seller = generate(self.config)
        return self._seller

    def now(self) -> datetime:
        """The stand-in's virtual now (see module docstring)."""
        return self.sandbox.clock.now() + self._shift

    def region_of_refresh(self, refresh_token: str) -> str | None:
        return self.refresh_tokens.get(refresh_token)

    def marketplaces_in(self, region: str | None) -> list[Marketplace]:
        return [mp for mp in self.marketplaces if region is None or mp.region == region]

    def new_report_id(self) -> str:
        with self._lock:
            self._report_seq += 1
            base = int(self.seller.settlements[-1].report_id) if self.seller.settlements else 52_000_000_000
            return str(base + 1_000_000 + self._report_seq * 137)

    @staticmethod
    def remember(table: dict[str, Any], key: str, value: Any, limit: int = 20_000) -> None:
        """Store `value` under `key`, forgetting the oldest quarter of `table` once it holds `limit` entries
        (paging tokens, URLs and access tokens of a long-running sandbox must not grow without end)."""
        if len(table) >= limit:
            for old in list(table)[: limit // 4]:
                del table[old]
        table[key] = value

    @staticmethod
    def opaque_token(nbytes: int = 48) -> str:
        """An opaque paging token; base64 with `+`, `/` and `=` as Amazon's are, so clients must encode it."""
        import base64

        return base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")

    # ---------------------------------------------------------------------------------- persistence
    def dump_state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "access_tokens": [
                    {"token": t.token, "refresh_token": t.refresh_token, "region": t.region, "scope": t.scope,
                     "expires_at": t.expires_at.isoformat()} for t in self.access_tokens.values()
                ],
                "rdts": [
                    {"token": t.token, "refresh_token": t.refresh_token, "region": t.region, "resources": t.resources,
                     "expires_at": t.expires_at.isoformat()} for t in self.rdts.values()
                ],
                "revoked": sorted(self.revoked),
                "reports": [
                    {"report_id": r.report_id, "report_type": r.report_type, "marketplace_ids": r.marketplace_ids,
                     "data_start": r.data_start.isoformat(), "data_end": r.data_end.isoformat(),
                     "created": r.created.isoformat(), "region": r.region, "document_id": r.document_id,
                     "fatal": r.fatal, "cancelled": r.cancelled} for r in self.reports.values()
                ],
                "report_seq": self._report_seq,
                "listings": [
                    {"sku": sku, "marketplace": mp, **{k: str(v) for k, v in values.items()}}
                    for (sku, mp), values in self.listings.items()
                ],
                "token_requests": self.token_requests,
            }

    def load_state(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.reset()
            for t in data.get("access_tokens", []):
                self.access_tokens[t["token"]] = AccessToken(t["token"], t["refresh_token"], t["region"], t["scope"],
                                                             datetime.fromisoformat(t["expires_at"]))
            for t in data.get("rdts", []):
                self.rdts[t["token"]] = RestrictedToken(t["token"], t["refresh_token"], t["region"], t["resources"],
                                                        datetime.fromisoformat(t["expires_at"]))
            self.revoked = set(data.get("revoked", []))
            for r in data.get("reports", []):
                self.reports[r["report_id"]] = CreatedReport(
                    r["report_id"], r["report_type"], list(r["marketplace_ids"]),
                    datetime.fromisoformat(r["data_start"]), datetime.fromisoformat(r["data_end"]),
                    datetime.fromisoformat(r["created"]), r["region"], r["document_id"], r["fatal"], r["cancelled"])
            self._report_seq = int(data.get("report_seq", 0))
            for item in data.get("listings", []):
                values: dict[str, Any] = {}
                if "price" in item:
                    values["price"] = Decimal(item["price"])
                if "quantity" in item:
                    values["quantity"] = int(item["quantity"])
                if "updated" in item:
                    values["updated"] = item["updated"]
                self.listings[(item["sku"], item["marketplace"])] = values
            self.token_requests = int(data.get("token_requests", 0))
