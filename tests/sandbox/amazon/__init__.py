"""Tests of the SP-API stand-in and the seller generator."""
