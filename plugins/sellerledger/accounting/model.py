"""The ledger-agnostic document model: what the accounting layer produces and the posting layer renders.

Every figure is a `Decimal` with its currency beside it. A document is a balanced journal in one
currency (`lines`, debit positive, credit negative, summing to zero), optionally with the customer-facing
`invoice_lines` of an invoice or credit note. Each journal line names the settlement lines it came from
(`SourceRef`), so every posted figure traces back to `staging.settlement_lines`.

Line roles tell a renderer which line is which, whatever the ledger's shape:
- `body`: a mapped category amount (revenue, fee, refund, tax, reserve, transfer, suspense ...).
- `deposit`: the net payout landing in the bank account (signed; the deposit-bearing "anchor").
- `payable`: the net owed to Amazon when the settlement total is negative (a credit on the payable account).
- `carried_forward`: an earlier month part's net parked on the carried-forward account (out in the earlier
  part, back in the final part), so all parts together reconcile to the one bank deposit.
- `receivable`: an order invoice's / credit note's total on the clearing (receivable) account.
- `clearing`: the settlement clearing document's line that clears one invoice or credit note
  (`ref` = that document's `identity`).

All dataclasses are frozen; documents validate themselves on construction (balance, one currency,
no zero lines, Decimal amounts) so an inconsistent document cannot exist.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sellerledger.accounting.keys import document_identity, document_key

SCHEMA_VERSION = 1


class DocumentKind(StrEnum):
    """What a document is; renderers pick the ledger object from this."""

    SETTLEMENT_SUMMARY = "settlement_summary"  # summary mode: one per settlement x marketplace x month part
    ORDER_INVOICE = "order_invoice"  # per_order mode: one per order x settlement x month part
    CREDIT_NOTE = "credit_note"  # per_order mode: one per refunded order (x adjustment) x settlement x part
    SETTLEMENT_CLEARING = "settlement_clearing"  # per_order mode: clears invoices, books the rest, lands payout


class LineRole(StrEnum):
    """The job of a journal line inside its document (see the module docstring)."""

    BODY = "body"
    DEPOSIT = "deposit"
    PAYABLE = "payable"
    CARRIED_FORWARD = "carried_forward"
    RECEIVABLE = "receivable"
    CLEARING = "clearing"


ANCHOR_ROLES = frozenset({LineRole.DEPOSIT, LineRole.PAYABLE})


def _require_decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise TypeError(f"{what}: {value!r} is not a Decimal (money is never float or int)")
    if not value.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite amount")
    return value


def _require_currency(code: object, what: str) -> str:
    if not (isinstance(code, str) and len(code) == 3 and code.isalpha() and code.isupper()):
        raise ValueError(f"{what}: currency {code!r} is not a 3-letter ISO 4217 code")
    return code


@dataclass(frozen=True)
class Money:
    """An amount with its currency. Arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        _require_decimal(self.amount, "Money.amount")
        _require_currency(self.currency, "Money.currency")

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency} amounts")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0"), currency)


@dataclass(frozen=True, order=True)
class SourceRef:
    """One staged settlement line: `staging.settlement_lines (settlement_id, line_number)`."""

    settlement_id: str
    line_number: int


Tracking = tuple[tuple[str, str], ...]
"""Tracking as sorted (category, option) pairs: Xero tracking category/option, QBO class, Zoho tag."""


@dataclass(frozen=True)
class JournalLine:
    """One line of a document's journal. `amount` is signed: debit > 0, credit < 0, never 0."""

    role: LineRole
    account: str
    amount: Decimal
    currency: str
    description: str
    category: str | None = None  # canonical category for body/receivable lines; "unmapped" for suspense
    tax_code: str | None = None
    tracking: Tracking = ()
    sources: tuple[SourceRef, ...] = ()
    ref: str | None = None  # clearing: identity of the cleared document; carried_forward: the part label
    suspense: bool = False  # True when an unmapped amount was routed to the suspense account

    def __post_init__(self) -> None:
        _require_decimal(self.amount, f"JournalLine({self.account}).amount")
        _require_currency(self.currency, f"JournalLine({self.account}).currency")
        if self.amount == 0:
            raise ValueError(f"JournalLine({self.account}): zero amount lines are not allowed")
        if not self.account:
            raise ValueError("JournalLine: account is empty")

    @property
    def debit(self) -> Decimal:
        """The debit amount (>= 0), for ledgers with separate debit/credit columns."""
        return self.amount if self.amount > 0 else Decimal("0")

    @property
    def credit(self) -> Decimal:
        """The credit amount (>= 0)."""
        return -self.amount if self.amount < 0 else Decimal("0")

    @property
    def is_credit(self) -> bool:
        return self.amount < 0

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


