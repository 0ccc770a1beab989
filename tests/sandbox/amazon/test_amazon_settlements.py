"""Settlement files, event groups and events agree; late events show up late; reports live and expire."""

from __future__ import annotations

import gzip
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from sellerledger.sandbox.amazon.model import ZERO
from sellerledger.sandbox.amazon.order_report import COLUMNS as ORDER_COLUMNS
from sellerledger.sandbox.amazon.timefmt import iso_z, parse_iso
from tests.sandbox.amazon.conftest import Sp, amount, body, parse_settlement

US = "ATVPDKIKX0DER"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"


def _money(node: dict[str, Any]) -> Decimal:
    return node["CurrencyAmount"]


def event_total(events: dict[str, list[dict[str, Any]]]) -> Decimal:
    """Σ of every amount in a FinancialEvents object, read the way a client must read it."""
    total = ZERO
    for name in ("ShipmentEventList", "RefundEventList"):
        for event in events.get(name, []):
            for item in event.get("ShipmentItemList", []) + event.get("ShipmentItemAdjustmentList", []):
                for key in ("ItemChargeList", "ItemChargeAdjustmentList"):
                    total += sum((_money(c["ChargeAmount"]) for c in item.get(key, [])), ZERO)
                for key in ("ItemFeeList", "ItemFeeAdjustmentList"):
                    total += sum((_money(f["FeeAmount"]) for f in item.get(key, [])), ZERO)
                for key in ("PromotionList", "PromotionAdjustmentList"):
                    total += sum((_money(p["PromotionAmount"]) for p in item.get(key, [])), ZERO)
                for withheld in item.get("ItemTaxWithheldList", []):
                    total += sum((_money(c["ChargeAmount"]) for c in withheld["TaxesWithheld"]), ZERO)
    for event in events.get("ServiceFeeEventList", []):
        total += sum((_money(f["FeeAmount"]) for f in event["FeeList"]), ZERO)
    for event in events.get("AdjustmentEventList", []):
        total += _money(event["AdjustmentAmount"])
    return total


def _pages(sp: Sp, path: str, params: dict[str, Any], region: str) -> list[dict[str, Any]]:
    payloads, query = [], dict(params)
    while True:
        response = sp.get(path, query, region=region)
        assert response.status_code == 200, response.text
        payload = body(response)["payload"]
        payloads.append(payload)
        if not payload.get("NextToken"):
            return payloads
        query = {**params, "NextToken": payload["NextToken"]}


def _download(sp: Sp, document_id: str, region: str = "NA") -> tuple[httpx.Response, bytes]:
    document = body(sp.get(f"/reports/2021-06-30/documents/{document_id}", region=region))
    response = sp.http.get(document["url"])
    assert response.status_code == 200, response.text
    raw = gzip.decompress(response.content) if document.get("compressionAlgorithm") == "GZIP" else response.content
    return response, raw


def test_files_event_groups_and_events_agree_to_the_cent(make_sp):
    sp: Sp = make_sp(profile="demo", days=60)
    sp.advance(3 * 86_400)  # every closed period's events visible, every report created
    checked, negative, omitted = 0, 0, 0
    for region in ("NA", "EU"):
        files: dict[tuple[str, str], dict[str, Any]] = {}
        reports = body(sp.get("/reports/2021-06-30/reports", {"reportTypes": SETTLEMENT, "pageSize": 100},
                              region=region))["reports"]
        assert reports
        for report in reports:
            response, raw = _download(sp, report["reportDocumentId"], region)
            charset = response.headers["content-type"].split("charset=")[1]
            summary, details = parse_settlement(raw, charset)
            total = amount(summary["total-amount"])
            assert sum((amount(row["amount"]) for row in details), ZERO) == total
            files[(summary["currency"], report["dataStartTime"])] = {"total": total, "id": summary["settlement-id"]}
            negative += total < 0
        groups = [g for page in _pages(sp, "/finances/v0/financialEventGroups", {"MaxResultsPerPage": 100}, region)
                  for g in page["FinancialEventGroupList"]]
        for group in groups:
            if group["ProcessingStatus"] != "Closed":
                continue
            currency = group["ConvertedTotal"]["CurrencyCode"]
            if "OriginalTotal" not in group:
                omitted += 1
            group_total = group.get("OriginalTotal", group["ConvertedTotal"])["CurrencyAmount"]
            start = iso_z(parse_iso(group["FinancialEventGroupStart"]))
            file = files[(currency, start)]
            events = _pages(sp, f"/finances/v0/financialEventGroups/{group['FinancialEventGroupId']}/financialEvents",
                            {"MaxResultsPerPage": 100}, region)
            summed = sum((event_total(page["FinancialEvents"]) for page in events), ZERO)
            assert group_total == file["total"] == summed, (file["id"], group_total, file["total"], summed)
            truth = sp.seller.settlement(file["id"])
            assert truth.event_group_id == group["FinancialEventGroupId"] and truth.total_amount == file["total"]
            checked += 1
    assert checked == len(sp.seller.settlements) >= 6
    assert negative >= 1 and omitted == 1


