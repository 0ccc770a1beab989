"""Airflow set-up DAG: applies the staging schema and reports the tables it holds. Wiring only."""

from __future__ import annotations

from sellerledger.flows.setup_dag import build_setup_dag

dag = build_setup_dag()
