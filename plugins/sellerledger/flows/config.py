"""`include/flows.yaml`: one entry per flow (seller account × region × ledger), validated with pydantic.

Entries name connection ids, never secrets. A bad entry is reported with its position, id and field, and
does not stop the other flows from loading (`load_flows` returns the good ones and the errors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sellerledger import settings

LEDGERS = ("myob", "qbo", "xero", "wave", "zoho")
MARKETPLACE_REGION = {
    "US": "na", "CA": "na", "MX": "na", "BR": "na",
    "UK": "eu", "GB": "eu", "DE": "eu", "FR": "eu", "IT": "eu", "ES": "eu", "NL": "eu", "SE": "eu", "PL": "eu",
    "BE": "eu", "IE": "eu", "TR": "eu", "AE": "eu", "SA": "eu", "EG": "eu", "IN": "eu", "ZA": "eu",
    "JP": "fe", "AU": "fe", "SG": "fe",
}
_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class Schedule(BaseModel):
    """When the flow runs: daily at a time, weekly on a weekday (aligned to the settlement cycle), or cron."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["daily", "weekly", "cron"] = "daily"
    at: str = "02:00"
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "tue"
    cron: str | None = None

    @field_validator("at")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("must be HH:MM (24 h)")
        return value

    @model_validator(mode="after")
    def _cron_needs_expression(self) -> Schedule:
        if self.kind == "cron" and not self.cron:
            raise ValueError("kind 'cron' needs a 'cron' expression")
        return self

    def cron_expression(self) -> str:
        if self.kind == "cron":
            return str(self.cron)
        hour, minute = (int(part) for part in self.at.split(":"))
        if self.kind == "weekly":
            day = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"].index(self.weekday)
            return f"{minute} {hour} * * {day}"
        return f"{minute} {hour} * * *"


class Alerts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    webhook_url: str | None = None
    email_to: list[str] = Field(default_factory=list)
    smtp_conn_id: str | None = None
    missing_settlement_slack_days: int = Field(3, ge=0, le=30)


class Reverse(BaseModel):
    """Reverse and reference flows (issue H): each its own DAG when enabled."""

    model_config = ConfigDict(extra="forbid")
    prices_to_amazon: bool = False
    stock: Literal["off", "ledger_wins", "amazon_wins"] = "off"
    contacts: bool = False


class Flow(BaseModel):
    """One seller account × ledger flow."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    seller: str
    marketplaces: list[str] = Field(min_length=1)
    region: Literal["na", "eu", "fe"] | None = None
    amazon_conn_id: str | dict[Literal["na", "eu", "fe"], str]
    ledger: Literal["myob", "qbo", "xero", "wave", "zoho"]
    ledger_conn_id: str
    posting_mode: Literal["summary", "per_order"] = "summary"
    timezone: str = "UTC"
    schedule: Schedule = Field(default_factory=Schedule)
    mapping_set: str | None = None
    unmapped: Literal["hold", "suspense"] = "hold"
    split_by_month: bool = True
    fx_rates: dict[str, Decimal] = Field(default_factory=dict)
    fx_rounding_account: str | None = None  # default: the mapping's flow account `fx_rounding`
    start_date: date = date(2026, 1, 1)
    catchup: bool = False
    owner: str = "sellerledger"
    retries: int = Field(3, ge=2, le=10)
    enabled: bool = True
    alerts: Alerts = Field(default_factory=Alerts)
    reverse: Reverse = Field(default_factory=Reverse)

    @field_validator("id", "seller")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("must be lower-case letters, digits and underscores, starting with a letter")
        return value

    @field_validator("fx_rates", mode="before")
    @classmethod
    def _rates_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            floats = [code for code, rate in value.items() if isinstance(rate, float)]
            if floats:
                raise ValueError(f"write the rate(s) for {floats} as quoted decimals (e.g. \"1.0850\"), never floats")
        return value

    @field_validator("marketplaces")
    @classmethod
    def _known_marketplaces(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code.upper() not in MARKETPLACE_REGION]
        if unknown:
            raise ValueError(f"unknown marketplace code(s) {unknown}; use country codes such as US, DE, JP")
        return [code.upper() for code in value]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from None
        return value

    @property
    def dag_id(self) -> str:
        return f"sellerledger__{self.id}"

    @property
    def mappings(self) -> str:
        return self.mapping_set or self.ledger

    @property
    def regions(self) -> list[str]:
        return sorted({MARKETPLACE_REGION[code] for code in self.marketplaces})

    def amazon_conn_for(self, region: str) -> str:
        """The SP-API connection of `region` (one connection id, or one per region)."""
        if isinstance(self.amazon_conn_id, str):
            return self.amazon_conn_id
        try:
            return self.amazon_conn_id[region]  # type: ignore[index]
        except KeyError:
            raise ValueError(f"flow {self.id}: no amazon_conn_id for region {region!r}") from None

    def marketplaces_in(self, region: str) -> list[str]:
        return [code for code in self.marketplaces if MARKETPLACE_REGION[code] == region]

    @model_validator(mode="after")
    def _every_region_connected(self) -> Flow:
        if isinstance(self.amazon_conn_id, dict):
            missing = [region for region in self.regions if region not in self.amazon_conn_id]
            if missing:
                raise ValueError(f"amazon_conn_id has no connection for region(s) {missing} of the marketplaces")
        return self

    @property
    def pool(self) -> str:
        """Airflow pool shared by every flow posting to the same ledger connection (tenant)."""
        return f"ledger__{self.ledger}__{self.ledger_conn_id}"


@dataclass(frozen=True)
class FlowError:
    """A flows.yaml entry that did not validate."""

    position: int
    flow_id: str
    message: str

    def __str__(self) -> str:
        return f"flows.yaml entry #{self.position} ({self.flow_id}): {self.message}"


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(item) for item in error["loc"]) or "(entry)"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def default_path() -> Path:
    return settings.include_dir() / "flows.yaml"


def load_flows(path: Path | None = None) -> tuple[list[Flow], list[FlowError]]:
    """Valid flows and the errors of the invalid entries (defaults merged into every entry)."""
    path = path or default_path()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return [], []
    except yaml.YAMLError as exc:
        return [], [FlowError(0, "-", f"{path.name} is not valid YAML: {exc}")]
    if not isinstance(document, dict):
        return [], [FlowError(0, "-", f"{path.name} must be a mapping with a 'flows' list")]
    defaults: dict[str, Any] = document.get("defaults") or {}
    flows: list[Flow] = []
    errors: list[FlowError] = []
    seen: set[str] = set()
    for position, entry in enumerate(document.get("flows") or [], start=1):
        flow_id = str(entry.get("id", "?")) if isinstance(entry, dict) else "?"
        if not isinstance(entry, dict):
            errors.append(FlowError(position, flow_id, "entry must be a mapping"))
            continue
        try:
            flow = Flow.model_validate({**defaults, **entry})
        except ValidationError as exc:
            errors.append(FlowError(position, flow_id, _describe(exc)))
            continue
        if flow.id in seen:
            errors.append(FlowError(position, flow_id, "id: duplicate flow id"))
            continue
        seen.add(flow.id)
        flows.append(flow)
    return flows, errors


def get_flow(flow_id: str, path: Path | None = None) -> Flow:
    flows, errors = load_flows(path)
    for flow in flows:
        if flow.id == flow_id:
            return flow
    for error in errors:
        if error.flow_id == flow_id:
            raise ValueError(str(error))
    raise KeyError(f"no flow {flow_id!r} in {path or default_path()}")