def test_late_events_are_hidden_until_visible(make_sp):
    sp: Sp = make_sp(profile="demo", days=30)
    now = sp.now()
    late = sorted((p for p in sp.seller.postings if p.kind == "Order" and p.visible_at > now
                   and p.marketplace.code == "US"),
                  key=lambda p: p.visible_at)
    assert late and late[-1].visible_at - late[-1].posted_at > timedelta(hours=40)
    posting = late[-1]
    order_id = posting.order.amazon_order_id
    path = f"/finances/v0/orders/{order_id}/financialEvents"
    assert body(sp.get(path))["payload"]["FinancialEvents"]["ShipmentEventList"] == []
    assert body(sp.get(f"/orders/v0/orders/{order_id}"))["payload"]["OrderStatus"] == "Shipped"
    group = next(g for g in sp.seller.event_groups if g.group_id == posting.group_id)
    in_group = f"/finances/v0/financialEventGroups/{group.group_id}/financialEvents"

    def listed() -> set[str]:
        return {e["AmazonOrderId"] for page in _pages(sp, in_group, {}, "NA")
                for e in page["FinancialEvents"]["ShipmentEventList"]}

    assert order_id not in listed()
    sp.advance((posting.visible_at - now).total_seconds() + 1)
    events = body(sp.get(path))["payload"]["FinancialEvents"]["ShipmentEventList"]
    assert [e["AmazonOrderId"] for e in events] == [order_id]
    assert events[0]["PostedDate"] == posting.posted_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert order_id in listed()

    deferred = next(o for o in sp.seller.orders if o.marketplace.id == US and o.channel == "MFN" and o.shipped_at
                    and o.released_at and o.released_at >= sp.seller.horizon)
    assert body(sp.get(f"/orders/v0/orders/{deferred.amazon_order_id}"))["payload"]["OrderStatus"] == "Shipped"
    unreleased = body(sp.get(f"/finances/v0/orders/{deferred.amazon_order_id}/financialEvents"))["payload"]
    assert unreleased["FinancialEvents"]["ShipmentEventList"] == [], "a deferred order is hidden until released"


