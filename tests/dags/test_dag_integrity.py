"""Every DAG file parses cleanly, follows the project's conventions, and touches nothing at parse time."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


def _dagbag():
    from airflow.dag_processing.dagbag import DagBag

    logging.getLogger("airflow").setLevel(logging.ERROR)
    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="module")
def dagbag():
    return _dagbag()


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_there_are_dags(dagbag) -> None:
    assert "sellerledger_setup" in dagbag.dags


def test_every_dag_follows_conventions(dagbag) -> None:
    problems = []
    for dag_id, dag in dagbag.dags.items():
        if not dag.tags:
            problems.append(f"{dag_id}: no tags")
        if not dag.doc_md:
            problems.append(f"{dag_id}: no doc_md")
        for task in dag.tasks:
            if task.owner in (None, "", "airflow"):
                problems.append(f"{dag_id}.{task.task_id}: owner not set")
            if task.retries < 2:
                problems.append(f"{dag_id}.{task.task_id}: retries {task.retries} < 2")
    assert problems == []


class ParseTimeAccess(AssertionError):
    """A DAG file touched the network, a database, a connection or a variable while being parsed."""


def test_parsing_touches_no_network_database_connection_or_variable(monkeypatch) -> None:
    def forbid(what: str):
        def _raise(*args, **kwargs):
            raise ParseTimeAccess(f"{what} at parse time")

        return _raise

    import httpx
    import psycopg
    from airflow.sdk import BaseHook, Variable

    monkeypatch.setattr(socket.socket, "connect", forbid("socket.connect"))
    monkeypatch.setattr(socket, "create_connection", forbid("socket.create_connection"))
    monkeypatch.setattr(psycopg, "connect", forbid("psycopg.connect"))
    monkeypatch.setattr(psycopg.Connection, "connect", forbid("psycopg.Connection.connect"))
    monkeypatch.setattr(httpx.Client, "send", forbid("httpx request"))
    monkeypatch.setattr(BaseHook, "get_connection", forbid("BaseHook.get_connection"))
    monkeypatch.setattr(Variable, "get", forbid("Variable.get"))
    bag = _dagbag()
    assert bag.import_errors == {}
    assert bag.dags, "no DAG parsed under the guard"


def test_the_guard_catches_a_dag_that_connects_at_parse_time(tmp_path, monkeypatch) -> None:
    """The harness itself must be able to fail: a DAG file that asks for a connection is reported."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import BaseHook

    (tmp_path / "bad_dag.py").write_text(
        "from airflow.sdk import BaseHook, DAG\n"
        "BaseHook.get_connection('x')\n"
        "dag = DAG(dag_id='bad', schedule=None)\n"
    )
    monkeypatch.setattr(BaseHook, "get_connection", lambda *a, **k: (_ for _ in ()).throw(ParseTimeAccess("conn")))
    bag = DagBag(dag_folder=str(tmp_path))
    assert len(bag.import_errors) == 1
    assert "ParseTimeAccess" in next(iter(bag.import_errors.values()))
