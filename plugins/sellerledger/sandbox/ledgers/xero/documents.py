"""Xero documents that post to the book: Invoices (ACCREC/ACCPAY), CreditNotes, BankTransactions,
ManualJournals and Payments. Each `plan_*` validates one element against the organisation and returns a
`Plan` whose `commit()` writes it (stores the entity, posts or reverses its entries)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.core.book import Entry
from sellerledger.sandbox.ledgers.common import (
    PAYABLE,
    RECEIVABLE,
    Document,
    Tenant,
    tax_liability_account,
    to_decimal,
)
from sellerledger.sandbox.ledgers.xero import chart
from sellerledger.sandbox.ledgers.xero.formats import ms_date, parse_date
from sellerledger.sandbox.ledgers.xero.lines import LINE_AMOUNT_TYPES, Posting, build_lines, tax_of, totals

NOT_MODIFIABLE = "Invoice not of valid status for modification"
ZERO = Decimal("0.00")


@dataclass
class Ctx:
    """One request's view of the organisation: options plus what earlier elements of the batch claimed."""

    tenant: Tenant
    now: datetime
    unitdp: int = 2
    lock_date: date | None = None
    journals_to_system_accounts: bool = False
    claimed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    new_contacts: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Plan:
    rendered: dict[str, Any]
    errors: list[str]
    commit: Callable[[], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Kind:
    """A document collection: its JSON names and how its number and types behave."""

    plural: str
    singular: str
    id_field: str
    number_field: str | None
    number_prefix: str = ""
    batch_max: int = 50


INVOICES = Kind("Invoices", "Invoice", "InvoiceID", "InvoiceNumber", "INV-")
CREDIT_NOTES = Kind("CreditNotes", "CreditNote", "CreditNoteID", "CreditNoteNumber", "CN-")
BANK_TRANSACTIONS = Kind("BankTransactions", "BankTransaction", "BankTransactionID", None)
MANUAL_JOURNALS = Kind("ManualJournals", "ManualJournal", "ManualJournalID", None)
PAYMENTS = Kind("Payments", "Payment", "PaymentID", None)
KINDS = {k.plural: k for k in (INVOICES, CREDIT_NOTES, BANK_TRANSACTIONS, MANUAL_JOURNALS, PAYMENTS)}


def natural_key(kind: Kind, raw: dict[str, Any]) -> str | None:
    """The reference a submission is counted under (number, narration or reference), if it carries one."""
    if kind.number_field and raw.get(kind.number_field):
        return f"{kind.singular}:{raw[kind.number_field]}"
    if kind is MANUAL_JOURNALS and raw.get("Narration"):
        return f"{kind.singular}:{raw['Narration']}"
    if raw.get("Reference") and kind in (BANK_TRANSACTIONS, PAYMENTS):
        return f"{kind.singular}:{raw['Reference']}"
    return None


def find_existing(tenant: Tenant, kind: Kind, raw: dict[str, Any]) -> Document | None:
    """The stored document an element names by id (or, for numbered kinds, by number)."""
    doc_id = raw.get(kind.id_field)
    if doc_id:
        document = tenant.documents.get(str(doc_id))
        return document if document is not None and document.type == kind.singular else None
    number = raw.get(kind.number_field) if kind.number_field else None
    if number:
        return next((d for d in tenant.documents.values()
                     if d.type == kind.singular and d.data.get(kind.number_field) == number), None)
    return None


def _date(raw: dict[str, Any], name: str, default: date | None, errors: list[str]) -> date | None:
    if raw.get(name) in (None, ""):
        return default
    try:
        return parse_date(raw[name])
    except ValueError:
        errors.append(f"{name} '{raw[name]}' is not a valid date")
        return default


def _check_lock(ctx: Ctx, when: date | None, errors: list[str]) -> None:
    if ctx.lock_date is not None and when is not None and when <= ctx.lock_date:
        errors.append("The document date cannot be before the end of year lock date, currently set at "
                      f"{ctx.lock_date:%d %b %Y}")


def _currency(ctx: Ctx, raw: dict[str, Any], existing: dict[str, Any], errors: list[str]) -> str:
    code = str(raw.get("CurrencyCode") or existing.get("CurrencyCode") or ctx.tenant.base_currency)
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        errors.append(f"Currency code '{code}' is not valid")
    return code


def _rate(raw: dict[str, Any], existing: dict[str, Any], errors: list[str]) -> Decimal:
    value = raw.get("CurrencyRate", existing.get("CurrencyRate"))
    if value is None:
        return Decimal("1.0")
    try:
        rate = to_decimal(value)
    except ValueError:
        errors.append(f"CurrencyRate {value!r} is not a number")
        return Decimal("1.0")
    if rate <= 0:
        errors.append("CurrencyRate must be greater than zero")
    return rate


def resolve_contact(ctx: Ctx, raw: Any, errors: list[str]) -> dict[str, Any] | None:
    """A contact by ContactID, ContactNumber or Name; a Name not yet known becomes a new contact."""
    if not isinstance(raw, dict) or not (raw.get("ContactID") or raw.get("Name") or raw.get("ContactNumber")):
        errors.append("A Contact must be specified for this type of transaction")
        return None
    contacts = ctx.tenant.records["Contact"]
    if raw.get("ContactID"):
        contact = contacts.get(str(raw["ContactID"]))
        if contact is None:
            errors.append(f"Contact with ContactID '{raw['ContactID']}' could not be found")
        return contact
    if raw.get("ContactNumber"):
        found = next((c for c in contacts.values() if c.get("ContactNumber") == raw["ContactNumber"]), None)
        if found is not None or not raw.get("Name"):
            if found is None:
                errors.append(f"Contact with ContactNumber '{raw['ContactNumber']}' could not be found")
            return found
    name = str(raw["Name"]).strip()
    found = next((c for c in contacts.values()
                  if c["ContactStatus"] == "ACTIVE" and c["Name"].lower() == name.lower()), None)
    if found is not None:
        return found
    pending = ctx.new_contacts.get(name.lower())
    if pending is None:
        pending = ctx.new_contacts[name.lower()] = {
            "ContactID": str(uuid.uuid4()), "ContactStatus": "ACTIVE", "Name": name, "IsSupplier": False,
            "IsCustomer": False, "Addresses": [], "Phones": [], "ContactGroups": [], "ContactPersons": [],
            "HasAttachments": False, "HasValidationErrors": False, "UpdatedDateUTC": ms_date(ctx.now),
        }
        if raw.get("ContactNumber"):
            pending["ContactNumber"] = raw["ContactNumber"]
    return pending


def _store_contact(ctx: Ctx, contact: dict[str, Any], customer: bool) -> dict[str, Any]:
    stored = ctx.tenant.records["Contact"].setdefault(contact["ContactID"], contact)
    ctx.new_contacts.pop(contact["Name"].lower(), None)
    if customer:
        stored["IsCustomer"] = True
    else:
        stored["IsSupplier"] = True
    return stored


def _contact_ref(contact: dict[str, Any]) -> dict[str, Any]:
    ref = {"ContactID": contact["ContactID"], "Name": contact["Name"], "ContactStatus": contact["ContactStatus"],
           "HasValidationErrors": False}
    if contact.get("ContactNumber"):
        ref["ContactNumber"] = contact["ContactNumber"]
    return ref


def _entries(anchor: str, anchor_sign: int, postings: list[Posting], currency: str) -> list[Entry]:
    """The anchor account (receivable, payable or bank) against the lines: `anchor_sign` +1 debits it."""
    total = sum((p.net + p.tax for p in postings), ZERO)
    entries = [Entry(anchor, currency, anchor_sign * total)]
    for posting in postings:
        entries.append(Entry(posting.account, currency, -anchor_sign * posting.net))
        if posting.tax and posting.tax_account:
            entries.append(Entry(posting.tax_account, currency, -anchor_sign * posting.tax))
    return entries


def _number(ctx: Ctx, kind: Kind, doc_type: str, raw: dict[str, Any], existing: Document | None,
            errors: list[str]) -> str | None:
    """The document number, unique per type for sales documents; generated when not given."""
    assert kind.number_field is not None
    number = raw.get(kind.number_field) or (existing.data.get(kind.number_field) if existing else None)
    if number is None:
        return None
    number = str(number)
    if len(number) > 255:
        errors.append(f"{kind.number_field} must be 255 characters or fewer")
    if doc_type in ("ACCREC", "ACCRECCREDIT"):
        clash = any(d.type == kind.singular and d.data.get(kind.number_field) == number
                    and d.data.get("Type") == doc_type and d.status != "DELETED"
                    and (existing is None or d.id != existing.id) for d in ctx.tenant.documents.values())
        if clash or number in ctx.claimed[kind.plural]:
            label = "Invoice #" if kind is INVOICES else "Credit Note #"
            errors.append(f"{label} must be unique.")
    return number


TXN_TYPES = {INVOICES.plural: ("ACCREC", "ACCPAY"), CREDIT_NOTES.plural: ("ACCRECCREDIT", "ACCPAYCREDIT")}
ANCHOR = {"ACCREC": (RECEIVABLE, 1), "ACCPAY": (PAYABLE, -1), "ACCRECCREDIT": (RECEIVABLE, -1),
          "ACCPAYCREDIT": (PAYABLE, 1)}
EDITABLE_FROM = {"DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
                 "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
                 "AUTHORISED": {"AUTHORISED", "VOIDED"}}
POSTING = {"AUTHORISED", "PAID"}


def plan_sales_document(ctx: Ctx, kind: Kind, raw: dict[str, Any], existing: Document | None) -> Plan:
    """An invoice or credit note: create, update while editable, or void/delete."""
    errors: list[str] = []
    old = existing.data if existing else {}
    doc_type = str(raw.get("Type") or old.get("Type") or "")
    if doc_type not in TXN_TYPES[kind.plural]:
        errors.append(f"{kind.singular} Type must be one of {', '.join(TXN_TYPES[kind.plural])}")
        return Plan(dict(raw), errors)
    status = str(raw.get("Status") or old.get("Status") or "DRAFT").upper()
    if existing is not None:
        current = existing.status
        paid = (old.get("AmountPaid") or ZERO) + (old.get("AmountCredited") or ZERO)
        if current not in EDITABLE_FROM or status not in EDITABLE_FROM[current]:
            errors.append(NOT_MODIFIABLE if kind is INVOICES else "Credit note not of valid status for modification")
            return Plan(dict(raw), errors)
        if current == "AUTHORISED" and paid > 0:
            errors.append("This document cannot be edited as it has a payment or credit note allocated to it.")
            return Plan(dict(raw), errors)
    elif status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
        errors.append(f"A new {kind.singular.lower()} cannot have status {status}")
        return Plan(dict(raw), errors)
    if status in ("VOIDED", "DELETED"):
        def void() -> dict[str, Any]:
            assert existing is not None
            data = dict(existing.data, Status=status, AmountDue=ZERO, UpdatedDateUTC=ms_date(ctx.now))
            if kind is CREDIT_NOTES:
                data["RemainingCredit"] = ZERO
            ctx.tenant.remove_from_book(existing.id, status, ctx.now)
            existing.data = data
            return data
        return Plan(dict(old, Status=status), [], void)
    contact = resolve_contact(ctx, raw.get("Contact", old.get("Contact")), errors)
    when = _date(raw, "Date", parse_date(old["Date"]) if old.get("Date") else ctx.now.date(), errors)
    due = _date(raw, "DueDate", parse_date(old["DueDate"]) if old.get("DueDate") else None, errors)
    if status in POSTING:
        _check_lock(ctx, when, errors)
    amount_types = str(raw.get("LineAmountTypes") or old.get("LineAmountTypes") or "Exclusive")
    if amount_types not in LINE_AMOUNT_TYPES:
        errors.append(f"LineAmountTypes '{amount_types}' is not valid")
        amount_types = "Exclusive"
    currency = _currency(ctx, raw, old, errors)
    rate = _rate(raw, old, errors)
    number = _number(ctx, kind, doc_type, raw, existing, errors)
    reference = raw.get("Reference", old.get("Reference"))
    if reference is not None and len(str(reference)) > 255:
        errors.append("Reference must be 255 characters or fewer")
    raw_lines = raw["LineItems"] if "LineItems" in raw else old.get("LineItems", [])
    lines, postings = build_lines(ctx.tenant, raw_lines, amount_types, ctx.unitdp, status in POSTING, errors)
    if status in POSTING and not lines:
        errors.append(f"{kind.singular} must have at least one line item")
    sub_total, total_tax = totals(postings, lines, amount_types)
    total = sub_total + total_tax
    if total < 0:
        errors.append(f"The {kind.singular.lower()} total cannot be negative")
    doc_id = existing.id if existing else str(uuid.uuid4())
    data: dict[str, Any] = {
        "Type": doc_type, kind.id_field: doc_id, "Status": status, "LineAmountTypes": amount_types,
        "LineItems": lines, "SubTotal": sub_total, "TotalTax": total_tax, "Total": total,
        "CurrencyCode": currency, "CurrencyRate": rate, "HasAttachments": False, "UpdatedDateUTC": ms_date(ctx.now),
    }
    if when is not None:
        data.update(Date=ms_date(when), DateString=f"{when.isoformat()}T00:00:00")
    if due is not None:
        data.update(DueDate=ms_date(due), DueDateString=f"{due.isoformat()}T00:00:00")
    if reference is not None:
        data["Reference"] = str(reference)
    if contact is not None:
        data["Contact"] = _contact_ref(contact)
    if kind is INVOICES:
        data.update(AmountDue=total, AmountPaid=ZERO, AmountCredited=ZERO, IsDiscounted=False, Payments=[],
                    CreditNotes=[], Prepayments=[], Overpayments=[], SentToContact=False)
    else:
        data.update(RemainingCredit=total, Allocations=[], Payments=[])
    if errors:
        echo = {k: v for k, v in data.items() if existing is not None or k != kind.id_field}
        return Plan({**raw, **echo}, errors)
    if number is not None:
        ctx.claimed[kind.plural].add(number)

    def commit() -> dict[str, Any]:
        tenant = ctx.tenant
        final_number = number or f"{kind.number_prefix}{tenant.next_number(kind.singular):04d}"
        data[kind.number_field or "Number"] = final_number
        if contact is not None:
            _store_contact(ctx, contact, customer=doc_type.startswith("ACCREC"))
        anchor, sign = ANCHOR[doc_type]
        entries = _entries(anchor, sign, postings, currency) if status in POSTING else []
        key = f"{kind.singular}:{final_number}"
        if existing is None:
            if number is None:
                tenant.count_attempt(key)
            tenant.add_document(Document(
                id=doc_id, type=kind.singular, reference=final_number, key=key, status=status, currency=currency,
                total=total, created_at=ctx.now, updated_at=ctx.now, entries=entries, data=data))
        else:
            data["Payments"] = old.get("Payments", [])
            tenant.repost(doc_id, entries, status=status, total=total, currency=currency, data=data,
                          updated_at=ctx.now, reference=final_number, key=key)
        return data

    return Plan(data, [], commit)


def plan_bank_transaction(ctx: Ctx, raw: dict[str, Any], existing: Document | None) -> Plan:
    """A RECEIVE or SPEND money transaction on a bank account (AUTHORISED by default)."""
    errors: list[str] = []
    old = existing.data if existing else {}
    status = str(raw.get("Status") or old.get("Status") or "AUTHORISED").upper()
    if existing is not None:
        if existing.status != "AUTHORISED":
            errors.append("This bank transaction cannot be edited as it has been deleted or voided")
            return Plan(dict(raw), errors)
        if status in ("DELETED", "VOIDED"):
            def remove() -> dict[str, Any]:
                data = dict(existing.data, Status=status, UpdatedDateUTC=ms_date(ctx.now))
                ctx.tenant.remove_from_book(existing.id, status, ctx.now)
                existing.data = data
                return data
            return Plan(dict(old, Status=status), [], remove)
    if status != "AUTHORISED":
        errors.append(f"Status {status} is not valid for a new bank transaction")
    txn_type = str(raw.get("Type") or old.get("Type") or "")
    if txn_type not in ("RECEIVE", "SPEND"):
        errors.append("Type must be RECEIVE or SPEND")
    bank_raw = raw.get("BankAccount") or old.get("BankAccount") or {}
    bank = None
    if isinstance(bank_raw, dict) and (bank_raw.get("Code") or bank_raw.get("AccountID")):
        bank = chart.account(ctx.tenant, code=bank_raw.get("Code"), account_id=bank_raw.get("AccountID"))
    if bank is None or bank["Type"] != "BANK":
        errors.append("A valid BankAccount (Code or AccountID of a BANK account) is required")
    contact = resolve_contact(ctx, raw.get("Contact", old.get("Contact")), errors)
    when = _date(raw, "Date", ctx.now.date(), errors)
    _check_lock(ctx, when, errors)
    amount_types = str(raw.get("LineAmountTypes") or old.get("LineAmountTypes") or "Exclusive")
    if amount_types not in LINE_AMOUNT_TYPES:
        errors.append(f"LineAmountTypes '{amount_types}' is not valid")
        amount_types = "Exclusive"
    currency = _currency(ctx, raw, old, errors)
    if bank is not None and currency != bank.get("CurrencyCode", ctx.tenant.base_currency):
        errors.append(f"The currency {currency} does not match the bank account's currency "
                      f"{bank.get('CurrencyCode')}")
    raw_lines = raw["LineItems"] if "LineItems" in raw else old.get("LineItems", [])
    lines, postings = build_lines(ctx.tenant, raw_lines, amount_types, ctx.unitdp, True, errors)
    if not lines:
        errors.append("A bank transaction must have at least one line item")
    sub_total, total_tax = totals(postings, lines, amount_types)
    total = sub_total + total_tax
    if total < 0:
        errors.append("The bank transaction total cannot be negative")
    doc_id = existing.id if existing else str(uuid.uuid4())
    data: dict[str, Any] = {
        "Type": txn_type, "BankTransactionID": doc_id, "Status": status, "LineAmountTypes": amount_types,
        "LineItems": lines, "SubTotal": sub_total, "TotalTax": total_tax, "Total": total, "CurrencyCode": currency,
        "IsReconciled": bool(raw.get("IsReconciled", old.get("IsReconciled", False))), "HasAttachments": False,
        "UpdatedDateUTC": ms_date(ctx.now),
    }
    if bank is not None:
        data["BankAccount"] = {"AccountID": bank["AccountID"], "Code": bank["Code"], "Name": bank["Name"]}
    if when is not None:
        data["Date"] = ms_date(when)
    if raw.get("Reference", old.get("Reference")) is not None:
        data["Reference"] = str(raw.get("Reference", old.get("Reference")))
    if contact is not None:
        data["Contact"] = _contact_ref(contact)
    if errors:
        return Plan(dict(raw), errors)

    def commit() -> dict[str, Any]:
        assert bank is not None
        if contact is not None:
            _store_contact(ctx, contact, customer=txn_type == "RECEIVE")
        entries = _entries(bank["Code"], 1 if txn_type == "RECEIVE" else -1, postings, currency)
        reference = data.get("Reference") or doc_id
        key = f"BankTransaction:{reference}"
        if existing is None:
            if "Reference" not in data:
                ctx.tenant.count_attempt(key)
            ctx.tenant.add_document(Document(
                id=doc_id, type="BankTransaction", reference=reference, key=key, status=status, currency=currency,
                total=total, created_at=ctx.now, updated_at=ctx.now, entries=entries, data=data))
        else:
            ctx.tenant.repost(doc_id, entries, total=total, currency=currency, data=data, updated_at=ctx.now)
        return data

    return Plan(data, [], commit)


JOURNAL_FROM = {"DRAFT": {"DRAFT", "POSTED", "DELETED"}, "POSTED": {"POSTED", "VOIDED"}}


def plan_manual_journal(ctx: Ctx, raw: dict[str, Any], existing: Document | None) -> Plan:
    """A manual journal: signed lines (debits positive) that must net to zero, in the base currency."""
    errors: list[str] = []
    old = existing.data if existing else {}
    status = str(raw.get("Status") or old.get("Status") or "DRAFT").upper()
    if existing is not None:
        if existing.status not in JOURNAL_FROM or status not in JOURNAL_FROM[existing.status]:
            errors.append(f"A {existing.status} manual journal cannot be changed to {status}")
            return Plan(dict(raw), errors)
        if status in ("VOIDED", "DELETED"):
            def remove() -> dict[str, Any]:
                data = dict(existing.data, Status=status, UpdatedDateUTC=ms_date(ctx.now))
                ctx.tenant.remove_from_book(existing.id, status, ctx.now)
                existing.data = data
                return data
            return Plan(dict(old, Status=status), [], remove)
    elif status not in ("DRAFT", "POSTED"):
        errors.append(f"A new manual journal cannot have status {status}")
    narration = raw.get("Narration", old.get("Narration"))
    if not narration or not str(narration).strip():
        errors.append("Narration cannot be empty")
    when = _date(raw, "Date", parse_date(old["Date"]) if old.get("Date") else ctx.now.date(), errors)
    if status == "POSTED":
        _check_lock(ctx, when, errors)
    amount_types = str(raw.get("LineAmountTypes") or old.get("LineAmountTypes") or "NoTax")
    if amount_types not in LINE_AMOUNT_TYPES:
        errors.append(f"LineAmountTypes '{amount_types}' is not valid")
        amount_types = "NoTax"
    raw_lines = raw["JournalLines"] if "JournalLines" in raw else old.get("JournalLines", [])
    if not isinstance(raw_lines, list):
        errors.append("JournalLines must be a list")
        raw_lines = []
    lines, entries = [], []
    currency = ctx.tenant.base_currency
    for index, line_raw in enumerate(raw_lines, start=1):
        if not isinstance(line_raw, dict):
            errors.append(f"Journal line {index} must be an object")
            continue
        try:
            line_amount = to_decimal(line_raw.get("LineAmount"))
        except ValueError:
            errors.append(f"Journal line {index}: LineAmount is required and must be a number")
            continue
        record = chart.account(ctx.tenant, code=line_raw.get("AccountCode"), account_id=line_raw.get("AccountID"))
        if record is None:
            errors.append(f"Account code '{line_raw.get('AccountCode') or line_raw.get('AccountID')}' is not a "
                          "valid code for this document.")
            continue
        if record["Type"] == "BANK":
            errors.append(f"Account code '{record['Code']}' is a bank account. Bank accounts cannot be used "
                          "in manual journals.")
        elif record.get("SystemAccount") and not ctx.journals_to_system_accounts:
            errors.append(f"Account code '{record['Code']}' is a system account and cannot be used in manual "
                          "journals.")
        tax_type = str(line_raw.get("TaxType") or "NONE")
        rate_record = chart.tax_rate(ctx.tenant, tax_type)
        if rate_record is None:
            errors.append(f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of "
                          "transaction.")
            continue
        tax = tax_of(line_amount, chart.rate_of(rate_record), amount_types)
        tracking, tracking_errors = chart.resolve_tracking(ctx.tenant, line_raw.get("Tracking"))
        errors.extend(tracking_errors)
        line = {"LineAmount": line_amount, "AccountCode": record["Code"], "AccountID": record["AccountID"],
                "TaxType": tax_type, "TaxAmount": tax, "Tracking": tracking, "IsBlank": False}
        if line_raw.get("Description"):
            line["Description"] = str(line_raw["Description"])
        lines.append(line)
        net = line_amount - tax if amount_types == "Inclusive" else line_amount
        entries.append(Entry(record["Code"], currency, net))
        if tax:
            entries.append(Entry(tax_liability_account(tax_type) or "2100", currency, tax))
    if len(raw_lines) < 2:
        errors.append("A manual journal must have at least two journal lines")
    debits = sum((e.amount for e in entries if e.amount > 0), ZERO)
    credits = -sum((e.amount for e in entries if e.amount < 0), ZERO)
    if debits != credits:
        errors.append(f"The total debits ({debits}) must equal total credits ({credits})")
    doc_id = existing.id if existing else str(uuid.uuid4())
    data: dict[str, Any] = {
        "ManualJournalID": doc_id, "Narration": str(narration or ""), "Status": status,
        "LineAmountTypes": amount_types, "JournalLines": lines,
        "ShowOnCashBasisReports": bool(raw.get("ShowOnCashBasisReports", old.get("ShowOnCashBasisReports", True))),
        "HasAttachments": False, "UpdatedDateUTC": ms_date(ctx.now),
    }
    if when is not None:
        data["Date"] = ms_date(when)
    if errors:
        return Plan(dict(raw), errors)

    def commit() -> dict[str, Any]:
        posted = entries if status == "POSTED" else []
        key = f"ManualJournal:{data['Narration']}"
        if existing is None:
            ctx.tenant.add_document(Document(
                id=doc_id, type="ManualJournal", reference=data["Narration"], key=key, status=status,
                currency=currency, total=debits, created_at=ctx.now, updated_at=ctx.now, entries=posted, data=data))
        else:
            ctx.tenant.repost(doc_id, posted, status=status, total=debits, data=data, updated_at=ctx.now,
                              reference=data["Narration"], key=key)
        return data

    return Plan(data, [], commit)


def plan_payment(ctx: Ctx, raw: dict[str, Any], existing: Document | None) -> Plan:
    """A payment against an invoice or credit note to a bank (or payments-enabled) account; or, for an
    existing payment, `Status: DELETED`."""
    errors: list[str] = []
    tenant = ctx.tenant
    if existing is not None:
        if str(raw.get("Status", "")).upper() != "DELETED" or existing.status != "AUTHORISED":
            errors.append("A payment can only be deleted (Status DELETED)")
            return Plan(dict(raw), errors)

        def delete() -> dict[str, Any]:
            data = dict(existing.data, Status="DELETED", UpdatedDateUTC=ms_date(ctx.now))
            target = tenant.documents[existing.data["_target"]]
            _apply_payment(ctx, target, -Decimal(existing.data["Amount"]), existing.id, None)
            tenant.remove_from_book(existing.id, "DELETED", ctx.now)
            existing.data = data
            return data
        return Plan(dict(existing.data, Status="DELETED"), [], delete)
    target: Document | None = None
    if isinstance(raw.get("Invoice"), dict):
        target = find_existing(tenant, INVOICES, raw["Invoice"])
    elif isinstance(raw.get("CreditNote"), dict):
        target = find_existing(tenant, CREDIT_NOTES, raw["CreditNote"])
    if target is None:
        errors.append("The Invoice or CreditNote of the payment could not be found")
    elif target.status != "AUTHORISED":
        errors.append(f"Payments can only be made against AUTHORISED documents; this one is {target.status}")
    account_raw = raw.get("Account") or {}
    account = chart.account(tenant, code=account_raw.get("Code"), account_id=account_raw.get("AccountID")) \
        if isinstance(account_raw, dict) else None
    if account is None or not (account["Type"] == "BANK" or account.get("EnablePaymentsToAccount")):
        errors.append("Account must be a bank account or have payments enabled")
    try:
        pay = to_decimal(raw.get("Amount"))
    except ValueError:
        errors.append("Amount is required and must be a number")
        pay = ZERO
    if pay <= 0:
        errors.append("Payment amount must be greater than zero")
    due = None
    if target is not None:
        due = target.data.get("AmountDue", target.data.get("RemainingCredit", ZERO))
        if pay > due:
            errors.append("Payment amount exceeds the amount outstanding on this document")
    when = _date(raw, "Date", ctx.now.date(), errors)
    _check_lock(ctx, when, errors)
    if errors:
        return Plan(dict(raw), errors)
    assert target is not None and account is not None
    doc_id = str(uuid.uuid4())
    doc_type = target.data["Type"]
    payment_type = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT", "ACCRECCREDIT": "ARCREDITPAYMENT",
                    "ACCPAYCREDIT": "APCREDITPAYMENT"}[doc_type]
    data: dict[str, Any] = {
        "PaymentID": doc_id, "Date": ms_date(when or ctx.now.date()), "Amount": pay, "Status": "AUTHORISED",
        "PaymentType": payment_type, "IsReconciled": False, "HasAccount": True, "HasValidationErrors": False,
        "CurrencyRate": target.data.get("CurrencyRate", Decimal("1.0")), "UpdatedDateUTC": ms_date(ctx.now),
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"]}, "_target": target.id,
    }
    ref_key = "Invoice" if target.type == "Invoice" else "CreditNote"
    ref_id = "InvoiceID" if ref_key == "Invoice" else "CreditNoteID"
    number_field = "InvoiceNumber" if ref_key == "Invoice" else "CreditNoteNumber"
    data[ref_key] = {ref_id: target.id, number_field: target.data.get(number_field), "Type": doc_type}
    if raw.get("Reference"):
        data["Reference"] = str(raw["Reference"])

    def commit() -> dict[str, Any]:
        anchor, sign = ANCHOR[doc_type]
        currency = target.currency
        # receiving money against a receivable debits the bank and credits the receivable; the other
        # document types mirror it
        entries = [Entry(account["Code"], currency, sign * pay), Entry(anchor, currency, -sign * pay)]
        reference = data.get("Reference") or doc_id
        key = f"Payment:{reference}"
        if "Reference" not in data:
            tenant.count_attempt(key)
        tenant.add_document(Document(
            id=doc_id, type="Payment", reference=reference, key=key, status="AUTHORISED", currency=currency,
            total=pay, created_at=ctx.now, updated_at=ctx.now, entries=entries, data=data))
        _apply_payment(ctx, target, pay, doc_id, data)
        return data

    return Plan(data, [], commit)


