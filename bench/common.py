"""Shared benchmark plumbing: a scratch staging database, child processes with their peak RSS, the machine."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg

from sellerledger import db

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench"


@dataclass(frozen=True)
class ChildRun:
    """What one measured child process did."""

    wall_s: float
    peak_rss_mb: float
    stdout: str


def run_child(args: Sequence[str], env: dict[str, str] | None = None) -> ChildRun:
    """Run `python <args>` and return its wall time, its own peak RSS (wait4's rusage) and its stdout."""
    began = time.monotonic()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, *args], stdout=out, env=env or dict(os.environ), cwd=ROOT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - began
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed with {proc.returncode}:\n{text[-3000:]}")
    return ChildRun(wall, usage.ru_maxrss / 1024, text)


def machine() -> dict[str, object]:
    """Cores this process may use and total memory."""
    mem_kib = 0
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {"cores": len(os.sched_getaffinity(0)), "memory": f"{mem_kib / 1024 / 1024:.1f} GiB"}


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A new database on the staging server with the staging schema, dropped afterwards."""
    from sellerledger.staging import schema

    admin = db.with_database(db.staging_url(), "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = db.with_database(db.staging_url(), name)
    try:
        schema.upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
