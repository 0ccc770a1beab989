"""Bad API answers: malformed JSON, wrong shapes and a proxy's HTML pages from a tiny local server standing
in for SP-API, fed to the real client and `extract_settlements`: each ends in a clear error naming the
operation (no HTML dumped, no secret), or in a settlement report kept raw and reported as failed;
nothing is staged from it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
import pytest

from sellerledger.amazon.client import ClientConfig, SellingPartnerClient
from sellerledger.amazon.errors import AmazonApiError
from sellerledger.amazon.extract import extract_settlements
from sellerledger.amazon.http import RetryPolicy
from tests.reliability import stats

SECRET = "lwa-secret-must-not-leak-4242"
REFRESH = "Atzr|refresh-must-not-leak-4242"
HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
REPORT = (b'{"reports": [{"reportId": "R1", "reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",'
          b' "processingStatus": "DONE", "createdTime": "2026-11-10T00:00:00Z", "reportDocumentId": "D1",'
          b' "marketplaceIds": ["ATVPDKIKX0DER"]}]}')


def _document_meta(base: str) -> bytes:
    return f'{{"reportDocumentId": "D1", "url": "{base}/download/D1"}}'.encode()


# (name, getReports answer, getReportDocument answer, download answer); an answer is (status, type, body)
CASES: list[tuple[str, tuple[int, str, bytes], tuple[int, str, bytes] | None, tuple[int, str, bytes] | None]] = [
    ("reports_truncated_json", (200, "application/json", b'{"reports": [{"reportId": "R1"'), None, None),
    ("reports_html_200_from_proxy", (200, "text/html", HTML), None, None),
    ("reports_html_502_from_proxy", (502, "text/html", HTML), None, None),
    ("reports_html_403_from_proxy", (403, "text/html", HTML), None, None),
    ("reports_json_array", (200, "application/json", b"[1, 2, 3]"), None, None),
    ("reports_wrong_type", (200, "application/json", b'{"reports": "oops"}'), None, None),
    ("reports_nan_literal", (200, "application/json", b'{"reports": NaN}'), None, None),
    ("reports_garbage_bytes", (200, "application/json", b"\xff\xfe\x00garbage"), None, None),
    ("reports_error_json_without_errors", (400, "application/json", b'{"message": 42}'), None, None),
    ("document_meta_truncated", (200, "application/json", REPORT), (200, "application/json", b'{"url": "ht'), None),
    ("document_meta_html", (200, "application/json", REPORT), (200, "text/html", HTML), None),
    ("document_meta_without_url", (200, "application/json", REPORT), (200, "application/json", b'{"x": 1}'), None),
    ("download_html_200_from_proxy", (200, "application/json", REPORT), "meta", (200, "text/html", HTML)),
    ("download_html_503_from_proxy", (200, "application/json", REPORT), "meta", (503, "text/html", HTML)),
    ("download_json_instead_of_tsv", (200, "application/json", REPORT), "meta",
     (200, "application/json", b'{"errors": [{"code": "InternalFailure"}]}')),
]


def _params() -> list[Any]:
    return [pytest.param(*case, id=case[0]) for case in CASES]


class _Server:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                path = self.path.split("?")[0]
                key = next((prefix for prefix in server.routes if path.startswith(prefix)), None)
                status, kind, body = server.routes.get(key or "", (404, "application/json", b'{"errors": []}'))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.httpd.shutdown()


@pytest.mark.parametrize(("name", "reports", "meta", "download"), _params())
def test_bad_api_answer_is_a_clear_error_and_stages_nothing(fresh_db: str, server: _Server, name: str,
                                                           reports: Any, meta: Any, download: Any,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    server.routes = {
        "/auth/o2/token": (200, "application/json",
                           b'{"access_token": "Atza|access-must-not-leak-4242", "expires_in": 3600}'),
        "/reports/2021-06-30/reports": reports,
        "/reports/2021-06-30/documents/": (200, "application/json", _document_meta(server.url))
        if meta == "meta" else (meta or (404, "application/json", b"{}")),
        "/download/": download or (404, "text/plain", b"no"),
    }
    config = ClientConfig(client_id="amzn1.application-oa2-client.rel", client_secret=SECRET, refresh_token=REFRESH,
                          region="NA", marketplaces=("US",), base_url=server.url,
                          lwa_token_url=f"{server.url}/auth/o2/token",
                          retry=RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.01), timeout=10)
    caplog.set_level("DEBUG")
    outcome = "error"
    with SellingPartnerClient(config) as client, psycopg.connect(fresh_db, autocommit=True) as conn:
        try:
            result = extract_settlements(client, conn, seller="rel", flow_id="rel_flow")
        except AmazonApiError as exc:
            message = str(exc)
            assert exc.operation and exc.operation in message, message
            assert "<html" not in message.lower() and "bad gateway</h1>" not in message.lower(), message
        else:
            outcome = "failed report"
            assert result["failed"] and result["settlement_ids"] == [], result
            error = result["failed"][0]["error"]
            assert "R1" in str(result["failed"][0]) and error.strip()
            raw = conn.execute("SELECT count(*) FROM raw.documents").fetchone()[0]
            assert raw == 1, "the downloaded document was not kept raw"
        assert conn.execute("SELECT count(*) FROM staging.settlements").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM staging.settlement_lines").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM ops.watermarks").fetchone()[0] == 0
    logged = caplog.text
    for secret in (SECRET, REFRESH, "Atza|access-must-not-leak-4242"):
        assert secret not in logged
    stats.bump("bad_inputs")
    stats.bump("bad_inputs_api")
    del outcome
