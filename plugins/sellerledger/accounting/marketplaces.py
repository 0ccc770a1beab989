"""Normalised marketplace keys: the form mapping files, documents and staging use for a marketplace.

The key is the marketplace country code as the SP-API docs write it and `staging.settlement_lines.marketplace`
stores it (`US`, `CA`, `UK`, `DE`, `JP` ...). Settlement files name the store (`Amazon.com`,
`amazon.co.uk`, sometimes blank or `Non-Amazon`); APIs use marketplace ids. All of them normalise to the
code, so a mapping written for `UK` (or `amazon.co.uk`) matches whichever form arrives.
"""

from __future__ import annotations

from sellerledger.amazon.settlement.values import MARKETPLACE_CODES

# store host → code: the settlement parser's table (one table, so a marketplace added there is known here too)
HOST_CODES: dict[str, str] = MARKETPLACE_CODES

MARKETPLACE_IDS: dict[str, str] = {
    "ATVPDKIKX0DER": "US",
    "A2EUQ1WTGCTBG2": "CA",
    "A1AM78C64UM0Y8": "MX",
    "A2Q3Y263D00KWC": "BR",
    "A1F83G8C2ARO7P": "UK",
    "A1PA6795UKMFR9": "DE",
    "A13V1IB3VIYZZH": "FR",
    "APJ6JRA9NG5V4": "IT",
    "A1RKKUPIHCS9HS": "ES",
    "A1805IZSGTT6HS": "NL",
    "A2NODRKZP88ZB9": "SE",
    "A1C3SOZRARQ6R3": "PL",
    "A2VIGQ35RCS4UG": "AE",
    "A21TJRUUN4KGV": "IN",
    "A39IBJ37TRP1C6": "AU",
    "A1VC38T7YXB528": "JP",
    "A19VAU5U5O7RUS": "SG",
    "A28R8C7NBKEWEA": "IE",
    "AMEN7PMS3EDWL": "BE",
    "AE08WJ6YKNBMC": "ZA",
    "ARBP9OOSHTCHU": "EG",
    "A33AVAJ2PDY3EV": "TR",
    "A17E79C6D8DWNP": "SA",
}

CODES = frozenset(HOST_CODES.values())
DEFAULT = "default"


def normalise_marketplace(value: str | None) -> str:
    """`Amazon.com` / `ATVPDKIKX0DER` / `us` → `US`; `GB` → `UK`; an unknown `amazon.xx` stays its host;
    blank or non-Amazon names (`Non-Amazon`) → ``."""
    if not value:
        return ""
    text = value.strip()
    if text in MARKETPLACE_IDS:
        return MARKETPLACE_IDS[text]
    upper = text.upper()
    if upper == "GB":
        return "UK"
    if upper in CODES:
        return upper
    host = text.lower()
    if host.startswith("www."):
        host = host[4:]
    if host in HOST_CODES:
        return HOST_CODES[host]
    return host if host.startswith("amazon.") else ""


def is_marketplace(value: str) -> bool:
    """True for a normalised key naming an Amazon store."""
    return value in CODES or value.startswith("amazon.")
