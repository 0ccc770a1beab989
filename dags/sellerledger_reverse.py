"""Airflow DAGs of the reverse flows (`sellerledger_reverse__<flow>__<prices|stock|contacts>`), one per
reverse flow a flow enables in include/flows.yaml. Wiring only."""

from __future__ import annotations

from sellerledger.flows.reverse_factory import build_reverse_dags

build_reverse_dags(globals())
