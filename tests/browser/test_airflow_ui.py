"""The Airflow UI of `make airflow`, driven by Playwright in Debian's headless Chromium.

`sellerledger airflow --port N` (what `make airflow` runs) is started in a subprocess over a fresh staging
database, its own Airflow metadata database and a sandbox; the test logs in as admin/admin, triggers the
xero flow's dry run through the DAG's params form, waits for the run to succeed, and reads the documents
the run would post in the post_settlement task's log. Nothing may be posted. Screenshots go to var/browser/.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from sellerledger import db, settings

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FLOW = "demo_xero"
DAG_ID = f"sellerledger__{FLOW}"
TIME_SCALE = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(proc: subprocess.Popen[Any]) -> None:
    """SIGINT (standalone orphans its children on SIGTERM), twice if needed, then kill what we started."""
    for _ in range(2):
        if proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.kill()
    proc.wait(timeout=30)


@pytest.fixture
def airflow_ui(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """(UI base URL, staging URL): `sellerledger airflow` over a sandbox, with the demo connections and pools."""
    from sellerledger.flows import runtime
    from sellerledger.flows.config import load_flows
    from sellerledger.flows.demo_connections import demo_connections
    from sellerledger.sandbox.core.state import SandboxConfig
    from sellerledger.sandbox.server import SandboxServer

    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make test-slow` installs it (apt-get install chromium)")
    metadata_db = f"airflow_ui_{os.getpid()}"
    monkeypatch.setenv("SELLERLEDGER_VAR", str(tmp_path / "var"))  # its own AIRFLOW_HOME and logs
    monkeypatch.setenv("SELLERLEDGER_AIRFLOW_DB_NAME", metadata_db)
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    port = _free_port()
    log_path = tmp_path / "airflow.log"
    try:
        with SandboxServer(SandboxConfig(days=35, time_scale=TIME_SCALE, options={"orders_per_day": 4}), port=0) as sandbox:
            extra = {"SELLERLEDGER_SANDBOX_URL": sandbox.url, "SELLERLEDGER_RETRY_DELAY_SECONDS": "2",
                     # runs only when triggered: no scheduled run posts behind the test's back
                     "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                     "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False"}
            with log_path.open("w") as log:
                proc = subprocess.Popen([str(Path(sys.executable).parent / "sellerledger"), "airflow", "--port",
                                         str(port)], env={**os.environ, **extra}, stdout=log,
                                        stderr=subprocess.STDOUT)
            try:
                base = f"http://127.0.0.1:{port}"
                _wait_for_ui(base, proc, log_path)
                credentials = httpx.get(f"{sandbox.url}/_sandbox/credentials", timeout=30).json()
                flow = next(f for f in load_flows()[0] if f.id == FLOW)
                spec = {"connections": {c.pop("conn_id"): c for c in demo_connections(credentials, TIME_SCALE)},
                        "pools": [flow.pool]}
                spec_path = tmp_path / "spec.json"
                spec_path.write_text(json.dumps(spec))
                spec_path.chmod(0o600)
                subprocess.run([sys.executable, "-m", "sellerledger.flows.airflow_admin", str(spec_path)],
                               env=runtime.airflow_env(extra), check=True, capture_output=True, timeout=300)
                spec_path.unlink()
                yield base, fresh_db
            finally:
                _stop(proc)
    finally:
        with psycopg.connect(db.with_database(db.staging_url(), "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{metadata_db}" WITH (FORCE)')


def _wait_for_ui(base: str, proc: subprocess.Popen[Any], log_path: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_path.read_text()[-4000:]
        try:
            if httpx.get(f"{base}/auth/login", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(2)
    raise AssertionError(f"the Airflow UI did not come up:\n{log_path.read_text()[-4000:]}")


def test_dry_run_triggered_from_the_params_form_succeeds_and_logs_what_it_would_post(airflow_ui) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, staging_url = airflow_ui
    shots = settings.project_root() / "var" / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    end = datetime.now(UTC).date()
    start = end - timedelta(days=30)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        try:
            page.goto(f"{base}/")
            page.get_by_label("Username").fill("admin")
            page.get_by_label("Password").fill("admin")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/auth/login" not in url)

            _open_dag(page, base)
            page.get_by_role("button", name="Trigger").first.click()
            dialog = page.locator("[role=dialog][data-state=open]")
            dates = dialog.locator("input[type=date]")
            dates.nth(0).fill(start.isoformat())
            dates.nth(1).fill(end.isoformat())
            dialog.locator("[data-scope=switch][data-part=root]").last.click()  # Dry run
            expect(dialog.locator("[data-scope=switch] input").last).to_be_checked()
            page.screenshot(path=str(shots / "1-params-form.png"))
            dialog.get_by_role("button", name="Trigger").last.click()

            page.wait_for_url(lambda url: "/runs/" in url)
            run_url = page.url
            _wait_for_run_success(page, shots)
            page.screenshot(path=str(shots / "2-run-succeeded.png"))

            page.goto(f"{run_url}/tasks/post_settlement/mapped/0")
            expect(page.get_by_text("DRY RUN would post").first).to_be_visible(timeout=60_000)
            page.screenshot(path=str(shots / "3-dry-run-log.png"))
            log_text = page.locator("body").inner_text()
        except Exception:
            page.screenshot(path=str(shots / "failure.png"))
            raise
        finally:
            browser.close()

    with psycopg.connect(staging_url) as conn:
        assert conn.execute("SELECT count(*) FROM posting.log").fetchone() == (0,)
        documents = conn.execute("SELECT settlement_id, count(*) FROM accounting.documents"
                                 " WHERE flow_id = %s AND status = 'current' GROUP BY 1", (FLOW,)).fetchall()
    assert documents, "the dry run built no documents"
    assert any(settlement_id in log_text for settlement_id, _ in documents), log_text[-3000:]


def _open_dag(page: Any, base: str, timeout: float = 180) -> None:
    """The DAG page, once the DAG processor has parsed the flows."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(f"{base}/dags/{DAG_ID}")
        try:
            page.get_by_role("button", name="Trigger").first.wait_for(timeout=10_000)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise


def _wait_for_run_success(page: Any, shots: Path, timeout: float = 420) -> None:
    """Reload the run page until its state badge says Success (fail on Failed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.reload()
        page.get_by_text("Task Instances").first.wait_for()
        time.sleep(1)
        header = page.locator("main").first.inner_text() if page.locator("main").count() else page.inner_text("body")
        first_lines = header[:400]
        if "Failed" in first_lines:
            page.screenshot(path=str(shots / "failure.png"))
            raise AssertionError(f"the dry run failed:\n{first_lines}")
        if "Success" in first_lines and "Running" not in first_lines and "Queued" not in first_lines:
            return
        time.sleep(4)
    raise AssertionError("the dry run did not finish in time")
