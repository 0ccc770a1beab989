"""Load and validate mapping sets: Amazon amount types → categories → ledger accounts, tax codes, tracking.

A mapping set is a folder (default `include/mappings/`, see its README.md):
- `common/amount_types.csv`: (transaction_type, amount_type, amount_description) → category, `*` wildcards;
- `common/finance_event_types.csv`: (event_type, component, type) → category for Finances API event rows
  (`staging.financial_event_rows` event_type, component_kind, amount_type or, for plain amounts, description);
- `common/transaction_types.csv`: the settlement transaction types we know (Amazon publishes no list). A line
  of any other type is unmapped, whatever its amount type says (held, or suspense if the flow says so): a
  new kind of transaction must be looked at before it is posted, not guessed from `*` rows;
- `<ledger>.yaml`: flow-level accounts per marketplace and category × marketplace routes;
- `overrides/<seller>.yaml`: merged last (extra amount-type rows, ledger keys deep-merged).

The most specific pattern wins: a literal description outranks a literal transaction type, which
outranks a literal amount type (weights 4, 2, 1), so no two distinct patterns ever tie. Matching ignores
case and surrounding blanks. Loading fails with the file, row and field at fault; `check_chart` then
verifies every account and tax code exists in the ledger's chart.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from sellerledger import settings
from sellerledger.accounting.categories import CATEGORIES, DocumentRoute
from sellerledger.accounting.marketplaces import DEFAULT, normalise_marketplace

LEDGERS = ("xero", "qbo", "myob", "wave", "zoho")
WILDCARD = "*"
FLOW_ROLES = ("bank", "clearing", "carried_forward", "payable", "suspense")


class MappingError(ValueError):
    """A mapping file is malformed; the message names the file, row or key, and what was expected."""


# ---------------------------------------------------------------------------------------------------------
# file schemas (pydantic): partial specs, merged default <- marketplace, common <- override


class RouteSpec(BaseModel):
    """One category's route for one marketplace (or `default`); unset fields fall back to `default`."""

    model_config = ConfigDict(extra="forbid")
    account: str | None = None
    tax_code: str | None = None
    tracking: dict[str, str] | None = None
    document: Literal["invoice", "credit_note", "settlement"] | None = None

    @field_validator("account", "tax_code", mode="before")
    @classmethod
    def _codes_are_text(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError("write account and tax codes as quoted strings (e.g. \"4000\")")
        return value


class FlowAccountsSpec(BaseModel):
    """Flow-level accounts of one marketplace (or `default`)."""

    model_config = ConfigDict(extra="forbid")
    bank: str | None = None
    clearing: str | None = None
    carried_forward: str | None = None
    payable: str | None = None
    suspense: str | None = None
    fx_rounding: str | None = None  # cents left by converting a foreign-marketplace document to home currency
    customer: str | None = None
    tracking: dict[str, str] | None = None

    @field_validator("bank", "clearing", "carried_forward", "payable", "suspense", "fx_rounding", mode="before")
    @classmethod
    def _codes_are_text(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError("write account codes as quoted strings (e.g. \"1000\")")
        return value


class LedgerMappingFile(BaseModel):
    """The `<ledger>.yaml` file after overrides are merged."""

    model_config = ConfigDict(extra="forbid")
    ledger: Literal["xero", "qbo", "myob", "wave", "zoho"]
    version: str
    description: str = ""
    default_tax_code: str | None = None
    flow_accounts: dict[str, FlowAccountsSpec]
    categories: dict[str, dict[str, RouteSpec]]


class OverrideFile(BaseModel):
    """`overrides/<seller>.yaml`: extra amount-type rows and partial ledger files."""

    model_config = ConfigDict(extra="forbid")
    description: str = ""
    version: str | None = None
    amount_types: list[dict[str, str]] = []
    finance_event_types: list[dict[str, str]] = []
    transaction_types: list[str] = []
    ledgers: dict[str, dict[str, Any]] = {}


# ---------------------------------------------------------------------------------------------------------
# resolved objects


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


@dataclass(frozen=True)
class TypeRule:
    """One row of a three-field pattern table (amount types or finance event types)."""

    fields: tuple[str, str, str]
    category: str
    source: str
    origin: str  # file:row, for error messages and the unmapped report

    @property
    def pattern(self) -> tuple[str, str, str]:
        return tuple(WILDCARD if f == WILDCARD else _norm(f) for f in self.fields)  # type: ignore[return-value]


class PatternTable:
    """Most-specific-wins lookup over (a, b, c) patterns with `*` wildcards.

    Weights: field c (description / type) 4, field a (transaction type / event list) 2, field b 1.
    """

    _ORDER = sorted(
        ((a, b, c) for a in (True, False) for b in (True, False) for c in (True, False)),
        key=lambda t: -(4 * t[2] + 2 * t[0] + 1 * t[1]),
    )

    def __init__(self, rules: Iterable[TypeRule]) -> None:
        self._rules: dict[tuple[str, str, str], TypeRule] = {}
        for rule in rules:
            self._rules[rule.pattern] = rule  # later rows (overrides) replace earlier ones

    def __len__(self) -> int:
        return len(self._rules)

    @property
    def rules(self) -> tuple[TypeRule, ...]:
        return tuple(self._rules[k] for k in sorted(self._rules))

    def match(self, a: str, b: str, c: str) -> TypeRule | None:
        key = (_norm(a), _norm(b), _norm(c))
        for use_a, use_b, use_c in self._ORDER:
            pattern = (
                key[0] if use_a else WILDCARD,
                key[1] if use_b else WILDCARD,
                key[2] if use_c else WILDCARD,
            )
            rule = self._rules.get(pattern)
            if rule is not None:
                return rule
        return None


@dataclass(frozen=True)
class Route:
    """Where one category's amounts go for one marketplace in one ledger."""

    category: str
    account: str
    tax_code: str | None
    tracking: tuple[tuple[str, str], ...]
    document: DocumentRoute


@dataclass(frozen=True)
class FlowAccounts:
    """Flow-level accounts for one marketplace."""

    bank: str
    clearing: str
    carried_forward: str
    payable: str
    suspense: str
    customer: str
    tracking: tuple[tuple[str, str], ...]
    fx_rounding: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A loaded, validated, merged mapping set for one ledger."""

    ledger: str
    version: str
    hash: str
    amount_types: PatternTable
    finance_event_types: PatternTable
    spec: LedgerMappingFile
    sources: tuple[str, ...]  # files merged, in order
    transaction_types: frozenset[str] = frozenset()  # normalised; empty: every type is known

    def categorize(self, transaction_type: str, amount_type: str, amount_description: str) -> str | None:
        """Canonical category of a settlement line's type triple, or None when unmapped (also when its
        transaction type is not a known one)."""
        if self.transaction_types and transaction_type.strip() and _norm(transaction_type) not in self.transaction_types:
            return None
        rule = self.amount_types.match(transaction_type, amount_type, amount_description)
        return rule.category if rule else None

    def categorize_finance(
        self, event_type: str, component_kind: str, amount_type: str, description: str | None = None
    ) -> str | None:
        """Canonical category of a `staging.financial_event_rows` amount.

        Plain event amounts (`component_kind="amount"`) are looked up by their event subtype
        (`description`, e.g. AdjustmentType `FBAInventoryReimbursement`) first, then by field name.
        """
        if component_kind == "amount" and description:
            rule = self.finance_event_types.match(event_type, component_kind, description)
            if rule is not None:
                return rule.category
        rule = self.finance_event_types.match(event_type, component_kind, amount_type)
        return rule.category if rule else None

    def flow_accounts(self, marketplace: str) -> FlowAccounts:
        specs = self.spec.flow_accounts
        merged = _merge_model(specs.get(DEFAULT), specs.get(normalise_marketplace(marketplace) or DEFAULT))
        return FlowAccounts(
            bank=merged["bank"],
            clearing=merged["clearing"],
            carried_forward=merged["carried_forward"],
            payable=merged["payable"],
            suspense=merged["suspense"],
            customer=merged["customer"],
            tracking=tuple(sorted((merged.get("tracking") or {}).items())),
            fx_rounding=merged.get("fx_rounding"),
        )

    def route(self, category: str, marketplace: str) -> Route | None:
        """The route of `category` in `marketplace` (falling back to `default`), or None when unmapped."""
        if category not in CATEGORIES:
            return None
        per_market = self.spec.categories.get(category)
        if not per_market:
            return None
        mkt = normalise_marketplace(marketplace) or DEFAULT
        merged = _merge_model(per_market.get(DEFAULT), per_market.get(mkt))
        if not merged.get("account"):
            return None
        tracking = merged.get("tracking")
        if tracking is None:
            tracking = dict(self.flow_accounts(mkt).tracking)
        return Route(
            category=category,
            account=merged["account"],
            tax_code=merged.get("tax_code") or self.spec.default_tax_code,
            tracking=tuple(sorted(tracking.items())),
            document=merged.get("document") or CATEGORIES[category].document,
        )

    def marketplaces(self) -> tuple[str, ...]:
        """Marketplaces named anywhere in the ledger file (besides `default`)."""
        names = {m for m in self.spec.flow_accounts if m != DEFAULT}
        for per_market in self.spec.categories.values():
            names.update(m for m in per_market if m != DEFAULT)
        return tuple(sorted(names))

    def describe(self) -> str:
        return f"{self.ledger} mapping {self.version} ({self.hash[:12]})"


def _merge_model(base: BaseModel | None, top: BaseModel | None) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for model in (base, top):
        if model is None:
            continue
        for name, value in model.model_dump(exclude_none=True).items():
            merged[name] = value
    return merged


# ---------------------------------------------------------------------------------------------------------
# loading


def default_root() -> Path:
    return settings.include_dir() / "mappings"


def _read_table(
    text: str, origin: str, columns: tuple[str, str, str], extra_rows: Iterable[tuple[str, dict[str, str]]] = ()
) -> list[TypeRule]:
    rules: list[TypeRule] = []
    reader = csv.DictReader(io.StringIO(text))
    expected = (*columns, "category")
    missing = [c for c in expected if c not in (reader.fieldnames or [])]
    if missing:
        raise MappingError(f"{origin}: header lacks column(s) {', '.join(missing)}; expected {', '.join(expected)}")
    rows: list[tuple[str, dict[str, str]]] = [(f"{origin}:{n}", row) for n, row in enumerate(reader, start=2)]
    rows.extend(extra_rows)
    seen: dict[tuple[str, str, str], str] = {}
    for where, row in rows:
        values = tuple((row.get(c) or "").strip() for c in columns)
        cat = (row.get("category") or "").strip()
        if not all(values):
            raise MappingError(f"{where}: empty pattern field; use `*` to match anything in {', '.join(columns)}")
        if cat not in CATEGORIES:
            raise MappingError(
                f"{where}: category {cat!r} is not a canonical category; expected one of {', '.join(sorted(CATEGORIES))}"
            )
        rule = TypeRule(fields=values, category=cat, source=(row.get("source") or "").strip(), origin=where)  # type: ignore[arg-type]
        if rule.pattern in seen and not where.startswith("override"):
            raise MappingError(f"{where}: pattern {values} repeats {seen[rule.pattern]}")
        seen[rule.pattern] = where
        rules.append(rule)
    return rules


def _deep_merge(base: dict[str, Any], top: AbcMapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, AbcMapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _market_key(key: object, where: str) -> str:
    if key == DEFAULT:
        return DEFAULT
    code = normalise_marketplace(str(key))
    if not code:
        raise MappingError(f"{where}: {key!r} is not a marketplace (use a code such as US or UK, or `default`)")
    return code


def _normalise_keys(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """Marketplace keys → normalised codes (`amazon.co.uk` → `UK`)."""
    out = dict(raw)
    if isinstance(out.get("flow_accounts"), dict):
        out["flow_accounts"] = {
            _market_key(k, f"{where}: flow_accounts"): v for k, v in out["flow_accounts"].items()
        }
    if isinstance(out.get("categories"), dict):
        out["categories"] = {
            cat: ({_market_key(k, f"{where}: categories.{cat}"): v for k, v in per.items()}
                  if isinstance(per, dict) else per)
            for cat, per in out["categories"].items()
        }
    return out


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise MappingError(f"{path}: expected a mapping at the top level")
    return data


def _validation_message(path: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{path}: {loc}: {err['msg']}")
    return "; ".join(parts)


def load_mapping(ledger: str, *, root: Path | str | None = None, seller: str | None = None) -> Mapping:
    """Load `<root>/<ledger>.yaml` with the common tables and `overrides/<seller>.yaml`, validated."""
    if ledger not in LEDGERS:
        raise MappingError(f"unknown ledger {ledger!r}; expected one of {', '.join(LEDGERS)}")
    base = Path(root) if root is not None else default_root()
    amount_path = base / "common" / "amount_types.csv"
    finance_path = base / "common" / "finance_event_types.csv"
    types_path = base / "common" / "transaction_types.csv"
    ledger_path = base / f"{ledger}.yaml"
    for path in (amount_path, finance_path, types_path, ledger_path):
        if not path.is_file():
            raise MappingError(f"{path}: mapping file not found")
    sources = [str(amount_path), str(finance_path), str(types_path), str(ledger_path)]

    raw_ledger = _normalise_keys(_yaml(ledger_path), str(ledger_path))
    override = OverrideFile()
    override_label = ""
    if seller:
        override_path = base / "overrides" / f"{seller}.yaml"
        if override_path.is_file():
            try:
                override = OverrideFile.model_validate(_yaml(override_path))
            except ValidationError as exc:
                raise MappingError(_validation_message(str(override_path), exc)) from exc
            if ledger in override.ledgers:
                raw_ledger = _deep_merge(raw_ledger, _normalise_keys(override.ledgers[ledger], str(override_path)))
            override_label = override.version or seller
            sources.append(str(override_path))

    amount_rules = _read_table(
        amount_path.read_text(encoding="utf-8"),
        str(amount_path),
        ("transaction_type", "amount_type", "amount_description"),
        [(f"override {seller}:amount_types[{i}]", row) for i, row in enumerate(override.amount_types)],
    )
    finance_rules = _read_table(
        finance_path.read_text(encoding="utf-8"),
        str(finance_path),
        ("event_type", "component", "type"),
        [(f"override {seller}:finance_event_types[{i}]", row) for i, row in enumerate(override.finance_event_types)],
    )
    transaction_types = _read_transaction_types(types_path) | {_norm(t) for t in override.transaction_types}
    try:
        spec = LedgerMappingFile.model_validate(raw_ledger)
    except ValidationError as exc:
        raise MappingError(_validation_message(str(ledger_path), exc)) from exc
    if spec.ledger != ledger:
        raise MappingError(f"{ledger_path}: `ledger: {spec.ledger}` does not match the file name ({ledger})")
    _validate_spec(spec, str(ledger_path))

    canonical = {
        "amount_types": sorted([list(r.pattern), r.category] for r in amount_rules),
        "finance_event_types": sorted([list(r.pattern), r.category] for r in finance_rules),
        "transaction_types": sorted(transaction_types),
        "ledger": spec.model_dump(mode="json"),
    }
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
    version = spec.version + (f"+{override_label}" if override_label else "")
    return Mapping(
        ledger=ledger,
        version=version,
        hash=digest,
        amount_types=PatternTable(amount_rules),
        finance_event_types=PatternTable(finance_rules),
        spec=spec,
        sources=tuple(sources),
        transaction_types=frozenset(transaction_types),
    )


def _read_transaction_types(path: Path) -> set[str]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    if "transaction_type" not in (reader.fieldnames or []):
        raise MappingError(f"{path}: header lacks column transaction_type")
    found = set()
    for number, row in enumerate(reader, start=2):
        value = _norm(row.get("transaction_type"))
        if not value or value == "*":
            raise MappingError(f"{path}:{number}: transaction_type must be a literal type, not empty or '*'")
        found.add(value)
    return found


def _validate_spec(spec: LedgerMappingFile, where: str) -> None:
    default = spec.flow_accounts.get(DEFAULT)
    if default is None:
        raise MappingError(f"{where}: flow_accounts needs a `default` entry")
    for role in (*FLOW_ROLES, "customer"):
        if not getattr(default, role):
            raise MappingError(f"{where}: flow_accounts.default.{role} is required")
    for cat, per_market in spec.categories.items():
        if cat not in CATEGORIES:
            raise MappingError(
                f"{where}: categories.{cat}: not a canonical category; expected one of {', '.join(sorted(CATEGORIES))}"
            )
        for mkt, route in per_market.items():
            _validate_tracking(spec.ledger, route.tracking, f"{where}: categories.{cat}.{mkt}.tracking")
    for mkt, accounts in spec.flow_accounts.items():
        _validate_tracking(spec.ledger, accounts.tracking, f"{where}: flow_accounts.{mkt}.tracking")


_TRACKING_KEYS = {"qbo": {"class", "department"}, "myob": {"job", "category"}}


def _validate_tracking(ledger: str, tracking: dict[str, str] | None, where: str) -> None:
    if not tracking:
        return
    if len(tracking) > 2:
        raise MappingError(f"{where}: at most 2 tracking entries (Xero's limit per line), got {len(tracking)}")
    allowed = _TRACKING_KEYS.get(ledger)
    if allowed is not None and not set(tracking) <= allowed:
        raise MappingError(f"{where}: {ledger} tracking keys must be among {sorted(allowed)}, got {sorted(tracking)}")
    if ledger == "wave":
        raise MappingError(f"{where}: Wave has no tracking categories; remove `tracking`")


# ---------------------------------------------------------------------------------------------------------
# charts


@dataclass(frozen=True)
class ChartAccount:
    code: str
    name: str
    account_class: str  # asset | liability | equity | revenue | expense
    kind: str  # bank, current_asset, receivable, payable, revenue, expense ...


@dataclass(frozen=True)
class Chart:
    """The accounts and tax codes a ledger tenant holds (by user-facing code)."""

    accounts: dict[str, ChartAccount]
    tax_codes: frozenset[str]


_MYOB_PREFIX = {"asset": "1", "liability": "2", "equity": "3", "revenue": "4", "expense": "6"}


def chart_from_yaml(path: Path | str, ledger: str) -> Chart:
    """A chart from a `demo_chart.yaml`-shaped file; MYOB codes become DisplayIDs (`1-1000`, `4-4000` ...)."""
    data = _yaml(Path(path))
    accounts: dict[str, ChartAccount] = {}
    for item in data.get("accounts", []):
        code = str(item["code"])
        if ledger == "myob":  # MYOB numbers Other Income 8-xxxx, apart from ordinary income (4-xxxx)
            prefix = "8" if item.get("kind") == "other_income" else _MYOB_PREFIX[item["class"]]
            code = f"{prefix}-{code}"
        accounts[code] = ChartAccount(code, item["name"], item["class"], item.get("kind", ""))
    tax_codes = frozenset(str(t["code"]) for t in data.get("tax_rates", []))
    return Chart(accounts, tax_codes)


def demo_chart(ledger: str) -> Chart:
    """The chart every sandbox ledger tenant starts with."""
    from importlib import resources

    path = resources.files("sellerledger.sandbox.ledgers") / "demo_chart.yaml"
    return chart_from_yaml(Path(str(path)), ledger)


@dataclass(frozen=True)
class ChartProblem:
    where: str  # e.g. "categories.principal.amazon.co.uk" or "flow_accounts.default.bank"
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


def check_chart(mapping: Mapping, chart: Chart, marketplaces: Iterable[str] = ()) -> list[ChartProblem]:
    """Every account and tax code the mapping can route to exists in `chart`, with a sensible class.

    Checks `default` and every marketplace named in the mapping or in `marketplaces`: accounts exist; tax
    codes exist; the bank account is a bank; reserves, carried-forward, clearing, payable, suspense and
    balance-sheet categories sit on asset or liability accounts.
    """
    from sellerledger.accounting.categories import CATEGORIES as CATS

    problems: list[ChartProblem] = []
    markets = sorted({DEFAULT, *mapping.marketplaces(), *(normalise_marketplace(m) for m in marketplaces if m)})

    def need(code: str | None, where: str, balance_sheet: bool = False, bank: bool = False) -> None:
        if not code:
            problems.append(ChartProblem(where, "no account"))
            return
        account = chart.accounts.get(code)
        if account is None:
            problems.append(ChartProblem(where, f"account {code!r} is not in the chart"))
            return
        if balance_sheet and account.account_class not in ("asset", "liability"):
            problems.append(ChartProblem(where, f"account {code} is {account.account_class}, expected asset or liability"))
        if bank and account.kind != "bank":
            problems.append(ChartProblem(where, f"account {code} is not a bank account (kind {account.kind})"))

    for mkt in markets:
        flow = mapping.flow_accounts(mkt)
        need(flow.bank, f"flow_accounts.{mkt}.bank", bank=True)
        for role in ("clearing", "carried_forward", "payable", "suspense"):
            need(getattr(flow, role), f"flow_accounts.{mkt}.{role}", balance_sheet=True)
        if flow.fx_rounding:
            need(flow.fx_rounding, f"flow_accounts.{mkt}.fx_rounding")
        for cat in CATS:
            route = mapping.route(cat, mkt)
            if route is None:
                continue
            need(route.account, f"categories.{cat}.{mkt}", balance_sheet=CATS[cat].balance_sheet)
            if route.tax_code and route.tax_code not in chart.tax_codes:
                problems.append(ChartProblem(f"categories.{cat}.{mkt}", f"tax code {route.tax_code!r} is not in the chart"))
    unique: dict[str, ChartProblem] = {}
    for p in problems:
        unique.setdefault(str(p), p)
    return list(unique.values())
