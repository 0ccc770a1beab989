"""Test session set-up: embedded Postgres, a test Airflow home, and fixtures for the database and sandbox.

Environment is set at import, before anything imports Airflow: Airflow reads its config once.
The embedded server is started here if nothing runs yet, and stopped at the end of the session only if
this session started it, so a test run leaves no server behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("SELLERLEDGER_HOME", str(ROOT))
os.environ["SELLERLEDGER_DB_NAME"] = "sellerledger_test"
os.environ["SELLERLEDGER_AIRFLOW_DB_NAME"] = "airflow_test"
_AIRFLOW_HOME = ROOT / "var" / "airflow-test"
_AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ.setdefault("AIRFLOW__CORE__FERNET_KEY", "Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMzI=")
os.environ.setdefault("SELLERLEDGER_FERNET_KEY", os.environ["AIRFLOW__CORE__FERNET_KEY"])

from sellerledger import db  # noqa: E402
from sellerledger.staging import schema  # noqa: E402

_USES_EMBEDDED = not os.environ.get("SELLERLEDGER_DB_URL")
if _USES_EMBEDDED:
    db.EmbeddedPostgres.default().acquire()
_BASE_URL = db.staging_url()
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = db.airflow_sqlalchemy_url()

# A fixed day anchors the generated seller, so expectations do not move with the calendar.
SANDBOX_TODAY = date(2026, 11, 20)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _USES_EMBEDDED:
        db.EmbeddedPostgres.default().release()  # stops the server when no other session uses it


def _admin_url() -> str:
    return db.with_database(_BASE_URL, "postgres")


def _with_db(name: str) -> str:
    return db.with_database(_BASE_URL, name)


@pytest.fixture(scope="session")
def template_db() -> Iterator[str]:
    """Name of a database holding the full staging schema, used as a template for fresh databases."""
    name = f"sellerledger_template_{os.getpid()}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    schema.upgrade(_with_db(name))
    yield name
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_db(template_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, empty staging database with the schema applied; `SELLERLEDGER_DB_URL` points at it."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    url = _with_db(name)
    monkeypatch.setenv("SELLERLEDGER_DB_URL", url)
    yield url
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """The whole sandbox over HTTP on loopback (session-wide; call `POST /_sandbox/reset` to forget writes)."""
    from sellerledger.sandbox.core.state import SandboxConfig
    from sellerledger.sandbox.server import SandboxServer

    with SandboxServer(SandboxConfig(today=SANDBOX_TODAY, days=90)) as server:
        yield server
