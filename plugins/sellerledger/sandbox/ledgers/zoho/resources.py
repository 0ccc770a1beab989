"""The Books API resources of the Zoho stand-in (below `/api/{dc}/books/v3`), with the OAS operation ids
as operation names: settings (currencies, taxes), chart of accounts, contacts, items, invoices (with
custom-field upserts and status changes), credit notes, journals and bank transactions.

Every handler runs with the organization already authenticated and counted against its limits; it
answers `{"code": 0, "message": ..., <resource>: ...}` or raises `ZohoError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from sellerledger.sandbox.core.book import Entry
from sellerledger.sandbox.ledgers.common import Document, JsonResponse, loads
from sellerledger.sandbox.ledgers.zoho import documents as docs
from sellerledger.sandbox.ledgers.zoho.documents import DUPLICATE, INVALID, ZohoError, invalid, not_found
from sellerledger.sandbox.ledgers.zoho.masters import build_contact, build_item
from sellerledger.sandbox.ledgers.zoho.org import BANK_TYPES, TYPE_GROUPS, Organization

if TYPE_CHECKING:
    from sellerledger.sandbox.ledgers.zoho.api import ZohoApi

Handler = Callable[[Request, Organization], Awaitable[Response]]
MAX_PER_PAGE = 200
HIDDEN = ("deleted",)


def ok(message: str, status: int = 200, **body: Any) -> Response:
    return JsonResponse({"code": 0, "message": message, **body}, status_code=status)


def render(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: render(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [render(v) for v in value]
    return value


async def read_body(request: Request) -> dict[str, Any]:
    """A JSON body, or the `JSONString` form field older clients send."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = await request.form()
            body = loads(str(form.get("JSONString", "")))
        else:
            body = loads(raw)
    except ValueError as exc:
        raise ZohoError(400, 4, "Invalid value passed for JSONString") from exc
    if not isinstance(body, dict):
        raise ZohoError(400, 4, "Invalid value passed for JSONString")
    return body


def paged(request: Request, rows: list[dict[str, Any]], key: str, report: str,
          sort_column: str = "created_time") -> Response:
    try:
        page = max(1, int(request.query_params.get("page", 1)))
        per_page = min(MAX_PER_PAGE, max(1, int(request.query_params.get("per_page", MAX_PER_PAGE))))
    except ValueError as exc:
        raise invalid("page") from exc
    start = (page - 1) * per_page
    context = {"page": page, "per_page": per_page, "has_more_page": start + per_page < len(rows),
               "report_name": report, "applied_filter": request.query_params.get("filter_by", "Status.All"),
               "sort_column": request.query_params.get("sort_column", sort_column),
               "sort_order": request.query_params.get("sort_order", "D")}
    return ok("success", **{key: [render(r) for r in rows[start:start + per_page]]}, page_context=context)


def _matches(record: dict[str, Any], request: Request, fields: tuple[str, ...]) -> bool:
    """Zoho's list filters: `<field>`, `<field>_startswith`, `<field>_contains`; dates `_start`/`_end`."""
    params = request.query_params
    for name in fields:
        value = str(record.get(name, ""))
        if name in params and value != params[name]:
            return False
        if f"{name}_startswith" in params and not value.lower().startswith(params[f"{name}_startswith"].lower()):
            return False
        if f"{name}_contains" in params and params[f"{name}_contains"].lower() not in value.lower():
            return False
    for name in ("date", "journal_date"):
        if name in record:
            if f"{name}_start" in params and record[name] < params[f"{name}_start"]:
                return False
            if f"{name}_end" in params and record[name] > params[f"{name}_end"]:
                return False
    return True


def _sort(request: Request, rows: list[dict[str, Any]], default: str = "created_time") -> list[dict[str, Any]]:
    column = request.query_params.get("sort_column", default)
    descending = request.query_params.get("sort_order", "D").upper().startswith("D")
    return sorted(rows, key=lambda r: (str(r.get(column, "")), str(r.get(_id_key(r), ""))), reverse=descending)


def _id_key(record: dict[str, Any]) -> str:
    return next((k for k in ("invoice_id", "creditnote_id", "journal_id", "transaction_id", "contact_id",
                             "item_id", "account_id") if k in record), "")


