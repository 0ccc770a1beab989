"""What every ledger client offers, and the rendered document it posts.

A `LedgerDocument` is an accounting document already rendered into one ledger's JSON shape. Its `key` is
the deterministic idempotency key of the accounting document; its `reference` is what we can search the
ledger for (invoice number, journal narration/reference, externalId), which is how a poster finds a
document whose response was lost.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sellerledger.accounting.model import Document


def canonical_json(payload: Any) -> str:
    """Stable JSON for hashing: sorted keys, Decimals as strings."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class LedgerDocument:
    key: str
    kind: str
    reference: str
    currency: str
    total: Decimal
    payload: dict[str, Any]
    settlement_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def payload_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.payload).encode()).hexdigest()


@dataclass(frozen=True)
class Found:
    """A document as the ledger holds it."""

    ledger_id: str
    version: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class ReadBack:
    """A posted document as the ledger reports it now, for reconciliation."""

    ledger_id: str
    total: Decimal
    currency: str
    status: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class PostResult:
    key: str
    ledger_id: str | None = None
    version: str | None = None
    error: Exception | None = None
    action: str = "create"

    @property
    def ok(self) -> bool:
        return self.error is None and self.ledger_id is not None


class LedgerClient(Protocol):
    """One ledger tenant. Implementations: `sellerledger.ledgers.<ledger>.client`."""

    ledger: str
    tenant: str
    max_batch: int

    @property
    def base_currency(self) -> str:
        """The tenant's home currency (documents in another currency are converted before `render`)."""
        ...

    def ping(self) -> str:
        """A cheap read-only identity call; returns a human description (raises on failure)."""
        ...

    def render(self, documents: Sequence[Document]) -> list[LedgerDocument]:
        """Accounting documents in this ledger's shape: account codes resolved to the ledger's ids, tax
        codes, tracking, customers/contacts/items created or matched as the ledger requires. The
        `LedgerDocument.key` is the accounting document's `key`; `total` is in the document currency
        and equals what `read` will report for it. Raises `FatalError` naming what cannot be resolved."""
        ...

    def find(self, document: LedgerDocument) -> Found | None:
        """The ledger's copy of `document`, looked up by our reference / external id, if any."""
        ...

    def create(self, documents: Sequence[LedgerDocument]) -> list[PostResult]:
        """Create up to `max_batch` documents, using the ledger's idempotency feature where it has one.

        Per-document failures come back as results with `error` set; a failure of the whole call raises.
        """
        ...

    def update(self, document: LedgerDocument, found: Found) -> PostResult:
        """Bring the ledger's copy in line with `document` (update with concurrency token, or reverse and
        re-create where the ledger's documents are write-once)."""
        ...

    def read(self, ledger_id: str, kind: str) -> ReadBack:
        """The document as the ledger reports it now (for reconciliation)."""
        ...

    @property
    def calls(self) -> dict[str, int]:
        """HTTP requests sent per operation so far."""
        ...


def minimum_calls(client: LedgerClient, documents: Sequence[LedgerDocument]) -> int:
    """The fewest create requests the ledger's API allows for `documents` (one settlement's): for each
    endpoint, ceil(objects / that endpoint's batch size). A client tells which endpoints a document needs
    and how many objects on each with `endpoint_load(document)` (e.g. a Xero clearing document is a
    ManualJournal, a BankTransaction and its Payments; a Zoho invoice is an upsert and a mark-as-sent), and
    batch sizes other than `max_batch` in `endpoint_batch`. A client without `endpoint_load` counts one
    object per document on a single endpoint."""
    load = getattr(client, "endpoint_load", None)
    if load is None:
        return math.ceil(len(documents) / max(1, client.max_batch))
    totals: Counter[str] = Counter()
    for document in documents:
        totals.update(load(document))
    sizes = getattr(client, "endpoint_batch", {})
    return sum(math.ceil(n / max(1, sizes.get(endpoint, client.max_batch))) for endpoint, n in totals.items() if n)
