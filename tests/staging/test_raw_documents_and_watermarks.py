"""Raw documents (exact bytes, stored once, kept forever) and watermarks (never move backwards)."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from sellerledger.staging import raw_documents, watermarks


def test_store_and_load_exact_bytes_once(fresh_db: str) -> None:
    data = "settlement-id\tGebühr\r\n".encode("cp1252") + bytes(range(256))
    with psycopg.connect(fresh_db) as conn:
        first = raw_documents.store_document(conn, data, kind="settlement_report",
                                             source={"report_id": "R1", "file_name": "a.txt"}, charset="cp1252")
        again = raw_documents.store_document(conn, io.BytesIO(data), kind="settlement_report", source={"report_id": "R2"})
        other_kind = raw_documents.store_document(conn, data, kind="other")
        conn.commit()
        assert first.created and not again.created and again.id == first.id and other_kind.id != first.id
        assert raw_documents.load_document(conn, first.id) == data
        info = raw_documents.document_info(conn, first.id)
        assert (info.sha256, info.byte_size, info.charset, info.source) == (
            first.sha256, len(data), "cp1252", {"report_id": "R1", "file_name": "a.txt"})
        stored, = conn.execute("SELECT content FROM raw.documents WHERE id = %s", (first.id,)).fetchone()
        assert gzip.decompress(bytes(stored)) == data


def test_large_document_is_stored_as_gzip_members_that_read_back_exactly(fresh_db: str) -> None:
    data = b"".join(b"%d\tline of a large settlement file\n" % i for i in range(600_000))  # ~21 MB
    assert len(data) >= 16 * raw_documents.CHUNK
    stream = io.BytesIO(data)
    stream.seek(0)
    with psycopg.connect(fresh_db) as conn:
        stored = raw_documents.store_document(conn, stream, kind="settlement_report")
        conn.commit()
        assert stream.tell() == 0
        content, = conn.execute("SELECT content FROM raw.documents WHERE id = %s", (stored.id,)).fetchone()
        assert bytes(content).count(b"\x1f\x8b\x08") >= 3  # one gzip member per 8 MB
        assert raw_documents.load_document(conn, stored.id) == data
        assert len(content) < len(data) // 4


def test_raw_documents_refuse_update_and_delete(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        doc = raw_documents.store_document(conn, b"abc", kind="settlement_report")
        conn.commit()
        for statement in ("DELETE FROM raw.documents", "UPDATE raw.documents SET charset = 'x'"):
            with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="kept forever"):
                conn.execute(statement)
            conn.rollback()
        assert raw_documents.load_document(conn, doc.id) == b"abc"


def test_source_never_stores_urls_or_secrets() -> None:
    cleaned = raw_documents.clean_source({
        "report_id": "R1", "url": "https://s3/presigned?X-Amz-Signature=abc", "access_token": "Atza|x",
        "document_url": "https://x", "file_name": "f.txt", "size": 12, "none": None,
    })
    assert cleaned == {"report_id": "R1", "file_name": "f.txt", "size": "12"}


def test_watermark_only_moves_forward(fresh_db: str) -> None:
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    with psycopg.connect(fresh_db) as conn:
        assert watermarks.get_watermark(conn, "f1", "settlement_reports") is None
        assert watermarks.advance_watermark(conn, "f1", "settlement_reports", t0) == t0
        assert watermarks.advance_watermark(conn, "f1", "settlement_reports", t0 - timedelta(days=3)) == t0
        later = t0 + timedelta(hours=5)
        assert watermarks.advance_watermark(conn, "f1", "settlement_reports", later) == later
        watermarks.advance_watermark(conn, "f1", "orders", t0)
        watermarks.advance_watermark(conn, "f2", "orders", later)
        conn.commit()
        assert watermarks.all_watermarks(conn, "f1") == {"settlement_reports": later, "orders": t0}
        with pytest.raises(ValueError, match="timezone-aware"):
            watermarks.advance_watermark(conn, "f1", "orders", datetime(2026, 7, 1))
