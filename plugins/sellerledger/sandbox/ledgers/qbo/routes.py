"""QBO Accounting API routes under `/v3/company/{realmId}`: entity create / sparse and full update (SyncToken)
/ delete / void, reads by id, the query endpoint, batch (independent items, Faults inside a 200), and
`requestid` replay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sellerledger.sandbox.core.operation import operation
from sellerledger.sandbox.ledgers.common import Document, JsonResponse, Tenant, loads
from sellerledger.sandbox.ledgers.qbo import documents, entities, query
from sellerledger.sandbox.ledgers.qbo.entities import Ctx, meta
from sellerledger.sandbox.ledgers.qbo.formats import (
    QboError,
    business,
    fault,
    invalid,
    missing,
    not_found,
    qbo_time,
    stale,
)

if TYPE_CHECKING:
    from sellerledger.sandbox.ledgers.qbo.api import QboApi

ENTITIES = {name.lower(): name for name in (*documents.PLANNERS, *entities.NAME_LISTS, *entities.READ_ONLY)}
READ_ONLY_FIELDS = ("Id", "SyncToken", "MetaData", "domain")
TenantHandler = Callable[[Request, Tenant], Awaitable[Response]]


def natural_key(entity: str, body: dict[str, Any]) -> str | None:
    """The reference a create is counted under: DocNumber (Deposit: DocNumber or PrivateNote)."""
    if entity not in documents.PLANNERS or body.get("Id"):
        return None
    reference = body.get("DocNumber") or (body.get("PrivateNote") if entity == "Deposit" else None)
    return f"{entity}:{reference}" if reference else None


def rows(tenant: Tenant, entity: str) -> list[dict[str, Any]]:
    """Every live entity of a kind, as the API renders it."""
    if entity in documents.PLANNERS:
        docs = sorted((d for d in tenant.documents.values() if d.type == entity and d.status != "Deleted"),
                      key=lambda d: int(d.id))
        return [d.data for d in docs]
    return sorted(tenant.records[entity].values(), key=lambda r: int(r["Id"]))


def _find(tenant: Tenant, entity: str, entity_id: str) -> Document | dict[str, Any] | None:
    if entity in documents.PLANNERS:
        doc = tenant.documents.get(entity_id)
        return doc if doc is not None and doc.type == entity and doc.status != "Deleted" else None
    return tenant.records[entity].get(entity_id)


def _data(found: Document | dict[str, Any]) -> dict[str, Any]:
    return found.data if isinstance(found, Document) else found


class Executor:
    """Runs one write (single endpoint or batch item) against a company."""

    def __init__(self, api: QboApi, ctx: Ctx) -> None:
        self.api = api
        self.ctx = ctx

    def write(self, entity: str, body: Any, operation_: str, options: str = "") -> dict[str, Any]:
        """create / update / delete / void; returns the entity (or the delete stub). Raises QboError."""
        if entity in entities.READ_ONLY:
            raise invalid(f"Operation {operation_} is not supported for {entity}", entity)
        if not isinstance(body, dict):
            raise invalid(f"{entity} body", entity)
        tenant = self.ctx.tenant
        is_update = operation_ in ("update", "delete", "void") or bool(body.get("Id"))
        if operation_ == "update" and options == "void":
            operation_ = "void"
        if not is_update:
            if entity in documents.PLANNERS:
                data, commit = documents.PLANNERS[entity](self.ctx, body, None)
            else:
                data, commit = entities.NAME_LISTS[entity](self.ctx, body, None)
            return commit()
        entity_id = body.get("Id")
        if not entity_id:
            raise missing("Id")
        found = _find(tenant, entity, str(entity_id))
        if found is None:
            raise not_found(entity, str(entity_id))
        name = {"update": "update", "delete": "delete", "void": "void"}.get(operation_, "update") + entity
        if self.api.state.faults.take("qbo", name, "conflict"):
            current = _data(found)
            current["SyncToken"] = str(int(current["SyncToken"]) + 1)
            current["MetaData"] = meta(self.ctx.now, current["MetaData"]["CreateTime"])
        current = _data(found)
        if body.get("SyncToken") in (None, ""):
            raise missing("SyncToken")
        if str(body["SyncToken"]) != current["SyncToken"]:
            raise stale(entity, current["SyncToken"])
        if operation_ == "delete":
            if not isinstance(found, Document):
                raise invalid(f"Operation delete is not supported for {entity}; set Active to false", entity)
            return documents.delete(self.ctx, found)
        if operation_ == "void":
            if not isinstance(found, Document) or entity not in documents.VOIDABLE:
                raise invalid(f"Operation void is not supported for {entity}", entity)
            if found.status == "Voided":
                raise business("This transaction has already been voided.", entity)
            return documents.void(self.ctx, found)
        if isinstance(found, Document) and found.status == "Voided":
            raise business("A voided transaction can't be changed.", entity)
        if body.get("sparse") is True:
            merged = {**current, **{k: v for k, v in body.items() if k != "sparse"}}
        else:
            merged = {**{k: current[k] for k in READ_ONLY_FIELDS if k in current}, **body}
        if isinstance(found, Document):
            data, commit = documents.PLANNERS[entity](self.ctx, merged, found)
        else:
            data, commit = entities.NAME_LISTS[entity](self.ctx, merged, found)
        return commit()

    def query(self, text: str) -> dict[str, Any]:
        parsed = query.parse(text)
        entity = ENTITIES.get(parsed.entity.lower())
        if entity is None and parsed.entity.lower() != "companyinfo":
            raise QboError("4001", "Invalid query", f"QueryValidationError: Invalid entity '{parsed.entity}'")
        found_rows = [company_info(self.ctx.tenant, self.ctx)] if entity is None else rows(self.ctx.tenant, entity)
        page, total = query.run(found_rows, parsed)
        if parsed.count:
            return {"totalCount": total}
        result: dict[str, Any] = {"startPosition": parsed.start, "maxResults": len(page)}
        if page:
            result[entity or "CompanyInfo"] = page
        return result


def company_info(tenant: Tenant, ctx: Ctx) -> dict[str, Any]:
    country = {"USD": "US", "AUD": "AU", "GBP": "GB", "CAD": "CA"}.get(tenant.base_currency, "US")
    return {"CompanyName": tenant.name, "LegalName": tenant.name, "Country": country, "SupportedLanguages": "en",
            "DefaultTimeZone": "UTC", "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": "0",
            "MetaData": meta(ctx.now), "NameValue": [{"Name": "HomeCurrency", "Value": tenant.base_currency}]}


def company_routes(api: QboApi) -> list[Route]:
    state = api.state

    def op(name: str, handler: TenantHandler) -> Callable[[Request], Awaitable[Response]]:
        @operation(state, api.profile, name)
        async def endpoint(request: Request) -> Response:
            return await api.gate(request, name, handler)
        return endpoint

    def ctx_for(request: Request, tenant: Tenant) -> Ctx:
        allow = "allowduplicatedocnum" in request.query_params.get("include", "").lower() \
            or not api.options["duplicate_doc_number_check"]
        return Ctx(tenant=tenant, now=state.clock.now(), duplicate_doc_numbers=allow)

    def ok(body: dict[str, Any], status: int = 200) -> Response:
        return JsonResponse({**body, "time": qbo_time(state.clock.now())}, status_code=status,
                            headers={"intuit_tid": api.tid()})

    async def with_requestid(request: Request, tenant: Tenant, run: Callable[[Any], Response],
                             entity: str | None, bids: int = 0) -> Response:
        body = await request.body()
        requestid = request.query_params.get("requestid")
        if requestid is not None and len(requestid) + bids > int(api.options["requestid_max"]):
            return api.fault_response([invalid(
                f"requestid is longer than {int(api.options['requestid_max']) - bids} characters", "requestid")])
        try:
            payload = loads(body) if body.strip() else None
        except ValueError:
            return api.fault_response([QboError("2010", "Request has invalid or unsupported property",
                                                "The request body is not valid JSON")])
        if entity is not None and isinstance(payload, dict):
            key = natural_key(entity, payload)
            if key:
                tenant.count_attempt(key)
        if requestid is not None:
            stored = api.requestids.get((tenant.id, requestid))
            if stored is not None:
                return Response(stored[1], status_code=stored[0], media_type="application/json",
                                headers={"intuit_tid": api.tid()})
        response = run(payload)
        if requestid is not None:
            api.requestids[(tenant.id, requestid)] = (response.status_code, bytes(response.body))
        return response

    def write_handler(entity: str) -> TenantHandler:
        async def handler(request: Request, tenant: Tenant) -> Response:
            operation_ = request.query_params.get("operation", "create")
            if operation_ not in ("create", "update", "delete", "void"):
                return api.fault_response([invalid(f"operation={operation_}", "operation")])

            def run(payload: Any) -> Response:
                if state.faults.take("qbo", entity, "fault_in_200"):
                    return JsonResponse(fault([business("The request could not be processed; nothing was "
                                                        "saved.")], state.clock.now()),
                                        headers={"intuit_tid": api.tid()})
                ctx = ctx_for(request, tenant)
                try:
                    with tenant.lock:
                        result = Executor(api, ctx).write(entity, payload, operation_)
                except QboError as error:
                    return api.fault_response([error])
                return ok({entity: result})

            return await with_requestid(request, tenant, run, entity)
        return handler

    def read_handler(entity: str) -> TenantHandler:
        async def handler(request: Request, tenant: Tenant) -> Response:
            with tenant.lock:
                found = _find(tenant, entity, request.path_params["id"])
            if found is None:
                return api.fault_response([not_found(entity, request.path_params["id"])])
            return ok({entity: _data(found)})
        return handler

    async def query_handler(request: Request, tenant: Tenant) -> Response:
        text = request.query_params.get("query")
        if text is None and request.method == "POST":
            text = (await request.body()).decode("utf-8")
        if not text:
            return api.fault_response([missing("query")])
        try:
            with tenant.lock:
                result = Executor(api, ctx_for(request, tenant)).query(text)
        except QboError as error:
            return api.fault_response([error])
        return ok({"QueryResponse": result})

    async def company_info_handler(request: Request, tenant: Tenant) -> Response:
        return ok({"CompanyInfo": company_info(tenant, ctx_for(request, tenant))})

    async def batch_handler(request: Request, tenant: Tenant) -> Response:
        try:
            payload = loads(await request.body())
        except ValueError:
            payload = None
        items = payload.get("BatchItemRequest") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not items:
            return api.fault_response([missing("BatchItemRequest")])
        maximum = int(api.options["batch_max"])
        if len(items) > maximum:
            return api.fault_response([invalid(f"BatchItemRequest has {len(items)} items; the maximum is {maximum}",
                                               "BatchItemRequest")])
        if state.limiter.acquire("qbo", "batch", api.batch_limit, tenant.id) > 0:
            return api.throttled(request, 60.0, api.batch_limit)
        extra = len(items) - 1  # each item is metered like one call; the batch call itself counted one
        if state.limiter.enabled and api.limits.remaining(tenant.id).get("minute", extra) < extra:
            return api.throttled(request, 60.0, None)
        for _ in range(extra):
            state.limiter.acquire("qbo", "minute", api.limits.windows[0].limit, tenant.id)
        longest_bid = max(len(str(i.get("bId", ""))) for i in items if isinstance(i, dict)) if items else 0

        def run(_payload: Any) -> Response:
            ctx = ctx_for(request, tenant)
            executor = Executor(api, ctx)
            out, seen = [], set()
            for item in items:
                if not isinstance(item, dict) or not item.get("bId") or item["bId"] in seen:
                    out.append({"bId": item.get("bId") if isinstance(item, dict) else None,
                                "Fault": {"Error": [missing("bId").as_json()], "type": "ValidationFault"}})
                    continue
                seen.add(item["bId"])
                out.append(run_item(executor, tenant, item))
            return ok({"BatchItemResponse": out})

        return await with_requestid(request, tenant, run, None, bids=longest_bid)

    def run_item(executor: Executor, tenant: Tenant, item: dict[str, Any]) -> dict[str, Any]:
        bid = item["bId"]
        try:
            with tenant.lock:
                if "Query" in item:
                    return {"bId": bid, "QueryResponse": executor.query(str(item["Query"]))}
                names = [k for k in item if k in ENTITIES.values()]
                if len(names) != 1:
                    raise invalid("each batch item needs exactly one entity or a Query", "BatchItemRequest")
                entity = names[0]
                operation_ = str(item.get("operation") or "create")
                if operation_ not in ("create", "update", "delete"):
                    raise invalid(f"operation {operation_}", "operation")
                key = natural_key(entity, item[entity]) if isinstance(item[entity], dict) else None
                if key and operation_ == "create":
                    tenant.count_attempt(key)
                result = executor.write(entity, item[entity], operation_, str(item.get("optionsData") or ""))
                if operation_ == "create" and isinstance(result, dict) and result.get("Id"):
                    executor.ctx.invisible.add(str(result["Id"]))  # later items cannot see it
                return {"bId": bid, entity: result}
        except QboError as error:
            return {"bId": bid, "Fault": {"Error": [error.as_json()], "type": error.fault_type}}

    base = "/v3/company/{realmId}"
    routes: list[Route] = [
        Route(f"{base}/query", op("query", query_handler), methods=["GET", "POST"]),
        Route(f"{base}/batch", op("batch", batch_handler), methods=["POST"]),
        Route(f"{base}/companyinfo/{{id}}", op("readCompanyInfo", company_info_handler), methods=["GET"]),
    ]
    for lower, entity in ENTITIES.items():
        if entity not in entities.READ_ONLY:
            routes.append(Route(f"{base}/{lower}", op(entity, write_handler(entity)), methods=["POST"]))
        routes.append(Route(f"{base}/{lower}/{{id}}", op(f"read{entity}", read_handler(entity)), methods=["GET"]))
    return routes
