"""The staging database: embedded server, URL handling, schema migrations."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from sellerledger import db
from sellerledger.staging import schema


def test_embedded_server_round_trips_a_numeric_row(fresh_db: str) -> None:
    with db.connect() as conn:
        conn.execute("CREATE TABLE smoke (id int PRIMARY KEY, amount numeric(18,2), currency text)")
        conn.execute("INSERT INTO smoke VALUES (1, %s, 'EUR')", (Decimal("1234.56"),))
        conn.commit()
    with psycopg.connect(fresh_db) as conn:
        amount, currency = conn.execute("SELECT amount, currency FROM smoke WHERE id = 1").fetchone()
    assert (amount, currency) == (Decimal("1234.56"), "EUR")
    assert isinstance(amount, Decimal)


def test_staging_url_follows_the_override(fresh_db: str) -> None:
    assert db.staging_url() == fresh_db


def test_url_forms() -> None:
    assert db.to_libpq("postgresql+psycopg://u:p@h:5/d") == "postgresql://u:p@h:5/d"
    assert db.to_sqlalchemy("postgresql://u@/d?host=/x") == "postgresql+psycopg://u@/d?host=/x"


def test_migrations_apply_once(fresh_db: str) -> None:
    assert schema.upgrade(fresh_db) == []  # the template already holds every migration
    with psycopg.connect(fresh_db) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [version for version, _ in schema.migrations()]
