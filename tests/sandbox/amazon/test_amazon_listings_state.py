"""Listings price and quantity patches, their rejections, and the stand-in's saved state across restarts."""

from __future__ import annotations

from decimal import Decimal

from sellerledger.sandbox.amazon.settlement_writer import settlement_file_bytes
from sellerledger.sandbox.server import SandboxServer
from tests.sandbox.amazon.conftest import Sp, body, server_config

US = "ATVPDKIKX0DER"


def _price_patch(value: object, currency: str = "USD") -> dict:
    return {"productType": "PRODUCT", "patches": [{"op": "replace", "path": "/attributes/purchasable_offer", "value": [
        {"marketplace_id": US, "currency": currency, "our_price": [{"schedule": [{"value_with_tax": value}]}]}]}]}


def _quantity_patch(quantity: object) -> dict:
    return {"productType": "PRODUCT", "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                                                   "value": [{"fulfillment_channel_code": "DEFAULT",
                                                              "quantity": quantity}]}]}


def _listing(sp: Sp, sku: str) -> dict:
    return body(sp.get(f"/listings/2021-08-01/items/{sp.creds['seller_id']}/{sku}", {
        "marketplaceIds": US, "includedData": "attributes,offers,fulfillmentAvailability"}))


def test_price_and_quantity_patches(make_sp):
    sp: Sp = make_sp(profile="tiny")
    sku = next(s for s in sp.seller.skus if s.channel == "MFN" and "US" in s.prices)
    afn = next(s for s in sp.seller.skus if s.channel == "AFN" and "US" in s.prices)
    path = f"/listings/2021-08-01/items/{sp.creds['seller_id']}/{sku.sku}"

    def patch(payload: dict, **params: str) -> dict:
        response = sp.call("PATCH", path, params={"marketplaceIds": US, **params}, json=payload)
        assert response.status_code == 200, response.text
        return body(response)

    original = sku.prices["US"]
    assert _listing(sp, sku.sku)["offers"][0]["price"]["amount"] == format(original, "f")
    assert patch(_price_patch(Decimal("17.49")), mode="VALIDATION_PREVIEW")["status"] == "VALID"
    assert _listing(sp, sku.sku)["offers"][0]["price"]["amount"] == format(original, "f")
    for rejected in (_price_patch(0), _price_patch(original * 11), _price_patch(original / 11),
                     _price_patch(Decimal("17.49"), currency="EUR"), _quantity_patch(-1), _quantity_patch(Decimal("2.5"))):
        result = patch(rejected)
        assert result["status"] == "INVALID" and result["issues"][0]["severity"] == "ERROR"
    assert _listing(sp, sku.sku)["offers"][0]["price"]["amount"] == format(original, "f")

    accepted = patch(_price_patch(Decimal("17.49")))
    assert accepted["status"] == "ACCEPTED" and accepted["issues"] == [] and accepted["submissionId"]
    assert patch(_quantity_patch(7))["status"] == "ACCEPTED"
    listing = _listing(sp, sku.sku)
    assert listing["offers"][0]["price"]["amount"] == "17.49"
    assert listing["attributes"]["purchasable_offer"][0]["our_price"][0]["schedule"][0]["value_with_tax"] == Decimal("17.49")
    assert listing["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 7}]

    fba = sp.call("PATCH", f"/listings/2021-08-01/items/{sp.creds['seller_id']}/{afn.sku}",
                  params={"marketplaceIds": US}, json=_quantity_patch(3))
    assert body(fba)["status"] == "INVALID", "Amazon manages FBA quantities"
    assert sp.call("PATCH", path, params={"marketplaceIds": US}, json={"productType": "PRODUCT"}).status_code == 400
    assert sp.get(f"/listings/2021-08-01/items/{sp.creds['seller_id']}/NOPE", {"marketplaceIds": US}).status_code == 404
    assert sp.get(f"/listings/2021-08-01/items/AOTHERSELLER/{sku.sku}", {"marketplaceIds": US}).status_code == 403

    old_token = sp.token()
    sp.reset()
    assert sp.get("/finances/v0/financialEventGroups", token=old_token).status_code == 403
    assert _listing(sp, sku.sku)["offers"][0]["price"]["amount"] == format(original, "f"), "reset forgets patches"


def test_state_survives_a_restart(tmp_path):
    config = server_config(profile="tiny", state_dir=str(tmp_path))
    with SandboxServer(config, only=("amazon",)) as server:
        sp = Sp(server)
        sku = next(s for s in sp.seller.skus if s.channel == "MFN" and "US" in s.prices)
        path = f"/listings/2021-08-01/items/{sp.creds['seller_id']}/{sku.sku}"
        assert body(sp.call("PATCH", path, params={"marketplaceIds": US}, json=_price_patch(Decimal("21.00"))))[
            "status"] == "ACCEPTED"
        report_id = sp.call("POST", "/reports/2021-06-30/reports", json={
            "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL", "marketplaceIds": [US],
            "dataStartTime": "2026-11-15T00:00:00Z"}).json()["reportId"]
        token = sp.token()
        sp.http.post("/_sandbox/amazon/revoke", json={"refresh_token": sp.refresh_token("EU")})
        sp.close()
    assert (tmp_path / "sandbox-state.json").exists()
    with SandboxServer(config, only=("amazon",)) as server:
        sp = Sp(server)
        assert _listing(sp, sku.sku)["offers"][0]["price"]["amount"] == "21.00"
        assert body(sp.get(f"/reports/2021-06-30/reports/{report_id}", token=token))["reportId"] == report_id
        assert sp.lwa(grant_type="refresh_token", refresh_token=sp.refresh_token("EU"),
                      client_id=sp.creds["lwa_client_id"], client_secret=sp.creds["lwa_client_secret"]
                      ).json()["error"] == "invalid_grant"
        sp.close()


def test_inspection_routes_tell_the_truth(shared_sp: Sp):
    sp = shared_sp
    summary = sp.http.get("/_sandbox/amazon/summary").json()
    seller = sp.seller
    assert summary["seller_id"] == sp.creds["seller_id"] == seller.seller_id
    assert [s["settlement_id"] for s in summary["settlements"]] == [s.settlement_id for s in seller.settlements]
    assert [Decimal(s["total_amount"]) for s in summary["settlements"]] == [s.total_amount for s in seller.settlements]
    assert summary["hidden_postings"] > 0
    settlement = seller.settlements[0]
    file = sp.http.get(f"/_sandbox/amazon/settlements/{settlement.settlement_id}/file")
    assert file.content == settlement_file_bytes(settlement)
    creds = sp.creds
    assert set(creds) >= {"lwa_client_id", "lwa_client_secret", "refresh_token", "region", "seller_id",
                          "marketplaces", "endpoint", "lwa_token_url", "regions"}
    assert {m["id"]: m["currency"] for m in creds["marketplaces"]} == {"ATVPDKIKX0DER": "USD", "A1PA6795UKMFR9": "EUR"}
