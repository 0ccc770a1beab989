"""Zoho Books data centres: each has its own accounts server (tokens) and API domain, and a token works
only in its own (notes §5.1). A connection names its data centre in the `region` extra (`com`, `eu`,
`in`, `com.au`, `jp`, `ca`, `com.cn`, `sa`, `uk`, or a country code such as `US`, `AU`).

`urls(region, root)` gives (Books API base, token endpoint): the real hosts, or, with `root` (the
sandbox's `http://127.0.0.1:<port>/zoho`), the stand-in's layout `<root>/api/<dc>/books/v3` and
`<root>/accounts/<dc>/oauth/v2/token`.
"""

from __future__ import annotations

DATA_CENTRES: dict[str, tuple[str, str]] = {  # dc -> (accounts server, API domain)
    "com": ("accounts.zoho.com", "www.zohoapis.com"),
    "eu": ("accounts.zoho.eu", "www.zohoapis.eu"),
    "in": ("accounts.zoho.in", "www.zohoapis.in"),
    "com.au": ("accounts.zoho.com.au", "www.zohoapis.com.au"),
    "jp": ("accounts.zoho.jp", "www.zohoapis.jp"),
    "ca": ("accounts.zohocloud.ca", "www.zohoapis.ca"),
    "com.cn": ("accounts.zoho.com.cn", "www.zohoapis.com.cn"),
    "sa": ("accounts.zoho.sa", "www.zohoapis.sa"),
    "uk": ("accounts.zoho.uk", "www.zohoapis.uk"),
}
ALIASES = {"us": "com", "au": "com.au", "cn": "com.cn", "gb": "uk", "de": "eu", "fr": "eu", "es": "eu",
           "it": "eu", "nl": "eu"}


def data_centre(region: str | None) -> str:
    """The data centre key of `region` (default `com`); ValueError naming the valid ones."""
    value = (region or "com").strip().lower().lstrip(".")
    for prefix in ("www.zohoapis.", "zohoapis.", "accounts.zoho.", "zoho."):
        value = value.removeprefix(prefix)
    value = ALIASES.get(value, value)
    if value not in DATA_CENTRES:
        raise ValueError(f"unknown Zoho data centre {region!r}; expected one of {', '.join(DATA_CENTRES)}")
    return value


def urls(region: str | None, root: str | None = None) -> tuple[str, str]:
    """(Books API base URL, OAuth token URL) of the data centre, real or under the sandbox `root`."""
    dc = data_centre(region)
    if root:
        root = root.rstrip("/")
        return f"{root}/api/{dc}/books/v3", f"{root}/accounts/{dc}/oauth/v2/token"
    accounts, api = DATA_CENTRES[dc]
    return f"https://{api}/books/v3", f"https://{accounts}/oauth/v2/token"
