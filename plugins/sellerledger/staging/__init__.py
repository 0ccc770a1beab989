"""Postgres staging: versioned schema, COPY loaders, watermarks, token store and posting log."""
