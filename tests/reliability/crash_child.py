"""A process that posts (or stages) and SIGKILLs itself at a chosen point; run by test_crash.py.

    CRASH_AT=<point>:<n> python -m tests.reliability.crash_child post <flow_id> <settlement_id> ...
    CRASH_AT=<point>:<n> python -m tests.reliability.crash_child stage <file> <seller> <flow_id>

Points (the process kills itself with SIGKILL on the n-th time it reaches one):
  send            before the n-th HTTP request leaves (the ledger never sees it)
  after_send      after the n-th HTTP response arrived, before anything is written about it
  record_intent   before the n-th intent row is written to posting.log
  mark_posted     before the n-th posted row is written (the ledger holds the document, the log says intent)
  after_mark      right after the n-th posted row is committed (mid-batch: the rest of the batch unlogged)
  store_mark      before the n-th accounting document is marked posted
  transition      before the n-th settlement state transition (posted / reconciled)
  copy            before the n-th COPY chunk of a settlement file is sent (staging)
  mark_staged     after the lines and the header are written, before the state is set and committed (staging)
Without CRASH_AT the process runs to the end. With CRASH_COUNTS=<file> it writes how often it reached each
point as JSON when it ends (the clean run's counts place the kills of a trial: `send` at half the calls...).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

REACHED: Counter[str] = Counter()


def _killer() -> Callable[[str], None]:
    wanted, _, nth = (os.environ.get("CRASH_AT") or "none:0").partition(":")

    def reached(name: str) -> None:
        REACHED[name] += 1
        if name == wanted and REACHED[name] == int(nth):
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    return reached


def _wrap(owner: Any, attr: str, before: str | None, after: str | None, reached: Callable[[str], None]) -> None:
    original = getattr(owner, attr)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if before:
            reached(before)
        result = original(*args, **kwargs)
        if after:
            reached(after)
        return result
    setattr(owner, attr, wrapper)


def install(reached: Callable[[str], None]) -> None:
    import httpx
    import psycopg

    from sellerledger.accounting import store
    from sellerledger.staging import settlements, status
    from sellerledger.staging.posting_log import PostingLog

    _wrap(httpx.Client, "send", "send", "after_send", reached)
    _wrap(PostingLog, "record_intent", "record_intent", None, reached)
    _wrap(PostingLog, "mark_posted", "mark_posted", "after_mark", reached)
    _wrap(store, "mark_posted", "store_mark", None, reached)
    _wrap(status, "transition", "transition", None, reached)
    _wrap(psycopg.Copy, "write", "copy", None, reached)
    _wrap(settlements, "_mark_staged", "mark_staged", None, reached)


def main(argv: list[str]) -> int:
    install(_killer())
    try:
        return _run(argv)
    finally:
        if os.environ.get("CRASH_COUNTS"):
            with open(os.environ["CRASH_COUNTS"], "w", encoding="utf-8") as handle:
                json.dump(dict(REACHED), handle)


def _run(argv: list[str]) -> int:
    if argv[0] == "post":
        from sellerledger.flows import tasks

        flow_id, ids = argv[1], argv[2:]
        ctx = tasks.RunContext(run_id=f"crash-{os.getpid()}")
        for settlement_id in ids:
            result = tasks.post_settlement(flow_id, ctx, settlement_id)
            if not result["posted"]:
                print(f"not posted: {result}")
                return 3
        return 0
    if argv[0] == "stage":
        import psycopg

        from sellerledger import db
        from sellerledger.staging.settlements import stage_settlement_file

        with psycopg.connect(db.staging_url()) as conn:
            stage_settlement_file(conn, argv[1], seller=argv[2], flow_id=argv[3])
        return 0
    raise SystemExit(f"unknown command {argv[0]!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
