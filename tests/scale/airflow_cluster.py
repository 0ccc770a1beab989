"""An Airflow deployment of processes on this machine for the scale tests: api-server, scheduler and
dag-processor, plus Celery workers when the executor is Celery; every process stopped on exit.

Each process logs to its own file under the cluster's home. Stopping sends SIGINT first (Airflow's
processes shut their children down on it), then SIGTERM, then SIGKILL, to the process group it leads.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(proc: subprocess.Popen[Any], grace: float = 20.0) -> None:
    """SIGINT, then SIGTERM, then SIGKILL to the process group `proc` leads, until it is gone."""
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    try:  # anything the leader left behind in its group
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class AirflowCluster:
    """`with AirflowCluster(env, home, workers=2):` runs the deployment for the block."""

    def __init__(self, env: Mapping[str, str], home: Path, workers: int = 0) -> None:
        self.home = home
        self.api_port = free_port()
        self.env = dict(env)
        self.env.update({
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{self.api_port}/execution/",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        })
        self.workers = workers
        self.procs: dict[str, subprocess.Popen[Any]] = {}
        self.logs: dict[str, Path] = {}

    def _start(self, name: str, args: list[str], extra: Mapping[str, str] | None = None) -> None:
        log = self.home / f"{name}.log"
        self.logs[name] = log
        airflow = str(Path(sys.executable).parent / "airflow")
        with open(log, "ab") as out:
            self.procs[name] = subprocess.Popen([airflow, *args], env={**self.env, **(extra or {})}, stdout=out,
                                                stderr=subprocess.STDOUT, start_new_session=True)

    def __enter__(self) -> AirflowCluster:
        try:
            self._start("api-server", ["api-server", "--port", str(self.api_port)])
            self._start("dag-processor", ["dag-processor"])
            self._start("scheduler", ["scheduler"])
            for n in range(1, self.workers + 1):
                self._start(f"worker{n}", ["celery", "worker", "--concurrency", "1", "--skip-serve-logs",
                                           "--celery-hostname", f"worker{n}@%h", "--without-gossip"],
                            {"SELLERLEDGER_WORKER_NAME": f"worker{n}"})
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
                 ) -> None:
        self.stop()

    def stop(self) -> None:
        for name in reversed(list(self.procs)):  # workers first, the api-server last
            stop(self.procs[name])

    def alive(self) -> dict[str, bool]:
        return {name: proc.poll() is None for name, proc in self.procs.items()}

    def tail(self, lines: int = 40) -> str:
        out = []
        for name, path in self.logs.items():
            text = path.read_text(errors="replace").splitlines() if path.exists() else []
            out.append(f"--- {name} (running: {self.procs[name].poll() is None})\n" + "\n".join(text[-lines:]))
        return "\n".join(out)


def wait_for_run(metadata_url: str, dag_id: str, run_id: str, timeout: float, cluster: AirflowCluster) -> str:
    """Poll the metadata database until the run ends; its final state."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        with psycopg.connect(metadata_url) as conn:
            row = conn.execute("SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", (dag_id, run_id)
                               ).fetchone()
        state = row[0] if row else None
        if state in ("success", "failed"):
            return state
        if not all(cluster.alive().values()):
            raise AssertionError(f"an Airflow process died:\n{cluster.tail()}")
        time.sleep(2)
    raise AssertionError(f"{dag_id} {run_id} still {state} after {timeout:.0f} s:\n{cluster.tail()}")
