"""Run reports: per settlement, what was staged, what it totals, what was posted, and its state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import psycopg

_ROWS = """
SELECT s.settlement_id, s.marketplace, s.currency, s.total_amount, s.line_count,
       coalesce(st.state, 'staged') AS status,
       coalesce(sum(d.net_amount) FILTER (WHERE d.status = 'current' AND d.posted_at IS NOT NULL), 0) AS posted_total,
       count(d.key) FILTER (WHERE d.status = 'current') AS documents,
       count(d.key) FILTER (WHERE d.status = 'current' AND d.posted_at IS NOT NULL) AS documents_posted,
       s.settlement_start_date, s.settlement_end_date
FROM staging.settlements s
JOIN ops.settlement_status st ON st.settlement_id = s.settlement_id AND st.flow_id = %(flow)s
LEFT JOIN accounting.documents d ON d.settlement_id = s.settlement_id AND d.flow_id = %(flow)s
WHERE %(all)s OR s.settlement_id = ANY(%(ids)s)
GROUP BY s.settlement_id, s.marketplace, s.currency, s.total_amount, s.line_count, st.state,
         s.settlement_start_date, s.settlement_end_date
ORDER BY s.settlement_end_date, s.settlement_id
"""


def settlement_rows(conn: psycopg.Connection[Any], flow_id: str, ids: Iterable[str | None] | None = None
                    ) -> list[dict[str, Any]]:
    """One row per settlement the flow tracks (or only `ids`); amounts as Decimal."""
    wanted = [i for i in (ids or []) if i]
    cursor = conn.execute(_ROWS, {"flow": flow_id, "all": ids is None, "ids": wanted})
    names = [column.name for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of settlement rows, for task logs and the terminal."""
    header = ("settlement", "mkt", "ccy", "lines", "total", "posted", "docs", "status")
    body = [
        (str(r["settlement_id"]), str(r.get("marketplace") or ""), str(r["currency"]), str(r["line_count"]),
         _money(r["total_amount"]), _money(r["posted_total"]), f"{r['documents_posted']}/{r['documents']}",
         str(r["status"]))
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in body)) if body else len(h) for i, h in enumerate(header)]
    numeric = {3, 4, 5, 6}

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                                     strict=True)))

    lines = [fmt(header), fmt(["-" * w for w in widths])] + [fmt(line) for line in body]
    return "\n".join(lines) if body else "(no settlements)"


def _money(value: Decimal | None) -> str:
    return f"{Decimal(value or 0):,.2f}"
