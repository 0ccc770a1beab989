"""`make bench`: run B1-B4, print each result beside its goal, write bench/results/latest.json.

B1 to B4 run one after another (about 5 minutes on 2 cores): B4's five Airflow flows running alongside B1
squeezed its parser and server unevenly, which distorted the ratio to the raw COPY (3.6x against 2.5x alone).
Every figure is a ratio to a baseline of the same run, or a count.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import ROOT, machine
from sellerledger import db

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
DETAILS = RESULTS.with_name("details.json")  # everything measured, with the steps' own numbers
KEYS = {"B1": ("ratio_to_copy", "speedup_vs_pandas", "peak_rss_mb", "lines_per_s"),
        "B2": ("rate_limit_minutes", "naive_rate_limit_minutes", "calls"),
        "B4": ("wall_s", "airflow_overhead_share")}
B3_KEYS = ("calls_per_1000_orders", "min_calls_per_1000_orders", "http_429")


def latest(full: dict[str, Any]) -> dict[str, Any]:
    """The issue's keys of latest.json, and only those."""
    out: dict[str, Any] = {}
    for name in ("B1", "B2", "B3", "B4"):
        if name not in full:
            continue
        if name == "B3":
            out[name] = {ledger: {mode: {k: m[k] for k in B3_KEYS} for mode, m in modes.items()}
                         for ledger, modes in full[name].items()}
        else:
            out[name] = {k: full[name][k] for k in KEYS[name]}
    out["machine"] = full["machine"]
    out["when"] = full["when"]
    return out


def _verdict(ok: bool | None) -> str:
    return "info" if ok is None else ("ok" if ok else "FAIL")


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(benchmark, measured, goal, verdict) for the printed table."""
    out: list[tuple[str, str, str, str]] = []
    b1 = results.get("B1")
    if b1:
        out += [
            ("B1 ingest time / raw COPY", f"{b1['ratio_to_copy']:.2f}x", "<= 2.0x", _verdict(b1["ratio_to_copy"] <= 2.0)),
            ("B1 speed-up vs pandas read_csv+to_sql", f"{b1['speedup_vs_pandas']:.1f}x", ">= 10x",
             _verdict(b1["speedup_vs_pandas"] >= 10)),
            ("B1 peak RSS (stage + SQL checks)", f"{b1['peak_rss_mb']:.0f} MB", "<= 300 MB",
             _verdict(b1["peak_rss_mb"] <= 300)),
            ("B1 lines per second", f"{b1['lines_per_s']:,}", "-", "info"),
        ]
        py = b1.get("details", {}).get("python_checks")
        if py:
            out.append(("B1 check_settlement's load + Python checks", f"{py['seconds']:.1f} s, {py['peak_rss_mb']:.0f} MB",
                        "<= 300 MB", _verdict(py["peak_rss_mb"] <= 300)))
    b2 = results.get("B2")
    if b2:
        out += [
            ("B2 SP-API rate-limit time, 50k orders", f"{b2['rate_limit_minutes']:.1f} min", "< 15 min",
             _verdict(b2["rate_limit_minutes"] < 15)),
            ("B2 naive: one getOrderItems per order", f"{b2['naive_rate_limit_minutes']:.0f} min", "~1 day", "info"),
        ]
    for ledger, modes in (results.get("B3") or {}).items():
        for mode, m in modes.items():
            ratio = m["calls_per_1000_orders"] / m["min_calls_per_1000_orders"] if m["min_calls_per_1000_orders"] else 0
            out.append((f"B3 {ledger} {mode}: calls/1,000 orders (min)",
                        f"{m['calls_per_1000_orders']:.1f} ({m['min_calls_per_1000_orders']:.1f}) = {ratio:.2f}x",
                        "1.0x", _verdict(ratio <= 1.0)))
            out.append((f"B3 {ledger} {mode}: HTTP 429", str(m["http_429"]), "0", _verdict(m["http_429"] == 0)))
    b4 = results.get("B4")
    if b4:
        failed = b4.get("details", {}).get("failed_flows", [])
        out += [
            ("B4 five flows, 90 days, wall", f"{b4['wall_s']:.0f} s", "all flows succeed",
             _verdict(not failed) if not failed else f"FAIL ({', '.join(failed)}; logs in var/bench/b4_<flow>.log)"),
            ("B4 share spent in Airflow", f"{b4['airflow_overhead_share']:.0%}", "-", "info"),
        ]
    return out


def print_table(results: dict[str, Any]) -> None:
    table = rows(results)
    width = max(len(r[0]) for r in table) + 2
    print(f"\n{'benchmark':<{width}}{'measured':<34}{'goal':<20}verdict")
    for name, measured, goal, verdict in table:
        print(f"{name:<{width}}{measured:<34}{goal:<20}{verdict}")


def main() -> int:
    from bench import b1_ingest, b2_amazon
    from bench.common import run_child, scratch_database

    began = time.monotonic()
    results: dict[str, Any] = {}
    with db.embedded_session():
        print("B1 settlement ingest ...", flush=True)
        results["B1"] = b1_ingest.run()
        print("B2 Amazon API cost ...", flush=True)
        results["B2"] = b2_amazon.run()
        print("B3 ledger API cost ...", flush=True)
        with scratch_database("sellerledger_bench_b3") as url:
            child = run_child(["-m", "bench.b3_ledgers", url])
        results["B3"] = json.loads(child.stdout.strip().splitlines()[-1])
        print("B4 end to end ...", flush=True)
        with tempfile.TemporaryFile("w+") as b4_out:
            code = subprocess.run([sys.executable, "-m", "bench.b4_end_to_end"], cwd=ROOT, stdout=b4_out).returncode
            b4_out.seek(0)
            lines = b4_out.read().strip().splitlines()
        if code == 0 and lines:
            results["B4"] = json.loads(lines[-1])
    ordered = {key: results[key] for key in ("B1", "B2", "B3", "B4") if key in results}
    ordered["machine"] = machine()
    ordered["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    ordered["total_s"] = round(time.monotonic() - began, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(latest(ordered), indent=2, default=str) + "\n")
    DETAILS.write_text(json.dumps(ordered, indent=2, default=str) + "\n")
    print_table(ordered)
    print(f"\n{ordered['machine']}; {ordered['total_s']:.0f} s in all; written to {RESULTS.relative_to(ROOT)} (and {DETAILS.name})")
    return 0 if "B4" in ordered else 1


if __name__ == "__main__":
    sys.exit(main())
