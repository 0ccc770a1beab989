"""Which character set a settlement file is in: BOM, UTF-8, a caller's hint, the JPY hint, then charset-normalizer.

Amazon serves settlement files in UTF-8, ISO-8859-1 (in practice often Windows-1252) or Shift_JIS (cp932), and
the Content-Type it sends is not always right. Order of decisions, cheapest and surest first:

1. a byte-order mark (UTF-8, UTF-16);
2. the whole file is valid UTF-8 (ASCII included): `utf-8` — Latin-1 or Shift_JIS text almost never is;
3. the caller's hint (e.g. the download's `charset=`), if the file decodes with it;
4. the summary row says JPY (or the file names amazon.co.jp) and the file decodes as cp932: `cp932`;
5. charset-normalizer on the lines holding non-ASCII bytes, choosing between cp932, cp1252 and Latin-1;
6. `cp1252` when bytes 0x80-0x9F occur and decode with it, else `iso-8859-1` (which reads any byte).

Detection reads the stream once in chunks (bounded memory) and seeks back to where it started.
"""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass
from typing import BinaryIO

log = logging.getLogger(__name__)

CHUNK = 1 << 20
_SAMPLE_LIMIT = 64 * 1024
_BOMS = (  # (byte-order mark, codec that reads the file, codec for the bytes after the mark)
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be"),
)
_C1_BYTES = bytes(range(0x80, 0xA0))
_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "latin1": "iso-8859-1",
    "latin-1": "iso-8859-1",
    "iso-8859-1": "iso-8859-1",
    "iso8859-1": "iso-8859-1",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "windows-31j": "cp932",
    "ms932": "cp932",
    "cp932": "cp932",
}


@dataclass(frozen=True)
class Detected:
    """The encoding to read the file with (a Python codec name), why it was chosen, and the byte offset of
    the first byte that does not decode with it (only possible after a byte-order mark) or of a NUL byte."""

    encoding: str
    reason: str
    bad_offset: int | None = None
    bad_reason: str | None = None


def normalise_charset(name: str | None) -> str | None:
    """A charset label (`Shift_JIS`, `ISO-8859-1`, `windows-1252`) as a Python codec name, or None if unknown."""
    if not name:
        return None
    key = name.strip().strip('"').lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def first_undecodable(stream: BinaryIO, start: int, encoding: str) -> int | None:
    """Offset (from `start`) of the first byte that does not decode with `encoding`, or None if all do."""
    stream.seek(start)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        while chunk := stream.read(CHUNK):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return max(0, offset - pending + exc.start)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return max(0, offset - len(exc.object) + exc.start)
    finally:
        stream.seek(start)
    return None


def _decodes(stream: BinaryIO, start: int, encoding: str) -> bool:
    return first_undecodable(stream, start, encoding) is None


def _summary_hint(head: bytes) -> tuple[str, bool]:
    """(currency of the summary row, whether the file mentions amazon.co.jp) from the first bytes (ASCII)."""
    lines = head.split(b"\n", 3)
    currency = ""
    if len(lines) >= 2:
        names = [cell.strip().lower() for cell in lines[0].split(b"\t")]
        cells = lines[1].split(b"\t")
        if b"currency" in names and names.index(b"currency") < len(cells):
            currency = cells[names.index(b"currency")].strip().decode("ascii", "replace").upper()
    return currency, b"amazon.co.jp" in head.lower()


def detect_encoding(stream: BinaryIO, *, hint: str | None = None) -> Detected:
    """Detect the encoding of a seekable binary stream (read from its position to the end, then rewound)."""
    start = stream.tell()
    head = stream.read(_SAMPLE_LIMIT)
    stream.seek(start)
    for bom, name, body_codec in _BOMS:
        if head.startswith(bom):
            bad = first_undecodable(stream, start + len(bom), body_codec)
            stream.seek(start)
            if bad is not None:
                expected = f"text in {body_codec.upper()} (the file starts with its byte-order mark)"
                return Detected(name, "byte-order mark", bad + len(bom), expected)
            return Detected(name, "byte-order mark")

    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    utf8 = True
    has_c1 = False
    sample: list[bytes] = []
    sample_size = 0
    nul_at: int | None = None
    offset = 0
    while chunk := stream.read(CHUNK):
        if nul_at is None and b"\0" in chunk:
            nul_at = offset + chunk.index(b"\0")
        offset += len(chunk)
        if chunk.isascii() and not decoder.getstate()[0]:
            continue
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        has_c1 = has_c1 or any(byte in chunk for byte in _C1_BYTES)
        if sample_size < _SAMPLE_LIMIT:
            for line in chunk.split(b"\n"):
                if not line.isascii():
                    sample.append(line)
                    sample_size += len(line)
                    if sample_size >= _SAMPLE_LIMIT:
                        break
    stream.seek(start)
    if nul_at is not None:
        return Detected("iso-8859-1", "NUL byte", nul_at, "text without NUL bytes (a binary or UTF-16 file without BOM?)")
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if utf8:
        return Detected("utf-8", "valid UTF-8")

    wanted = normalise_charset(hint)
    if wanted and wanted not in ("utf-8", "utf-8-sig") and _decodes(stream, start, wanted):
        return Detected(wanted, "hint")

    currency, mentions_jp = _summary_hint(head)
    if (currency == "JPY" or mentions_jp) and _decodes(stream, start, "cp932"):
        return Detected("cp932", "JPY settlement")

    guess = _charset_normalizer_guess(b"\n".join(sample))
    if guess == "cp932" and _decodes(stream, start, "cp932"):
        return Detected("cp932", "charset-normalizer")
    if has_c1 and _decodes(stream, start, "cp1252"):
        return Detected("cp1252", "charset-normalizer" if guess == "cp1252" else "C1 bytes")
    return Detected("iso-8859-1", "fallback (Latin-1 reads any byte)")


def _charset_normalizer_guess(sample: bytes) -> str | None:
    if not sample:
        return None
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp932", "cp1252", "latin_1"]).best()
    guess = normalise_charset(best.encoding) if best is not None else None
    log.debug("charset-normalizer guessed %s", guess)
    return guess
