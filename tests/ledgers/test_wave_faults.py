"""Wave under trouble: GraphQL errors inside HTTP 200 classified, validation refusals naming the field,
injected throttles, 5xx, dropped connections, lost answers and GraphQL errors that leave the books exactly
as a clean run does, an expired token refreshed, and a revoked grant that blocks the flow at once."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from sellerledger.ledgers.errors import AuthBlocked, FatalError, RetriableError
from sellerledger.ledgers.http import TokenRefused
from sellerledger.ledgers.poster import SyncBlocked, post_documents
from sellerledger.ledgers.wave.errors import classify, input_error, is_duplicate_external_id
from sellerledger.staging.posting_log import PostingLog
from sellerledger.staging.token_store import TokenStore
from tests.ledgers.wave_support import (
    Sandbox,
    build,
    expected_balances,
    post_all,
    stage,
    start_server,
    wave,
    wave_server,
)

__all__ = ["wave", "wave_server"]
# the stand-in names a request by its first root field: every read is `business`
GRAPHQL_OPERATIONS = ("business", "customerCreate", "productCreate", "invoiceCreate", "moneyTransactionCreate",
                      "invoiceApprove", "invoiceDelete")
FAULT_SHARES = (("429", 0.025), ("500", 0.02), ("503", 0.015), ("lost_response", 0.02), ("drop", 0.01),
                ("graphql_error", 0.015))  # about one call in ten


def answer(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"content-type": "application/json",
                                                                              **headers})


def error(code: str, message: str = "nope", path: list[str] | None = None) -> dict[str, Any]:
    return {"message": message, "path": path, "extensions": {"code": code, "id": "e1"}}


# ------------------------------------------------------------------------------------- classification
def test_graphql_errors_inside_http_200_are_classified() -> None:
    def of(code: str, **headers: str) -> Exception | None:
        return classify("invoiceCreate", answer(200, {"data": {"m0": None}, "errors": [error(code)]}, **headers))

    assert isinstance(of("UNAUTHENTICATED"), TokenRefused)
    assert isinstance(of("FORBIDDEN"), AuthBlocked) and "re-authorise" in str(of("FORBIDDEN"))
    throttle = of("TOO_MANY_REQUESTS", **{"Retry-After": "3"})
    assert isinstance(throttle, RetriableError) and (throttle.status, throttle.retry_after) == (429, 3.0)
    internal = of("INTERNAL_SERVER_ERROR")
    assert isinstance(internal, RetriableError) and internal.status == 200  # may hide a commit
    assert type(of("NOT_FOUND")) is FatalError and "NOT_FOUND: nope" in str(of("NOT_FOUND"))
    assert classify("q", answer(200, {"data": {"business": {"id": "b"}}})) is None
    partial = {"data": {"m0": {"didSucceed": True}, "m1": None}, "errors": [error("INTERNAL_SERVER_ERROR", path=["m1"])]}
    assert classify("mutations", answer(200, partial)) is None  # read alias by alias


def test_transport_statuses_are_classified() -> None:
    assert isinstance(classify("q", answer(401, {"errors": [error("UNAUTHENTICATED")]})), TokenRefused)
    assert isinstance(classify("q", answer(403, {})), AuthBlocked)
    throttled = classify("q", answer(429, {"errors": [error("TOO_MANY_REQUESTS")]}, **{"Retry-After": "2"}))
    assert isinstance(throttled, RetriableError) and throttled.retry_after == 2.0
    assert isinstance(classify("q", answer(503, {"errors": [error("INTERNAL_SERVER_ERROR")]})), RetriableError)
    parse = classify("q", answer(400, {"errors": [error("GRAPHQL_PARSE_FAILED", "Syntax Error")]}))
    assert type(parse) is FatalError and "Syntax Error" in str(parse)


def test_input_errors_name_the_field_and_a_used_external_id_is_recognised() -> None:
    refused = [{"path": ["input", "lineItems", "0", "accountId"], "message": "Account not found.", "code": "NOT_FOUND"}]
    failure = input_error("moneyTransactionCreate", "sl1/x", refused)
    assert "lineItems[0].accountId: Account not found. (NOT_FOUND)" in str(failure) and failure.code == "NOT_FOUND"
    assert not is_duplicate_external_id(refused)
    assert is_duplicate_external_id([{"path": ["input", "externalId"], "message": "already exists", "code": "DUPLICATE"}])


def test_a_refused_document_fails_with_wave_s_message_and_the_rest_posts(wave: Sandbox, fresh_db: str) -> None:
    client = wave.client(fresh_db)
    documents = build(stage(fresh_db)[0], "summary", "wave-refused")
    rendered = client.render(documents)
    broken = rendered[0].payload["lineItems"][0]
    broken["accountId"] = "QWNjb3VudDo5OTk5OTk="  # Account:999999, no such account
    summary = post_documents(client, PostingLog(fresh_db, "wave-refused", "wave", client.tenant), rendered,
                             conn_id="wave_test")
    assert list(summary.failed) == [rendered[0].key] and "lineItems[0].accountId" in summary.failed[rendered[0].key]
    assert summary.created == [doc.key for doc in rendered[1:]]


# ------------------------------------------------------------------------------------- faults
def fault_rules(mode: str) -> list[dict[str, Any]]:
    """One call in ten at random, plus one of each kind on the calls that matter most (so each kind is seen
    even in summary mode, whose quarter takes a dozen calls)."""
    sure = [("moneyTransactionCreate", "lost_response"), ("moneyTransactionCreate", "429"),
            ("moneyTransactionCreate", "graphql_error"), ("moneyTransactionCreate", "drop"), ("business", "503")]
    if mode == "per_order":
        sure += [("invoiceCreate", "lost_response"), ("invoiceCreate", "500"), ("customerCreate", "lost_response"),
                 ("productCreate", "drop")]
    rules = [{"api": "wave", "operation": op, "kind": kind, "count": 1} for op, kind in sure]
    return rules + [{"api": "wave", "operation": op, "kind": kind, "rate": share}
                    for op in GRAPHQL_OPERATIONS for kind, share in FAULT_SHARES]


@pytest.mark.parametrize("mode", ["summary", "per_order"])
def test_faults_at_one_call_in_ten_end_exactly_like_a_clean_run(wave: Sandbox, fresh_db: str, mode: str) -> None:
    settlements = stage(fresh_db)
    batches = [build(s, mode, f"wave-{mode}") for s in settlements]
    documents = [doc for batch in batches for doc in batch]
    clean = wave.client(fresh_db, "wave_clean")
    post_all(clean, PostingLog(fresh_db, "clean", "wave", clean.tenant), batches, conn_id="wave_clean")
    clean_documents, clean_balances = wave.live(), wave.trial_balance()
    assert clean_balances == expected_balances(documents)

    wave.http.post("/_sandbox/reset").raise_for_status()
    rules = fault_rules(mode)
    wave.faults(*rules, seed=5)
    faulty = wave.client(fresh_db, "wave_faulty")
    log = PostingLog(fresh_db, "faulty", "wave", faulty.tenant)
    post_all(faulty, log, batches, conn_id="wave_faulty", runs=4)
    state = wave.http.get("/_sandbox/faults").json()["rules"]
    wave.faults()
    assert [(r["operation"], r["kind"]) for r in state if r["count"] is not None and not r["fired"]] == []
    print(f"\nwave {mode}: faults fired {sum(rule['fired'] for rule in state)} times in "
          f"{sum(faulty.calls.values())} client calls")
    assert wave.live() == clean_documents and wave.trial_balance() == clean_balances
    assert post_all(faulty, log, batches, conn_id="wave_faulty")[-1].skipped  # and a rerun changes nothing
    assert wave.live() == clean_documents


# ------------------------------------------------------------------------------------- auth
def test_an_expired_token_is_refreshed_once_and_posting_goes_on(wave: Sandbox, fresh_db: str) -> None:
    client = wave.client(fresh_db)
    documents = build(stage(fresh_db)[0], "summary", "wave-expiry")
    rendered = client.render(documents)
    wave.advance(7300)  # the stand-in's tokens live 7200 virtual seconds
    before = wave.stats().get(("oauth2.token", 200), 0)
    summary = post_documents(client, PostingLog(fresh_db, "wave-expiry", "wave", client.tenant), rendered,
                             conn_id="wave_test")
    assert len(summary.created) == len(rendered)
    assert wave.stats()[("oauth2.token", 200)] == before + 1


def test_a_revoked_grant_blocks_the_flow_naming_the_connection_without_a_retry_storm(wave: Sandbox,
                                                                                     fresh_db: str) -> None:
    client = wave.client(fresh_db, "wave_revoked")
    rendered = client.render(build(stage(fresh_db)[0], "summary", "wave-revoked"))
    stored = TokenStore(fresh_db).read(f"wave:wave_revoked:{client.tenant}")
    assert stored and wave.http.post("/_sandbox/wave/revoke", json={"token": stored["refresh_token"]}).json()["revoked"]
    calls_before = sum(wave.stats().values())
    log = PostingLog(fresh_db, "wave-revoked", "wave", client.tenant)
    with pytest.raises(SyncBlocked, match="wave_revoked.*re-authorise|re-authorise.*wave_revoked"):
        post_documents(client, log, rendered, conn_id="wave_revoked")
    stats = wave.stats()
    assert sum(stats.values()) - calls_before == 2  # the refused mutation and the refused refresh, nothing more
    assert stats[("oauth2.token", 400)] == 1
    with pytest.raises(SyncBlocked, match="wave_revoked"):
        post_documents(client, log, rendered, conn_id="wave_revoked")
    assert sum(wave.stats().values()) - calls_before == 2
    assert wave.live() == [] and wave.trial_balance() == {}


def test_a_batch_refused_as_a_whole_is_sent_one_by_one_and_only_the_bad_document_fails(wave: Sandbox,
                                                                                      fresh_db: str) -> None:
    client = wave.client(fresh_db)
    rendered = client.render([doc for s in stage(fresh_db) for doc in build(s, "summary", "wave-whole")])
    assert 1 < len(rendered) <= client.max_batch  # one request
    rendered[-1].payload["lineItems"][0]["balance"] = "SIDEWAYS"  # not a BalanceType: the document is invalid
    summary = post_documents(client, PostingLog(fresh_db, "wave-whole", "wave", client.tenant), rendered,
                             conn_id="wave_test")
    assert list(summary.failed) == [rendered[-1].key] and "SIDEWAYS" in summary.failed[rendered[-1].key]
    assert summary.created == [doc.key for doc in rendered[:-1]]
    assert {d["reference"] for d in wave.documents()} == {doc.reference for doc in rendered[:-1]}


def test_throttles_answered_as_graphql_errors_are_waited_out(fresh_db: str) -> None:
    server = start_server(per_minute=3, rate_limit_errors="graphql")  # far below what the client paces for
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            sandbox = Sandbox(server, http)
            client = sandbox.client(fresh_db)
            documents = [doc for s in stage(fresh_db)[:2] for doc in build(s, "per_order", "wave-throttle")]
            summary = post_documents(client, PostingLog(fresh_db, "wave-throttle", "wave", client.tenant),
                                     client.render(documents), conn_id="wave_test")
            throttled = sum(int(row["throttled"]) for row in http.get("/_sandbox/stats").json()["rate_limits"]
                            if row["api"] == "wave")
            assert throttled > 0 and len(summary.created) == len(documents)
            assert sandbox.trial_balance() == expected_balances(documents)
            assert not [key for key in sandbox.stats() if key[1] == 429]  # HTTP 200 with TOO_MANY_REQUESTS
    finally:
        server.stop()
