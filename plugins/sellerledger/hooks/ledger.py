"""The shared shape of the five ledger hooks: an Airflow connection in, a `LedgerClient` out.

Subclasses set the class-attribute identity (`conn_type`, `conn_name_attr`, `default_conn_name`,
`hook_name`) and `ledger`; the client is built lazily by `sellerledger.ledgers.<ledger>.client_from_connection`.
`test_connection` makes the ledger's cheapest read-only identity call. Secrets are registered with
Airflow's log masker the moment they are read.
"""

from __future__ import annotations

import importlib
from functools import cached_property
from typing import Any, ClassVar

from airflow.sdk import BaseHook

from sellerledger.ledgers.base import LedgerClient
from sellerledger.ledgers.connection import LedgerConnection
from sellerledger.ledgers.errors import AuthBlocked, LedgerError


class LedgerHook(BaseHook):
    ledger: ClassVar[str]

    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        # Airflow itself builds hooks as `Hook(<conn_name_attr>=id)` (the UI's connection test does)
        named = kwargs.pop(self.conn_name_attr, None)
        super().__init__(**kwargs)
        self.conn_id = conn_id or named or self.default_conn_name

    def connection(self) -> LedgerConnection:
        conn = self.get_connection(self.conn_id)
        extra = dict(conn.extra_dejson or {})
        settings = LedgerConnection(
            ledger=self.ledger, conn_id=self.conn_id, client_id=conn.login or "", client_secret=conn.password or "",
            refresh_token=str(extra.get("refresh_token") or ""), tenant_id=str(extra.get("tenant_id") or ""),
            base_url=str(extra.get("base_url") or conn.host or ""), token_url=str(extra.get("token_url") or ""),
            extra=extra,
        )
        _mask(settings.secrets())
        return settings

    @cached_property
    def client(self) -> LedgerClient:
        module = importlib.import_module(f"sellerledger.ledgers.{self.ledger}")
        return module.client_from_connection(self.connection())

    def get_conn(self) -> LedgerClient:
        return self.client

    def test_connection(self) -> tuple[bool, str]:
        try:
            who = self.client.ping()
        except AuthBlocked as exc:
            return False, f"{self.hook_name} refused the credentials: {exc}"
        except (LedgerError, ValueError) as exc:
            return False, f"{self.hook_name} call failed: {exc}"
        return True, f"Connected to {self.hook_name}: {who}"


def _mask(values: list[str]) -> None:
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover
        return
    for value in values:
        mask_secret(value)
