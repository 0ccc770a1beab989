"""The marketplaces the generated sellers trade in: ids, currencies, tax models and file conventions.

Ids, regions and currencies follow reference/notes/amazon.md §2. The file conventions (decimal comma,
date styles, encoding, settlement cycle) are what the V2 settlement writer and the finance views use:
DE writes decimal commas and `DD.MM.YYYY` dates, JP settles every 7 days and writes cp932, the others
settle every 14 days in UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Marketplace:
    """One Amazon marketplace as the generator and the views see it."""

    code: str                 # the docs' country code: US, CA, UK, DE, JP, AU
    id: str                   # MarketplaceId
    country_code: str         # ISO 3166 (UK is GB)
    currency: str
    region: str               # NA, EU, FE (which SP-API endpoint serves it)
    domain: str               # "Amazon.com": SalesChannel and settlement marketplace-name
    exponent: int             # decimal places of the currency (JPY 0)
    tax_model: str            # "facilitator" (US: collected and withheld), "seller" (CA), "inclusive" (VAT/GST/JCT)
    tax_rates: tuple[Decimal, ...]
    decimal_comma: bool       # settlement amounts written as 12,34
    header_date_style: str    # "iso_offset" | "utc" | "eu": settlement-start/end/deposit-date cells
    posted_date_style: str    # "mdy" | "dmy" | "dmy_dot" | "ymd": the posted-date cell
    encoding: str             # Python codec of the settlement file
    settlement_days: int      # length of a settlement period
    order_prefixes: tuple[str, ...]
    subscription_fee: Decimal  # monthly Professional selling plan fee (positive; charged as negative)
    unit_scale: Decimal       # rough value of one USD in this currency (fees and prices scale with it)
    language: str             # issueLocale / language tag

    @property
    def quantum(self) -> Decimal:
        """The smallest amount of the currency: Decimal('0.01') or Decimal('1')."""
        return Decimal(1).scaleb(-self.exponent)

    @property
    def charset(self) -> str:
        """The charset name declared in Content-Type for this marketplace's documents."""
        return {"utf-8": "UTF-8", "iso-8859-1": "ISO-8859-1", "cp932": "Windows-31J"}[self.encoding]


def _rates(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


MARKETPLACES: dict[str, Marketplace] = {
    mp.code: mp
    for mp in (
        Marketplace("US", "ATVPDKIKX0DER", "US", "USD", "NA", "Amazon.com", 2, "facilitator",
                    _rates("0", "0.0475", "0.06", "0.0625", "0.07", "0.0725", "0.0825", "0.0875", "0.1025"),
                    False, "iso_offset", "mdy", "utf-8", 14, ("111", "112", "113", "114"),
                    Decimal("39.99"), Decimal("1"), "en_US"),
        Marketplace("CA", "A2EUQ1WTGCTBG2", "CA", "CAD", "NA", "Amazon.ca", 2, "seller",
                    _rates("0.05", "0.13", "0.15"),
                    False, "iso_offset", "mdy", "utf-8", 14, ("701", "702"),
                    Decimal("29.99"), Decimal("1.35"), "en_CA"),
        Marketplace("UK", "A1F83G8C2ARO7P", "GB", "GBP", "EU", "Amazon.co.uk", 2, "inclusive",
                    _rates("0.20"),
                    False, "utc", "dmy", "utf-8", 14, ("202", "203", "204", "205", "206"),
                    Decimal("25.00"), Decimal("0.8"), "en_GB"),
        Marketplace("DE", "A1PA6795UKMFR9", "DE", "EUR", "EU", "Amazon.de", 2, "inclusive",
                    _rates("0.19"),
                    True, "eu", "dmy_dot", "utf-8", 14, ("302", "303", "304", "305", "306", "028"),
                    Decimal("39.00"), Decimal("0.92"), "de_DE"),
        Marketplace("JP", "A1VC38T7YXB528", "JP", "JPY", "FE", "Amazon.co.jp", 0, "inclusive",
                    _rates("0.10"),
                    False, "utc", "ymd", "cp932", 7, ("249", "250", "503"),
                    Decimal("4900"), Decimal("150"), "ja_JP"),
        Marketplace("AU", "A39IBJ37TRP1C6", "AU", "AUD", "FE", "Amazon.com.au", 2, "inclusive",
                    _rates("0.10"),
                    False, "utc", "dmy", "utf-8", 14, ("249", "250"),
                    Decimal("49.95"), Decimal("1.5"), "en_AU"),
    )
}

BY_ID: dict[str, Marketplace] = {mp.id: mp for mp in MARKETPLACES.values()}

# LWA/SP-API regions and the marketplaces each serves (only those the generator knows)
REGIONS: dict[str, tuple[str, ...]] = {
    region: tuple(mp.code for mp in MARKETPLACES.values() if mp.region == region) for region in ("NA", "EU", "FE")
}
