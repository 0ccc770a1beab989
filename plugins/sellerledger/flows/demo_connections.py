"""Airflow connections for the demo flows, made from the sandbox's `GET /_sandbox/credentials`.

The same field names a real connection uses (see each hook's docstring), pointed at the sandbox:
login / password = the OAuth client id / secret, extras = refresh token, tenant, base and token URLs.
"""

from __future__ import annotations

from typing import Any

REGION_MARKETPLACES = {"NA": "US", "EU": "DE"}


def demo_connections(credentials: dict[str, Any], time_scale: float) -> list[dict[str, Any]]:
    """Connection dicts (`airflow connections import` format, keyed by `conn_id`)."""
    scale = str(time_scale)
    out: list[dict[str, Any]] = []
    amazon = credentials["amazon"]
    for region, country in REGION_MARKETPLACES.items():
        regional = amazon["regions"][region]
        out.append({
            "conn_id": f"amazon_demo_{region.lower()}", "conn_type": "amazon_sp_api",
            "login": amazon["lwa_client_id"], "password": amazon["lwa_client_secret"],
            "extra": {"refresh_token": regional["refresh_token"], "region": region, "marketplaces": country,
                      "base_url": regional["endpoint"], "lwa_token_url": amazon["lwa_token_url"],
                      "seller_id": amazon["seller_id"], "time_scale": scale},
        })
    xero, xt = credentials["xero"], credentials["xero"]["tenants"][0]
    out.append(_ledger("xero_demo", "xero", xero, xt, tenant_id=xt["tenant_id"], base_url=xero["api_base_url"],
                       scale=scale))
    qbo, qt = credentials["qbo"], credentials["qbo"]["tenants"][0]
    out.append(_ledger("qbo_demo", "quickbooks_online", qbo, qt, tenant_id=qt["realm_id"],
                       base_url=qbo["api_base_url"], scale=scale))
    myob, mt = credentials["myob"], credentials["myob"]["tenants"][0]
    out.append(_ledger("myob_demo", "myob", myob, mt, tenant_id=mt["company_file_uid"],
                       base_url=myob["api_base_url"], scale=scale, api_key=myob["api_key"],
                       company_file_uri=mt["company_file_uri"], cf_username=mt["company_file_username"],
                       cf_password=mt["company_file_password"]))
    wave, wt = credentials["wave"], credentials["wave"]["tenants"][0]
    out.append(_ledger("wave_demo", "wave", wave, wt, tenant_id=wt["business_id"], base_url=wave["graphql_url"],
                       scale=scale))
    zoho, zt = credentials["zoho"], credentials["zoho"]["tenants"][0]
    # the sandbox serves every Zoho data centre under /zoho; the client derives the DC's hosts from `region`
    out.append(_ledger("zoho_demo", "zoho_books", zoho, zt, tenant_id=zt["organization_id"],
                       base_url=zt["books_url"].split("/zoho/", 1)[0] + "/zoho", scale=scale, token_url="",
                       region=zt["dc"]))
    return out


def _ledger(conn_id: str, conn_type: str, app: dict[str, Any], tenant: dict[str, Any], *, tenant_id: str,
            base_url: str, scale: str, **extra: str) -> dict[str, Any]:
    fields = {"refresh_token": tenant["refresh_token"], "tenant_id": tenant_id, "base_url": base_url,
              "token_url": extra.pop("token_url", None) or app.get("token_url") or tenant.get("token_url"),
              "time_scale": scale, **extra}
    return {"conn_id": conn_id, "conn_type": conn_type, "login": app["client_id"], "password": app["client_secret"],
            "extra": fields}
