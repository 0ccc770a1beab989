"""Documented per-operation rate limits: bursts are throttled the SP-API way, paced calls never are;
the rate-limit header follows notes §4.1; `sellerledger sandbox serve` starts fast and stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.sandbox.amazon.conftest import Sp, body, validate

US = "ATVPDKIKX0DER"
QUOTA = {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}
ROOT = Path(__file__).resolve().parents[3]


def _orders(sp: Sp) -> httpx.Response:
    return sp.get("/orders/v0/orders", {"MarketplaceIds": US, "CreatedAfter": "2026-11-18T00:00:00Z"})


def test_a_burst_beyond_the_limit_is_throttled_and_paced_calls_never_are(make_sp):
    sp: Sp = make_sp(profile="tiny", rate_limits=True, time_scale=600)  # 1 virtual minute per 0.1 real s
    burst = [_orders(sp) for _ in range(26)]
    assert [r.status_code for r in burst[:20]] == [200] * 20, "getOrders has a burst of 20"
    throttled = [r for r in burst[20:] if r.status_code == 429]
    assert len(throttled) >= 4
    assert body(throttled[0]) == {"errors": [QUOTA]}
    validate("ordersV0.json", "/orders/v0/orders", "get", throttled[0])
    assert throttled[0].headers["x-amzn-requestid"] and "x-amzn-ratelimit-limit" not in throttled[0].headers
    inventory = sp.get("/fba/inventory/v1/summaries", {"granularityType": "Marketplace", "granularityId": US,
                                                       "marketplaceIds": US})
    assert inventory.status_code == 200, "limits are per operation"
    time.sleep(0.15)
    paced = []
    for _ in range(8):
        paced.append(_orders(sp).status_code)
        time.sleep(0.13)  # 78 virtual seconds: more than 1 / 0.0167 req/s
    assert paced == [200] * 8
    stats = {row["operation"]: row for row in sp.http.get("/_sandbox/stats").json()["rate_limits"]}
    assert stats["getOrders"]["throttled"] == len(throttled) and stats["getOrders"]["burst"] == 20


def test_tokens_and_inventory_limits(make_sp):
    sp: Sp = make_sp(profile="tiny", rate_limits=True, time_scale=1)
    params = {"granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US}
    codes = [sp.get("/fba/inventory/v1/summaries", params).status_code for _ in range(4)]
    assert codes[:2] == [200, 200] and 429 in codes[2:], "getInventorySummaries: rate 2, burst 2"
    rdt = {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}]}
    codes = [sp.call("POST", "/tokens/2021-03-01/restrictedDataToken", json=rdt).status_code for _ in range(12)]
    assert codes[:10] == [200] * 10 and codes[10:].count(429) >= 1


def test_rate_limit_header_on_2xx_400_404_only_and_switchable(shared_sp: Sp):
    sp = shared_sp
    assert _orders(sp).headers["x-amzn-ratelimit-limit"] == "0.0167"
    bad = sp.get("/orders/v0/orders", {"MarketplaceIds": US})
    assert bad.status_code == 400 and bad.headers["x-amzn-ratelimit-limit"] == "0.0167"
    missing = sp.get("/orders/v0/orders/111-0000000-0000000")
    assert missing.status_code == 404 and missing.headers["x-amzn-ratelimit-limit"] == "0.5"
    denied = sp.get("/orders/v0/orders", {"MarketplaceIds": US}, token="Atza|x")
    assert denied.status_code == 403 and "x-amzn-ratelimit-limit" not in denied.headers
    assert all(r.headers["x-amzn-requestid"] for r in (bad, missing, denied))
    assert sp.get("/reports/2021-06-30/reports", {"reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"}
                  ).headers["x-amzn-ratelimit-limit"] == "0.0222"
    try:
        sp.http.post("/_sandbox/amazon/settings", json={"rate_limit_header": False})
        quiet = _orders(sp)
        assert quiet.status_code == 200 and "x-amzn-ratelimit-limit" not in quiet.headers
    finally:
        sp.http.post("/_sandbox/amazon/settings", json={"rate_limit_header": True})


def test_generic_faults_answer_in_the_sp_api_format(make_sp):
    sp: Sp = make_sp(profile="tiny")
    sp.faults({"operation": "getOrders", "kind": "429", "count": 1},
              {"operation": "listFinancialEventGroups", "kind": "503", "count": 1})
    assert body(_orders(sp)) == {"errors": [QUOTA]}
    unavailable = sp.get("/finances/v0/financialEventGroups")
    assert unavailable.status_code == 503 and body(unavailable)["errors"][0]["code"] == "ServiceUnavailable"
    validate("financesV0.json", "/finances/v0/financialEventGroups", "get", unavailable)
    assert _orders(sp).status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serve_once(stop: signal.Signals) -> tuple[float, float]:
    """Start `sellerledger sandbox serve`, use it, stop it with `stop`; (wall, CPU) seconds until it answered."""
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "sellerledger.cli", "sandbox", "serve", "--port", str(port), "--today", "2026-11-20",
         "--days", "30"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = cpu = None
        while time.monotonic() - started < 15:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_sandbox/credentials", timeout=1).status_code == 200:
                    ready = time.monotonic() - started
                    cpu = _cpu_seconds(process.pid)
                    break
            except httpx.TransportError:
                time.sleep(0.02)
        assert ready is not None and cpu is not None, "the sandbox never answered"
        creds = httpx.get(f"http://127.0.0.1:{port}/_sandbox/credentials").json()["amazon"]
        token = httpx.post(creds["lwa_token_url"], data={
            "grant_type": "refresh_token", "refresh_token": creds["refresh_token"],
            "client_id": creds["lwa_client_id"], "client_secret": creds["lwa_client_secret"]}).json()["access_token"]
        groups = httpx.get(f"{creds['endpoint']}/finances/v0/financialEventGroups",
                           headers={"x-amz-access-token": token})
        assert groups.status_code == 200
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=10)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
        return ready, cpu
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_serve_starts_in_under_three_seconds_and_stops_cleanly_on_sigint_and_sigterm():
    """Two starts, one stopped by SIGINT and one by SIGTERM. The faster must answer within 3 s of wall time;
    on a machine whose load exceeds its cores (other suites running) wall time measures the queue, so
    there the CPU time the server used until it answered must stay under 3 s instead."""
    runs = [_serve_once(signal.SIGINT), _serve_once(signal.SIGTERM)]
    walls, cpus = [wall for wall, _ in runs], [cpu for _, cpu in runs]
    overloaded = os.getloadavg()[0] > (os.cpu_count() or 1)
    assert min(walls) < 3 or (overloaded and max(cpus) < 3), (walls, cpus, os.getloadavg())
    assert max(walls) < 15, walls
