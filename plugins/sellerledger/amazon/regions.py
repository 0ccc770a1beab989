"""SP-API regions (NA, EU, FE), their hosts, and the marketplaces served from each with their currency.

A `base_url` override replaces the regional host (the sandbox serves every region under `/amazon`).
"""

from __future__ import annotations

from dataclasses import dataclass

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"


@dataclass(frozen=True)
class Region:
    code: str
    host: str
    sandbox_host: str
    aws_region: str


@dataclass(frozen=True)
class Marketplace:
    id: str
    country: str
    region: str
    currency: str


REGIONS: dict[str, Region] = {
    "NA": Region("NA", "https://sellingpartnerapi-na.amazon.com",
                 "https://sandbox.sellingpartnerapi-na.amazon.com", "us-east-1"),
    "EU": Region("EU", "https://sellingpartnerapi-eu.amazon.com",
                 "https://sandbox.sellingpartnerapi-eu.amazon.com", "eu-west-1"),
    "FE": Region("FE", "https://sellingpartnerapi-fe.amazon.com",
                 "https://sandbox.sellingpartnerapi-fe.amazon.com", "us-west-2"),
}

_MARKETPLACES = (
    ("US", "ATVPDKIKX0DER", "NA", "USD"),
    ("CA", "A2EUQ1WTGCTBG2", "NA", "CAD"),
    ("MX", "A1AM78C64UM0Y8", "NA", "MXN"),
    ("BR", "A2Q3Y263D00KWC", "NA", "BRL"),
    ("UK", "A1F83G8C2ARO7P", "EU", "GBP"),
    ("DE", "A1PA6795UKMFR9", "EU", "EUR"),
    ("FR", "A13V1IB3VIYZZH", "EU", "EUR"),
    ("IT", "APJ6JRA9NG5V4", "EU", "EUR"),
    ("ES", "A1RKKUPIHCS9HS", "EU", "EUR"),
    ("NL", "A1805IZSGTT6HS", "EU", "EUR"),
    ("BE", "AMEN7PMS3EDWL", "EU", "EUR"),
    ("IE", "A28R8C7NBKEWEA", "EU", "EUR"),
    ("SE", "A2NODRKZP88ZB9", "EU", "SEK"),
    ("PL", "A1C3SOZRARQ6R3", "EU", "PLN"),
    ("TR", "A33AVAJ2PDY3EV", "EU", "TRY"),
    ("AE", "A2VIGQ35RCS4UG", "EU", "AED"),
    ("SA", "A17E79C6D8DWNP", "EU", "SAR"),
    ("EG", "ARBP9OOSHTCHU", "EU", "EGP"),
    ("ZA", "AE08WJ6YKNBMC", "EU", "ZAR"),
    ("IN", "A21TJRUUN4KGV", "EU", "INR"),
    ("AU", "A39IBJ37TRP1C6", "FE", "AUD"),
    ("JP", "A1VC38T7YXB528", "FE", "JPY"),
    ("SG", "A19VAU5U5O7RUS", "FE", "SGD"),
)

MARKETPLACES: dict[str, Marketplace] = {
    mp_id: Marketplace(mp_id, country, region, currency) for country, mp_id, region, currency in _MARKETPLACES
}
BY_COUNTRY: dict[str, Marketplace] = {mp.country: mp for mp in MARKETPLACES.values()}


def region(code: str) -> Region:
    """The region called `code` (NA, EU or FE; case-insensitive)."""
    try:
        return REGIONS[code.upper()]
    except KeyError:
        raise ValueError(f"unknown SP-API region {code!r}; expected one of {', '.join(REGIONS)}") from None


def marketplace(id_or_country: str) -> Marketplace:
    """A marketplace by id (`ATVPDKIKX0DER`) or country code (`US`; `GB` is accepted for `UK`)."""
    key = id_or_country.strip()
    if key in MARKETPLACES:
        return MARKETPLACES[key]
    country = "UK" if key.upper() == "GB" else key.upper()
    if country in BY_COUNTRY:
        return BY_COUNTRY[country]
    raise ValueError(f"unknown marketplace {id_or_country!r}: give a marketplace id or a country code")


def marketplaces_of(region_code: str) -> list[Marketplace]:
    code = region(region_code).code
    return [mp for mp in MARKETPLACES.values() if mp.region == code]


def check_marketplaces(region_code: str, ids_or_countries: list[str]) -> list[str]:
    """Marketplace ids for `ids_or_countries`, refusing any not served from `region_code`."""
    code = region(region_code).code
    ids = []
    for item in ids_or_countries:
        mp = marketplace(item)
        if mp.region != code:
            raise ValueError(f"marketplace {item} ({mp.country}) is served from region {mp.region}, not {code}")
        ids.append(mp.id)
    return ids


def currency_of(marketplace_id: str) -> str | None:
    mp = MARKETPLACES.get(marketplace_id)
    return mp.currency if mp else None


def endpoint(region_code: str, base_url: str | None = None, *, sandbox: bool = False) -> str:
    """The API base URL: the override when given, else the region's (sandbox) host."""
    if base_url:
        return base_url.rstrip("/")
    reg = region(region_code)
    return reg.sandbox_host if sandbox else reg.host
