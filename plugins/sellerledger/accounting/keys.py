"""Deterministic idempotency keys for accounting documents.

A key is built only from what identifies the document: flow, settlement, marketplace, month part, kind,
ref (order id for invoices and credit notes) and version. Rebuilding the same settlement with the same
mapping gives the same keys, so retries and backfills never create a second document. The readable form
is `sl1/<flow>/<settlement>/<marketplace>/<part>/<kind>/<ref or ->/v<version>`, each part
percent-encoded; `short_key` gives a fixed-length digest for ledgers with short reference fields.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

KEY_PREFIX = "sl1"


def _part(value: str) -> str:
    return quote(str(value), safe="-._~") if value else "-"


def document_identity(flow_id: str, settlement_id: str, marketplace: str, part: str, kind: str, ref: str) -> str:
    """The key without a version: one logical document across rebuilds."""
    fields = (flow_id, settlement_id, marketplace, part, str(kind), ref)
    if not flow_id or not settlement_id:
        raise ValueError("document keys need a flow id and a settlement id")
    return "/".join((KEY_PREFIX, *(_part(v) for v in fields)))


def document_key(
    flow_id: str, settlement_id: str, marketplace: str, part: str, kind: str, ref: str, version: int
) -> str:
    """The idempotency key of one version of a document."""
    if version < 1:
        raise ValueError(f"version must be >= 1, got {version}")
    return f"{document_identity(flow_id, settlement_id, marketplace, part, kind, ref)}/v{version}"


def split_key(key: str) -> tuple[str, int]:
    """(identity, version) of a key made by `document_key`."""
    identity, _, version = key.rpartition("/v")
    if not identity.startswith(KEY_PREFIX + "/") or not version.isdigit():
        raise ValueError(f"not a document key: {key!r}")
    return identity, int(version)


def short_key(key: str, length: int = 20) -> str:
    """A stable digest of `key`, `length` characters of upper-case base32 (A-Z, 2-7).

    For ledger fields with small limits (QBO DocNumber 21, MYOB invoice Number 13): collisions need
    ~2^(2.5*length) documents, so 12+ characters are safe for any one seller.
    """
    if not 4 <= length <= 52:
        raise ValueError("short_key length must be between 4 and 52")
    digest = hashlib.sha256(key.encode()).digest()
    return base64.b32encode(digest).decode().rstrip("=")[:length]
