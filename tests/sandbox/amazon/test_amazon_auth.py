"""LWA grants, access-token expiry on the virtual clock, revoked grants, restricted data tokens, regions."""

from __future__ import annotations

from tests.sandbox.amazon.conftest import Sp, body

US = "ATVPDKIKX0DER"
UNAUTHORIZED = {"code": "Unauthorized", "message": "Access to requested resource is denied.",
                "details": "The access token you provided is revoked, malformed or invalid."}


def _orders(sp: Sp, **kwargs) -> object:
    return sp.get("/orders/v0/orders", {"MarketplaceIds": US, "CreatedAfter": "2026-11-18T00:00:00Z"}, **kwargs)


def test_grants_and_their_errors(make_sp):
    sp: Sp = make_sp(profile="tiny")
    creds = sp.creds
    ok = sp.lwa(grant_type="refresh_token", refresh_token=creds["refresh_token"], client_id=creds["lwa_client_id"],
                client_secret=creds["lwa_client_secret"])
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
    token = ok.json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 3600
    assert token["access_token"].startswith("Atza|") and token["refresh_token"] == creds["refresh_token"]

    wrong_secret = sp.lwa(grant_type="refresh_token", refresh_token=creds["refresh_token"],
                          client_id=creds["lwa_client_id"], client_secret="nope")
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    unknown = sp.lwa(grant_type="refresh_token", refresh_token="Atzr|unknown", client_id=creds["lwa_client_id"],
                     client_secret=creds["lwa_client_secret"])
    assert unknown.status_code == 400
    assert unknown.json() == {"error_description": "The request has an invalid grant parameter : refresh_token",
                              "error": "invalid_grant"}
    both = sp.lwa(grant_type="refresh_token", refresh_token=creds["refresh_token"], scope="sellingpartnerapi::notifications",
                  client_id=creds["lwa_client_id"], client_secret=creds["lwa_client_secret"])
    assert both.status_code == 400 and both.json()["error"] == "invalid_request"
    assert sp.lwa(grant_type="password", client_id="x", client_secret="y").json()["error"] == "unsupported_grant_type"

    grantless = sp.lwa(grant_type="client_credentials", scope="sellingpartnerapi::notifications",
                       client_id=creds["lwa_client_id"], client_secret=creds["lwa_client_secret"])
    assert grantless.status_code == 200 and "refresh_token" not in grantless.json()
    assert _orders(sp, token=grantless.json()["access_token"]).status_code == 403
    assert _orders(sp, token=token["access_token"]).status_code == 200
    assert sp.http.get("/_sandbox/amazon/tokens").json()["token_requests"] == 6


def test_missing_garbage_and_expired_tokens_get_the_real_403(make_sp):
    sp: Sp = make_sp(profile="tiny", options={"amazon_token_ttl": 60})
    missing = _orders(sp, token="")
    assert missing.status_code == 403 and missing.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert body(missing)["errors"][0]["code"] == "MissingAuthenticationToken"
    assert "x-amzn-ratelimit-limit" not in missing.headers and missing.headers["x-amzn-requestid"]
    garbage = _orders(sp, token="Atza|garbage")
    assert garbage.status_code == 403 and body(garbage)["errors"] == [UNAUTHORIZED]
    token = sp.token()
    assert _orders(sp, token=token, headers={"Authorization": "AWS4-HMAC-SHA256 Credential=ignored"}).status_code == 200
    sp.advance(59)
    assert _orders(sp, token=token).status_code == 200
    sp.advance(2)
    expired = _orders(sp, token=token)
    assert expired.status_code == 403 and body(expired)["errors"] == [UNAUTHORIZED]
    assert _orders(sp, token=sp.token(fresh=True)).status_code == 200


