"""AccountingPolicy: how one flow turns settlements into documents.

- `mode`: `summary` (default; one document per settlement x marketplace x month part) or `per_order`
  (an invoice per order and a credit note per refund on the clearing account, plus a settlement clearing
  document per marketplace x month part).
- `timezone`: IANA zone used to split a settlement at month ends by posted date (default UTC).
- `split_by_month`: split month-spanning settlements (default true); false gives one part, `all`.
- `ledger` and `mapping_set` (folder; default include/mappings) and `seller` (overrides/<seller>.yaml).
- `unmapped`: `hold` (default; the settlement is held, nothing is built) or `suspense` (unmapped amounts
  go to the flow's suspense account and the settlement can post).
- `versioning`: `rebuild_unposted` (default; a rebuild whose content changed becomes version n+1 if
  version n is not posted, and posted documents are never replaced) or `frozen` (the first stored
  version stays; changes are only reported).
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator


class AccountingPolicy(BaseModel):
    """Validated, immutable accounting settings of one flow."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["summary", "per_order"] = "summary"
    timezone: str = "UTC"
    split_by_month: bool = True
    ledger: Literal["xero", "qbo", "myob", "wave", "zoho"] = "xero"
    mapping_set: str | None = None
    seller: str | None = None
    unmapped: Literal["hold", "suspense"] = "hold"
    versioning: Literal["rebuild_unposted", "frozen"] = "rebuild_unposted"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
