"""sellerledger: Amazon seller settlements into Postgres, checked to the cent, posted exactly once to a ledger.

The package is Airflow-free at its core (clients, accounting, checks, staging) and thin where it meets
Airflow (hooks, the DAG factory). See README.md for the architecture.
"""

__version__ = "0.1.0"
