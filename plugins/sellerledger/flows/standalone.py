"""`make airflow`: Airflow standalone on the checkout's embedded Postgres, stopped cleanly with Ctrl-C.

Standalone must be stopped with SIGINT (SIGTERM orphans its children), so SIGTERM to this process is
forwarded as SIGINT, and the embedded Postgres is released only after Airflow has exited.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from sellerledger import db
from sellerledger.flows import runtime


def run_standalone(port: int = 8080) -> int:
    with db.embedded_session():
        # task processes reach the API server's execution API, which listens on `port` too (default 8080)
        env = runtime.airflow_env({"AIRFLOW__API__PORT": str(port),
                                   "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/"})
        runtime.migrate(env)
        print(f"Airflow UI: http://localhost:{port}  (login admin / admin; Ctrl-C stops it)", flush=True)
        airflow = str(Path(sys.executable).parent / "airflow")
        proc = subprocess.Popen([airflow, "standalone"], env=env)

        def forward(signum: int, frame: FrameType | None) -> None:
            proc.send_signal(signal.SIGINT)

        previous = signal.signal(signal.SIGTERM, forward)
        try:
            while True:
                try:
                    return proc.wait()
                except KeyboardInterrupt:
                    proc.send_signal(signal.SIGINT)
        finally:
            signal.signal(signal.SIGTERM, previous)
