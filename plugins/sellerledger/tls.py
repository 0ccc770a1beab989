"""One TLS context for every outgoing HTTP client (SP-API, LWA, the ledgers' APIs and token endpoints).

httpx builds a fresh context, loading the whole CA bundle, for every client it creates: about 30 ms each,
and a posting task creates several. The context is built once per process, the way httpx builds its default
(SSL_CERT_FILE / SSL_CERT_DIR when set, else certifi's bundle), and shared: SSLContext is safe to share.
"""

from __future__ import annotations

import functools
import os
import ssl

import certifi


@functools.cache
def client_context() -> ssl.SSLContext:
    """The verifying client context all outgoing HTTP clients use."""
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())
