-- The staging database beside Airflow's metadata database (created by the postgres image's entrypoint).
CREATE DATABASE sellerledger OWNER sellerledger;
