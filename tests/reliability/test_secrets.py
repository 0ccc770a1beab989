"""Secrets and buyer PII: two demo flows run end to end (Amazon → staging → checks → Xero / MYOB) with every
log record, stdout and stderr captured, then scanned for every secret and PII value the run used; the
database is scanned too, token-store rows must be encrypted, and config values cannot inject SQL."""

from __future__ import annotations

import gzip
import io
import logging
import zlib
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout

import psycopg
import pytest

from sellerledger.staging.token_store import decrypt
from tests.reliability import stats
from tests.reliability.flowrun import buyer_pii, credential_secrets, flow_sandbox, issued_tokens, run_flow

SCHEMAS = ("raw", "staging", "ops", "posting", "accounting")
FLOWS = ("demo_xero", "demo_myob")
CANARY = "canary-7f3e9b1c-secret"
pytestmark = pytest.mark.slow  # two flows end to end: about a minute


class _Capture:
    """Every log record of every logger at every level, whatever handlers Airflow's logging config installs:
    `Logger.isEnabledFor` says yes to all, `Logger.handle` keeps the formatted record (with its traceback)
    and passes on only what the logger would have emitted anyway."""

    def __init__(self, mp: pytest.MonkeyPatch) -> None:
        self.lines: list[str] = []
        formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
        original_handle, original_enabled = logging.Logger.handle, logging.Logger.isEnabledFor

        def handle(logger: logging.Logger, record: logging.LogRecord) -> None:
            self.lines.append(formatter.format(record) + " " + repr(record.args))
            if original_enabled(logger, record.levelno):
                original_handle(logger, record)

        mp.setattr(logging.Logger, "isEnabledFor", lambda logger, level: True)
        mp.setattr(logging.Logger, "handle", handle)


def _text_cells(url: str) -> Iterator[tuple[str, str]]:
    """(table.column, value) for every text-like cell of the product's schemas; bytea is unpacked if gzip."""
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = ANY(%s) AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea',"
            " 'ARRAY', 'character') ORDER BY 1, 2, 3", (list(SCHEMAS),)).fetchall()
        for schema, table, column, kind in columns:
            if table.startswith("v_"):
                continue
            cast = f'"{column}"' if kind == "bytea" else f'"{column}"::text'
            for (value,) in conn.execute(f'SELECT {cast} FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'):
                if isinstance(value, bytes | memoryview):
                    value = bytes(value)
                    try:
                        value = gzip.decompress(value) if value[:2] == b"\x1f\x8b" else value
                    except (OSError, zlib.error):
                        pass
                    value = value.decode("utf-8", "replace")
                yield f"{schema}.{table}.{column}", value


@pytest.fixture(scope="module")
def secrets_run(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """The two flows, run once for the module, with their captured output and the values to look for."""
    import uuid

    from tests.conftest import _admin_url, _with_db

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    url = _with_db(name)
    mp = pytest.MonkeyPatch()
    mp.setenv("SELLERLEDGER_DB_URL", url)
    capture = _Capture(mp)
    out, err = io.StringIO(), io.StringIO()
    outcomes = {}
    try:
        with flow_sandbox(profile="tiny") as sandbox, redirect_stdout(out), redirect_stderr(err):
            for flow_id in FLOWS:
                outcomes[flow_id] = run_flow(flow_id, run_id=f"secrets-{flow_id}")
            secrets = credential_secrets(sandbox.credentials) | issued_tokens(sandbox.server)
            pii = buyer_pii(sandbox.server)
            logging.getLogger("sellerledger.canary").debug("canary %s", CANARY)  # the scan must see this
            print(CANARY[::-1])
        mp.undo()
        yield {"url": url, "logs": capture.lines, "output": out.getvalue() + err.getvalue(), "secrets": secrets,
               "pii": pii, "outcomes": outcomes}
    finally:
        mp.undo()
        with psycopg.connect(_admin_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_flows_really_ran_and_posted(secrets_run: dict[str, object]) -> None:
    outcomes = secrets_run["outcomes"]
    for flow_id in FLOWS:
        run = outcomes[flow_id]  # type: ignore[index]
        assert run["validated"], f"{flow_id}: nothing validated"
        assert all(item["posted"] for item in run["posted"]), run["posted"]
        assert all(item["reconciled"] for item in run["reconciled"]), run["reconciled"]
    assert len(secrets_run["secrets"]) >= 20  # type: ignore[arg-type]
    assert len(secrets_run["pii"]) >= 50  # type: ignore[arg-type]


def test_no_secret_or_buyer_pii_in_logs_or_output(secrets_run: dict[str, object]) -> None:
    text = "\n".join(secrets_run["logs"]) + str(secrets_run["output"])  # type: ignore[arg-type]
    assert len(secrets_run["logs"]) > 1000  # type: ignore[arg-type]
    assert CANARY in text and CANARY[::-1] in text  # the capture sees debug records and stdout
    values = secrets_run["secrets"] | secrets_run["pii"]  # type: ignore[operator]
    hits = sorted(value[:4] + "…" for value in values if value in text)
    stats.SECRETS_SCANNED.update(values)
    stats.bump("secret_scan_bytes", len(text))
    stats.bump("secret_hits", len(hits))
    assert hits == [], f"{len(hits)} secret/PII value(s) found in logs or output (shown truncated): {hits}"


def test_no_secret_in_any_table(secrets_run: dict[str, object]) -> None:
    secrets = secrets_run["secrets"]
    hits, cells = [], 0
    for where, value in _text_cells(secrets_run["url"]):  # type: ignore[arg-type]
        cells += 1
        hits += [(where, secret[:4] + "…") for secret in secrets if secret in value]  # type: ignore[attr-defined]
    stats.bump("secret_scan_cells", cells)
    stats.bump("secret_hits", len(hits))
    assert cells > 1000
    assert hits == []


def test_no_buyer_pii_outside_the_raw_documents(secrets_run: dict[str, object]) -> None:
    pii = secrets_run["pii"]
    hits = [(where, value[:4] + "…") for where, cell in _text_cells(secrets_run["url"])  # type: ignore[arg-type]
            if not where.startswith("raw.") for value in pii if value in cell]  # type: ignore[attr-defined]
    assert hits == []


def test_token_store_rows_are_encrypted_at_rest(secrets_run: dict[str, object]) -> None:
    secrets = secrets_run["secrets"]
    with psycopg.connect(secrets_run["url"]) as conn:  # type: ignore[arg-type]
        rows = conn.execute("SELECT token_key, ciphertext FROM ops.token_store").fetchall()
    assert rows, "the flows kept no tokens in the store"
    for key, ciphertext in rows:
        raw = bytes(ciphertext)
        assert not any(secret.encode() in raw for secret in secrets)  # type: ignore[attr-defined]
        assert b"refresh_token" not in raw and b"access_token" not in raw
        plain = decrypt(raw, token_key=key)  # only the Fernet key opens it
        assert set(_strings(plain)) & secrets, f"{key}: decrypted row holds none of the issued tokens"
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do: a wrong key must not open it
            decrypt(raw, key="V3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXkhIQ==", token_key=key)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