@dataclass(frozen=True)
class InvoiceLine:
    """A customer-facing line of an order invoice or credit note.

    `amount` is in the document's own sense: on an invoice, positive charges the customer (a promotion is
    negative); on a credit note, positive credits the customer. Amounts are final, tax-inclusive figures
    as Amazon reported them: tax Amazon reported separately is its own line (category tax_collected /
    refund_tax) on a tax account, so a renderer must not add tax on top (post tax-inclusive or no-tax).
    """

    category: str
    account: str
    amount: Decimal
    currency: str
    description: str
    tax_code: str | None = None
    tracking: Tracking = ()
    sku: str | None = None
    quantity: int | None = None
    sources: tuple[SourceRef, ...] = ()

    def __post_init__(self) -> None:
        _require_decimal(self.amount, f"InvoiceLine({self.description}).amount")
        _require_currency(self.currency, f"InvoiceLine({self.description}).currency")

    def unit_amount(self, places: int = 2) -> Decimal | None:
        """amount / quantity when that is exact at `places` decimals, else None (post quantity 1)."""
        if not self.quantity or self.quantity <= 0:
            return None
        unit = self.amount / self.quantity
        quantum = Decimal(1).scaleb(-places)
        if unit.quantize(quantum) * self.quantity != self.amount:
            return None
        return unit.quantize(quantum)


@dataclass(frozen=True)
class NettedGroup:
    """A group of source lines whose amounts net to exactly zero, so no journal line carries them."""

    category: str
    account: str
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class FxInfo:
    """Payout conversion: the document is in its marketplace currency; the bank got another currency.

    `rate` is deposit-currency units per one document-currency unit. `deposit_amount` is this document's
    share of the converted payout (set on deposit-bearing documents only; shares sum to the payout).
    """

    deposit_currency: str
    rate: Decimal
    deposit_amount: Decimal | None = None

    def __post_init__(self) -> None:
        _require_currency(self.deposit_currency, "FxInfo.deposit_currency")
        _require_decimal(self.rate, "FxInfo.rate")
        if self.rate <= 0:
            raise ValueError(f"FxInfo.rate must be positive, got {self.rate}")
        if self.deposit_amount is not None:
            _require_decimal(self.deposit_amount, "FxInfo.deposit_amount")


@dataclass(frozen=True)
class SettlementInfo:
    """The settlement a document belongs to (header fields of the V2 summary row)."""

    settlement_id: str
    start: date
    end: date
    deposit_date: date | None
    total: Money


