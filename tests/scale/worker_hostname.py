"""Airflow `hostname_callable` for the Celery test: two workers on one machine, told apart by name.

Airflow records `task_instance.hostname` from this callable in the process that runs the task (a child of
the worker), so each worker's environment names it: `SELLERLEDGER_WORKER_NAME`, else the machine's FQDN.
"""

from __future__ import annotations

import os
import socket


def worker_name() -> str:
    return os.environ.get("SELLERLEDGER_WORKER_NAME") or socket.getfqdn()
