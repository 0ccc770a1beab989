"""Flows on Airflow: validated flow config, the DAG factory, task bodies, and the runtime harness."""
