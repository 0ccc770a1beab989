"""Fixtures for the Amazon stand-in tests: servers on loopback, an SP-API caller, settlement file parsing,
and response validation against the official models (copied in `models/`)."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from sellerledger.sandbox.amazon.jsonio import dumps
from sellerledger.sandbox.amazon.state import AmazonState
from sellerledger.sandbox.amazon.timefmt import parse_iso
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer

TODAY = date(2026, 11, 20)
START = "2026-11-20T06:00:00Z"  # the stand-in's pinned `now` at start (history ends at TODAY 00:00 UTC)
MODELS = Path(__file__).with_name("models")


class Sp:
    """A small SP-API caller over real HTTP: LWA tokens per region, JSON parsed with Decimal."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=30)
        self.creds = self.http.get("/_sandbox/credentials").json()["amazon"]
        self._tokens: dict[str, str] = {}

    @property
    def state(self) -> AmazonState:
        return self.server.state.apis["amazon"]

    @property
    def seller(self) -> Any:
        return self.state.seller

    def refresh_token(self, region: str = "NA") -> str:
        return self.creds["regions"][region]["refresh_token"]

    def lwa(self, **form: str) -> httpx.Response:
        return self.http.post(self.creds["lwa_token_url"], data=form)

    def token(self, region: str = "NA", fresh: bool = False) -> str:
        if fresh or region not in self._tokens:
            response = self.lwa(grant_type="refresh_token", refresh_token=self.refresh_token(region),
                                client_id=self.creds["lwa_client_id"], client_secret=self.creds["lwa_client_secret"])
            assert response.status_code == 200, response.text
            self._tokens[region] = response.json()["access_token"]
        return self._tokens[region]

    def call(self, method: str, path: str, *, region: str = "NA", token: str | None = None, **kwargs: Any
             ) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        headers.setdefault("x-amz-access-token", token if token is not None else self.token(region))
        if "json" in kwargs:  # Decimal goes out as a JSON number
            kwargs["content"] = dumps(kwargs.pop("json"))
            headers.setdefault("content-type", "application/json")
        return self.http.request(method, f"/amazon{path}", headers=headers, **kwargs)

    def get(self, path: str, params: Any = None, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, params=params, **kwargs)

    def advance(self, seconds: float) -> None:
        """Move virtual time; cached access tokens are dropped (they may have expired)."""
        assert self.http.post("/_sandbox/clock", json={"advance_seconds": seconds}).status_code == 200
        self._tokens.clear()

    def reset(self) -> None:
        """`POST /_sandbox/reset`: the stand-in forgets its tokens, so ours go too."""
        assert self.http.post("/_sandbox/reset").status_code == 200
        self._tokens.clear()

    def now(self) -> datetime:
        value = parse_iso(self.http.get("/_sandbox/amazon/now").json()["now"])
        assert value is not None
        return value

    def faults(self, *rules: dict[str, Any]) -> None:
        body = {"rules": [{"api": "amazon", **rule} for rule in rules]}
        assert self.http.post("/_sandbox/faults", json=body).status_code == 200

    def close(self) -> None:
        self.http.close()


def body(response: httpx.Response) -> Any:
    return json.loads(response.text, parse_float=Decimal)


def server_config(**overrides: Any) -> SandboxConfig:
    options = {"amazon_start": START, **overrides.pop("options", {})}
    values: dict[str, Any] = {"seed": 7, "profile": "demo", "days": 60, "today": TODAY, "rate_limits": False,
                              "options": options}
    values.update(overrides)
    return SandboxConfig(**values)


@pytest.fixture(scope="session")
def shared_sp() -> Iterator[Sp]:
    """A demo seller without rate limits, for tests that neither move the clock nor change state."""
    with SandboxServer(server_config(), only=("amazon",)) as server:
        sp = Sp(server)
        yield sp
        sp.close()


@pytest.fixture
def make_sp() -> Iterator[Callable[..., Sp]]:
    """Start a dedicated stand-in (`make_sp(profile="tiny", time_scale=600, ...)`), stopped after the test."""
    servers: list[tuple[SandboxServer, Sp]] = []

    def start(**overrides: Any) -> Sp:
        server = SandboxServer(server_config(**overrides), only=("amazon",)).start()
        sp = Sp(server)
        servers.append((server, sp))
        return sp

    yield start
    for server, sp in servers:
        sp.close()
        server.stop()


# ---------------------------------------------------------------------------------- settlement files
def parse_settlement(raw: bytes, charset: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """(summary row, detail rows) of a V2 flat file, by header name."""
    text = raw.decode(charset)
    rows = [row for row in csv.reader(io.StringIO(text), delimiter="\t") if row]
    header = rows[0]
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    return records[0], records[1:]


def amount(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", "."))


# ----------------------------------------------------------------------------------------- schemas
@cache
def _model(name: str) -> dict[str, Any]:
    return json.loads((MODELS / name).read_text(encoding="utf-8"))


def _tighten(node: Any) -> None:
    """Forbid properties a definition does not declare, so a misspelt field fails validation."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node and "allOf" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _tighten(value)
    elif isinstance(node, list):
        for value in node:
            _tighten(value)


@cache
def _definitions(name: str) -> dict[str, Any]:
    definitions = copy.deepcopy(_model(name)["definitions"])
    _tighten(definitions)
    return definitions


def validate(model: str, path: str, method: str, response: httpx.Response) -> Any:
    """Validate `response` against the schema `model` declares for (path, method, status); returns the body."""
    operation = _model(model)["paths"][path][method.lower()]
    declared = operation["responses"].get(str(response.status_code))
    assert declared is not None, f"{method} {path} answered {response.status_code}, which the model does not declare"
    data = body(response)
    schema = copy.deepcopy(declared["schema"])
    _tighten(schema)
    schema["definitions"] = _definitions(model)
    jsonschema.Draft4Validator(schema).validate(data)
    return data
