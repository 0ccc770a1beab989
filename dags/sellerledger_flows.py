"""Airflow DAGs, one per flow in include/flows.yaml (`sellerledger__<flow>`). Wiring only."""

from __future__ import annotations

from sellerledger.flows.factory import build_dags

build_dags(globals())
