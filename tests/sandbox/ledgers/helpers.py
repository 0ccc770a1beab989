"""Helpers for the ledger stand-in tests: trial balance and documents from the inspection API, faults and
the clock, a signed-in `Session` per ledger tenant, and validation against Xero's OpenAPI spec."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

SPECS = Path(__file__).with_name("specs")  # copies of Xero's OpenAPI files (see specs/README.md)
TIME_SCALE = 60.0  # one real second is a virtual minute


def tb(http: httpx.Client, ledger: str, tenant: str | None = None) -> dict[tuple[str, str], Decimal]:
    """Trial balance of a tenant as {(account, currency): Decimal}."""
    params = {"tenant": tenant} if tenant else {}
    body = http.get(f"/_sandbox/{ledger}/trial-balance", params=params).json()
    return {(row["account"], row["currency"]): Decimal(row["balance"]) for row in body["accounts"]}


def documents(http: httpx.Client, ledger: str, tenant: str | None = None) -> list[dict[str, Any]]:
    params = {"tenant": tenant} if tenant else {}
    return http.get(f"/_sandbox/{ledger}/documents", params=params).json()["documents"]


def set_faults(http: httpx.Client, *rules: dict[str, Any]) -> None:
    http.post("/_sandbox/faults", json={"rules": list(rules)}).raise_for_status()


def advance(http: httpx.Client, seconds: float) -> None:
    http.post("/_sandbox/clock", json={"advance_seconds": seconds}).raise_for_status()


class Session:
    """A signed-in connection to one tenant of a ledger (tokens from the sandbox credentials)."""

    def __init__(self, http: httpx.Client, ledger: str, index: int = 0) -> None:
        self.http = http
        self.ledger = ledger
        creds = http.get("/_sandbox/credentials").json()[ledger]
        self.creds = creds["tenants"][index]
        self.refresh_token = self.creds["refresh_token"]
        self.access_token = ""
        self.refresh()

    @property
    def tenant_id(self) -> str:
        return self.creds.get("tenant_id") or self.creds["realm_id"]

    def token_request(self, **form: str) -> httpx.Response:
        return self.http.post(self.creds["token_url"].replace(str(self.http.base_url).rstrip("/"), ""), data=form,
                              auth=(self.creds["client_id"], self.creds["client_secret"]))

    def refresh(self) -> dict[str, Any]:
        response = self.token_request(grant_type="refresh_token", refresh_token=self.refresh_token)
        response.raise_for_status()
        body = response.json()
        self.refresh_token, self.access_token = body["refresh_token"], body["access_token"]
        return body

    def headers(self, **extra: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.access_token}", "Accept": "application/json"}
        if self.ledger == "xero":
            headers["xero-tenant-id"] = self.tenant_id
        headers.update(extra)
        return headers

    def path(self, suffix: str) -> str:
        if self.ledger == "xero":
            return f"/xero/api.xro/2.0/{suffix}"
        return f"/qbo/v3/company/{self.tenant_id}/{suffix}"

    def request(self, method: str, suffix: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, self.path(suffix), headers=self.headers(**(headers or {})), **kwargs)

    def get(self, suffix: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", suffix, **kwargs)

    def put(self, suffix: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", suffix, content=json.dumps(body), **kwargs)

    def post(self, suffix: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("POST", suffix, content=json.dumps(body), **kwargs)

    def query(self, text: str) -> dict[str, Any]:
        response = self.get("query", params={"query": text, "minorversion": "75"})
        assert response.status_code == 200, response.text
        return response.json()["QueryResponse"]


# ------------------------------------------------------------------------------- Xero OpenAPI validation
@lru_cache(maxsize=1)
def _xero_spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((SPECS / "xero_accounting.yaml").read_text(encoding="utf-8"), Loader=loader)


@lru_cache(maxsize=1)
def _identity_spec() -> dict[str, Any]:
    return yaml.safe_load((SPECS / "xero-identity.yaml").read_text(encoding="utf-8"))


def _schema_for(spec: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    response = spec["paths"][path][method]["responses"][status]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def validate_xero(response: httpx.Response, path: str, method: str | None = None, identity: bool = False) -> None:
    """Validate a response body against the operation's response schema in Xero's spec ($refs resolved).

    Formats (uuid, double, ...) are checked for the accounting API; the identity API's `date-time` fields
    are written by Xero without an offset ("2019-12-07T18:46:19.5165400", the spec's own example), which
    RFC 3339 rejects, so identity responses are checked for structure and types only."""
    spec = _identity_spec() if identity else _xero_spec()
    schema = _schema_for(spec, path, (method or response.request.method).lower(), str(response.status_code))
    root = {**schema, "components": spec["components"]}
    OAS30Validator(root, format_checker=None if identity else oas30_format_checker).validate(response.json())


def wait_in_flight(limits: Any, tenant: str, count: int, timeout: float = 5.0) -> None:
    """Block until `count` calls of `tenant` are in progress in the stand-in (see TenantLimits)."""
    deadline = time.monotonic() + timeout
    while limits.in_flight(tenant) < count:
        assert time.monotonic() < deadline, f"only {limits.in_flight(tenant)} calls in progress"
        time.sleep(0.01)