@dataclass(frozen=True)
class Document:
    """A ledger-agnostic accounting document. Construct through the builders, render in `ledgers/`.

    Identity (all in the idempotency key): flow, settlement, marketplace, month part, kind, ref, version.
    """

    kind: DocumentKind
    flow_id: str
    settlement: SettlementInfo
    marketplace: str
    part: str  # "YYYY-MM" month part in the policy time zone, or "all" when not split by month
    ref: str  # "" for settlement documents; order id (credit notes: order id[~adjustment id]) otherwise
    currency: str
    date: date
    lines: tuple[JournalLine, ...]
    reference: str  # short human reference for the ledger's reference / memo field
    narration: str
    customer: str | None = None  # the generic Amazon customer of the marketplace (invoices, credit notes)
    invoice_lines: tuple[InvoiceLine, ...] = ()
    netted: tuple[NettedGroup, ...] = ()
    fx: FxInfo | None = None
    is_final_part: bool = True  # the part that carries the deposit / payable anchor
    version: int = 1
    mapping_version: str = ""
    mapping_hash: str = ""
    meta: tuple[tuple[str, str], ...] = field(default=())  # extra facts (sorted pairs), e.g. order ids

    def __post_init__(self) -> None:
        _require_currency(self.currency, f"Document {self.kind} currency")
        if self.version < 1:
            raise ValueError(f"document version must be >= 1, got {self.version}")
        if not self.lines:
            raise ValueError(f"{self.identity}: a document needs at least one line")
        total = Decimal("0")
        for line in self.lines:
            if line.currency != self.currency:
                raise ValueError(
                    f"{self.identity}: line on {line.account} is in {line.currency}, document in {self.currency}"
                )
            total += line.amount
        if total != 0:
            raise ValueError(f"{self.identity}: lines do not balance (debits - credits = {total})")
        for inv in self.invoice_lines:
            if inv.currency != self.currency:
                raise ValueError(f"{self.identity}: invoice line in {inv.currency}, document in {self.currency}")
        if self.invoice_lines:
            receivable = sum((ln.amount for ln in self.lines if ln.role == LineRole.RECEIVABLE), Decimal("0"))
            expected = self.invoice_total if self.kind == DocumentKind.ORDER_INVOICE else -self.invoice_total
            if receivable != expected:
                raise ValueError(f"{self.identity}: invoice lines total {self.invoice_total}, receivable {receivable}")

    # identity -----------------------------------------------------------------------------------------
    @property
    def settlement_id(self) -> str:
        return self.settlement.settlement_id

    @property
    def identity(self) -> str:
        """The key without its version: stable across rebuilds of the same logical document."""
        return document_identity(self.flow_id, self.settlement_id, self.marketplace, self.part, self.kind, self.ref)

    @property
    def key(self) -> str:
        """Deterministic idempotency key (flow, settlement, marketplace, part, kind, ref, version)."""
        return document_key(
            self.flow_id, self.settlement_id, self.marketplace, self.part, self.kind, self.ref, self.version
        )

    def with_version(self, version: int) -> Document:
        return replace(self, version=version)

    # figures ------------------------------------------------------------------------------------------
    @property
    def anchor(self) -> JournalLine | None:
        """The deposit or payable line (None on invoices, credit notes and earlier month parts)."""
        found = [line for line in self.lines if line.role in ANCHOR_ROLES]
        return found[0] if found else None

    @property
    def net(self) -> Money:
        """What this document lands in the bank (deposit) or owes Amazon (payable, negative); 0 otherwise."""
        anchor = self.anchor
        return Money(anchor.amount if anchor else Decimal("0"), self.currency)

    @property
    def invoice_total(self) -> Decimal:
        return sum((line.amount for line in self.invoice_lines), Decimal("0"))

    @property
    def debit_total(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal("0"))

    @property
    def sources(self) -> tuple[SourceRef, ...]:
        """Every settlement line this document carries (journal lines plus netted groups), sorted."""
        refs: set[SourceRef] = set()
        for line in self.lines:
            refs.update(line.sources)
        for group in self.netted:
            refs.update(group.sources)
        return tuple(sorted(refs))

    # serialisation ------------------------------------------------------------------------------------
    def to_payload(self) -> dict[str, Any]:
        """JSON-ready dict (amounts as decimal strings) stored in `accounting.documents.payload`."""
        return {
            "schema": SCHEMA_VERSION,
            "key": self.key,
            "identity": self.identity,
            "kind": self.kind.value,
            "flow_id": self.flow_id,
            "settlement": {
                "settlement_id": self.settlement.settlement_id,
                "start": self.settlement.start.isoformat(),
                "end": self.settlement.end.isoformat(),
                "deposit_date": self.settlement.deposit_date.isoformat() if self.settlement.deposit_date else None,
                "total": str(self.settlement.total.amount),
                "currency": self.settlement.total.currency,
            },
            "marketplace": self.marketplace,
            "part": self.part,
            "ref": self.ref,
            "version": self.version,
            "currency": self.currency,
            "date": self.date.isoformat(),
            "reference": self.reference,
            "narration": self.narration,
            "customer": self.customer,
            "is_final_part": self.is_final_part,
            "mapping_version": self.mapping_version,
            "mapping_hash": self.mapping_hash,
            "fx": None
            if self.fx is None
            else {
                "deposit_currency": self.fx.deposit_currency,
                "rate": str(self.fx.rate),
                "deposit_amount": None if self.fx.deposit_amount is None else str(self.fx.deposit_amount),
            },
            "lines": [_line_payload(line) for line in self.lines],
            "invoice_lines": [_invoice_line_payload(line) for line in self.invoice_lines],
            "netted": [
                {"category": g.category, "account": g.account, "sources": _refs_payload(g.sources)}
                for g in self.netted
            ],
            "meta": [list(pair) for pair in self.meta],
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Document:
        """Inverse of `to_payload` (amounts parsed back to Decimal)."""
        s = payload["settlement"]
        fx = payload.get("fx")
        return cls(
            kind=DocumentKind(payload["kind"]),
            flow_id=payload["flow_id"],
            settlement=SettlementInfo(
                settlement_id=s["settlement_id"],
                start=date.fromisoformat(s["start"]),
                end=date.fromisoformat(s["end"]),
                deposit_date=date.fromisoformat(s["deposit_date"]) if s.get("deposit_date") else None,
                total=Money(Decimal(s["total"]), s["currency"]),
            ),
            marketplace=payload["marketplace"],
            part=payload["part"],
            ref=payload["ref"],
            version=int(payload["version"]),
            currency=payload["currency"],
            date=date.fromisoformat(payload["date"]),
            reference=payload["reference"],
            narration=payload["narration"],
            customer=payload.get("customer"),
            is_final_part=bool(payload["is_final_part"]),
            mapping_version=payload.get("mapping_version", ""),
            mapping_hash=payload.get("mapping_hash", ""),
            fx=None
            if not fx
            else FxInfo(
                deposit_currency=fx["deposit_currency"],
                rate=Decimal(fx["rate"]),
                deposit_amount=None if fx.get("deposit_amount") is None else Decimal(fx["deposit_amount"]),
            ),
            lines=tuple(_line_from_payload(p) for p in payload["lines"]),
            invoice_lines=tuple(_invoice_line_from_payload(p) for p in payload.get("invoice_lines", [])),
            netted=tuple(
                NettedGroup(g["category"], g["account"], _refs_from_payload(g["sources"]))
                for g in payload.get("netted", [])
            ),
            meta=tuple((str(a), str(b)) for a, b in payload.get("meta", [])),
        )

    def content_hash(self) -> str:
        """sha256 of the document's content, ignoring version, mapping labels and the key.

        Two builds with the same hash would post the same thing; the store uses it to decide whether a
        rebuild is a new version.
        """
        payload = self.to_payload()
        for volatile in ("key", "version", "mapping_version", "mapping_hash"):
            payload.pop(volatile, None)
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _refs_payload(refs: tuple[SourceRef, ...]) -> list[list[Any]]:
    return [[ref.settlement_id, ref.line_number] for ref in refs]


def _refs_from_payload(items: list[list[Any]]) -> tuple[SourceRef, ...]:
    return tuple(SourceRef(str(a), int(b)) for a, b in items)


def _line_payload(line: JournalLine) -> dict[str, Any]:
    return {
        "role": line.role.value,
        "account": line.account,
        "amount": str(line.amount),
        "debit": str(line.debit),
        "credit": str(line.credit),
        "currency": line.currency,
        "description": line.description,
        "category": line.category,
        "tax_code": line.tax_code,
        "tracking": [list(pair) for pair in line.tracking],
        "sources": _refs_payload(line.sources),
        "ref": line.ref,
        "suspense": line.suspense,
    }


def _line_from_payload(p: dict[str, Any]) -> JournalLine:
    return JournalLine(
        role=LineRole(p["role"]),
        account=p["account"],
        amount=Decimal(p["amount"]),
        currency=p["currency"],
        description=p["description"],
        category=p.get("category"),
        tax_code=p.get("tax_code"),
        tracking=tuple((str(a), str(b)) for a, b in p.get("tracking", [])),
        sources=_refs_from_payload(p.get("sources", [])),
        ref=p.get("ref"),
        suspense=bool(p.get("suspense", False)),
    )


def _invoice_line_payload(line: InvoiceLine) -> dict[str, Any]:
    return {
        "category": line.category,
        "account": line.account,
        "amount": str(line.amount),
        "currency": line.currency,
        "description": line.description,
        "tax_code": line.tax_code,
        "tracking": [list(pair) for pair in line.tracking],
        "sku": line.sku,
        "quantity": line.quantity,
        "sources": _refs_payload(line.sources),
    }


def _invoice_line_from_payload(p: dict[str, Any]) -> InvoiceLine:
    return InvoiceLine(
        category=p["category"],
        account=p["account"],
        amount=Decimal(p["amount"]),
        currency=p["currency"],
        description=p["description"],
        tax_code=p.get("tax_code"),
        tracking=tuple((str(a), str(b)) for a, b in p.get("tracking", [])),
        sku=p.get("sku"),
        quantity=p.get("quantity"),
        sources=_refs_from_payload(p.get("sources", [])),
    )
