"""Xero Accounting API routes under `/api.xro/2.0`: reads (by id or number, filters, `where`, `order`,
paging, If-Modified-Since) and batched writes (`PUT` create, `POST` upsert, `POST /{id}` update) with
`summarizeErrors`, batch-size limits and Idempotency-Key replay."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sellerledger.sandbox.core.operation import operation
from sellerledger.sandbox.ledgers.common import JsonResponse, Tenant, loads, to_decimal
from sellerledger.sandbox.ledgers.xero import chart, documents, entities
from sellerledger.sandbox.ledgers.xero.documents import Ctx, Kind, Plan, public
from sellerledger.sandbox.ledgers.xero.formats import envelope, parse_http_datetime, validation_error
from sellerledger.sandbox.ledgers.xero.where import WhereError, compile_where

if TYPE_CHECKING:
    from sellerledger.sandbox.ledgers.xero.api import XeroApi

TenantHandler = Callable[[Request, Tenant], Awaitable[Response]]
PAGED = {"Invoices", "CreditNotes", "ManualJournals", "BankTransactions", "Payments", "Contacts"}
SUMMARY_WITHOUT_PAGE = {"Invoices": "LineItems", "CreditNotes": "LineItems"}
FILTERS = {  # query parameter -> field it filters on (comma-separated values)
    "IDs": None, "InvoiceNumbers": "InvoiceNumber", "ContactIDs": "Contact.ContactID", "Statuses": "Status",
}


def _bad_request(message: str, number: int = 10, kind: str = "ValidationException") -> Response:
    body = validation_error([], message, number)
    body["Type"] = kind
    return JsonResponse(body, status_code=400)


def _field(entity: dict[str, Any], path: str) -> Any:
    value: Any = entity
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float) or hasattr(value, "as_tuple"):
        return (1, value)
    text = str(value)
    if text.startswith("/Date("):
        return (1, int(text[6:].split("+")[0].split(")")[0]))
    return (2, text.lower())


def select(request: Request, rows: list[dict[str, Any]], plural: str, id_field: str) -> list[dict[str, Any]] | Response:
    """Apply IDs / numbers / statuses filters, `where`, `searchTerm`, If-Modified-Since and `order`."""
    params = request.query_params
    for name, path in FILTERS.items():
        if not params.get(name):
            continue
        wanted = {v.strip().lower() for v in params[name].split(",") if v.strip()}
        target = path or id_field
        rows = [r for r in rows if str(_field(r, target) or "").lower() in wanted]
    if params.get("where"):
        try:
            predicate = compile_where(params["where"])
        except WhereError as exc:
            return _bad_request(str(exc))
        rows = [r for r in rows if predicate(r)]
    if params.get("searchTerm"):
        term = params["searchTerm"].lower()
        fields = ("InvoiceNumber", "Reference", "CreditNoteNumber", "Name", "EmailAddress", "Narration")
        rows = [r for r in rows if any(term in str(r.get(f, "")).lower() for f in fields)]
    since_header = request.headers.get("if-modified-since")
    if since_header:
        since = parse_http_datetime(since_header)
        if since is not None:
            cutoff = int(since.timestamp() * 1000)
            rows = [r for r in rows if _sort_key(r.get("UpdatedDateUTC"))[1] > cutoff]
    if params.get("order"):
        for clause in reversed([c.strip() for c in params["order"].split(",") if c.strip()]):
            name, _, direction = clause.partition(" ")
            rows = sorted(rows, key=lambda r, n=name: _sort_key(_field(r, n)),
                          reverse=direction.strip().upper() == "DESC")
    return rows


def page(request: Request, rows: list[dict[str, Any]], plural: str) -> dict[str, Any] | Response:
    """Paged collections return `pagination`; without `page`, Invoices and CreditNotes come back whole but
    without line items (Xero returns line items only when paging or reading one document)."""
    params = request.query_params
    if plural not in PAGED:
        return {plural: rows}
    if "page" not in params:
        dropped = SUMMARY_WITHOUT_PAGE.get(plural)
        return {plural: [{k: v for k, v in r.items() if k != dropped} for r in rows]}
    try:
        number = max(1, int(params["page"]))
        size = min(1000, max(1, int(params.get("pageSize", 100))))
    except ValueError:
        return _bad_request("page and pageSize must be whole numbers")
    chosen = rows[(number - 1) * size:number * size]
    if params.get("summaryOnly", "").lower() == "true":
        chosen = [{k: v for k, v in r.items() if k not in ("LineItems", "JournalLines")} for r in chosen]
    return {"pagination": {"page": number, "pageSize": size, "pageCount": math.ceil(len(rows) / size),
                           "itemCount": len(rows)}, plural: chosen}


class Collection:
    """How to list, find and write one Xero collection."""

    def __init__(self, kind: Kind, list_rows: Callable[[Tenant], list[dict[str, Any]]],
                 find: Callable[[Tenant, str], dict[str, Any] | None],
                 planner: Callable[[Ctx, dict[str, Any], Any], Plan] | None = None,
                 existing: Callable[[Ctx, dict[str, Any], bool], Any] | None = None) -> None:
        self.kind = kind
        self.list_rows = list_rows
        self.find = find
        self.planner = planner
        self.existing = existing


def _documents(kind: Kind) -> Collection:
    def rows(tenant: Tenant) -> list[dict[str, Any]]:
        docs = sorted((d for d in tenant.documents.values() if d.type == kind.singular),
                      key=lambda d: d.created_at)  # stable: batch order kept
        return [public(d.data) for d in docs]

    def find(tenant: Tenant, ref: str) -> dict[str, Any] | None:
        doc = documents.find_existing(tenant, kind, {kind.id_field: ref})
        if doc is None and kind.number_field:
            doc = documents.find_existing(tenant, kind, {kind.number_field: ref})
        return public(doc.data) if doc else None

    def existing(ctx: Ctx, raw: dict[str, Any], upsert: bool) -> Any:
        if upsert:
            return documents.find_existing(ctx.tenant, kind, raw)
        return documents.find_existing(ctx.tenant, kind, {kind.id_field: raw.get(kind.id_field)}) \
            if raw.get(kind.id_field) else None

    return Collection(kind, rows, find, lambda ctx, raw, old: documents.plan(ctx, kind, raw, old), existing)


def _records(kind: Kind, record_kind: str, id_field: str, sort_field: str,
             planner: Callable[[Ctx, dict[str, Any], Any], Plan] | None = None,
             finder: Callable[[Ctx, dict[str, Any]], Any] | None = None) -> Collection:
    def rows(tenant: Tenant) -> list[dict[str, Any]]:
        return sorted(tenant.records[record_kind].values(), key=lambda r: str(r.get(sort_field, "")).lower())

    def find(tenant: Tenant, ref: str) -> dict[str, Any] | None:
        records = tenant.records[record_kind]
        if ref in records:
            return records[ref]
        return next((r for r in records.values() if str(r.get(sort_field, "")).lower() == ref.lower()
                     or str(r.get("ContactNumber", "")) == ref), None)

    def existing(ctx: Ctx, raw: dict[str, Any], upsert: bool) -> Any:
        if finder is None:
            return None
        found = finder(ctx, raw)
        if not upsert and found is not None and not raw.get(id_field):
            return None  # PUT by code/number: the uniqueness check answers
        return found

    return Collection(kind, rows, find, planner, existing)


def collections() -> dict[str, Collection]:
    result = {k.plural: _documents(k) for k in documents.KINDS.values()}
    result["Contacts"] = _records(entities.CONTACTS, "Contact", "ContactID", "Name", entities.plan_contact,
                                  entities.find_contact)
    result["Items"] = _records(entities.ITEMS, "Item", "ItemID", "Code", entities.plan_item, entities.find_item)
    result["Accounts"] = _records(Kind("Accounts", "Account", "AccountID", None), "Account", "AccountID", "Code")
    result["TaxRates"] = _records(Kind("TaxRates", "TaxRate", "TaxType", None), "TaxRate", "TaxType", "TaxType")
    result["TrackingCategories"] = _records(Kind("TrackingCategories", "TrackingCategory", "TrackingCategoryID", None),
                                            chart.TRACKING, "TrackingCategoryID", "Name")
    return result


def _ok(element: dict[str, Any]) -> dict[str, Any]:
    return {**public(element), "StatusAttributeString": "OK"}


NUMBER_FIELDS = {"Quantity", "UnitAmount", "LineAmount", "TaxAmount", "Amount", "UnitPrice", "CurrencyRate",
                 "DiscountRate", "Total", "SubTotal", "TotalTax"}


def _numbers(value: Any, key: str = "") -> Any:
    """An echoed element with its amounts as numbers (requests may send them as strings)."""
    if isinstance(value, dict):
        return {k: _numbers(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if key in NUMBER_FIELDS and isinstance(value, str):
        try:
            return to_decimal(value)
        except ValueError:
            return value
    return value


def _failed(plan: Plan) -> dict[str, Any]:
    return {**_numbers(public(plan.rendered)), "HasErrors": True, "StatusAttributeString": "ERROR",
            "ValidationErrors": [{"Message": m} for m in plan.errors]}


def accounting_routes(api: XeroApi) -> list[Route]:
    state = api.state
    colls = collections()

    def op(name: str, handler: TenantHandler) -> Callable[[Request], Awaitable[Response]]:
        @operation(state, api.profile, name)
        async def endpoint(request: Request) -> Response:
            return await api.gate(request, name, handler)
        return endpoint

    def ctx_for(request: Request, tenant: Tenant) -> Ctx:
        unitdp = 4 if request.query_params.get("unitdp") == "4" else 2
        return Ctx(tenant=tenant, now=state.clock.now(), unitdp=unitdp, lock_date=api.lock_date,
                   journals_to_system_accounts=bool(api.options["journals_to_system_accounts"]))

    def list_handler(coll: Collection) -> TenantHandler:
        async def handler(request: Request, tenant: Tenant) -> Response:
            with tenant.lock:
                rows = coll.list_rows(tenant)
            if coll.kind.plural == "TrackingCategories" and request.query_params.get("includeArchived") != "true":
                rows = [r for r in rows if r.get("Status") == "ACTIVE"]
            chosen = select(request, rows, coll.kind.plural, coll.kind.id_field)
            if isinstance(chosen, Response):
                return chosen
            body = page(request, chosen, coll.kind.plural)
            if isinstance(body, Response):
                return body
            return JsonResponse(envelope(state.clock.now(), **body))
        return handler

    def get_handler(coll: Collection, param: str) -> TenantHandler:
        async def handler(request: Request, tenant: Tenant) -> Response:
            with tenant.lock:
                found = coll.find(tenant, request.path_params[param])
            if found is None:
                return api.not_found()
            return JsonResponse(envelope(state.clock.now(), **{coll.kind.plural: [found]}))
        return handler

    async def idempotent(request: Request, tenant: Tenant, run: Callable[[Any], Response],
                         kind: Kind | None) -> Response:
        body = await request.body()
        if len(body) > int(api.options["max_body_bytes"]):
            return JsonResponse({"Title": "Request Entity Too Large", "Status": 413}, status_code=413)
        try:
            payload = loads(body) if body.strip() else {}
        except ValueError:
            return _bad_request("Invalid Json data", 14, "PostDataInvalidException")
        if kind is not None:
            for element in _elements(payload, kind) or []:
                key = documents.natural_key(kind, element) if isinstance(element, dict) else None
                if key:
                    tenant.count_attempt(key)
        key = request.headers.get("idempotency-key")
        if key is None:
            return run(payload)
        if len(key) > 128:
            return _bad_request("The Idempotency-Key header must be 128 characters or fewer")
        fingerprint = api.fingerprint(request, body)
        replayed = api.replay(tenant, key, fingerprint)
        if replayed is not None:
            return replayed
        response = run(payload)
        api.remember(tenant, key, fingerprint, response)
        return response

    def _elements(payload: Any, kind: Kind) -> list[Any] | None:
        if isinstance(payload, dict) and kind.plural in payload:
            return payload[kind.plural] if isinstance(payload[kind.plural], list) else None
        if isinstance(payload, dict) and payload:
            return [payload]
        return None

    def write_handler(coll: Collection, mode: str, param: str | None = None) -> TenantHandler:
        kind = coll.kind
        batch_max = int(api.options["items_batch_max"] if kind.plural == "Items" else api.options["batch_max"])

        async def handler(request: Request, tenant: Tenant) -> Response:
            def run(payload: Any) -> Response:
                elements = _elements(payload, kind)
                if not elements:
                    return _bad_request(f"The request body must hold {kind.plural}")
                if len(elements) > batch_max:
                    return _bad_request(f"No more than {batch_max} {kind.plural} can be submitted in one request")
                summarize = request.query_params.get("summarizeErrors", "false").lower() == "true"
                ctx = ctx_for(request, tenant)
                target = None
                if mode == "update":
                    assert param is not None
                    target = coll.find(tenant, request.path_params[param])
                    if target is None:
                        return api.not_found()
                    summarize = True
                with tenant.lock:
                    plans = []
                    for raw in elements:
                        if not isinstance(raw, dict):
                            plans.append(Plan({}, [f"Each of {kind.plural} must be an object"]))
                            continue
                        if mode == "update":
                            raw = {**raw, kind.id_field: target[kind.id_field]}  # type: ignore[index]
                        assert coll.existing is not None and coll.planner is not None
                        existing = coll.existing(ctx, raw, mode != "create")
                        if mode == "create" and existing is not None:
                            plans.append(Plan(dict(raw), [f"{kind.singular} {raw.get(kind.id_field)} already "
                                                          "exists; use POST to update it"]))
                            continue
                        if existing is None and raw.get(kind.id_field) and mode != "create":
                            plans.append(Plan(dict(raw), [f"{kind.singular} {raw[kind.id_field]} could not be "
                                                          "found"]))
                            continue
                        plan = coll.planner(ctx, raw, existing)
                        if not summarize and not plan.errors and plan.commit is not None:
                            plan.rendered = plan.commit()
                        plans.append(plan)
                    if summarize:
                        failed = [p for p in plans if p.errors]
                        if failed:
                            return JsonResponse(validation_error([_failed(p) for p in failed]), status_code=400)
                        for plan in plans:
                            assert plan.commit is not None
                            plan.rendered = plan.commit()
                elements_out = [_failed(p) if p.errors else _ok(p.rendered) for p in plans]
                return JsonResponse(envelope(state.clock.now(), **{kind.plural: elements_out}))

            return await idempotent(request, tenant, run, kind if kind.plural in documents.KINDS else None)
        return handler

    def single_create(plan_one: Callable[[Ctx, dict[str, Any], Request], Plan], plural: str) -> TenantHandler:
        async def handler(request: Request, tenant: Tenant) -> Response:
            def run(payload: Any) -> Response:
                raw = payload.get(plural, [payload])[0] if isinstance(payload, dict) and payload.get(plural) \
                    else payload
                if not isinstance(raw, dict):
                    return _bad_request(f"The request body must hold one of {plural}")
                with tenant.lock:
                    plan = plan_one(ctx_for(request, tenant), raw, request)
                    if plan.errors or plan.commit is None:
                        return JsonResponse(validation_error([_failed(plan)]), status_code=400)
                    created = plan.commit()
                return JsonResponse(envelope(state.clock.now(), **{plural: [_ok(created)]}))
            return await idempotent(request, tenant, run, None)
        return handler

    def create_option(ctx: Ctx, raw: dict[str, Any], request: Request) -> Plan:
        category = ctx.tenant.records[chart.TRACKING].get(request.path_params["TrackingCategoryID"])
        if category is None:
            return Plan(dict(raw), ["Tracking category could not be found"])
        return entities.plan_tracking_option(ctx, category, raw)

    async def organisation(request: Request, tenant: Tenant) -> Response:
        org = {"OrganisationID": tenant.id, "APIKey": "", "Name": tenant.name, "LegalName": tenant.name,
               "PaysTax": True, "Version": "GLOBAL", "OrganisationType": "COMPANY", "BaseCurrency": tenant.base_currency,
               "CountryCode": {"USD": "US", "AUD": "AU", "GBP": "GB", "NZD": "NZ"}.get(tenant.base_currency, "US"),
               "IsDemoCompany": False, "OrganisationStatus": "ACTIVE", "ShortCode": "!" + tenant.id[:5],
               "Class": "STANDARD", "Edition": "BUSINESS", "Timezone": "UTC"}
        return JsonResponse(envelope(state.clock.now(), Organisations=[org]))

    def dispatch(handlers: dict[str, Callable[[Request], Awaitable[Response]]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handlers[request.method](request)
        return endpoint

    base = "/api.xro/2.0"
    routes: list[Route] = []
    names = {"Invoices": ("Invoice", "InvoiceID"), "CreditNotes": ("CreditNote", "CreditNoteID"),
             "ManualJournals": ("ManualJournal", "ManualJournalID"),
             "BankTransactions": ("BankTransaction", "BankTransactionID"), "Payments": ("Payment", "PaymentID"),
             "Contacts": ("Contact", "ContactID"), "Items": ("Item", "ItemID")}
    for plural, (singular, id_param) in names.items():
        coll = colls[plural]
        routes.append(Route(f"{base}/{plural}", dispatch({
            "GET": op(f"get{plural}", list_handler(coll)),
            "PUT": op(f"create{plural}", write_handler(coll, "create")),
            "POST": op(f"updateOrCreate{plural}", write_handler(coll, "upsert")),
        }), methods=["GET", "PUT", "POST"]))
        routes.append(Route(f"{base}/{plural}/{{{id_param}}}", dispatch({
            "GET": op(f"get{singular}", get_handler(coll, id_param)),
            "POST": op(f"update{singular}", write_handler(coll, "update", id_param)),
        }), methods=["GET", "POST"]))
    routes += [
        Route(f"{base}/Accounts", dispatch({
            "GET": op("getAccounts", list_handler(colls["Accounts"])),
            "PUT": op("createAccount", single_create(lambda ctx, raw, _r: entities.plan_account(ctx, raw), "Accounts")),
        }), methods=["GET", "PUT"]),
        Route(f"{base}/Accounts/{{AccountID}}", op("getAccount", get_handler(colls["Accounts"], "AccountID")),
              methods=["GET"]),
        Route(f"{base}/TaxRates", op("getTaxRates", list_handler(colls["TaxRates"])), methods=["GET"]),
        Route(f"{base}/TaxRates/{{TaxType}}", op("getTaxRateByTaxType", get_handler(colls["TaxRates"], "TaxType")),
              methods=["GET"]),
        Route(f"{base}/TrackingCategories", dispatch({
            "GET": op("getTrackingCategories", list_handler(colls["TrackingCategories"])),
            "PUT": op("createTrackingCategory", single_create(
                lambda ctx, raw, _r: entities.plan_tracking_category(ctx, raw), "TrackingCategories")),
        }), methods=["GET", "PUT"]),
        Route(f"{base}/TrackingCategories/{{TrackingCategoryID}}",
              op("getTrackingCategory", get_handler(colls["TrackingCategories"], "TrackingCategoryID")), methods=["GET"]),
        Route(f"{base}/TrackingCategories/{{TrackingCategoryID}}/Options",
              op("createTrackingOptions", single_create(create_option, "Options")), methods=["PUT"]),
        Route(f"{base}/Organisation", op("getOrganisations", organisation), methods=["GET"]),
    ]
    return routes
