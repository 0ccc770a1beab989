"""Raw documents (`raw.documents`): every file or page exactly as received, gzip-compressed, kept forever.

One row per distinct content and kind (SHA-256 of the uncompressed bytes), so storing the same bytes twice
returns the first row. The table refuses UPDATE and DELETE (trigger in V001). Functions here run in the
caller's transaction; the caller commits.

    doc = store_document(conn, data, kind=SETTLEMENT_REPORT, source={"report_id": "..."}, charset="utf-8")
    data = load_document(conn, doc.id)
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

import psycopg
from psycopg.types.json import Jsonb

SETTLEMENT_REPORT = "settlement_report"
CHUNK = 1 << 20
_MEMBER = 8 * CHUNK  # bytes per gzip member of a large document
# Source keys that could carry a presigned URL or a credential are never stored.
_SECRET_HINTS = ("url", "token", "secret", "password", "authorization", "signature", "credential")


@dataclass(frozen=True)
class StoredDocument:
    """A row of raw.documents: its id, content hash and size; `created` is False when the content was known."""

    id: int
    sha256: str
    byte_size: int
    created: bool


@dataclass(frozen=True)
class RawDocument:
    """Metadata of a stored document (without the bytes; see `load_document`)."""

    id: int
    kind: str
    sha256: str
    source: dict[str, Any]
    fetched_at: datetime
    byte_size: int
    charset: str | None


def clean_source(source: Mapping[str, object] | None) -> dict[str, str]:
    """The source mapping as stored: string values, without keys that could hold URLs or secrets."""
    if not source:
        return {}
    return {
        str(key): str(value)
        for key, value in source.items()
        if value is not None and not any(hint in str(key).lower() for hint in _SECRET_HINTS)
    }


def _as_stream(data: bytes | BinaryIO) -> BinaryIO:
    return io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data


def digest(data: bytes | BinaryIO) -> tuple[str, int]:
    """(hex SHA-256, size in bytes) of bytes or of a seekable stream read from its position (then rewound)."""
    stream = _as_stream(data)
    start = stream.tell()
    sha = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    stream.seek(start)
    return sha.hexdigest(), size


def compress(data: bytes | BinaryIO, size: int | None = None) -> bytes:
    """gzip of bytes or of a seekable stream (then rewound).

    A large document (`size` of 16 MB or more) is compressed at the fast level as gzip members of 8 MB, two
    at a time on two threads (zlib releases the GIL); gunzip and `gzip.decompress` read the members as one.
    """
    stream = _as_stream(data)
    start = stream.tell()
    if size is None or size < 16 * CHUNK:
        parts = [_gzip(stream.read(), 6)]
    else:
        parts = []
        with ThreadPoolExecutor(max_workers=2) as pool:
            pending: deque[Future[bytes]] = deque()
            while piece := stream.read(_MEMBER):
                pending.append(pool.submit(_gzip, piece, 1))
                if len(pending) > 2:
                    parts.append(pending.popleft().result())
            parts.extend(future.result() for future in pending)
    stream.seek(start)
    return b"".join(parts)


def _gzip(piece: bytes, level: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(piece) + compressor.flush()


def find_document(conn: psycopg.Connection[Any], kind: str, sha256: str) -> int | None:
    """Id of the stored document of this kind with this content hash, or None."""
    row = conn.execute("SELECT id FROM raw.documents WHERE kind = %s AND sha256 = %s", (kind, sha256)).fetchone()
    return None if row is None else int(row[0])


def store_document(
    conn: psycopg.Connection[Any],
    data: bytes | BinaryIO,
    *,
    kind: str,
    source: Mapping[str, object] | None = None,
    charset: str | None = None,
    sha256: str | None = None,
    byte_size: int | None = None,
) -> StoredDocument:
    """Store `data` (bytes or a seekable stream) unless a document of this kind with the same content exists.

    `sha256`/`byte_size` may be passed when the caller already computed them. Runs in the caller's
    transaction. Concurrent callers storing the same content get the same row.
    """
    if sha256 is None or byte_size is None:
        sha256, byte_size = digest(data)
    existing = find_document(conn, kind, sha256)
    if existing is not None:
        return StoredDocument(existing, sha256, byte_size, created=False)
    content = compress(data, byte_size)
    row = conn.execute(
        "INSERT INTO raw.documents (kind, sha256, source, byte_size, charset, content)"
        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (kind, sha256) DO NOTHING RETURNING id",
        (kind, sha256, Jsonb(clean_source(source)), byte_size, charset, content),
    ).fetchone()
    if row is not None:
        return StoredDocument(int(row[0]), sha256, byte_size, created=True)
    found = find_document(conn, kind, sha256)  # stored by a concurrent transaction meanwhile
    assert found is not None
    return StoredDocument(found, sha256, byte_size, created=False)


def load_document(conn: psycopg.Connection[Any], document_id: int) -> bytes:
    """The exact bytes of a stored document."""
    row = conn.execute("SELECT content FROM raw.documents WHERE id = %s", (document_id,)).fetchone()
    if row is None:
        raise KeyError(f"raw document {document_id} does not exist")
    return gzip.decompress(bytes(row[0]))


def document_info(conn: psycopg.Connection[Any], document_id: int) -> RawDocument:
    """Metadata of a stored document."""
    row = conn.execute(
        "SELECT id, kind, sha256, source, fetched_at, byte_size, charset FROM raw.documents WHERE id = %s",
        (document_id,),
    ).fetchone()
    if row is None:
        raise KeyError(f"raw document {document_id} does not exist")
    return RawDocument(int(row[0]), row[1], row[2], dict(row[3]), row[4], int(row[5]), row[6])
