"""Ledger clients (Airflow-free): one module per ledger behind the `LedgerClient` protocol in `base`."""