class Resources:
    def __init__(self, api: ZohoApi) -> None:
        self.api = api

    # ------------------------------------------------------------------------------------ helpers
    def _now(self) -> tuple[datetime, str]:
        return self.api.state.clock.now(), self.api.now_text()

    @staticmethod
    def _docs(org: Organization, kind: str) -> list[Document]:
        with org.lock:
            return [d for d in org.documents.values() if d.type == kind and d.status not in HIDDEN]

    def _doc(self, org: Organization, kind: str, doc_id: str, what: str) -> Document:
        document = org.documents.get(doc_id)
        if document is None or document.type != kind or document.status in HIDDEN:
            raise not_found(what)
        return document

    @staticmethod
    def _entries(document_status: str, built_entries: list[Any], posted: tuple[str, ...]) -> list[Any]:
        return list(built_entries) if document_status in posted else []

    @staticmethod
    def _postings_entries(data: dict[str, Any], currency: str) -> list[Entry]:
        return [Entry(account, currency, amount) for account, amount in data["_postings"].items() if amount != 0]

    # ------------------------------------------------------------------------------------ settings, chart
    async def list_currencies(self, request: Request, org: Organization) -> Response:
        return ok("success", currencies=[render(c) for c in org.records["currency"].values()])

    async def list_taxes(self, request: Request, org: Organization) -> Response:
        return ok("success", taxes=[render(t) for t in org.records["tax"].values()])

    def _account_row(self, org: Organization, account: dict[str, Any], balances: dict[Any, Decimal] | None
                     ) -> dict[str, Any]:
        row = render(account)
        if balances is not None:
            row["current_balance"] = balances.get((account["_book"], org.base_currency), Decimal(0))
        return row

    async def list_accounts(self, request: Request, org: Organization) -> Response:
        wanted = request.query_params.get("filter_by", "AccountType.All").removeprefix("AccountType.")
        balances = self.api.balances(org) if request.query_params.get("showbalance") == "true" else None
        rows = []
        for account in org.records["account"].values():
            if wanted == "Active" and not account["is_active"] or wanted == "Inactive" and account["is_active"]:
                continue
            if wanted in TYPE_GROUPS and account["account_type"] not in TYPE_GROUPS[wanted]:
                continue
            rows.append(self._account_row(org, account, balances))
        rows.sort(key=lambda r: str(r.get(request.query_params.get("sort_column", "account_name"), "")))
        return paged(request, rows, "chartofaccounts", "Chart of Accounts", "account_name")

    async def get_account(self, request: Request, org: Organization) -> Response:
        account = org.records["account"].get(request.path_params["account_id"])
        if account is None:
            raise not_found("Account")
        return ok("success", chart_of_account=self._account_row(org, account, self.api.balances(org)))

    # ------------------------------------------------------------------------------------ contacts, items
    def _master(self, kind: str, id_key: str, build: Callable[..., dict[str, Any]], messages: tuple[str, str],
                what: str, filters: tuple[str, ...]) -> dict[str, Handler]:
        async def create(request: Request, org: Organization) -> Response:
            body = await read_body(request)
            _, stamp = self._now()
            with org.lock:
                record = build(org, body, None)
                record.update({id_key: org.new_id(), "created_time": stamp, "last_modified_time": stamp})
                org.records[kind][record[id_key]] = record
            return ok(messages[0], 201, **{kind: render(record)})

        async def update(request: Request, org: Organization) -> Response:
            body = await read_body(request)
            with org.lock:
                existing = org.records[kind].get(request.path_params[id_key])
                if existing is None:
                    raise not_found(what)
                record = build(org, body, existing)
                record["last_modified_time"] = self._now()[1]
                org.records[kind][record[id_key]] = record
            return ok(messages[1], **{kind: render(record)})

        async def get(request: Request, org: Organization) -> Response:
            record = org.records[kind].get(request.path_params[id_key])
            if record is None:
                raise not_found(what)
            return ok("success", **{kind: render(record)})

        async def listing(request: Request, org: Organization) -> Response:
            search = request.query_params.get("search_text", "").lower()
            rows = [r for r in org.records[kind].values() if _matches(r, request, filters)
                    and (not search or any(search in str(r.get(f, "")).lower() for f in filters))]
            return paged(request, _sort(request, rows), f"{kind}s", f"{what}s")

        return {"create": create, "update": update, "get": get, "list": listing}

    # ------------------------------------------------------------------------------------ invoices
    def _invoice_number(self, org: Organization, body: dict[str, Any], ignore_auto: bool,
                        existing: dict[str, Any] | None) -> str:
        if not ignore_auto:
            if existing is not None:
                return str(existing["invoice_number"])
            used = {d.data["invoice_number"] for d in self._docs(org, "invoice")}
            while True:
                number = f"INV-{org.next_number('invoice'):06d}"
                if number not in used:
                    return number
        number = str(body.get("invoice_number") or "")
        if not number or len(number) > 100:
            raise invalid("invoice_number")
        for other in self._docs(org, "invoice"):
            if other.data["invoice_number"] == number and (existing is None or other.id != existing["invoice_id"]):
                raise ZohoError(400, DUPLICATE, "Invoice number already exists. Please specify a different number.")
        return number

    def _custom_fields(self, org: Organization, given: Any, existing: dict[str, Any] | None) -> list[dict[str, Any]]:
        values = {f["api_name"]: f["value"] for f in (existing or {}).get("custom_fields", [])}
        if given is not None:
            if not isinstance(given, list):
                raise invalid("custom_fields")
            for entry in given:
                if not isinstance(entry, dict):
                    raise invalid("custom_fields")
                field = org.custom_field(entry.get("api_name") or entry.get("customfield_id") or entry.get("label"))
                if field is None:
                    raise ZohoError(400, INVALID, "Invalid value passed for custom_fields (unknown custom field)")
                values[field["api_name"]] = "" if entry.get("value") is None else str(entry["value"])
        result = []
        for api_name, value in values.items():
            field = org.custom_field(api_name)
            assert field is not None
            if value and field["is_unique"]:
                for other in self._docs(org, "invoice"):
                    if existing is not None and other.id == existing["invoice_id"]:
                        continue
                    if any(f["api_name"] == api_name and f["value"] == value for f in other.data["custom_fields"]):
                        raise ZohoError(400, DUPLICATE, f"The value {value!r} already exists for the unique custom "
                                                        f"field {field['label']}.")
            result.append({"customfield_id": field["customfield_id"], "api_name": api_name,
                           "label": field["label"], "value": value, "data_type": "string"})
        return result

    def _store_invoice(self, request: Request, org: Organization, body: dict[str, Any],
                       existing: Document | None, forced: dict[str, str] | None = None) -> dict[str, Any]:
        params = request.query_params
        ignore = params.get("ignore_auto_number_generation", "").lower() == "true"
        now, stamp = self._now()
        with org.lock:
            old = existing.data if existing else None
            if old is not None and old["status"] == "void":
                raise ZohoError(400, INVALID, "A void invoice cannot be edited. Mark it as draft first.")
            number = self._invoice_number(org, body, ignore, old)
            given = body.get("custom_fields")
            if forced:
                given = [*(given or []), *({"api_name": k, "value": v} for k, v in forced.items())]
            custom = self._custom_fields(org, given, old)
            built = docs.build_sales(org, body, "invoice", number, self.api.today(), old)
            status = old["status"] if old else ("sent" if params.get("send", "").lower() == "true" else "draft")
            invoice_id = old["invoice_id"] if old else org.new_id()
            record = {"invoice_id": invoice_id, "status": status, **built.record, "custom_fields": custom,
                      "created_time": old["created_time"] if old else stamp, "last_modified_time": stamp,
                      "_postings": built.postings}
            entries = self._entries(status, built.entries, ("sent",))
            if existing is None:
                key = f"invoice:{number}"
                org.count_attempt(key)
                org.add_document(Document(id=invoice_id, type="invoice", reference=number, key=key, status=status,
                                          currency=built.currency, total=built.total, created_at=now,
                                          updated_at=now, entries=entries, data=record))
            else:
                org.repost(invoice_id, entries, data=record, total=built.total, currency=built.currency,
                           reference=number, updated_at=now)
        return record

    async def create_invoice(self, request: Request, org: Organization) -> Response:
        record = self._store_invoice(request, org, await read_body(request), None)
        return ok("The invoice has been created.", 201, invoice=render(record))

    async def update_invoice(self, request: Request, org: Organization) -> Response:
        document = self._doc(org, "invoice", request.path_params["invoice_id"], "Invoice")
        record = self._store_invoice(request, org, await read_body(request), document)
        return ok("Invoice information has been updated.", invoice=render(record))

    async def upsert_invoice(self, request: Request, org: Organization) -> Response:
        key = request.headers.get("x-unique-identifier-key", "")
        value = request.headers.get("x-unique-identifier-value", "")
        field = org.custom_field(key)
        if field is None or not field["is_unique"]:
            raise ZohoError(400, INVALID, "Invalid value passed for X-Unique-Identifier-Key")
        if not value:
            raise ZohoError(400, INVALID, "Invalid value passed for X-Unique-Identifier-Value")
        body = await read_body(request)
        with org.lock:
            match = next((d for d in self._docs(org, "invoice")
                          if any(f["api_name"] == field["api_name"] and f["value"] == value
                                 for f in d.data["custom_fields"])), None)
            if match is not None:
                record = self._store_invoice(request, org, body, match, {field["api_name"]: value})
                return ok("Invoice information has been updated.", invoice=render(record))
            if request.headers.get("x-upsert", "").lower() != "true":
                raise not_found("Invoice")
            record = self._store_invoice(request, org, body, None, {field["api_name"]: value})
        return ok("The invoice has been created.", 201, invoice=render(record))

    async def get_invoice(self, request: Request, org: Organization) -> Response:
        document = self._doc(org, "invoice", request.path_params["invoice_id"], "Invoice")
        return ok("success", invoice=render(document.data))

    async def list_invoices(self, request: Request, org: Organization) -> Response:
        params = request.query_params
        status = params.get("status")
        rows = []
        for document in self._docs(org, "invoice"):
            data = document.data
            if status and data["status"] != status:
                continue
            if not _matches(data, request, ("invoice_number", "reference_number", "customer_id", "customer_name")):
                continue
            if any(params.get(f["api_name"]) not in (None, f["value"]) for f in data["custom_fields"]):
                continue
            rows.append({k: data[k] for k in (
                "invoice_id", "customer_name", "customer_id", "status", "invoice_number", "reference_number", "date",
                "due_date", "currency_id", "currency_code", "exchange_rate", "total", "balance", "created_time",
                "last_modified_time", "custom_fields")} | {"has_attachment": False, "is_viewed_by_client": False})
        return paged(request, _sort(request, rows), "invoices", "Invoices")

    async def delete_invoice(self, request: Request, org: Organization) -> Response:
        document = self._doc(org, "invoice", request.path_params["invoice_id"], "Invoice")
        org.remove_from_book(document.id, "deleted", self.api.state.clock.now())
        return ok("The invoice has been deleted.")

    def _set_status(self, org: Organization, document: Document, status: str, posted: tuple[str, ...]) -> None:
        now, stamp = self._now()
        document.data["status"] = status
        document.data["last_modified_time"] = stamp
        entries = self._postings_entries(document.data, document.currency) if status in posted else []
        org.repost(document.id, entries, status=status, updated_at=now)

    def _invoice_status(self, target: str, allowed_from: tuple[str, ...], message: str) -> Handler:
        async def handler(request: Request, org: Organization) -> Response:
            with org.lock:
                document = self._doc(org, "invoice", request.path_params["invoice_id"], "Invoice")
                if document.data["status"] not in allowed_from:
                    raise ZohoError(400, INVALID, f"An invoice in status {document.data['status']} cannot be "
                                                  f"marked as {target}.")
                self._set_status(org, document, target, ("sent",))
            return ok(message)

        return handler

    # ------------------------------------------------------------------------------------ credit notes
    async def create_credit_note(self, request: Request, org: Organization) -> Response:
        body = await read_body(request)
        ignore = request.query_params.get("ignore_auto_number_generation", "").lower() == "true"
        now, stamp = self._now()
        with org.lock:
            used = {d.data["creditnote_number"] for d in self._docs(org, "creditnote")}
            if ignore:
                number = str(body.get("creditnote_number") or "")
                if not number:
                    raise invalid("creditnote_number")
                if number in used:
                    raise ZohoError(400, DUPLICATE, "Credit note number already exists.")
            else:
                number = f"CN-{org.next_number('creditnote'):05d}"
            built = docs.build_sales(org, body, "creditnote", number, self.api.today())
            status = "draft" if body.get("status") == "draft" else "open"
            note_id = org.new_id()
            record = {"creditnote_id": note_id, "status": status, **built.record, "created_time": stamp,
                      "last_modified_time": stamp, "_postings": built.postings}
            key = f"creditnote:{number}"
            org.count_attempt(key)
            org.add_document(Document(id=note_id, type="creditnote", reference=number, key=key, status=status,
                                      currency=built.currency, total=built.total, created_at=now, updated_at=now,
                                      entries=self._entries(status, built.entries, ("open",)), data=record))
        return ok("Credit Note has been created.", 201, creditnote=render(record))

    async def get_credit_note(self, request: Request, org: Organization) -> Response:
        document = self._doc(org, "creditnote", request.path_params["creditnote_id"], "Credit note")
        return ok("success", creditnote=render(document.data))

    async def list_credit_notes(self, request: Request, org: Organization) -> Response:
        rows = [d.data for d in self._docs(org, "creditnote")
                if _matches(d.data, request, ("creditnote_number", "reference_number", "customer_id"))
                and request.query_params.get("status") in (None, d.data["status"])]
        return paged(request, _sort(request, rows), "creditnotes", "Credit Notes")

    async def delete_credit_note(self, request: Request, org: Organization) -> Response:
        document = self._doc(org, "creditnote", request.path_params["creditnote_id"], "Credit note")
        org.remove_from_book(document.id, "deleted", self.api.state.clock.now())
        return ok("The credit note has been deleted.")

    def _credit_status(self, target: str, allowed_from: tuple[str, ...], message: str) -> Handler:
        async def handler(request: Request, org: Organization) -> Response:
            with org.lock:
                document = self._doc(org, "creditnote", request.path_params["creditnote_id"], "Credit note")
                if document.data["status"] not in allowed_from:
                    raise ZohoError(400, INVALID, f"A credit note in status {document.data['status']} cannot be "
                                                  f"marked as {target}.")
                self._set_status(org, document, target, ("open",))
            return ok(message)

        return handler

    # ------------------------------------------------------------------------------------ journals
    def _store_journal(self, org: Organization, body: dict[str, Any], existing: Document | None) -> dict[str, Any]:
        now, stamp = self._now()
        with org.lock:
            old = existing.data if existing else None
            number = str(old["entry_number"]) if old else str(org.next_number("journal"))
            built = docs.build_journal(org, body, number, self.api.today(), old)
            status = built.record["status"]
            journal_id = old["journal_id"] if old else org.new_id()
            record = {"journal_id": journal_id, **built.record, "created_time": old["created_time"] if old else stamp,
                      "last_modified_time": stamp, "_postings": built.postings}
            entries = self._entries(status, built.entries, ("published",))
            reference = record["reference_number"] or number
            if existing is None:
                key = f"journal:{reference}"
                org.count_attempt(key)
                org.add_document(Document(id=journal_id, type="journal", reference=reference, key=key, status=status,
                                          currency=built.currency, total=built.total, created_at=now,
                                          updated_at=now, entries=entries, data=record))
            else:
                org.repost(journal_id, entries, data=record, total=built.total, currency=built.currency,
                           reference=reference, status=status, updated_at=now)
        return record

    async def create_journal(self, request: Request, org: Organization) -> Response:
        record = self._store_journal(org, await read_body(request), None)
        return ok("The journal entry has been created.", 201, journal=render(record))

    async def update_journal(self, request: Request, org: Organization) -> Response:
        document = self._doc(org, "journal", request.path_params["journal_id"], "Journal")
        record = self._store_journal(org, await read_body(request), document)
        return ok("The journal entry has been updated.", journal=render(record))

    async def get_journal(self, request: Request, org: Organization) -> Response:
        document = self._doc(org, "journal", request.path_params["journal_id"], "Journal")
        return ok("success", journal=render(document.data))

    async def list_journals(self, request: Request, org: Organization) -> Response:
        rows = [d.data for d in self._docs(org, "journal")
                if _matches(d.data, request, ("entry_number", "reference_number", "notes"))
                and request.query_params.get("status") in (None, d.data["status"])]
        return paged(request, _sort(request, rows), "journals", "Journals")

    async def delete_journal(self, request: Request, org: Organization) -> Response:
        document = self._doc(org, "journal", request.path_params["journal_id"], "Journal")
        org.remove_from_book(document.id, "deleted", self.api.state.clock.now())
        return ok("The journal entry has been deleted.")

    async def publish_journal(self, request: Request, org: Organization) -> Response:
        with org.lock:
            document = self._doc(org, "journal", request.path_params["journal_id"], "Journal")
            if document.data["status"] != "draft":
                raise ZohoError(400, INVALID, "Only a draft journal can be published.")
            self._set_status(org, document, "published", ("published",))
        return ok("The journal entry has been published.")

    # ------------------------------------------------------------------------------------ bank transactions
    async def create_bank_transaction(self, request: Request, org: Organization) -> Response:
        body = await read_body(request)
        now, stamp = self._now()
        with org.lock:
            built = docs.build_bank_transaction(org, body, self.api.today())
            transaction_id = org.new_id()
            record = {"transaction_id": transaction_id, **built.record, "created_time": stamp,
                      "last_modified_time": stamp, "_postings": built.postings}
            reference = record["reference_number"] or transaction_id
            key = f"banktransaction:{reference}"
            org.count_attempt(key)
            org.add_document(Document(id=transaction_id, type="banktransaction", reference=reference, key=key,
                                      status="manually_added", currency=built.currency, total=built.total,
                                      created_at=now, updated_at=now, entries=built.entries, data=record))
        return ok("The bank transaction has been recorded.", 201, banktransaction=render(record))

    async def get_bank_transaction(self, request: Request, org: Organization) -> Response:
        document = self._doc(org, "banktransaction", request.path_params["bank_transaction_id"], "Transaction")
        return ok("success", banktransaction=render(document.data))

    async def list_bank_transactions(self, request: Request, org: Organization) -> Response:
        params = request.query_params
        accounts = org.records["account"]
        rows = []
        for document in self._docs(org, "banktransaction"):
            data = document.data
            if params.get("account_id") not in (None, data["from_account_id"], data["to_account_id"]):
                continue
            if params.get("transaction_type") not in (None, data["transaction_type"]):
                continue
            if not _matches(data, request, ("reference_number",)):
                continue
            bank_is_target = accounts[data["to_account_id"]]["account_type"] in BANK_TYPES \
                or params.get("account_id") == data["to_account_id"]
            bank_id = data["to_account_id"] if bank_is_target else data["from_account_id"]
            offset_id = data["from_account_id"] if bank_is_target else data["to_account_id"]
            rows.append({
                "transaction_id": data["transaction_id"], "date": data["date"], "amount": data["amount"],
                "transaction_type": data["transaction_type"], "status": data["status"], "source": "manual",
                "account_id": bank_id, "account_name": accounts[bank_id]["account_name"],
                "account_type": accounts[bank_id]["account_type"], "price_precision": data["price_precision"],
                "customer_id": data["customer_id"], "payee": data["customer_name"],
                "description": data["description"], "currency_id": data["currency_id"],
                "currency_code": data["currency_code"], "debit_or_credit": "debit" if bank_is_target else "credit",
                "offset_account_name": accounts[offset_id]["account_name"],
                "reference_number": data["reference_number"], "created_time": data["created_time"],
            })
        return paged(request, _sort(request, rows, "date"), "banktransactions", "Bank Transactions", "date")

    async def delete_bank_transaction(self, request: Request, org: Organization) -> Response:
        document = self._doc(org, "banktransaction", request.path_params["bank_transaction_id"], "Transaction")
        org.remove_from_book(document.id, "deleted", self.api.state.clock.now())
        return ok("The transaction has been deleted.")


