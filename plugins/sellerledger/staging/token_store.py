"""Encrypted OAuth token store in Postgres, locked while a refresh is in flight.

Rotating refresh tokens (Xero, QuickBooks Online) are single-use: if two tasks refreshed with the same one,
the second would burn the tenant's authorisation. So a refresh happens inside `lease(key)`, which holds a
row lock (`SELECT ... FOR UPDATE`) until the new token set is saved and committed. Token sets are
Fernet-encrypted (key from `SELLERLEDGER_FERNET_KEY` or Airflow's fernet key); the table never holds a
token in clear text.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from cryptography.fernet import Fernet, InvalidToken

from sellerledger import settings


class TokenStoreError(RuntimeError):
    """The token store is misconfigured (no key) or holds a row this key cannot decrypt."""


def _fernet(key: str | None = None) -> Fernet:
    key = key or settings.fernet_key()
    if not key:
        raise TokenStoreError("no encryption key: set SELLERLEDGER_FERNET_KEY (or Airflow's core.fernet_key)")
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(data: dict[str, Any], key: str | None = None) -> bytes:
    return _fernet(key).encrypt(json.dumps(data, sort_keys=True).encode())


def decrypt(ciphertext: bytes, key: str | None = None, *, token_key: str = "?") -> dict[str, Any]:
    try:
        return json.loads(_fernet(key).decrypt(bytes(ciphertext)))
    except InvalidToken as exc:
        raise TokenStoreError(f"token set {token_key!r} cannot be decrypted with the configured key") from exc


@dataclass
class TokenLease:
    """The token set of one key, read under a row lock; `save` replaces it within the same transaction."""

    key: str
    data: dict[str, Any] | None
    _conn: psycopg.Connection = field(repr=False)
    _fernet_key: str | None = field(default=None, repr=False)

    def save(self, data: dict[str, Any]) -> None:
        self._conn.execute(
            "INSERT INTO ops.token_store (token_key, ciphertext) VALUES (%s, %s)"
            " ON CONFLICT (token_key) DO UPDATE SET ciphertext = EXCLUDED.ciphertext,"
            " version = ops.token_store.version + 1, updated_at = now()",
            (self.key, encrypt(data, self._fernet_key)),
        )
        self.data = data


class TokenStore:
    """Token sets by key (e.g. `xero:<conn_id>`), encrypted at rest."""

    def __init__(self, db_url: str, fernet_key: str | None = None) -> None:
        self._url = db_url
        self._key = fernet_key

    def read(self, key: str) -> dict[str, Any] | None:
        """The current token set, without locking (for the fast path: an access token still valid)."""
        with psycopg.connect(self._url) as conn:
            row = conn.execute("SELECT ciphertext FROM ops.token_store WHERE token_key = %s", (key,)).fetchone()
        return decrypt(row[0], self._key, token_key=key) if row else None

    @contextlib.contextmanager
    def lease(self, key: str) -> Iterator[TokenLease]:
        """Lock the key's row (creating a placeholder lock via advisory lock when absent) until exit."""
        with psycopg.connect(self._url) as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("token:" + key,))
                row = conn.execute(
                    "SELECT ciphertext FROM ops.token_store WHERE token_key = %s FOR UPDATE", (key,)
                ).fetchone()
                data = decrypt(row[0], self._key, token_key=key) if row else None
                yield TokenLease(key=key, data=data, _conn=conn, _fernet_key=self._key)