def _apply_payment(ctx: Ctx, target: Document, pay: Decimal, payment_id: str, payment: dict[str, Any] | None) -> None:
    data = dict(target.data)
    payments = [p for p in data.get("Payments", []) if p.get("PaymentID") != payment_id]
    if payment is not None:
        payments.append({"PaymentID": payment_id, "Date": payment["Date"], "Amount": payment["Amount"],
                         "CurrencyRate": payment["CurrencyRate"], "HasAccount": True, "HasValidationErrors": False})
    data["Payments"] = payments
    if target.type == "Invoice":
        data["AmountPaid"] = data.get("AmountPaid", ZERO) + pay
        data["AmountDue"] = data["Total"] - data["AmountPaid"] - data.get("AmountCredited", ZERO)
        status = "PAID" if data["AmountDue"] == 0 else "AUTHORISED"
    else:
        data["RemainingCredit"] = data.get("RemainingCredit", data["Total"]) - pay
        status = "PAID" if data["RemainingCredit"] == 0 else "AUTHORISED"
    data["Status"] = status
    if status == "PAID":
        data["FullyPaidOnDate"] = ms_date(ctx.now.date())
    else:
        data.pop("FullyPaidOnDate", None)
    data["UpdatedDateUTC"] = ms_date(ctx.now)
    target.data = data
    target.status = status
    target.updated_at = ctx.now


def plan(ctx: Ctx, kind: Kind, raw: dict[str, Any], existing: Document | None) -> Plan:
    if kind in (INVOICES, CREDIT_NOTES):
        return plan_sales_document(ctx, kind, raw, existing)
    if kind is BANK_TRANSACTIONS:
        return plan_bank_transaction(ctx, raw, existing)
    if kind is MANUAL_JOURNALS:
        return plan_manual_journal(ctx, raw, existing)
    return plan_payment(ctx, raw, existing)


def public(data: dict[str, Any]) -> dict[str, Any]:
    """The entity as the API shows it (internal `_` fields removed)."""
    return {k: v for k, v in data.items() if not k.startswith("_")}