def test_order_report_lifecycle_rows_and_url_expiry(make_sp):
    sp: Sp = make_sp(profile="demo", days=30)
    now = sp.now()
    start = now - timedelta(days=3)
    created = sp.call("POST", "/reports/2021-06-30/reports", json={
        "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL", "marketplaceIds": [US],
        "dataStartTime": iso_z(start), "dataEndTime": iso_z(now)})
    assert created.status_code == 202
    report_id = created.json()["reportId"]
    path = f"/reports/2021-06-30/reports/{report_id}"
    assert body(sp.get(path))["processingStatus"] == "IN_QUEUE"
    sp.advance(20)
    assert body(sp.get(path))["processingStatus"] == "IN_PROGRESS"
    sp.advance(30)
    report = body(sp.get(path))
    assert report["processingStatus"] == "DONE" and report["reportDocumentId"]
    listed = body(sp.get("/reports/2021-06-30/reports", {
        "reportTypes": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL", "processingStatuses": "DONE"}))
    assert [r["reportId"] for r in listed["reports"]] == [report_id]

    document = body(sp.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}"))
    assert document["compressionAlgorithm"] == "GZIP"
    download = sp.http.get(document["url"])
    lines = gzip.decompress(download.content).decode("utf-8").splitlines()
    header, rows = lines[0].split("\t"), [dict(zip(lines[0].split("\t"), line.split("\t"), strict=True))
                                          for line in lines[1:]]
    assert header == list(ORDER_COLUMNS)
    processed = now + timedelta(seconds=45)
    start_s = start.replace(microsecond=0)
    truth = [(o, i) for o in sp.seller.orders if o.marketplace.id == US
             and start_s <= o.last_update_at(processed) <= now.replace(microsecond=0) for i in o.items]
    assert len(rows) == len(truth) > 20
    by_item = {(r["amazon-order-id"], r["sku"]): r for r in rows}
    for order, item in truth:
        row = by_item[(order.amazon_order_id, item.sku)]
        if row["order-status"] != "Cancelled":
            assert Decimal(row["item-price"]) == item.principal and Decimal(row["item-tax"]) == item.tax
            assert Decimal(row["item-promotion-discount"]) == item.promo_principal
        assert row["fulfillment-channel"] == ("Amazon" if order.channel == "AFN" else "Merchant")

    sp.advance(301)
    expired = sp.http.get(document["url"])
    assert expired.status_code == 403 and expired.headers["content-type"].startswith("application/xml")
    assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in expired.text
    fresh = body(sp.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}"))
    assert sp.http.get(fresh["url"]).status_code == 200


def test_report_faults_cancel_and_settlement_requests(make_sp):
    sp: Sp = make_sp(profile="tiny")
    spec = {"reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", "marketplaceIds": [US],
            "dataStartTime": iso_z(sp.now() - timedelta(days=5))}
    sp.faults({"operation": "createReport", "kind": "report_fatal", "count": 1})
    fatal_id = sp.call("POST", "/reports/2021-06-30/reports", json=spec).json()["reportId"]
    cancel_id = sp.call("POST", "/reports/2021-06-30/reports", json=spec).json()["reportId"]
    assert sp.call("DELETE", f"/reports/2021-06-30/reports/{cancel_id}").status_code == 200
    sp.advance(60)
    fatal = body(sp.get(f"/reports/2021-06-30/reports/{fatal_id}"))
    assert fatal["processingStatus"] == "FATAL" and "reportDocumentId" not in fatal
    assert body(sp.get(f"/reports/2021-06-30/reports/{cancel_id}"))["processingStatus"] == "CANCELLED"
    refused = sp.call("POST", "/reports/2021-06-30/reports", json={**spec, "reportType": SETTLEMENT})
    assert refused.status_code == 400 and "cannot be requested" in body(refused)["errors"][0]["message"]

    settlement = body(sp.get("/reports/2021-06-30/reports", {"reportTypes": SETTLEMENT}))["reports"][0]
    sp.faults({"operation": "getReportDocument", "kind": "document_url_expired", "count": 1})
    document = body(sp.get(f"/reports/2021-06-30/documents/{settlement['reportDocumentId']}"))
    assert "Request has expired" in sp.http.get(document["url"]).text
    sp.faults({"operation": "downloadReportDocument", "kind": "document_url_expired", "count": 1})
    document = body(sp.get(f"/reports/2021-06-30/documents/{settlement['reportDocumentId']}"))
    assert sp.http.get(document["url"]).status_code == 403
    assert sp.http.get(document["url"]).status_code == 200


def test_decimal_comma_latin1_and_utf8_files_over_http(shared_sp: Sp):
    sp = shared_sp
    reports = body(sp.get("/reports/2021-06-30/reports", {"reportTypes": SETTLEMENT, "pageSize": 100},
                          region="EU"))["reports"]
    charsets = {}
    for report in reports:
        response, raw = _download(sp, report["reportDocumentId"], region="EU")
        charset = response.headers["content-type"].split("charset=")[1]
        charsets[report["reportId"]] = charset
        summary, details = parse_settlement(raw, charset)
        assert "," in summary["total-amount"] and "." not in summary["total-amount"]
        assert sum((amount(row["amount"]) for row in details), ZERO) == amount(summary["total-amount"])
        assert summary["settlement-start-date"].endswith(" UTC") and summary["settlement-start-date"][2] == "."
        if charset == "ISO-8859-1":
            assert "GEWÜRZ-SET-12".encode("iso-8859-1") in raw
            try:
                raw.decode("utf-8")
                raise AssertionError("the Latin-1 file decodes as UTF-8")
            except UnicodeDecodeError:
                pass
    assert sorted(charsets.values()).count("ISO-8859-1") == 1 and "UTF-8" in charsets.values()


def test_global_seller_files_jp_cp932_and_uncompressed_ca(make_sp):
    sp: Sp = make_sp(profile="global", days=40)
    fe = body(sp.get("/reports/2021-06-30/reports", {"reportTypes": SETTLEMENT, "pageSize": 100}, region="FE"))
    jp = [r for r in fe["reports"] if r["marketplaceIds"] == ["A1VC38T7YXB528"]]
    assert len(jp) >= 4  # weekly
    response, raw = _download(sp, jp[0]["reportDocumentId"], region="FE")
    assert response.headers["content-type"] == "text/plain; charset=Windows-31J"
    summary, details = parse_settlement(raw, "cp932")
    assert "." not in summary["total-amount"]
    assert sum((amount(row["amount"]) for row in details), ZERO) == amount(summary["total-amount"])
    na = body(sp.get("/reports/2021-06-30/reports", {"reportTypes": SETTLEMENT, "pageSize": 100}, region="NA"))
    ca = next(r for r in na["reports"] if r["marketplaceIds"] == ["A2EUQ1WTGCTBG2"])
    document = body(sp.get(f"/reports/2021-06-30/documents/{ca['reportDocumentId']}"))
    assert "compressionAlgorithm" not in document
    plain = sp.http.get(document["url"]).content
    assert plain.startswith(b"settlement-id\t") and plain.endswith(b"\n\n")
