"""Reports: listing settlements (90 days, nextToken alone), waiting, downloading (gzip, charset, URL expiry)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import httpx

from sellerledger.amazon.reports import SETTLEMENT_REPORT_TYPE, decompress, detect_charset
from tests.amazon._spapi_fakes import FakeSpApi, Sleeps, json_response, make_client

TEXT = "settlement-id\tamount\n1\tMünchen 12,34 €\n"


def document_routes(fake: FakeSpApi, body: bytes, content_type: str, expired_first: int = 0,
                    compression: str | None = "GZIP") -> dict[str, int]:
    state = {"urls": 0, "downloads": 0}

    def get_document(request: httpx.Request) -> httpx.Response:
        state["urls"] += 1
        meta = {"reportDocumentId": "DOC1", "url": f"https://s3.test/doc?sig={state['urls']}"}
        if compression:
            meta["compressionAlgorithm"] = compression
        return json_response(200, meta)

    def download(request: httpx.Request) -> httpx.Response:
        state["downloads"] += 1
        assert "x-amz-access-token" not in request.headers  # presigned: no SP-API token goes to S3
        if int(request.url.params["sig"]) <= expired_first:
            return httpx.Response(403, content=b"<Error><Code>AccessDenied</Code>"
                                               b"<Message>Request has expired</Message></Error>")
        return httpx.Response(200, content=body, headers={"content-type": content_type})

    fake.route("GET", "/reports/2021-06-30/documents/DOC1", get_document)
    fake.route("GET", "/doc", download)
    return state


def test_download_gunzips_and_uses_the_declared_charset() -> None:
    fake = FakeSpApi()
    latin = "settlement-id\tamount\n1\tMünchen 12,34 Ø\n"
    document_routes(fake, gzip.compress(latin.encode("iso-8859-1")), "text/plain; charset=ISO-8859-1")
    with make_client(fake) as client:
        doc = client.reports.download("DOC1")
    assert doc.charset == "ISO-8859-1"
    assert doc.text() == latin


def test_an_expired_document_url_is_fetched_again() -> None:
    fake = FakeSpApi()
    state = document_routes(fake, gzip.compress(TEXT.encode()), "text/plain; charset=UTF-8", expired_first=2)
    with make_client(fake) as client:
        doc = client.reports.download("DOC1")
        assert client.calls()["getReportDocument"] == 3
    assert doc.text() == TEXT
    assert state == {"urls": 3, "downloads": 3}


def test_plain_documents_and_undeclared_charsets() -> None:
    assert decompress(b"plain", None, "d") == b"plain"
    assert decompress(b"plain", "GZIP", "d") == b"plain"  # already decoded by Content-Encoding
    assert detect_charset("日本語のテキスト、金額".encode("cp932") * 20, None).lower() in ("cp932", "shift_jis",
                                                                                  "cp932", "windows-31j")
    assert detect_charset(b"\xef\xbb\xbfabc", "text/plain") == "utf-8-sig"
    assert detect_charset(b"abc \xe9", "text/plain; charset=UTF-8") != "UTF-8"  # a wrong declaration loses


def test_settlement_listing_pages_with_the_token_alone_within_90_days() -> None:
    fake = FakeSpApi()
    pages = iter([
        {"reports": [{"reportId": "R2", "createdTime": "2026-11-02T00:00:00Z"}], "nextToken": "nt1"},
        {"reports": [{"reportId": "R1", "createdTime": "2026-10-19T00:00:00Z"}]},
    ])
    fake.route("GET", "/reports/2021-06-30/reports", lambda r: json_response(200, next(pages)))
    with make_client(fake) as client:
        reports = client.reports.list_settlement_reports(datetime(2020, 1, 1, tzinfo=UTC))
    assert [r["reportId"] for r in reports] == ["R1", "R2"]
    first, second = fake.api_requests()
    assert first.url.params["reportTypes"] == SETTLEMENT_REPORT_TYPE
    assert first.url.params["processingStatuses"] == "DONE"
    since = datetime.fromisoformat(first.url.params["createdSince"].replace("Z", "+00:00"))
    assert datetime.now(UTC) - since < timedelta(days=90)
    assert dict(second.url.params) == {"nextToken": "nt1"}


def test_wait_for_report_polls_until_done_with_growing_intervals() -> None:
    fake, sleeps = FakeSpApi(), Sleeps()
    statuses = iter(["IN_QUEUE", "IN_PROGRESS", "IN_PROGRESS", "DONE"])
    fake.route("GET", "/reports/2021-06-30/reports/R9", lambda r: json_response(
        200, {"reportId": "R9", "processingStatus": next(statuses), "reportDocumentId": "D9"}))
    with make_client(fake, sleeps) as client:
        report = client.reports.wait_for_report("R9")
        assert client.calls() == {"getReport": 4}
    assert report["processingStatus"] == "DONE"
    polls = [s for s in sleeps if s >= 1]
    assert len(polls) == 3 and polls == sorted(polls)
