"""Data checks: pure settlement checks, SQL reconciliation, great-expectations suites, stored results."""
