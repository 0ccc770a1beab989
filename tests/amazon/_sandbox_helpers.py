"""Helpers for tests that run the client against the Amazon stand-in over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx

from sellerledger.amazon.client import ClientConfig, SellingPartnerClient
from sellerledger.sandbox.server import SandboxServer


def credentials(server: SandboxServer) -> dict[str, Any]:
    return httpx.get(f"{server.url}/_sandbox/credentials").json()["amazon"]


def client_config(server: SandboxServer, region: str = "NA", **overrides: Any) -> ClientConfig:
    creds = credentials(server)
    regional = creds["regions"][region]
    fields: dict[str, Any] = {
        "client_id": creds["lwa_client_id"], "client_secret": creds["lwa_client_secret"],
        "refresh_token": regional["refresh_token"], "region": region, "base_url": regional["endpoint"],
        "lwa_token_url": creds["lwa_token_url"], "time_scale": server.state.clock.time_scale,
        "seller_key": f"{creds['seller_id']}-{region}", "marketplaces": tuple(regional["marketplace_ids"]),
    }
    fields.update(overrides)
    return ClientConfig(**fields)


def amazon_now(server: SandboxServer) -> datetime:
    return server.state.apis["amazon"].now()


@contextmanager
def sandbox_client(server: SandboxServer, region: str = "NA", **overrides: Any) -> Iterator[SellingPartnerClient]:
    with SellingPartnerClient(client_config(server, region, **overrides),
                              clock=lambda: amazon_now(server)) as client:
        yield client


def set_faults(server: SandboxServer, rules: list[dict[str, Any]], seed: int = 1) -> None:
    httpx.post(f"{server.url}/_sandbox/faults", json={"rules": rules, "seed": seed}).raise_for_status()


def clear_faults(server: SandboxServer) -> None:
    httpx.delete(f"{server.url}/_sandbox/faults").raise_for_status()
