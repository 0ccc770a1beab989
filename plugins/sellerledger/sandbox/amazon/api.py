"""The SP-API stand-in, mounted at `/amazon`: LWA, Orders, Finances, Reports, Listings, FBA Inventory, Tokens.

Paths below the mount are the real API's (`/amazon/orders/v0/orders`, `/amazon/auth/o2/token`, ...). The
unprefixed paths serve every region; `/amazon/na`, `/amazon/eu`, `/amazon/fe` serve one region each, as
the regional hosts do (a token of another region gets 403). Inspection routes under `/_sandbox/amazon/`:
`GET summary` (the truth: settlements with totals, event groups, counts), `GET settlements/{id}/file`
(the V2 file as Amazon would serve it), `GET now`, `GET tokens` (token requests counted),
`POST settings` (`rate_limit_header`, `token_ttl`, `report_queue_seconds`, `report_processing_seconds`),
`POST revoke` / `POST authorize` (`{"refresh_token": ...}`: revoke a grant, or restore it).
"""

from __future__ import annotations

import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from sellerledger.sandbox.amazon import finances, inventory, listings, orders, reports, tokens
from sellerledger.sandbox.amazon.common import Http
from sellerledger.sandbox.amazon.lwa import token_endpoint
from sellerledger.sandbox.amazon.settlement_writer import settlement_file_bytes
from sellerledger.sandbox.amazon.state import AmazonState
from sellerledger.sandbox.amazon.timefmt import iso_z
from sellerledger.sandbox.core.state import SandboxState

MODULES = (orders, finances, reports, listings, inventory, tokens)


