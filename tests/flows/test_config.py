"""flows.yaml validation: errors name the entry and field; a bad entry never hides the good ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from sellerledger.flows.config import get_flow, load_flows

GOOD = """
  - id: shop_xero
    seller: shop
    marketplaces: [US, DE]
    amazon_conn_id: {na: amz_na, eu: amz_eu}
    ledger: xero
    ledger_conn_id: xero_main
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "flows.yaml"
    path.write_text(body)
    return path


def test_the_shipped_flows_file_validates() -> None:
    flows, errors = load_flows()
    assert errors == [] and {f.ledger for f in flows} == {"xero", "qbo", "myob", "wave", "zoho"}


def test_defaults_are_merged_and_regions_derived(tmp_path: Path) -> None:
    flows, errors = load_flows(write(tmp_path, "defaults: {timezone: Europe/Berlin}\nflows:" + GOOD))
    assert errors == []
    flow = flows[0]
    assert flow.timezone == "Europe/Berlin" and flow.regions == ["eu", "na"]
    assert flow.amazon_conn_for("eu") == "amz_eu" and flow.marketplaces_in("na") == ["US"]
    assert flow.dag_id == "sellerledger__shop_xero" and flow.pool == "ledger__xero__xero_main"


def test_a_bad_entry_is_named_with_its_field_and_the_good_one_still_loads(tmp_path: Path) -> None:
    body = "flows:" + GOOD + """
  - id: shop_bad
    seller: shop
    marketplaces: [US, XX]
    amazon_conn_id: amz_na
    ledger: sage
    ledger_conn_id: x
"""
    flows, errors = load_flows(write(tmp_path, body))
    assert [f.id for f in flows] == ["shop_xero"]
    assert len(errors) == 1
    message = str(errors[0])
    assert "#2 (shop_bad)" in message and "ledger" in message and "marketplaces" in message and "XX" in message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("timezone: Mars/Olympus", "timezone"),
        ("posting_mode: weekly", "posting_mode"),
        ("retries: 0", "retries"),
        ("schedule: {kind: daily, at: '25:00'}", "schedule.at"),
        ("password: hunter2", "password"),
        ("amazon_conn_id: {na: amz_na}", "amazon_conn_id"),
    ],
)
def test_each_invalid_field_is_reported(tmp_path: Path, change: str, field: str) -> None:
    lines = GOOD.rstrip("\n").splitlines()
    key = change.split(":")[0]
    lines = [line for line in lines if not line.strip().startswith(key + ":")] + [f"    {change}"]
    flows, errors = load_flows(write(tmp_path, "flows:\n" + "\n".join(lines) + "\n"))
    assert flows == [] and len(errors) == 1
    assert field.split(".")[0] in str(errors[0])


def test_duplicate_ids_and_unknown_flow(tmp_path: Path) -> None:
    path = write(tmp_path, "flows:" + GOOD + GOOD)
    flows, errors = load_flows(path)
    assert len(flows) == 1 and "duplicate" in str(errors[0])
    with pytest.raises(KeyError):
        get_flow("nope", path)


def test_weekly_schedule_is_a_cron_on_the_weekday() -> None:
    flows, _ = load_flows()
    myob = next(f for f in flows if f.ledger == "myob")
    assert myob.schedule.cron_expression() == "0 3 * * 2"
