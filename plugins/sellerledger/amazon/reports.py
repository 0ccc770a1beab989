"""Reports API 2021-06-30: list reports, request one and wait for it, and download report documents.

Settlement reports cannot be requested: `list_settlement_reports` lists them (90 days at most). Order
reports are requested with `create_report` and polled with `wait_for_report`. `download` fetches a
document: getReportDocument for a presigned URL (valid 5 minutes), GET it, fetch a fresh URL if it
expired, gunzip, and work out the charset (declared in Content-Type, else detected).
"""

from __future__ import annotations

import gzip
import logging
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sellerledger.amazon.errors import DocumentUrlExpired, FatalError, RetriableError
from sellerledger.amazon.http import SpApiHttp, iso
from sellerledger.amazon.paging import REPORTS_TOKEN

log = logging.getLogger(__name__)

BASE = "/reports/2021-06-30"
SETTLEMENT_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
ORDER_REPORT_TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
LISTING_WINDOW = timedelta(days=90)
TERMINAL = frozenset({"DONE", "CANCELLED", "FATAL"})


@dataclass(frozen=True)
class ReportDocument:
    """A downloaded, decompressed report document."""

    report_document_id: str
    data: bytes
    charset: str

    def text(self) -> str:
        return self.data.decode(self.charset)


class ReportsApi:
    """The Reports operations of one client."""

    def __init__(
        self,
        http: SpApiHttp,
        *,
        poll_interval: float = 15.0,
        max_poll_interval: float = 120.0,
        max_wait: float = 3600.0,
        time_scale: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = http
        self._poll = poll_interval / time_scale
        self._max_poll = max_poll_interval / time_scale
        self._max_wait = max_wait / time_scale
        self._now = clock
        self._sleep = sleep

    # -- listing ---------------------------------------------------------------------------------------
    def list_reports(
        self,
        report_types: Sequence[str],
        *,
        created_since: datetime | None = None,
        created_until: datetime | None = None,
        processing_statuses: Sequence[str] = ("DONE",),
        marketplace_ids: Sequence[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Reports of the given types created in the window (clamped to the 90 days Amazon keeps)."""
        now = self._now()
        floor = now - LISTING_WINDOW + timedelta(minutes=5)
        since = max(created_since, floor) if created_since else floor
        params: dict[str, Any] = {
            "reportTypes": list(report_types),
            "processingStatuses": list(processing_statuses),
            "createdSince": iso(since),
            "pageSize": 100,
        }
        if created_until is not None:
            if created_until <= since:
                return
            params["createdUntil"] = iso(min(created_until, now))
        if marketplace_ids:
            params["marketplaceIds"] = list(marketplace_ids)

        def fetch(call: dict[str, Any]) -> Any:
            return _reports_page(self.http.request("getReports", "GET", f"{BASE}/reports", params=call))

        for page in REPORTS_TOKEN.pages(fetch, params):
            yield from page.get("reports") or []

    def list_settlement_reports(
        self, created_since: datetime | None = None, created_until: datetime | None = None
    ) -> list[dict[str, Any]]:
        """DONE V2 flat-file settlement reports in the window, oldest first."""
        reports = list(self.list_reports([SETTLEMENT_REPORT_TYPE], created_since=created_since,
                                         created_until=created_until))
        return sorted(reports, key=lambda r: (r.get("createdTime") or "", r.get("reportId") or ""))

    # -- requesting ------------------------------------------------------------------------------------
    def create_report(
        self, report_type: str, marketplace_ids: Sequence[str], start: datetime, end: datetime
    ) -> str:
        body = {
            "reportType": report_type,
            "marketplaceIds": list(marketplace_ids),
            "dataStartTime": iso(start),
            "dataEndTime": iso(end),
        }
        answer = self.http.request("createReport", "POST", f"{BASE}/reports", json_body=body)
        report_id = answer.get("reportId") if isinstance(answer, dict) else None
        if not report_id:
            raise FatalError("createReport: answer without a reportId", operation="createReport")
        return str(report_id)

    def get_report(self, report_id: str) -> dict[str, Any]:
        return self.http.request("getReport", "GET", f"{BASE}/reports/{report_id}")

    def wait_for_report(self, report_id: str) -> dict[str, Any]:
        """Poll getReport until the report is DONE, CANCELLED or FATAL."""
        waited = 0.0
        interval = self._poll
        while True:
            report = self.get_report(report_id)
            if report.get("processingStatus") in TERMINAL:
                return report
            if waited >= self._max_wait:
                raise RetriableError(
                    f"report {report_id} still {report.get('processingStatus')} after {waited:.0f}s",
                    operation="getReport",
                )
            self._sleep(interval)
            waited += interval
            interval = min(self._max_poll, interval * 1.5)

    # -- documents -------------------------------------------------------------------------------------
    def get_report_document(self, report_document_id: str) -> dict[str, Any]:
        return self.http.request("getReportDocument", "GET", f"{BASE}/documents/{report_document_id}")

    def download(self, report_document_id: str, *, max_url_refreshes: int = 3) -> ReportDocument:
        """The document's bytes, decompressed, with its charset."""
        for _ in range(max_url_refreshes + 1):
            meta = self.get_report_document(report_document_id)
            url = meta.get("url")
            if not url:
                raise FatalError(f"getReportDocument {report_document_id}: no url", operation="getReportDocument")
            response = self.http.download("downloadReportDocument", str(url))
            if response.status_code in (400, 401, 403, 404, 410):
                log.info("report document %s: URL refused (HTTP %s, expired?); fetching a new one",
                         report_document_id, response.status_code)
                continue
            if not response.is_success:
                raise FatalError(f"report document {report_document_id}: HTTP {response.status_code}",
                                 operation="downloadReportDocument", status=response.status_code)
            data = decompress(response.content, meta.get("compressionAlgorithm"), report_document_id)
            return ReportDocument(report_document_id, data, detect_charset(data, response.headers.get("content-type")))
        raise DocumentUrlExpired(
            f"report document {report_document_id}: the download URL expired {max_url_refreshes + 1} times",
            operation="downloadReportDocument",
        )


def decompress(data: bytes, algorithm: str | None, name: str) -> bytes:
    """Gunzip when the document says GZIP or the bytes start with the gzip magic."""
    if (algorithm or "").upper() == "GZIP" or data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            if data[:2] == b"\x1f\x8b":
                raise RetriableError(f"report document {name}: truncated gzip ({exc})") from None
            return data  # declared GZIP but already plain (Content-Encoding applied by the transport)
    return data


def detect_charset(data: bytes, content_type: str | None) -> str:
    """The charset declared in `content_type` if the bytes decode with it; else UTF-8; else a detected one."""
    declared = None
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            declared = value.strip().strip('"')
    for candidate in (declared, "utf-8"):
        if not candidate:
            continue
        try:
            data.decode(candidate)
            return "utf-8-sig" if candidate.lower().replace("_", "-") in ("utf-8", "utf8") and \
                data.startswith(b"\xef\xbb\xbf") else candidate
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return best.encoding if best is not None else "latin-1"


def _reports_page(answer: Any) -> dict[str, Any]:
    """A getReports answer of the documented shape (`reports`: a list of objects), or a FatalError naming it."""
    if not isinstance(answer, dict):
        raise FatalError(f"getReports: the answer is a JSON {type(answer).__name__}, not an object",
                         operation="getReports")
    reports = answer.get("reports", [])
    if not isinstance(reports, list) or not all(isinstance(item, dict) for item in reports):
        raise FatalError("getReports: `reports` is not a list of report objects", operation="getReports")
    return answer
