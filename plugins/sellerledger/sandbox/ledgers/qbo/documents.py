"""QBO transactions that post to the book: Invoice, CreditMemo, Deposit and JournalEntry.

Each `plan_*` validates a (merged) body and returns the entity plus a `commit()` that stores it and posts
its entries; `void` and `delete` take a document out of the book. Errors are raised as `QboError`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.core.book import Entry
from sellerledger.sandbox.ledgers.common import RECEIVABLE, Document, tax_liability_account, to_decimal
from sellerledger.sandbox.ledgers.qbo.entities import (
    Ctx,
    lookup,
    meta,
    new_id,
    posting_code,
    ref_value,
    segment_ref,
    tax_code,
    tax_rate_of,
)
from sellerledger.sandbox.ledgers.qbo.formats import (
    QboError,
    business,
    duplicate_doc_number,
    invalid,
    length,
    missing,
    money,
)

ZERO = Decimal("0.00")
TAX_MODES = ("TaxExcluded", "TaxInclusive", "NotApplicable")
Planned = tuple[dict[str, Any], Callable[[], dict[str, Any]]]


def _amount(value: Any, element: str, required: bool = True) -> Decimal | None:
    if value is None:
        if required:
            raise missing(element)
        return None
    try:
        return to_decimal(value)
    except ValueError:
        raise invalid(f"{element} {value!r} is not a number", element) from None


def _txn_date(ctx: Ctx, body: dict[str, Any]) -> str:
    value = body.get("TxnDate")
    if value in (None, ""):
        return ctx.now.date().isoformat()
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise invalid(f"TxnDate {value!r}", "TxnDate") from None


def _currency(ctx: Ctx, body: dict[str, Any]) -> tuple[str, Decimal]:
    currency = ref_value(body, "CurrencyRef") or ctx.tenant.base_currency
    rate = _amount(body.get("ExchangeRate", 1), "ExchangeRate") or Decimal(1)
    if rate <= 0:
        raise business("The exchange rate must be greater than zero.", "ExchangeRate")
    return currency, rate


def _doc_number(ctx: Ctx, kind: str, body: dict[str, Any], existing: Document | None) -> str | None:
    number = body.get("DocNumber")
    if number in (None, ""):
        return None
    number = str(number)
    if len(number) > 21:
        raise length("DocNumber", len(number), 21)
    if not ctx.duplicate_doc_numbers:
        for doc in ctx.tenant.documents.values():
            if doc.type == kind and doc.status != "Deleted" and doc.data.get("DocNumber") == number \
                    and (existing is None or doc.id != existing.id):
                raise duplicate_doc_number(number, kind, doc.id)
    return number


def _store(ctx: Ctx, kind: str, data: dict[str, Any], entries: list[Entry], total: Decimal, currency: str,
           existing: Document | None, status: str = "Active") -> Callable[[], dict[str, Any]]:
    def commit() -> dict[str, Any]:
        tenant = ctx.tenant
        if data.get("DocNumber") is None and kind in ("Invoice", "CreditMemo"):
            data["DocNumber"] = str(1000 + tenant.next_number(f"DocNumber:{kind}"))
        reference = str(data.get("DocNumber") or data.get("PrivateNote") or data["Id"])
        key = f"{kind}:{reference}"
        if existing is None:
            if tenant.attempts(key) == 0:  # submissions carrying a DocNumber were counted on arrival
                tenant.count_attempt(key)
            tenant.add_document(Document(id=data["Id"], type=kind, reference=reference, key=key, status=status,
                                         currency=currency, total=total, created_at=ctx.now, updated_at=ctx.now,
                                         entries=entries, data=data))
        else:
            tenant.repost(existing.id, entries, status=status, total=total, currency=currency, data=data,
                          updated_at=ctx.now, reference=reference, key=key)
        return data
    return commit


def _header(ctx: Ctx, body: dict[str, Any], existing: Document | None) -> dict[str, Any]:
    if existing is None:
        return {"domain": "QBO", "sparse": False, "Id": new_id(ctx.tenant), "SyncToken": "0", "MetaData": meta(ctx.now)}
    return {"domain": "QBO", "sparse": False, "Id": existing.id,
            "SyncToken": str(int(existing.data["SyncToken"]) + 1),
            "MetaData": meta(ctx.now, existing.data["MetaData"]["CreateTime"])}


def plan_sales(ctx: Ctx, kind: str, body: dict[str, Any], existing: Document | None) -> Planned:
    """Invoice (debits receivable) or CreditMemo (credits it) against income and tax accounts."""
    customer = lookup(ctx, "Customer", ref_value(body, "CustomerRef"), "CustomerRef")
    assert customer is not None
    currency, rate = _currency(ctx, body)
    if customer.get("CurrencyRef", {}).get("value", currency) != currency:
        raise business(f"The currency of the transaction ({currency}) must match the customer's currency "
                       f"({customer['CurrencyRef']['value']}).", "CurrencyRef")
    number = _doc_number(ctx, kind, body, existing)
    txn_date = _txn_date(ctx, body)
    mode = str(body.get("GlobalTaxCalculation") or "TaxExcluded")
    if mode not in TAX_MODES:
        raise invalid(f"GlobalTaxCalculation {mode}", "GlobalTaxCalculation")
    raw_lines = body.get("Line")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise missing("Line")
    lines: list[dict[str, Any]] = []
    income: list[Entry] = []  # the document's income side, as credits of an invoice
    taxes: list[Entry] = []
    total_tax = ZERO
    gross = ZERO
    tax_codes_used: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_lines, start=1):
        if not isinstance(raw, dict):
            raise invalid(f"Line[{index}]", "Line")
        detail_type = raw.get("DetailType")
        if detail_type == "SubTotalLineDetail":
            continue
        if detail_type == "DescriptionOnly":
            lines.append({"Id": str(len(lines) + 1), "LineNum": len(lines) + 1, "Description": raw.get("Description", ""),
                          "Amount": ZERO, "DetailType": "DescriptionOnly", "DescriptionLineDetail": {}})
            continue
        if detail_type != "SalesItemLineDetail":
            raise missing("Line.DetailType") if detail_type is None else invalid(f"DetailType {detail_type}",
                                                                                 "Line.DetailType")
        detail = raw.get("SalesItemLineDetail") or {}
        item = lookup(ctx, "Item", ref_value(detail, "ItemRef"), "Line.SalesItemLineDetail.ItemRef")
        assert item is not None
        amount = money(_amount(raw.get("Amount"), "Line.Amount") or ZERO)
        qty = _amount(detail.get("Qty"), "Line.SalesItemLineDetail.Qty", required=False)
        unit = _amount(detail.get("UnitPrice"), "Line.SalesItemLineDetail.UnitPrice", required=False)
        if qty is not None and unit is not None and money(qty * unit) != amount:
            raise QboError("6070", "Amount is not equal to UnitPrice * Qty",
                           f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}", "Line.Amount")
        account = lookup(ctx, "Account", ref_value(detail, "ItemAccountRef") or item["IncomeAccountRef"]["value"],
                         "Line.SalesItemLineDetail.ItemAccountRef")
        assert account is not None
        code = tax_code(ctx, ref_value(detail, "TaxCodeRef"))
        tax = ZERO
        if code is not None and mode != "NotApplicable":
            rate_pct = tax_rate_of(ctx, code)
            tax = money(amount * rate_pct / 100) if mode == "TaxExcluded" else money(amount * rate_pct / (100 + rate_pct))
            tax_codes_used.append(code)
        net = amount - tax if mode == "TaxInclusive" else amount
        total_tax += tax
        gross += amount
        income.append(Entry(posting_code(account), currency, -net))
        if tax and code is not None:
            taxes.append(Entry(tax_liability_account(code["Name"]) or "2100", currency, -tax))
        rendered_detail: dict[str, Any] = {"ItemRef": {"value": item["Id"], "name": item["Name"]},
                                           "ItemAccountRef": {"value": account["Id"], "name": account["Name"]}}
        if qty is not None:
            rendered_detail["Qty"] = qty
        if unit is not None:
            rendered_detail["UnitPrice"] = unit
        if code is not None:
            rendered_detail["TaxCodeRef"] = {"value": code["Id"]}
        if detail.get("ServiceDate"):
            rendered_detail["ServiceDate"] = str(detail["ServiceDate"])
        _segments(ctx, detail, rendered_detail)
        line = {"Id": str(len(lines) + 1), "LineNum": len(lines) + 1, "Amount": amount,
                "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": rendered_detail}
        if raw.get("Description"):
            line["Description"] = str(raw["Description"])
        lines.append(line)
    given_tax = (body.get("TxnTaxDetail") or {}).get("TotalTax")
    if given_tax is not None and mode != "NotApplicable":
        override = money(_amount(given_tax, "TxnTaxDetail.TotalTax") or ZERO)
        if override != total_tax:
            tax_account = tax_liability_account(tax_codes_used[0]["Name"]) if tax_codes_used else None
            taxes = [Entry(tax_account or "2100", currency, -override)] if override else []
            if mode == "TaxInclusive" and income:  # an inclusive total stays; its net moves by the difference
                income.append(Entry(income[0].account, currency, override - total_tax))
            total_tax = override
    total = gross if mode == "TaxInclusive" else gross + total_tax
    if total < 0:
        raise business("Transaction total amount cannot be negative.", "TotalAmt")
    lines.append({"Amount": gross, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    data = _header(ctx, body, existing)
    data.update(TxnDate=txn_date, CurrencyRef={"value": currency}, ExchangeRate=rate, Line=lines,
                TxnTaxDetail={"TotalTax": total_tax}, CustomerRef={"value": customer["Id"], "name": customer["DisplayName"]},
                GlobalTaxCalculation=mode, TotalAmt=total, HomeTotalAmt=money(total * rate),
                ApplyTaxAfterDiscount=False, PrintStatus="NotSet", EmailStatus="NotSet")
    if number is not None:
        data["DocNumber"] = number
    for optional in ("PrivateNote", "CustomerMemo", "TrackingNum", "ShipDate", "DueDate", "CustomField"):
        if body.get(optional) is not None:
            data[optional] = body[optional]
    _segments(ctx, body, data)
    sign = 1 if kind == "Invoice" else -1
    if kind == "Invoice":
        data["Balance"] = total
        data["DueDate"] = str(body.get("DueDate") or txn_date)
    else:
        data["Balance"] = ZERO
        data["RemainingCredit"] = total
    entries = [Entry(RECEIVABLE, currency, sign * total)]
    entries += [Entry(e.account, e.currency, sign * e.amount) for e in income + taxes]
    return data, _store(ctx, kind, data, entries, total, currency, existing)


def _segments(ctx: Ctx, source: dict[str, Any], target: dict[str, Any]) -> None:
    """Copy a valid ClassRef / DepartmentRef (2500 when it names no class or department)."""
    for name in ("ClassRef", "DepartmentRef"):
        ref = segment_ref(ctx, source, name)
        if ref is not None:
            target[name] = ref


def _check_ar(account: dict[str, Any], entity: Any, element: str) -> None:
    if account["AccountType"] == "Accounts Receivable":
        if not (isinstance(entity, dict) and str(entity.get("Type", "Customer")) == "Customer"
                and (ref_value(entity, "EntityRef") or entity.get("value"))):
            raise business("When you use Accounts Receivable, you must choose a customer in the Name field.", element)
    if account["AccountType"] == "Accounts Payable":
        raise business("When you use Accounts Payable, you must choose a vendor in the Name field.", element)


def plan_deposit(ctx: Ctx, body: dict[str, Any], existing: Document | None) -> Planned:
    """Debits the deposit-to account with the total; credits each line's account (negative lines debit)."""
    target = lookup(ctx, "Account", ref_value(body, "DepositToAccountRef"), "DepositToAccountRef")
    assert target is not None
    if target["AccountType"] not in ("Bank", "Other Current Asset"):
        raise business("The deposit-to account must be a bank or other current asset account.",
                       "DepositToAccountRef")
    currency, rate = _currency(ctx, body)
    if target.get("CurrencyRef", {}).get("value", currency) != currency:
        raise business(f"The currency of the deposit ({currency}) must match the currency of the deposit-to "
                       f"account ({target['CurrencyRef']['value']}).", "CurrencyRef")
    txn_date = _txn_date(ctx, body)
    raw_lines = body.get("Line")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise missing("Line")
    lines, credits, total = [], [], ZERO
    for index, raw in enumerate(raw_lines, start=1):
        if not isinstance(raw, dict):
            raise invalid(f"Line[{index}]", "Line")
        if raw.get("LinkedTxn"):
            raise invalid("Line.LinkedTxn (the sandbox takes DepositLineDetail lines only)", "Line.LinkedTxn")
        if raw.get("DetailType") != "DepositLineDetail":
            raise missing("Line.DetailType") if raw.get("DetailType") is None else invalid(
                f"DetailType {raw.get('DetailType')}", "Line.DetailType")
        detail = raw.get("DepositLineDetail") or {}
        account = lookup(ctx, "Account", ref_value(detail, "AccountRef"), "Line.DepositLineDetail.AccountRef")
        assert account is not None
        entity = detail.get("Entity")
        _check_ar(account, entity, "Line.DepositLineDetail.Entity")
        if isinstance(entity, dict) and entity.get("value") and str(entity.get("type", "Customer")) == "Customer":
            lookup(ctx, "Customer", str(entity["value"]), "Line.DepositLineDetail.Entity")
        amount = money(_amount(raw.get("Amount"), "Line.Amount") or ZERO)
        total += amount
        credits.append(Entry(posting_code(account), currency, -amount))
        rendered_detail: dict[str, Any] = {"AccountRef": {"value": account["Id"], "name": account["Name"]}}
        if isinstance(entity, dict):
            rendered_detail["Entity"] = entity
        for optional in ("PaymentMethodRef", "CheckNum"):
            if detail.get(optional) is not None:
                rendered_detail[optional] = detail[optional]
        _segments(ctx, detail, rendered_detail)
        line = {"Id": str(index), "LineNum": index, "Amount": amount, "DetailType": "DepositLineDetail",
                "DepositLineDetail": rendered_detail}
        if raw.get("Description"):
            line["Description"] = str(raw["Description"])
        lines.append(line)
    if total < 0:
        raise business("The deposit total cannot be negative.", "TotalAmt")
    data = _header(ctx, body, existing)
    data.update(TxnDate=txn_date, CurrencyRef={"value": currency}, ExchangeRate=rate,
                DepositToAccountRef={"value": target["Id"], "name": target["Name"]}, Line=lines, TotalAmt=total,
                HomeTotalAmt=money(total * rate))
    for optional in ("PrivateNote", "DocNumber"):
        if body.get(optional) is not None:
            data[optional] = str(body[optional])
    _segments(ctx, body, data)
    if data.get("DocNumber") is not None and len(data["DocNumber"]) > 21:
        raise length("DocNumber", len(data["DocNumber"]), 21)
    entries = [Entry(posting_code(target), currency, total), *credits]
    return data, _store(ctx, "Deposit", data, entries, total, currency, existing)


