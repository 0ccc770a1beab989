"""Config values cannot inject SQL: identifiers in flows.yaml are whitelisted, and the free-text values that
do reach the database (seller, flow id, file names, mapping accounts) are bound as parameters, never spliced."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import yaml

from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.checks.run import check_settlement
from sellerledger.flows.config import load_flows
from sellerledger.staging.settlements import stage_settlement_document
from tests.reliability.corpus import SETTLEMENT, example_text

PAYLOADS = [
    "x'; DROP TABLE posting.log; --",
    'x"; DROP SCHEMA staging CASCADE; --',
    "x') OR ('1'='1",
    "x; TRUNCATE raw.documents",
    "x$$; DELETE FROM ops.settlement_status; $$",
]
BASE = {"id": "inj_flow", "seller": "inj_seller", "marketplaces": ["US"], "amazon_conn_id": {"na": "amazon_na"},
        "ledger": "xero", "ledger_conn_id": "xero_conn", "posting_mode": "summary"}


@pytest.mark.parametrize("field", ["id", "seller", "ledger", "posting_mode", "timezone", "unmapped"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_identifier_fields_refuse_sql(tmp_path: Path, field: str, payload: str) -> None:
    path = tmp_path / "flows.yaml"
    path.write_text(yaml.safe_dump({"flows": [{**BASE, field: payload}]}), encoding="utf-8")
    flows, errors = load_flows(path)
    assert flows == [] and len(errors) == 1 and field in errors[0].message


def test_the_control_entry_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "flows.yaml"
    path.write_text(yaml.safe_dump({"flows": [BASE]}), encoding="utf-8")
    flows, errors = load_flows(path)
    assert errors == [] and [flow.id for flow in flows] == ["inj_flow"]


def _tables(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema IN"
                        " ('raw', 'staging', 'ops', 'posting', 'accounting')").fetchone()[0]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_free_text_reaching_the_database_is_bound_not_spliced(fresh_db: str, payload: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        tables = _tables(conn)
        staged = stage_settlement_document(conn, example_text().encode(), seller=payload, flow_id=payload,
                                           source={"file_name": payload, "report_id": payload})
        report = check_settlement(conn, payload, SETTLEMENT, AccountingPolicy(), load_mapping("xero"), payload,
                                  actor=payload)
        assert staged.line_count == 16 and report.outcome == "validated"
        assert _tables(conn) == tables
        assert conn.execute("SELECT seller FROM staging.settlements").fetchall() == [(payload,)]
        assert conn.execute("SELECT DISTINCT flow_id FROM accounting.documents").fetchall() == [(payload,)]
        assert conn.execute("SELECT flow_id, state FROM ops.settlement_status").fetchall() == [(payload, "validated")]
        assert conn.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 1
