"""The ledger error taxonomy, decided in one place for all five ledgers.

- `RetriableError`: throttling (429, MYOB's 403 RateLimitError, Zoho's rate code), 5xx, timeouts, dropped
  connections. The HTTP layer retries with back-off honouring Retry-After.
- `FatalError`: a validation error or any other refusal; retrying the same request cannot help. The
  document is marked failed with the ledger's message and can be replayed after a fix.
- `ConflictError`: a stale concurrency token (QBO SyncToken 5010, MYOB RowVersion 409): fetch and retry.
- `AuthBlocked`: the ledger refused our credentials (401, revoked or expired grant). Posting stops for the
  flow and an alert names the connection to re-authorise; never a retry storm.

Messages name the ledger, operation, status and the ledger's own code and text, never a header or token.
"""

from __future__ import annotations


class LedgerError(Exception):
    def __init__(self, message: str, *, ledger: str = "", operation: str = "", status: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.ledger = ledger
        self.operation = operation
        self.status = status
        self.code = code


class RetriableError(LedgerError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class FatalError(LedgerError):
    """Permanent for this request."""


class ConflictError(LedgerError):
    """The document changed in the ledger since we read it (stale SyncToken / RowVersion)."""


class AuthBlocked(FatalError):
    """Credentials refused: re-authorise the connection named in the message."""