def plan_journal(ctx: Ctx, body: dict[str, Any], existing: Document | None) -> Planned:
    """Debit and credit lines (positive amounts, sign from PostingType) that must balance."""
    currency, rate = _currency(ctx, body)
    txn_date = _txn_date(ctx, body)
    number = _doc_number(ctx, "JournalEntry", body, existing)
    raw_lines = body.get("Line")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise missing("Line")
    lines, entries = [], []
    debits = credits = ZERO
    for index, raw in enumerate(raw_lines, start=1):
        if not isinstance(raw, dict) or raw.get("DetailType") != "JournalEntryLineDetail":
            raise invalid(f"Line[{index}].DetailType (JournalEntryLineDetail expected)", "Line.DetailType")
        detail = raw.get("JournalEntryLineDetail") or {}
        posting = detail.get("PostingType")
        if posting not in ("Debit", "Credit"):
            raise missing("Line.JournalEntryLineDetail.PostingType")
        account = lookup(ctx, "Account", ref_value(detail, "AccountRef"), "Line.JournalEntryLineDetail.AccountRef")
        assert account is not None
        entity = detail.get("Entity")
        _check_ar(account, entity, "Line.JournalEntryLineDetail.Entity")
        if isinstance(entity, dict) and str(entity.get("Type", "Customer")) == "Customer" and ref_value(entity, "EntityRef"):
            lookup(ctx, "Customer", ref_value(entity, "EntityRef"), "Line.JournalEntryLineDetail.Entity")
        amount = money(_amount(raw.get("Amount"), "Line.Amount") or ZERO)
        if amount < 0:
            raise business("Journal entry line amounts cannot be negative; use PostingType.", "Line.Amount")
        if posting == "Debit":
            debits += amount
        else:
            credits += amount
        entries.append(Entry(posting_code(account), currency, amount if posting == "Debit" else -amount))
        rendered_detail: dict[str, Any] = {"PostingType": posting,
                                           "AccountRef": {"value": account["Id"], "name": account["Name"]}}
        if isinstance(entity, dict):
            rendered_detail["Entity"] = entity
        if detail.get("TaxCodeRef") is not None:
            rendered_detail["TaxCodeRef"] = detail["TaxCodeRef"]
        _segments(ctx, detail, rendered_detail)
        line = {"Id": str(index), "LineNum": index, "Amount": amount, "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": rendered_detail}
        if raw.get("Description"):
            line["Description"] = str(raw["Description"])
        lines.append(line)
    if debits != credits:
        raise business(f"Transaction must be balanced: debits {debits} do not equal credits {credits}.", "Line")
    data = _header(ctx, body, existing)
    data.update(TxnDate=txn_date, CurrencyRef={"value": currency}, ExchangeRate=rate, Line=lines,
                Adjustment=bool(body.get("Adjustment", False)), TotalAmt=debits, HomeTotalAmt=money(debits * rate))
    if number is not None:
        data["DocNumber"] = number
    if body.get("PrivateNote") is not None:
        data["PrivateNote"] = str(body["PrivateNote"])
    return data, _store(ctx, "JournalEntry", data, entries, debits, currency, existing)