def routes(api: ZohoApi) -> dict[str, dict[str, tuple[str, Handler]]]:
    """Path (below `/books/v3`) -> method -> (operation id, handler)."""
    r = Resources(api)
    contacts = r._master("contact", "contact_id", build_contact, ("The contact has been added.",
                         "Contact has been updated successfully"), "Contact", ("contact_name", "email",
                                                                               "company_name"))
    items = r._master("item", "item_id", build_item, ("The item has been added.", "The item details have been "
                      "updated."), "Item", ("name", "sku", "description"))
    return {
        "/settings/currencies": {"GET": ("list_currencies", r.list_currencies)},
        "/settings/taxes": {"GET": ("list_taxes", r.list_taxes)},
        "/chartofaccounts": {"GET": ("list_chart_of_accounts", r.list_accounts)},
        "/chartofaccounts/{account_id}": {"GET": ("get_chart_of_account", r.get_account)},
        "/contacts": {"GET": ("list_contacts", contacts["list"]), "POST": ("create_contact", contacts["create"])},
        "/contacts/{contact_id}": {"GET": ("get_contact", contacts["get"]), "PUT": ("update_contact", contacts["update"])},
        "/items": {"GET": ("list_items", items["list"]), "POST": ("create_item", items["create"])},
        "/items/{item_id}": {"GET": ("get_item", items["get"]), "PUT": ("update_item", items["update"])},
        "/invoices": {"GET": ("list_invoices", r.list_invoices), "POST": ("create_invoice", r.create_invoice),
                      "PUT": ("update_invoice_using_custom_field", r.upsert_invoice)},
        "/invoices/{invoice_id}": {"GET": ("get_invoice", r.get_invoice), "PUT": ("update_invoice", r.update_invoice),
                                   "DELETE": ("delete_invoice", r.delete_invoice)},
        "/invoices/{invoice_id}/status/sent": {"POST": ("mark_invoice_sent", r._invoice_status(
            "sent", ("draft",), "Invoice status has been changed to Sent."))},
        "/invoices/{invoice_id}/status/void": {"POST": ("mark_invoice_void", r._invoice_status(
            "void", ("draft", "sent"), "Invoice status has been changed to Void."))},
        "/invoices/{invoice_id}/status/draft": {"POST": ("mark_invoice_draft", r._invoice_status(
            "draft", ("void",), "Status of invoice changed from void to draft."))},
        "/creditnotes": {"GET": ("list_credit_notes", r.list_credit_notes),
                         "POST": ("create_credit_note", r.create_credit_note)},
        "/creditnotes/{creditnote_id}": {"GET": ("get_credit_note", r.get_credit_note),
                                         "DELETE": ("delete_credit_note", r.delete_credit_note)},
        "/creditnotes/{creditnote_id}/status/void": {"POST": ("void_credit_note", r._credit_status(
            "void", ("draft", "open"), "Credit note status has been changed to Void."))},
        "/creditnotes/{creditnote_id}/status/open": {"POST": ("mark_credit_note_open", r._credit_status(
            "open", ("draft", "void"), "Credit note status has been changed to Open."))},
        "/journals": {"GET": ("list_journals", r.list_journals), "POST": ("create_journal", r.create_journal)},
        "/journals/{journal_id}": {"GET": ("get_journal", r.get_journal), "PUT": ("update_journal", r.update_journal),
                                   "DELETE": ("delete_journal", r.delete_journal)},
        "/journals/{journal_id}/status/publish": {"POST": ("mark_journal_published", r.publish_journal)},
        "/banktransactions": {"GET": ("list_bank_transactions", r.list_bank_transactions),
                              "POST": ("create_bank_transaction", r.create_bank_transaction)},
        "/banktransactions/{bank_transaction_id}": {"GET": ("get_bank_transaction", r.get_bank_transaction),
                                                    "DELETE": ("delete_bank_transaction", r.delete_bank_transaction)},
    }
