"""Thin Airflow hooks: an Airflow connection in, a sellerledger client out (plus `test_connection`)."""