class AmazonApi:
    """The `amazon` stand-in (see module docstring)."""

    name = "amazon"

    def __init__(self, sandbox: SandboxState) -> None:
        self.state = AmazonState(sandbox)
        self.http = Http(self.state)
        sandbox.apis[self.name] = self.state
        threading.Thread(target=lambda: self.state.seller, name="amazon-generator", daemon=True).start()

    # ---------------------------------------------------------------------------------- protocol
    def routes(self) -> list[BaseRoute]:
        result: list[BaseRoute] = [Route("/auth/o2/token", token_endpoint(self.http), methods=["POST"])]
        for module in MODULES:
            result.extend(module.routes(self.http, None))
        for region in self.state.regions:
            regional: list[BaseRoute] = []
            for module in MODULES:
                regional.extend(module.routes(self.http, region))
            result.append(Mount(f"/{region.lower()}", routes=regional))
        return result

    def inspection_routes(self) -> list[BaseRoute]:
        return [
            Route("/summary", self._summary),
            Route("/settlements/{settlement_id}/file", self._settlement_file),
            Route("/now", self._now),
            Route("/tokens", self._tokens),
            Route("/settings", self._settings, methods=["POST"]),
            Route("/revoke", self._revoke, methods=["POST"]),
            Route("/authorize", self._authorize, methods=["POST"]),
        ]

    def credentials(self, base_url: str) -> dict[str, Any]:
        state = self.state
        by_region = {region: token for token, region in state.refresh_tokens.items()}
        first = state.regions[0]
        return {
            "lwa_client_id": state.client_id,
            "lwa_client_secret": state.client_secret,
            "lwa_token_url": f"{base_url}/auth/o2/token",
            "refresh_token": by_region[first],
            "region": first,
            "seller_id": state.seller_id,
            "app_id": state.app_id,
            "endpoint": base_url,
            "marketplaces": [
                {"id": mp.id, "country": mp.code, "country_code": mp.country_code, "currency": mp.currency,
                 "region": mp.region, "name": mp.domain} for mp in state.marketplaces
            ],
            "regions": {
                region: {"refresh_token": by_region[region], "endpoint": f"{base_url}/{region.lower()}",
                         "marketplace_ids": [mp.id for mp in state.marketplaces_in(region)]}
                for region in state.regions
            },
        }

    def reset(self) -> None:
        self.state.reset()

    def dump_state(self) -> dict[str, Any]:
        return self.state.dump_state()

    def load_state(self, data: dict[str, Any]) -> None:
        self.state.load_state(data)

    # -------------------------------------------------------------------------------- inspection
    async def _summary(self, request: Request) -> JSONResponse:
        state = self.state
        seller = state.seller
        now = state.now()
        return JSONResponse({
            "seller_id": seller.seller_id, "profile": seller.profile, "seed": seller.seed,
            "today": seller.today.isoformat(), "days": seller.days, "horizon": iso_z(seller.horizon),
            "now": iso_z(now), "orders": len(seller.orders), "postings": len(seller.postings),
            "hidden_postings": sum(1 for p in seller.postings if p.visible_at > now),
            "settlements": [
                {"settlement_id": s.settlement_id, "marketplace": s.marketplace.code, "currency": s.currency,
                 "start": iso_z(s.start), "end": iso_z(s.end), "deposit_date": iso_z(s.deposit_date),
                 "total_amount": format(s.total_amount, "f"), "event_group_id": s.event_group_id,
                 "report_id": s.report_id, "report_document_id": s.report_document_id,
                 "report_created": iso_z(s.report_created_at), "encoding": s.encoding,
                 "decimal_comma": s.decimal_comma} for s in seller.settlements
            ],
            "event_groups": [
                {"group_id": g.group_id, "marketplace": g.marketplace.code, "currency": g.currency,
                 "status": "Closed" if g.closed else "Open", "start": iso_z(g.start),
                 "end": iso_z(g.end) if g.end else None,
                 "settlement_id": g.settlement.settlement_id if g.settlement else None,
                 "original_total_omitted": g.omit_original_total} for g in seller.event_groups
            ],
        })

    async def _settlement_file(self, request: Request) -> Response:
        settlement = self.state.seller.settlement(request.path_params["settlement_id"])
        if settlement is None:
            return JSONResponse({"error": "no such settlement"}, status_code=404)
        charset = {"utf-8": "UTF-8", "iso-8859-1": "ISO-8859-1", "cp932": "Windows-31J"}[settlement.encoding]
        return Response(settlement_file_bytes(settlement), media_type=f"text/plain; charset={charset}")

    async def _now(self, request: Request) -> JSONResponse:
        return JSONResponse({"now": iso_z(self.state.now()), "horizon": iso_z(self.state.seller.horizon)})

    async def _tokens(self, request: Request) -> JSONResponse:
        state = self.state
        return JSONResponse({"token_requests": state.token_requests, "access_tokens": len(state.access_tokens),
                             "restricted_data_tokens": len(state.rdts), "revoked": len(state.revoked)})

    async def _settings(self, request: Request) -> JSONResponse:
        body = await request.json()
        state = self.state
        if "rate_limit_header" in body:
            state.rate_limit_header = bool(body["rate_limit_header"])
        if "token_ttl" in body:
            state.token_ttl = int(body["token_ttl"])
        queue, processing = state.report_seconds
        state.report_seconds = (float(body.get("report_queue_seconds", queue)),
                                float(body.get("report_processing_seconds", processing)))
        return JSONResponse({"rate_limit_header": state.rate_limit_header, "token_ttl": state.token_ttl,
                             "report_queue_seconds": state.report_seconds[0],
                             "report_processing_seconds": state.report_seconds[1]})

    async def _revoke(self, request: Request) -> JSONResponse:
        token = (await request.json()).get("refresh_token", "")
        self.state.revoked.add(token)
        return JSONResponse({"revoked": token in self.state.refresh_tokens})

    async def _authorize(self, request: Request) -> JSONResponse:
        token = (await request.json()).get("refresh_token", "")
        self.state.revoked.discard(token)
        return JSONResponse({"authorized": token in self.state.refresh_tokens})


def build(state: SandboxState) -> AmazonApi:
    return AmazonApi(state)
