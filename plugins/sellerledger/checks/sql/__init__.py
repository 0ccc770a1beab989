"""SQL reconciliation checks (package so the .sql files ship as package data); run by checks.sqlchecks."""
