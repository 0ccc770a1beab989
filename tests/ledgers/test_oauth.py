"""OAuth refresh with rotating refresh tokens: saved encrypted at once, never spent twice, refusal blocks."""

from __future__ import annotations

import secrets
import threading

import psycopg
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sellerledger.ledgers.errors import AuthBlocked
from sellerledger.ledgers.oauth import OAuthApp, OAuthTokens
from sellerledger.sandbox.server import free_port
from sellerledger.staging.token_store import TokenStore


class RotatingTokenServer:
    """A token endpoint that rotates refresh tokens and revokes the grant when one is reused (as Xero does)."""

    def __init__(self) -> None:
        self.valid = {"seed-refresh-token"}
        self.refreshes = 0
        self.reuse_detected = False
        self.lock = threading.Lock()
        app = Starlette(routes=[Route("/token", self.token, methods=["POST"])])
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, port=self.port, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        with self.lock:
            if form.get("refresh_token") not in self.valid:
                self.reuse_detected = True
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            self.valid.discard(form["refresh_token"])
            new = secrets.token_hex(8)
            self.valid.add(new)
            self.refreshes += 1
        return JSONResponse({"access_token": f"at-{new}", "refresh_token": new, "expires_in": 1800})

    def __enter__(self) -> RotatingTokenServer:
        self.thread.start()
        while not self.server.started:
            threading.Event().wait(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture
def token_server():
    with RotatingTokenServer() as server:
        yield server


def app_for(server: RotatingTokenServer) -> OAuthApp:
    return OAuthApp("xero", f"http://127.0.0.1:{server.port}/token", "client-id", "client-secret-value")


def test_parallel_tasks_refresh_once_and_never_spend_a_token_twice(fresh_db, token_server) -> None:
    store = TokenStore(fresh_db)
    tokens = [OAuthTokens(app_for(token_server), store, "xero:conn", "seed-refresh-token") for _ in range(6)]
    results: list[str] = []
    threads = [threading.Thread(target=lambda t=t: results.append(t.access_token())) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert token_server.refreshes == 1 and not token_server.reuse_detected
    assert len(set(results)) == 1


def test_rotated_refresh_token_is_used_next_time(fresh_db, token_server) -> None:
    store = TokenStore(fresh_db)
    first = OAuthTokens(app_for(token_server), store, "xero:conn", "seed-refresh-token")
    first.access_token()
    first.invalidate()
    second = OAuthTokens(app_for(token_server), store, "xero:conn", "seed-refresh-token")  # a new task process
    second.access_token()
    assert token_server.refreshes == 2 and not token_server.reuse_detected


def test_token_store_holds_no_clear_text(fresh_db, token_server) -> None:
    store = TokenStore(fresh_db)
    access = OAuthTokens(app_for(token_server), store, "xero:conn", "seed-refresh-token").access_token()
    with psycopg.connect(fresh_db) as conn:
        raw = bytes(conn.execute("SELECT ciphertext FROM ops.token_store").fetchone()[0])
    assert access.encode() not in raw and b"refresh" not in raw and raw.startswith(b"gAAAA")
    assert store.read("xero:conn")["access_token"] == access


def test_revoked_grant_is_auth_blocked_without_the_secret_in_the_message(fresh_db, token_server) -> None:
    tokens = OAuthTokens(app_for(token_server), TokenStore(fresh_db), "xero:conn", "revoked-token")
    with pytest.raises(AuthBlocked) as info:
        tokens.access_token()
    assert "re-authorise" in str(info.value) and "client-secret-value" not in str(info.value)
    assert "revoked-token" not in str(info.value)


def test_reauthorised_connection_reseeds_the_store(fresh_db, token_server) -> None:
    store = TokenStore(fresh_db)
    OAuthTokens(app_for(token_server), store, "xero:conn", "seed-refresh-token").access_token()
    token_server.valid.add("fresh-grant")
    again = OAuthTokens(app_for(token_server), store, "xero:conn", "fresh-grant")
    again.access_token()
    assert token_server.refreshes == 2 and not token_server.reuse_detected
