"""`sellerledger settlement check` and `import`, run as the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from .settlement_files import fee_line, order_line, service_line, v2_file

SCRIPT = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "sellerledger"
pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed in .venv")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "settlement", *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_check_valid_file_exits_0_with_json_keys(tmp_path: Path) -> None:
    rows = [order_line("1.234,50"), fee_line("-184,13"), service_line("-10,00")]
    path = _write(tmp_path, "eu.txt", v2_file(rows, currency="EUR", total="1.040,37"), "iso-8859-1")
    done = _run("check", str(path), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"settlement_id", "currency", "start", "end", "deposit_date", "total_amount", "line_count", "lines_sum",
            "layout", "problems"} <= set(report)
    assert report["settlement_id"] == "90000000001" and report["currency"] == "EUR" and report["layout"] == "v2"
    assert report["total_amount"] == "1040.37" and report["lines_sum"] == "1040.37" and report["line_count"] == 3
    assert report["start"] == "2026-06-16T00:00:00+00:00" and report["deposit_date"] == "2026-07-02T00:00:00+00:00"
    assert report["problems"] == []


def test_check_invalid_file_exits_1_and_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.txt", v2_file([order_line("10.00"), fee_line("1O.00")], total="0"))
    done = _run("check", str(path), "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["problems"][0].startswith("line 2, column total-amount: the 1 lines sum to 10.00 USD")
    assert report["problems"][1].startswith("line 4, column amount: expected an amount")
    assert Decimal(report["lines_sum"]) == Decimal("10.00")
    text = _run("check", str(path))
    assert text.returncode == 1 and "INVALID" in text.stdout and "line 4, column amount" in text.stdout


def test_check_sum_mismatch_exits_1(tmp_path: Path) -> None:
    path = _write(tmp_path, "sum.txt", v2_file([order_line("10.00")], total="10.01"))
    done = _run("check", str(path), "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["problems"] == [
        "line 2, column total-amount: the 1 lines sum to 10.00 USD but total-amount is 10.01 (difference 0.01)"]


def test_check_unreadable_header_exits_1_with_nulls(tmp_path: Path) -> None:
    done = _run("check", str(_write(tmp_path, "x.csv", "a,b\n1,2\n")), "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["settlement_id"] is None and report["problems"][0].startswith("line 1:")


def test_check_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = _run("check", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert _run("check").returncode == 2
    assert _run("check", str(tmp_path)).returncode == 2


def test_import_stages_the_file_and_sets_the_flow_state(tmp_path: Path, fresh_db: str) -> None:
    path = _write(tmp_path, "s.txt", v2_file([order_line("20.00"), fee_line("-3.00")]))
    done = _run("import", str(path), "--flow", "acme-us-xero", "--seller", "acme-us")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "settlement 90000000001: staged" in done.stdout
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT seller, line_count, lines_sum, total_amount FROM staging.settlements").fetchall() == [
            ("acme-us", 2, Decimal("17.00"), Decimal("17.00"))]
        assert conn.execute("SELECT state FROM ops.settlement_status WHERE flow_id = 'acme-us-xero'").fetchone() == (
            "staged",)
        assert conn.execute("SELECT source->>'file_name' FROM raw.documents").fetchone() == ("s.txt",)
    again = _run("import", str(path), "--flow", "acme-us-xero", "--seller", "acme-us")
    assert again.returncode == 0 and "already staged, nothing changed" in again.stdout


def test_import_of_a_broken_file_keeps_the_raw_bytes_and_exits_1(tmp_path: Path, fresh_db: str) -> None:
    path = _write(tmp_path, "broken.txt", v2_file([order_line("abc")], total="0"))
    done = _run("import", str(path), "--flow", "f1")
    assert done.returncode == 1 and "line 3, column amount" in done.stderr
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM raw.documents").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM staging.settlement_lines").fetchone() == (0,)


def test_import_missing_file_exits_2(tmp_path: Path) -> None:
    done = _run("import", str(tmp_path / "nope.txt"), "--flow", "f1")
    assert done.returncode == 2 and "no such file" in done.stderr
