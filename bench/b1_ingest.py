"""B1 settlement ingest: a generated 1,000,000-line V2 file parsed, staged and checked by the project's path,
against a raw COPY of the same file into an untyped text table (the floor) and pandas read_csv + to_sql.

Each step runs in its own child process (`python -m bench.b1_ingest <step> <db url> <file>`), so its wall
time and peak RSS are its own; the file is generated once and read by all three. The floor and the project's
path run three times each, interleaved, and their medians are compared (peak RSS: the worst run).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.common import WORK, run_child, scratch_database

LINES = 1_000_000
REPEATS = 3
FLOW = "bench-us-xero"
GOALS = {"ratio_to_copy": 2.0, "speedup_vs_pandas": 10.0, "peak_rss_mb": 300.0}


def _columns(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [f"c{i}" for i, _ in enumerate(handle.readline().rstrip("\n").split("\t"))]


def step_copy(url: str, path: Path) -> dict[str, Any]:
    """The floor: COPY the bytes into a table of text columns, no parsing, no types, no checks."""
    columns = _columns(path)
    began = time.monotonic()
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE TABLE public.raw_settlement ({', '.join(c + ' text' for c in columns)})")
        with conn.cursor() as cur, open(path, "rb") as handle, cur.copy(
                "COPY public.raw_settlement FROM STDIN (FORMAT csv, DELIMITER E'\\t', HEADER true, QUOTE E'\\x01')"
        ) as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        rows = conn.execute("SELECT count(*) FROM public.raw_settlement").fetchone()[0]
        conn.commit()
    return {"seconds": time.monotonic() - began, "rows": rows}


def step_project(url: str, path: Path) -> dict[str, Any]:
    """The project's ingest path: stage the file (parse, type, COPY), then the settlement checks that run in
    the database (lines sum to total-amount, one currency, event group total)."""
    from sellerledger.checks.sqlchecks import run_sql_checks
    from sellerledger.staging.settlements import stage_settlement_file

    began = time.monotonic()
    with psycopg.connect(url) as conn:
        staged = stage_settlement_file(conn, path, seller="bench-us", flow_id=FLOW)
        staged_s = time.monotonic() - began
        results = run_sql_checks(conn, FLOW, staged.settlement_id, "staged")
        conn.commit()
    return {"seconds": time.monotonic() - began, "stage_seconds": staged_s, "checks": len(results),
            "checks_failed": [r.name for r in results if not r.passed], "valid": staged.valid,
            "lines": report_lines(url, staged.settlement_id)}


def step_python_checks(url: str, path: Path) -> dict[str, Any]:
    """What check_settlement does next with the staged file: load every line into Python and run the input
    checks (reported beside B1, not part of its ratio: it is the accounting step's cost, and its memory)."""
    from sellerledger.accounting.staged import load_settlement
    from sellerledger.checks.settlement import input_checks

    with psycopg.connect(url) as conn:
        settlement_id = conn.execute("SELECT settlement_id FROM staging.settlements").fetchone()[0]
        began = time.monotonic()
        results = input_checks(load_settlement(conn, settlement_id))
    return {"seconds": time.monotonic() - began, "checks": len(results),
            "checks_failed": [r.name for r in results if not r.passed]}


def report_lines(url: str, settlement_id: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT count(*) FROM staging.settlement_lines WHERE settlement_id = %s",
                                (settlement_id,)).fetchone()[0])


def step_pandas(url: str, path: Path) -> dict[str, Any]:
    """The naive path: pandas reads the whole file and writes it with to_sql."""
    import pandas as pd
    import sqlalchemy

    from sellerledger import db

    began = time.monotonic()
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    engine = sqlalchemy.create_engine(db.to_sqlalchemy(url))
    with engine.begin() as conn:
        frame.to_sql("pandas_settlement", conn, schema="public", if_exists="replace", index=False,
                     chunksize=50_000)
    engine.dispose()
    return {"seconds": time.monotonic() - began, "rows": len(frame)}


def _measure(name: str, path: Path, runs: dict[str, Any]) -> dict[str, Any]:
    """One step in its own child on its own scratch database (the project's step also runs the Python checks
    once, reported beside B1)."""
    with scratch_database(f"sellerledger_bench_b1_{name}") as url:
        child = run_child(["-m", "bench.b1_ingest", name, url, str(path)])
        result = {**json.loads(child.stdout.strip().splitlines()[-1]), "peak_rss_mb": child.peak_rss_mb}
        if name == "project" and "python_checks" not in runs:
            checks = run_child(["-m", "bench.b1_ingest", "python_checks", url, str(path)])
            runs["python_checks"] = {**json.loads(checks.stdout.strip().splitlines()[-1]),
                                     "peak_rss_mb": checks.peak_rss_mb}
    return result


STEPS = {"copy": step_copy, "project": step_project, "python_checks": step_python_checks,
         "pandas": step_pandas}


def run(lines: int = LINES) -> dict[str, Any]:
    """Generate the file, run the three paths, and return the B1 numbers (plus details)."""
    from sellerledger.sandbox.amazon.settlement_writer import write_large_settlement

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"settlement_{lines}.txt"
    if not path.exists():
        write_large_settlement(path, lines=lines, seed=1)
    runs: dict[str, Any] = {}
    # The floor and the project's path run REPEATS times each, interleaved, and the median of each is kept:
    # a single COPY of this file took anything from 1.4 to 2.4 s on the same idle machine. pandas, 6-10 times
    # slower, runs once.
    samples: dict[str, list[dict[str, Any]]] = {"copy": [], "project": []}
    for _ in range(REPEATS):
        for name in ("copy", "project"):
            samples[name].append(_measure(name, path, runs))
    for name, measured in samples.items():
        runs[name] = {**sorted(measured, key=lambda r: r["seconds"])[len(measured) // 2],
                      "samples_s": [round(r["seconds"], 2) for r in measured],
                      "peak_rss_mb": max(r["peak_rss_mb"] for r in measured)}  # memory: the worst run
    runs["pandas"] = _measure("pandas", path, runs)
    project, copy, pandas = runs["project"], runs["copy"], runs["pandas"]
    return {
        "ratio_to_copy": round(project["seconds"] / copy["seconds"], 2),
        "speedup_vs_pandas": round(pandas["seconds"] / project["seconds"], 2),
        "peak_rss_mb": round(project["peak_rss_mb"], 1),
        "lines_per_s": round(lines / project["seconds"]),
        "details": {name: {k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()}
                    for name, r in runs.items()},
    }


if __name__ == "__main__":
    step, db_url, file_path = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    print(json.dumps(STEPS[step](db_url, file_path)))
