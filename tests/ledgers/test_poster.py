"""The exactly-once poster against a scripted ledger: the log first, the ledger second, a create last."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import psycopg
import pytest

from sellerledger.ledgers.base import Found, LedgerDocument, PostResult, ReadBack
from sellerledger.ledgers.errors import AuthBlocked, FatalError, RetriableError
from sellerledger.ledgers.poster import PostingIncomplete, SyncBlocked, post_documents
from sellerledger.staging.posting_log import PostingLog


class ScriptedLedger:
    """An in-memory ledger holding documents by reference, with scripted failures per create call."""

    ledger = "scripted"
    tenant = "t1"
    max_batch = 2

    def __init__(self) -> None:
        self.documents: dict[str, dict] = {}
        self.creates = 0
        self.finds = 0
        self.updates = 0
        self.script: list[str] = []  # per create call: "ok", "lost" (commit then raise), "fail", "auth", "reject:<ref>"

    @property
    def calls(self) -> dict[str, int]:
        return {"create": self.creates, "find": self.finds, "update": self.updates}

    def ping(self) -> str:
        return "scripted"

    def find(self, document: LedgerDocument) -> Found | None:
        self.finds += 1
        held = self.documents.get(document.reference)
        return Found(held["id"]) if held else None

    def create(self, documents: Sequence[LedgerDocument]) -> list[PostResult]:
        self.creates += 1
        step = self.script.pop(0) if self.script else "ok"
        if step == "auth":
            raise AuthBlocked("401 token revoked", ledger=self.ledger)
        if step == "fail":
            raise RetriableError("503", ledger=self.ledger)
        results = []
        for doc in documents:
            if step == f"reject:{doc.reference}":
                results.append(PostResult(doc.key, error=FatalError("AccountCode 999 not found")))
                continue
            ledger_id = f"id-{len(self.documents) + 1}"
            self.documents[doc.reference] = {"id": ledger_id, "payload": doc.payload}
            results.append(PostResult(doc.key, ledger_id=ledger_id))
        if step == "lost":
            raise RetriableError("500 after commit", ledger=self.ledger)
        return results

    def update(self, document: LedgerDocument, found: Found) -> PostResult:
        self.updates += 1
        self.documents[document.reference]["payload"] = document.payload
        return PostResult(document.key, ledger_id=found.ledger_id, action="update")

    def render(self, documents):
        raise NotImplementedError("the scripted ledger receives rendered documents")

    def read(self, ledger_id: str, kind: str) -> ReadBack:
        held = next(d for d in self.documents.values() if d["id"] == ledger_id)
        return ReadBack(ledger_id, Decimal(held["payload"]["amount"]), "USD")


def doc(n: int, amount: str = "10.00") -> LedgerDocument:
    return LedgerDocument(key=f"k{n}", kind="journal", reference=f"AMZ-{n}", currency="USD",
                          total=Decimal(amount), payload={"amount": amount, "n": n}, settlement_id="S1")


@pytest.fixture
def log(fresh_db: str) -> PostingLog:
    return PostingLog(fresh_db, "flow-a", "scripted", "t1", run_id="run-1")


def test_posts_each_document_once_and_a_rerun_sends_nothing(log: PostingLog) -> None:
    ledger = ScriptedLedger()
    docs = [doc(i) for i in range(5)]
    first = post_documents(ledger, log, docs, conn_id="c")
    assert len(first.created) == 5 and ledger.creates == 3  # batches of 2
    second = post_documents(ledger, log, docs, conn_id="c")
    assert len(second.skipped) == 5
    assert ledger.calls == {"create": 3, "find": 0, "update": 0}
    assert len(ledger.documents) == 5


def test_lost_response_is_found_on_rerun_not_duplicated(log: PostingLog) -> None:
    ledger = ScriptedLedger()
    ledger.script = ["lost"]
    with pytest.raises(RetriableError):
        post_documents(ledger, log, [doc(1), doc(2)], conn_id="c")
    assert len(ledger.documents) == 2  # the ledger committed although we got a 500
    summary = post_documents(ledger, log, [doc(1), doc(2)], conn_id="c")
    assert sorted(summary.found) == ["k1", "k2"] and summary.created == []
    assert len(ledger.documents) == 2 and ledger.creates == 1


def test_a_rejected_document_is_failed_with_the_ledger_message_and_others_post(log: PostingLog, fresh_db: str) -> None:
    ledger = ScriptedLedger()
    ledger.script = ["reject:AMZ-2"]
    summary = post_documents(ledger, log, [doc(1), doc(2)], conn_id="c")
    assert summary.created == ["k1"] and "AccountCode 999" in summary.failed["k2"]
    with psycopg.connect(fresh_db) as conn:
        state, error = conn.execute("SELECT state, last_error FROM posting.log WHERE doc_key='k2'").fetchone()
    assert state == "failed" and "AccountCode 999" in error


def test_auth_refusal_blocks_the_flow_and_nothing_is_sent_until_cleared(log: PostingLog) -> None:
    ledger = ScriptedLedger()
    ledger.script = ["auth"]
    with pytest.raises(SyncBlocked, match="(?i)re-authorise"):
        post_documents(ledger, log, [doc(1)], conn_id="xero_main")
    with pytest.raises(SyncBlocked, match="xero_main"):
        post_documents(ledger, log, [doc(1)], conn_id="xero_main")
    assert ledger.creates == 1  # the second run sent nothing
    assert log.clear_blocks() == 1
    summary = post_documents(ledger, log, [doc(1)], conn_id="xero_main")
    assert summary.found == [] and summary.created == ["k1"]


def test_a_changed_source_updates_the_posted_document(log: PostingLog) -> None:
    ledger = ScriptedLedger()
    post_documents(ledger, log, [doc(1, "10.00")], conn_id="c")
    summary = post_documents(ledger, log, [doc(1, "7.50")], conn_id="c")
    assert summary.updated == ["k1"] and ledger.documents["AMZ-1"]["payload"]["amount"] == "7.50"
    assert post_documents(ledger, log, [doc(1, "7.50")], conn_id="c").skipped == ["k1"]


def test_transient_failure_keeps_intent_and_reports_incomplete(log: PostingLog, fresh_db: str) -> None:
    ledger = ScriptedLedger()
    ledger.script = ["fail"]
    with pytest.raises(RetriableError):
        post_documents(ledger, log, [doc(1)], conn_id="c")
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT state FROM posting.log WHERE doc_key='k1'").fetchone()[0] == "intent"
        outcomes = [r[0] for r in conn.execute("SELECT outcome FROM posting.audit ORDER BY id")]
    assert outcomes == ["retriable_error"]
    assert post_documents(ledger, log, [doc(1)], conn_id="c").created == ["k1"]


def test_audit_rows_say_who_what_where_which_attempt(log: PostingLog, fresh_db: str) -> None:
    ledger = ScriptedLedger()
    post_documents(ledger, log, [doc(3, "12.34")], conn_id="c")
    with psycopg.connect(fresh_db) as conn:
        row = conn.execute(
            "SELECT flow_id, doc_key, action, outcome, attempt, currency, total_amount, ledger_id, run_id"
            " FROM posting.audit"
        ).fetchone()
    assert row == ("flow-a", "k3", "create", "ok", 1, "USD", Decimal("12.3400"), "id-1", "run-1")


def test_incomplete_is_raised_for_retriable_per_document_results(log: PostingLog) -> None:
    class Flaky(ScriptedLedger):
        def create(self, documents):
            return [PostResult(d.key, error=RetriableError("429")) for d in documents]

    with pytest.raises(PostingIncomplete):
        post_documents(Flaky(), log, [doc(1)], conn_id="c")
