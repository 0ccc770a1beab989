"""The DAG factory: one DAG per flow with the documented shape; a broken entry becomes a visible DAG."""

from __future__ import annotations

from pathlib import Path

import pytest

from sellerledger.flows.config import FlowError, load_flows


@pytest.fixture(scope="module")
def flows():
    return load_flows()[0]


def test_each_flow_dag_has_the_task_graph_params_and_conventions(flows) -> None:
    from sellerledger.flows.factory import build_flow_dag

    flow = flows[0]
    dag = build_flow_dag(flow)
    assert dag.dag_id == f"sellerledger__{flow.id}" and dag.max_active_runs == 1
    assert {"sellerledger", f"ledger:{flow.ledger}"} <= set(dag.tags)
    assert set(dag.params.keys()) == {"start_date", "end_date", "settlement_ids", "posting_mode", "dry_run"}
    assert dag.timetable.expression == "0 2 * * *"
    post = dag.get_task("post_settlement")
    assert post.pool == flow.pool
    assert dag.get_task("check_settlements").upstream_task_ids == {
        "discover", "extract_orders", "extract_financial_events", "extract_settlements"}
    assert dag.get_task("summary").upstream_task_ids == {"reconcile", "check_settlements"}
    for task in dag.tasks:
        assert task.retries >= 2 and task.owner == "sellerledger"


def test_broken_entry_becomes_a_failing_config_error_dag() -> None:
    from sellerledger.flows.factory import build_broken_flow_dag

    dag = build_broken_flow_dag(FlowError(3, "shop_bad", "ledger: Input should be 'xero'"))
    assert dag.dag_id == "sellerledger__shop_bad" and "config-error" in dag.tags
    assert "ledger: Input should be" in dag.doc_md
    with pytest.raises(ValueError, match="shop_bad"):
        dag.get_task("config_error").python_callable()


def test_parsing_context_builds_only_the_named_dag(monkeypatch) -> None:
    import sellerledger.flows.factory as factory

    class Context:
        dag_id = "sellerledger__demo_qbo"

    monkeypatch.setattr(factory, "get_parsing_context", lambda: Context())
    namespace: dict = {}
    factory.build_dags(namespace)
    assert list(namespace) == ["sellerledger__demo_qbo"]


def test_all_flows_are_built_without_a_parsing_context() -> None:
    from sellerledger.flows.factory import build_dags

    namespace: dict = {}
    build_dags(namespace)
    assert {name for name in namespace} == {f"sellerledger__{f.id}" for f in load_flows()[0]}


def test_dag_file_only_wires() -> None:
    text = (Path(__file__).resolve().parents[2] / "dags" / "sellerledger_flows.py").read_text()
    code = [line for line in text.splitlines() if line.strip() and not line.startswith(('"""', "from", "#"))]
    assert code == ["build_dags(globals())"]
