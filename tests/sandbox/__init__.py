"""Tests of the sandbox stand-ins."""
