"""The reverse DAG factory: a DAG per enabled reverse flow only, with the project's conventions, only the
parsed DAG built when Airflow names one, and a failing task alerting the flow it belongs to."""

from __future__ import annotations

import pytest

from tests.reverse.support import flow


@pytest.fixture
def factory(monkeypatch):
    import sellerledger.flows.reverse_factory as factory

    flows = [flow("xero", prices_to_amazon=True), flow("myob", stock="amazon_wins", contacts=True),
             flow("qbo")]
    monkeypatch.setattr(factory, "load_flows", lambda: (flows, []))
    return factory


def test_only_enabled_reverse_flows_get_a_dag(factory) -> None:
    namespace: dict = {}
    factory.build_reverse_dags(namespace)
    assert sorted(namespace) == ["sellerledger_reverse__rev_myob__contacts", "sellerledger_reverse__rev_myob__stock",
                                 "sellerledger_reverse__rev_xero__prices"]


def test_each_reverse_dag_follows_the_conventions(factory) -> None:
    namespace: dict = {}
    factory.build_reverse_dags(namespace)
    for name, dag in namespace.items():
        kind = name.rsplit("__", 1)[1]
        assert {"sellerledger", "reverse", f"reverse:{kind}"} <= set(dag.tags)
        assert dag.doc_md and "dry run" in dag.doc_md.lower()
        assert "dry_run" in dag.params and dag.max_active_runs == 1
        (task,) = dag.tasks
        assert task.task_id == f"sync_{kind}" and task.retries >= 2 and task.owner == "sellerledger"
    assert namespace["sellerledger_reverse__rev_myob__stock"].params["direction"] == "amazon_wins"


def test_parsing_context_builds_only_the_named_dag(factory, monkeypatch) -> None:
    class Context:
        dag_id = "sellerledger_reverse__rev_myob__stock"

    monkeypatch.setattr(factory, "get_parsing_context", lambda: Context())
    namespace: dict = {}
    factory.build_reverse_dags(namespace)
    assert list(namespace) == ["sellerledger_reverse__rev_myob__stock"]

    Context.dag_id = "sellerledger__demo_xero"  # a main-factory DAG: nothing to build here
    namespace = {}
    factory.build_reverse_dags(namespace)
    assert namespace == {}


def test_a_reverse_flow_on_the_wrong_ledger_fails_before_any_call(factory, monkeypatch) -> None:
    import sellerledger.flows.config as config

    wrong = flow("qbo", stock="ledger_wins")
    monkeypatch.setattr(config, "get_flow", lambda flow_id, path=None: wrong)
    with pytest.raises(ValueError, match="stock flow works with myob, not qbo"):
        factory.run(wrong.id, "stock", {"params": {}})


def test_a_failed_task_alerts_its_flow(factory, monkeypatch) -> None:
    import sellerledger.flows.alerts as alerts
    import sellerledger.flows.config as config

    target = flow("myob", stock="ledger_wins")
    raised = []
    monkeypatch.setattr(config, "get_flow", lambda flow_id, path=None: target if flow_id == "rev_myob" else None)
    monkeypatch.setattr(alerts, "raise_alert", lambda f, kind, subject, detail: raised.append((f.id, kind, subject)))

    class Dag:
        dag_id = "sellerledger_reverse__rev_myob__stock"

    class Ti:
        task_id = "sync_stock"

    factory.on_failure({"dag": Dag(), "task_instance": Ti(), "exception": RuntimeError("boom")})
    assert raised == [("rev_myob", "task_failure", "task sellerledger_reverse__rev_myob__stock.sync_stock failed")]
