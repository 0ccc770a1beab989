"""Shared machinery of the sandbox stand-ins."""
