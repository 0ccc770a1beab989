"""The Airflow runtime of a checkout: `AIRFLOW_HOME` under `var/`, metadata on the staging server.

Builds the environment for Airflow processes (CLI, `dag.test`, standalone) so that they use the same
embedded Postgres as staging (a separate `airflow` database), the project's `dags/` folder, a stable
Fernet key kept under `var/`, and the admin/admin login of the local UI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from sellerledger import db, settings
from sellerledger.flows.config import Flow


def airflow_home() -> Path:
    home = settings.var_dir() / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    return home


def fernet_key() -> str:
    """The checkout's Fernet key (generated once into var/fernet.key), unless one is configured."""
    configured = settings.fernet_key()
    if configured:
        return configured
    path = settings.var_dir() / "fernet.key"
    if not path.exists():
        from cryptography.fernet import Fernet

        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return path.read_text().strip()


def airflow_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for Airflow processes of this checkout (staging must be reachable: call in a db session)."""
    home = airflow_home()
    passwords = home / "simple_auth_manager_passwords.json.generated"
    if not passwords.exists():
        passwords.write_text(json.dumps({"admin": "admin"}))
    venv_bin = str(Path(sys.executable).parent)
    key = fernet_key()
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings.project_root() / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__FERNET_KEY": key,
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db.airflow_sqlalchemy_url(),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "SELLERLEDGER_DB_URL": db.staging_url(),
            "SELLERLEDGER_FERNET_KEY": key,
            "SELLERLEDGER_HOME": str(settings.project_root()),
            "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
        }
    )
    env.update(extra or {})
    return env


def run_airflow(args: Sequence[str], env: Mapping[str, str], *, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `airflow <args>` with `env`; raise with its output when it fails."""
    airflow = str(Path(sys.executable).parent / "airflow")
    result = subprocess.run([airflow, *args], env=dict(env), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n"
                           f"{result.stderr[-4000:]}")
    if not quiet:
        sys.stdout.write(result.stdout)
    return result


def migrate(env: Mapping[str, str]) -> None:
    """Create or upgrade the Airflow metadata database (idempotent) and the staging schema."""
    from sellerledger.staging import schema

    schema.upgrade(env["SELLERLEDGER_DB_URL"])
    run_airflow(["db", "migrate"], env)


def sync_pools(env: Mapping[str, str], flows: Sequence[Flow]) -> None:
    """One Airflow pool per ledger connection (tenant), one slot: concurrent DAGs never post to the same
    tenant at once, which keeps every flow of a tenant inside that ledger's rate and concurrency limits."""
    for pool in sorted({flow.pool for flow in flows}):
        run_airflow(["pools", "set", pool, "1", f"sellerledger posting to {pool.split('__', 2)[1]}"], env)
