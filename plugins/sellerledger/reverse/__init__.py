"""Reverse and reference flows: ledger prices to Amazon, stock both ways, buyer contacts kept current."""