PLANNERS: dict[str, Callable[[Ctx, dict[str, Any], Document | None], Planned]] = {
    "Invoice": lambda ctx, body, old: plan_sales(ctx, "Invoice", body, old),
    "CreditMemo": lambda ctx, body, old: plan_sales(ctx, "CreditMemo", body, old),
    "Deposit": plan_deposit,
    "JournalEntry": plan_journal,
}
VOIDABLE = ("Invoice",)


def void(ctx: Ctx, document: Document) -> dict[str, Any]:
    """Zero the document, keep it, take it out of the book."""
    data = dict(document.data)
    data["Line"] = [dict(line, Amount=ZERO) for line in data.get("Line", [])]
    data.update(TotalAmt=ZERO, Balance=ZERO, HomeTotalAmt=ZERO, TxnTaxDetail={"TotalTax": ZERO},
                PrivateNote="Voided", SyncToken=str(int(data["SyncToken"]) + 1),
                MetaData=meta(ctx.now, data["MetaData"]["CreateTime"]))
    ctx.tenant.remove_from_book(document.id, "Voided", ctx.now)
    document.data = data
    document.total = ZERO
    return data


def delete(ctx: Ctx, document: Document) -> dict[str, Any]:
    ctx.tenant.remove_from_book(document.id, "Deleted", ctx.now)
    return {"domain": "QBO", "status": "Deleted", "Id": document.id}
