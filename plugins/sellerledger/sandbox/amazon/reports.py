"""Reports API 2021-06-30: settlement reports to list and download, order reports to request.

- getReports: `reportTypes` (<= 10) or `nextToken` required; `nextToken` must come alone (else 400);
  processingStatuses, marketplaceIds (ignored for settlement reports, as users observe on the real API),
  pageSize 1-100 (default 10), createdSince (default and floor: 90 days ago; reports are kept 90 days),
  createdUntil. Newest first. Settlement reports (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) appear a
  few hours after their settlement closes, DONE, with dataStartTime/dataEndTime = the settlement period.
- createReport: only the all-orders flat files (see `order_report`); settlement types are refused (they
  cannot be requested). A report goes IN_QUEUE → IN_PROGRESS → DONE over virtual time (15 s + 30 s by
  default); the `report_fatal` fault makes it end FATAL without a document. cancelReport cancels a
  queued one.
- getReportDocument: `{"reportDocumentId","url","compressionAlgorithm":"GZIP"}` (CA settlement documents
  are served uncompressed, without compressionAlgorithm). The URL is presigned-style, served by this
  stand-in at `/amazon/_documents/...`, and expires 5 virtual minutes after it was issued; an expired
  URL answers like S3: 403 XML `AccessDenied` / `Request has expired`. The `document_url_expired` fault
  hands out (getReportDocument) or meets (download) an expired URL. Downloads declare the document's
  charset in Content-Type (UTF-8, ISO-8859-1 or Windows-31J).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sellerledger.sandbox.amazon.common import API, Auth, BadRequest, Http, csv_list, int_param, json_response
from sellerledger.sandbox.amazon.model import Settlement
from sellerledger.sandbox.amazon.order_report import REPORT_TYPES, order_report_bytes
from sellerledger.sandbox.amazon.settlement_writer import settlement_file_bytes
from sellerledger.sandbox.amazon.state import CreatedReport
from sellerledger.sandbox.amazon.timefmt import iso_z, parse_iso

SETTLEMENT_V2 = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
SETTLEMENT_TYPES = {SETTLEMENT_V2, "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "GET_V2_SETTLEMENT_REPORT_DATA_XML"}
STATUSES = {"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"}
RETENTION = timedelta(days=90)
BAD_TOKEN = ("We could not decode your NextToken. Possible reasons include: a transmission error, improper "
             "quoting or a truncation problem.")
GETREPORTS_PARAMS = ("reportTypes", "processingStatuses", "marketplaceIds", "pageSize", "createdSince", "createdUntil")


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def s3_error(code: str, message: str, extra: dict[str, str]) -> Response:
    fields = "".join(f"<{k}>{v}</{k}>" for k, v in extra.items())
    request_id = secrets.token_hex(8).upper()
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"{fields}<RequestId>{request_id}</RequestId><HostId>{secrets.token_urlsafe(48)}</HostId></Error>")
    return Response(body, status_code=403, media_type="application/xml", headers={"x-amz-request-id": request_id})


def routes(http: Http, region: str | None) -> list[Route]:
    state = http.state
    settlement_documents: dict[str, bytes] = state.settlement_documents

    def status_of(report: CreatedReport, now: datetime) -> tuple[str, datetime | None, datetime | None]:
        queue, processing = state.report_seconds
        started = report.created + timedelta(seconds=queue)
        ended = started + timedelta(seconds=processing)
        if report.cancelled:
            return "CANCELLED", None, None
        if now < started:
            return "IN_QUEUE", None, None
        if now < ended:
            return "IN_PROGRESS", started, None
        return ("FATAL" if report.fatal else "DONE"), started, ended

    def created_json(report: CreatedReport, now: datetime) -> dict[str, Any]:
        status, started, ended = status_of(report, now)
        data: dict[str, Any] = {"reportId": report.report_id, "reportType": report.report_type,
                                "dataStartTime": iso_z(report.data_start), "dataEndTime": iso_z(report.data_end),
                                "createdTime": iso_z(report.created), "processingStatus": status}
        if started is not None:
            data["processingStartTime"] = iso_z(started)
        if ended is not None:
            data["processingEndTime"] = iso_z(ended)
        if status == "DONE":
            data["reportDocumentId"] = report.document_id
        data["marketplaceIds"] = report.marketplace_ids
        return data

    def settlement_json(settlement: Settlement) -> dict[str, Any]:
        created = settlement.report_created_at
        return {"reportId": settlement.report_id, "reportType": SETTLEMENT_V2,
                "dataStartTime": iso_z(settlement.start), "dataEndTime": iso_z(settlement.end),
                "createdTime": iso_z(created), "processingStatus": "DONE",
                "processingStartTime": iso_z(created), "processingEndTime": iso_z(created + timedelta(seconds=41)),
                "reportDocumentId": settlement.report_document_id, "marketplaceIds": [settlement.marketplace.id]}

    def settlements_for(auth: Auth, now: datetime) -> list[Settlement]:
        return [s for s in state.seller.settlements if s.marketplace.region == auth.region
                and now - RETENTION <= s.report_created_at <= now]

    def reports_for(auth: Auth) -> list[CreatedReport]:
        return [r for r in state.reports.values() if r.region == auth.region]

    # --------------------------------------------------------------------------------- getReports
    async def get_reports(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        token = request.query_params.get("nextToken")
        if token and any(name in request.query_params for name in GETREPORTS_PARAMS):
            raise BadRequest("Specifying nextToken with any other parameters will cause the request to fail.")
        size = 10
        if not token:
            types = csv_list(request, "reportTypes")
            if not types:
                raise BadRequest("Either reportTypes or nextToken is required.")
            if len(types) > 10:
                raise BadRequest("reportTypes accepts at most 10 values.")
            statuses = csv_list(request, "processingStatuses")
            if not set(statuses) <= STATUSES:
                raise BadRequest("Invalid input", details="Invalid input in processing status")
            mp_filter = csv_list(request, "marketplaceIds")
            if len(mp_filter) > 10:
                raise BadRequest("marketplaceIds accepts at most 10 values.")
            size = int_param(request, "pageSize", 10, 1, 100)

        def compute(now: datetime) -> tuple[dict[str, Any], list[str]]:
            since = _date(request, "createdSince") or now - RETENTION
            until = _date(request, "createdUntil") or now
            since = max(since, now - RETENTION)
            rows: list[tuple[datetime, str]] = []
            if SETTLEMENT_V2 in types and (not statuses or "DONE" in statuses):
                rows += [(s.report_created_at, s.report_id) for s in settlements_for(auth, now)
                         if since <= s.report_created_at <= until]
            for report in reports_for(auth):
                if report.report_type not in types or not since <= report.created <= until:
                    continue
                if statuses and status_of(report, now)[0] not in statuses:
                    continue
                if mp_filter and not set(mp_filter) & set(report.marketplace_ids):
                    continue
                rows.append((report.created, report.report_id))
            rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
            return {"size": size}, [report_id for _, report_id in rows]

        if token:
            pt_size = state.pages[token].params["size"] if token in state.pages else 10
            size = pt_size
        page_ids, next_token, pt = http.page("getReports", token, size, compute, invalid_message=BAD_TOKEN)
        by_id = {s.report_id: s for s in state.seller.settlements}
        reports = []
        for report_id in page_ids:
            if report_id in by_id:
                reports.append(settlement_json(by_id[report_id]))
            elif report_id in state.reports:
                reports.append(created_json(state.reports[report_id], state.now()))
        body: dict[str, Any] = {"reports": reports}
        if next_token:
            body["nextToken"] = next_token
        return json_response(body)

    # ------------------------------------------------------------------------------- createReport
    async def create_report(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        try:
            spec = json.loads(await request.body() or b"null")
        except ValueError:
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(spec, dict) or not isinstance(spec.get("reportType"), str):
            raise BadRequest("reportType is required.")
        report_type = spec["reportType"]
        mp_ids = spec.get("marketplaceIds")
        if not isinstance(mp_ids, list) or not 1 <= len(mp_ids) <= 25 or not all(isinstance(m, str) for m in mp_ids):
            raise BadRequest("marketplaceIds must be a list of 1 to 25 marketplace ids.")
        if report_type in SETTLEMENT_TYPES:
            raise BadRequest(f"Report type {report_type} cannot be requested: settlement reports are generated "
                             "by Amazon on the settlement schedule; list them with getReports.")
        if report_type not in REPORT_TYPES:
            raise BadRequest(f"Report type {report_type} is not supported by this sandbox; "
                             f"supported: {', '.join(REPORT_TYPES)}.")
        http.marketplaces(auth, mp_ids)
        now = state.now()
        start = _body_date(spec, "dataStartTime") or now
        end = _body_date(spec, "dataEndTime") or now
        if start > now or end > now + timedelta(minutes=5):
            raise BadRequest("dataStartTime and dataEndTime must be prior to or equal to the current date and time.")
        if end < start:
            raise BadRequest("dataEndTime must be after dataStartTime.")
        fatal = state.sandbox.faults.take(API, "createReport", "report_fatal") is not None
        report_id = state.new_report_id()
        document_id = f"amzn1.spdoc.1.4.{auth.region.lower()}.{uuid.uuid4()}.T{secrets.randbelow(10**14):014d}.{secrets.randbelow(9000) + 1000}"
        state.reports[report_id] = CreatedReport(report_id, report_type, list(mp_ids), start, min(end, now), now,
                                                 auth.region, document_id, fatal=fatal)
        return json_response({"reportId": report_id}, status=202)

    def created_report(auth: Auth, report_id: str) -> CreatedReport | Settlement:
        if not report_id.isdigit():
            raise BadRequest("Invalid input", details="Invalid input")
        report = state.reports.get(report_id)
        if report is not None and report.region == auth.region:
            return report
        settlement = next((s for s in settlements_for(auth, state.now()) if s.report_id == report_id), None)
        if settlement is None:
            raise BadRequest(f"Report {report_id} was not found.", code="NotFound", status=404)
        return settlement

    async def get_report(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        found = created_report(auth, request.path_params["reportId"])
        if isinstance(found, Settlement):
            return json_response(settlement_json(found))
        return json_response(created_json(found, state.now()))

    async def cancel_report(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        found = created_report(auth, request.path_params["reportId"])
        if isinstance(found, Settlement) or status_of(found, state.now())[0] != "IN_QUEUE":
            raise BadRequest("Only a report that is IN_QUEUE can be cancelled.")
        found.cancelled = True
        return Response(status_code=200)

    # -------------------------------------------------------------------------- getReportDocument
    def document(auth: Auth | None, document_id: str) -> tuple[bytes, str, bool] | None:
        """(content, charset, gzipped) of a document the caller (or, for downloads, anyone) may read."""
        now = state.now()
        for settlement in state.seller.settlements:
            if settlement.report_document_id == document_id and settlement.report_created_at <= now:
                if auth is not None and settlement.marketplace.region != auth.region:
                    return None
                gzipped = settlement.marketplace.code != "CA"
                charset = {"utf-8": "UTF-8", "iso-8859-1": "ISO-8859-1", "cp932": "Windows-31J"}[settlement.encoding]
                content = settlement_documents.get(document_id)
                if content is None:
                    raw = settlement_file_bytes(settlement)
                    content = _gzip(raw) if gzipped else raw
                    if len(settlement_documents) >= 4:  # a few rendered files kept: large ones are slow to build
                        settlement_documents.pop(next(iter(settlement_documents)))
                    settlement_documents[document_id] = content
                return content, charset, gzipped
        for report in state.reports.values():
            if report.document_id != document_id or status_of(report, now)[0] != "DONE":
                continue
            if auth is not None and report.region != auth.region:
                return None
            if document_id not in state.report_documents:
                _, _, ended = status_of(report, now)
                assert ended is not None
                raw = order_report_bytes(state.seller.orders, set(report.marketplace_ids), report.data_start,
                                         report.data_end, ended, report.report_type)
                state.report_documents[document_id] = _gzip(raw)
            return state.report_documents[document_id], "UTF-8", True
        return None

    async def get_report_document(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        document_id = request.path_params["reportDocumentId"]
        if not document_id.startswith("amzn1.spdoc."):
            raise BadRequest("Invalid input", details="Invalid input")
        found = document(auth, document_id)
        if found is None:
            raise BadRequest(f"Report document {document_id} was not found.", code="NotFound", status=404)
        now = state.now()
        issued = now
        if state.sandbox.faults.take(API, "getReportDocument", "document_url_expired") is not None:
            issued = now - timedelta(seconds=state.url_ttl + 60)
        key = secrets.token_hex(16)
        state.remember(state.urls, key, (document_id, issued + timedelta(seconds=state.url_ttl)))
        stamp = issued.strftime("%Y%m%dT%H%M%SZ")
        signature = hashlib.sha256(f"{key}{stamp}".encode()).hexdigest()
        url = (f"{request.url.scheme}://{request.url.netloc}/amazon/_documents/{key}"
               f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=SANDBOX%2F{stamp[:8]}%2Fus-east-1%2Fs3%2Faws4_request"
               f"&X-Amz-Date={stamp}&X-Amz-Expires={state.url_ttl}&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}")
        body: dict[str, Any] = {"reportDocumentId": document_id, "url": url}
        if found[2]:
            body["compressionAlgorithm"] = "GZIP"
        return json_response(body)

    async def download(request: Request, _: Auth | None) -> Response:
        key = request.path_params["key"]
        entry = state.urls.get(key)
        if entry is None:
            return s3_error("AccessDenied", "Access Denied", {})
        document_id, expires = entry
        now = state.now()
        if now > expires or state.sandbox.faults.take(API, "downloadReportDocument", "document_url_expired"):
            return s3_error("AccessDenied", "Request has expired",
                            {"X-Amz-Expires": str(state.url_ttl), "Expires": iso_z(expires), "ServerTime": iso_z(now)})
        found = document(None, document_id)
        if found is None:
            return s3_error("AccessDenied", "Access Denied", {})
        content, charset, _ = found
        return Response(content, media_type=f"text/plain; charset={charset}",
                        headers={"ETag": f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"',
                                 "x-amz-request-id": secrets.token_hex(8).upper()})

    ep = http.endpoint
    routes_ = [
        Route("/reports/2021-06-30/reports", ep("getReports", get_reports, region=region), methods=["GET"]),
        Route("/reports/2021-06-30/reports", ep("createReport", create_report, region=region), methods=["POST"]),
        Route("/reports/2021-06-30/reports/{reportId}", ep("getReport", get_report, region=region), methods=["GET"]),
        Route("/reports/2021-06-30/reports/{reportId}", ep("cancelReport", cancel_report, region=region),
              methods=["DELETE"]),
        Route("/reports/2021-06-30/documents/{reportDocumentId}",
              ep("getReportDocument", get_report_document, region=region)),
    ]
    if region is None:
        routes_.append(Route("/_documents/{key}", ep("downloadReportDocument", download, auth=False, limited=False)))
    return routes_


def _date(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    value = parse_iso(raw)
    if value is None:
        raise BadRequest(f"Invalid {name}: '{raw}' is not an ISO 8601 date-time.")
    return value


def _body_date(spec: dict[str, Any], name: str) -> datetime | None:
    raw = spec.get(name)
    if raw is None:
        return None
    value = parse_iso(str(raw))
    if value is None:
        raise BadRequest(f"Invalid {name}: '{raw}' is not an ISO 8601 date-time.")
    return value
