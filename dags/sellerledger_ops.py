"""Airflow operations DAGs: replay after a fix, and the missing-settlement monitor. Wiring only."""

from __future__ import annotations

from sellerledger.flows.ops_dags import build_monitor_dag, build_replay_dag

replay_dag = build_replay_dag()
monitor_dag = build_monitor_dag()
