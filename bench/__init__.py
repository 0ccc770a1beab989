"""Benchmarks B1-B4 (`make bench`): each measured against a baseline taken in the same run."""