def test_invalid_grant_fault_revokes_the_refresh_token(make_sp):
    sp: Sp = make_sp(profile="tiny")
    token = sp.token()
    assert _orders(sp, token=token).status_code == 200
    sp.faults({"operation": "getAccessToken", "kind": "invalid_grant", "count": 1})
    form = {"grant_type": "refresh_token", "refresh_token": sp.refresh_token(), "client_id": sp.creds["lwa_client_id"],
            "client_secret": sp.creds["lwa_client_secret"]}
    revoked = sp.lwa(**form)
    assert revoked.status_code == 400 and revoked.json()["error"] == "invalid_grant"
    assert "revoked" in revoked.json()["error_description"]
    assert sp.lwa(**form).status_code == 400, "a revoked grant stays revoked"
    assert body(_orders(sp, token=token))["errors"] == [UNAUTHORIZED], "its access tokens stop working"
    other_region = sp.token("EU")
    assert sp.get("/finances/v0/financialEventGroups", token=other_region, region="EU").status_code == 200
    sp.http.post("/_sandbox/amazon/authorize", json={"refresh_token": sp.refresh_token()})
    assert sp.lwa(**form).status_code == 200


def test_regional_endpoints_refuse_another_regions_token(make_sp):
    sp: Sp = make_sp(profile="tiny")
    na, eu = sp.token("NA"), sp.token("EU")
    assert sp.http.get("/amazon/na/finances/v0/financialEventGroups", headers={"x-amz-access-token": na}).status_code == 200
    assert sp.http.get("/amazon/eu/finances/v0/financialEventGroups", headers={"x-amz-access-token": na}).status_code == 403
    de = sp.get("/orders/v0/orders", {"MarketplaceIds": "A1PA6795UKMFR9", "CreatedAfter": "2026-11-01T00:00:00Z"},
                token=na)
    assert de.status_code == 400 and body(de)["errors"][0]["code"] == "InvalidInput"
    assert sp.get("/orders/v0/orders", {"MarketplaceIds": "A1PA6795UKMFR9", "CreatedAfter": "2026-11-01T00:00:00Z"},
                  token=eu).status_code == 200
    assert sp.creds["regions"]["EU"]["endpoint"].endswith("/amazon/eu")


def test_pii_needs_a_restricted_data_token_for_that_path(make_sp):
    sp: Sp = make_sp(profile="tiny", options={"amazon_token_ttl": 120})
    order = next(o for o in sp.seller.orders if o.marketplace.id == US and o.status_at(sp.now()) == "Shipped")
    address = f"/orders/v0/orders/{order.amazon_order_id}/address"
    plain = body(sp.get(address))["payload"]["ShippingAddress"]
    assert set(plain) == {k for k in ("City", "StateOrRegion", "PostalCode", "CountryCode") if order.address[k]}
    assert "BuyerInfo" not in body(sp.get(f"/orders/v0/orders/{order.amazon_order_id}"))["payload"]
    assert set(body(sp.get(f"{address[:-8]}/buyerInfo"))["payload"]) == {"AmazonOrderId"}

    minted = sp.call("POST", "/tokens/2021-03-01/restrictedDataToken", json={
        "restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}]})
    assert minted.status_code == 200
    rdt = minted.json()["restrictedDataToken"]
    assert rdt.startswith("Atz.sprdt|") and minted.json()["expiresIn"] == 120
    full = body(sp.get(address, token=rdt))["payload"]["ShippingAddress"]
    assert full["Name"] == order.buyer_name and full["AddressLine1"] == order.address["AddressLine1"]
    assert sp.get(f"{address[:-8]}/buyerInfo", token=rdt).status_code == 403, "not a path of this RDT"
    assert sp.get("/finances/v0/financialEventGroups", token=rdt).status_code == 403, "not a restricted operation"
    missing_elements = sp.call("POST", "/tokens/2021-03-01/restrictedDataToken", json={
        "restrictedResources": [{"method": "GET", "path": "/orders/v0/orders"}]})
    assert missing_elements.status_code == 400 and body(missing_elements)["errors"][0]["code"] == "InvalidRequest"
    sp.advance(121)
    assert body(sp.get(address, token=rdt))["errors"] == [UNAUTHORIZED]
