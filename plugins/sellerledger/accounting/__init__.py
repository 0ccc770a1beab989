"""Accounting: pure functions from staged settlement lines to ledger-agnostic documents (see model.py)."""
