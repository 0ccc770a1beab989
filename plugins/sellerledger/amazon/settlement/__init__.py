"""Amazon settlement flat files (V2, and legacy V1 mapped onto V2 lines): streaming parser and validation.

    from sellerledger.amazon.settlement import SettlementReader, validate_settlement

    with SettlementReader("settlement.txt") as reader:     # path, bytes or a seekable binary stream
        header = reader.header                              # SettlementHeader (summary row)
        for line in reader.lines():                         # SettlementLine, amounts Decimal
            ...
        result = reader.result                              # line_count, lines_sum, problems, warnings

    report = validate_settlement("settlement.txt")          # collect mode: never raises for bad content

A file that cannot be read raises `SettlementFileError` (attributes file, line, column, expected, found).
"""

from __future__ import annotations

from sellerledger.amazon.settlement.columns import LAYOUT_V1, LAYOUT_V2, V1_COLUMNS, V2_COLUMNS
from sellerledger.amazon.settlement.model import (
    ParseResult,
    SettlementFileError,
    SettlementHeader,
    SettlementLine,
)
from sellerledger.amazon.settlement.parser import (
    DEFERRAL_ALLOWANCE,
    WINDOW_TOLERANCE,
    Row,
    SettlementReader,
    read_settlement,
    validate_settlement,
)

__all__ = [
    "DEFERRAL_ALLOWANCE",
    "LAYOUT_V1",
    "LAYOUT_V2",
    "V1_COLUMNS",
    "V2_COLUMNS",
    "WINDOW_TOLERANCE",
    "ParseResult",
    "Row",
    "SettlementFileError",
    "SettlementHeader",
    "SettlementLine",
    "SettlementReader",
    "read_settlement",
    "validate_settlement",
]
