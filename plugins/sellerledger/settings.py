"""Runtime settings: the one module that reads environment variables.

Every other module asks here, so a reader can see in one place what the process environment can change.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The checkout (or deployment) folder holding `include/`, `dags/` and `var/`.

    `SELLERLEDGER_HOME` wins; otherwise the checkout the package was installed from in editable mode;
    otherwise the current directory.
    """
    env = os.environ.get("SELLERLEDGER_HOME")
    if env:
        return Path(env).resolve()
    checkout = _PACKAGE_DIR.parents[1]
    if (checkout / "include").is_dir():
        return checkout
    return Path.cwd()


def include_dir() -> Path:
    """Declarative assets: flows.yaml and mappings."""
    return project_root() / "include"


def var_dir() -> Path:
    """Local state that git ignores: the embedded Postgres data, sandbox state, run artefacts."""
    path = Path(os.environ.get("SELLERLEDGER_VAR", project_root() / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_url_override() -> str | None:
    """An existing Postgres to use instead of the embedded one (libpq or SQLAlchemy URL)."""
    return os.environ.get("SELLERLEDGER_DB_URL") or None


def db_name() -> str:
    """Name of the staging database on the embedded server."""
    return os.environ.get("SELLERLEDGER_DB_NAME", "sellerledger")


def airflow_db_name() -> str:
    """Name of the Airflow metadata database on the embedded server."""
    return os.environ.get("SELLERLEDGER_AIRFLOW_DB_NAME", "airflow")


def fernet_key() -> str | None:
    """Key that encrypts the token store and credentials at rest (falls back to Airflow's fernet key)."""
    return os.environ.get("SELLERLEDGER_FERNET_KEY") or os.environ.get("AIRFLOW__CORE__FERNET_KEY") or None


def sandbox_url() -> str | None:
    """Base URL of a running sandbox (set by the demo and tests for the processes they start)."""
    return os.environ.get("SELLERLEDGER_SANDBOX_URL") or None


def rate_limit_store() -> str:
    """Where API rate-limit buckets live: `postgres` (shared by all workers, the default) or `memory`."""
    return os.environ.get("SELLERLEDGER_RATE_LIMIT_STORE", "postgres")


def retry_delay_seconds() -> float:
    """First retry delay of flow tasks (doubling up to 30 min); the demo and DAG tests shorten it."""
    return float(os.environ.get("SELLERLEDGER_RETRY_DELAY_SECONDS", "60"))
