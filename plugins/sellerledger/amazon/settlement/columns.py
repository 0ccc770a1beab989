"""Settlement flat-file column names: the V2 layout, the legacy V1 layout and how V1 amounts map onto V2.

Columns are always looked up by header name (lower-cased, stripped), never by position. Sources:
shared/reference/notes/amazon.md §9 and the sample files in shared/reference/amazon/samples/.
"""

from __future__ import annotations

# GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2, in Amazon's order. This is also the canonical order of the
# detail cells the parser hands out and of the columns of staging.settlement_lines.
V2_COLUMNS: tuple[str, ...] = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
    "promotion-id",
)

# Filled on the summary row only (the first data row); empty on detail rows.
SUMMARY_COLUMNS: tuple[str, ...] = V2_COLUMNS[:6]
SUMMARY_ONLY_COLUMNS: tuple[str, ...] = V2_COLUMNS[1:5]

# Legacy GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE (removed by Amazon on 2026-11-11). Real files carry 33 to 36
# of these (one real CA file has no promotion-* columns).
V1_COLUMNS: tuple[str, ...] = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "shipment-fee-type",
    "shipment-fee-amount",
    "order-fee-type",
    "order-fee-amount",
    "fulfillment-id",
    "posted-date",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
    "price-type",
    "price-amount",
    "item-related-fee-type",
    "item-related-fee-amount",
    "misc-fee-amount",
    "other-fee-amount",
    "other-fee-reason-description",
    "promotion-id",
    "promotion-type",
    "promotion-amount",
    "direct-payment-type",
    "direct-payment-amount",
    "other-amount",
)

V2_REQUIRED: tuple[str, ...] = SUMMARY_COLUMNS + ("transaction-type", "amount-type", "amount-description", "amount")
V1_REQUIRED: tuple[str, ...] = SUMMARY_COLUMNS + ("transaction-type", "posted-date")

# How one V1 row becomes V2 lines: each non-empty amount column gives one line with
# (amount column, column naming the amount-description or None, amount-type as V2 writes it).
# Amazon's V1 → V2 mapping: price-type/price-amount → ItemPrice/<price-type>; fee types → their category.
# A component whose description column is absent or empty takes the row's transaction-type as description
# (Amazon: "transaction-type → transaction-type or amount-description"). Order-Fees and DirectPayment are
# inferred names (no V2 file with them was observed).
V1_COMPONENTS: tuple[tuple[str, str | None, str], ...] = (
    ("price-amount", "price-type", "ItemPrice"),
    ("item-related-fee-amount", "item-related-fee-type", "ItemFees"),
    ("shipment-fee-amount", "shipment-fee-type", "Shipment-Fees"),
    ("order-fee-amount", "order-fee-type", "Order-Fees"),
    ("promotion-amount", "promotion-type", "Promotion"),
    ("direct-payment-amount", "direct-payment-type", "DirectPayment"),
    ("misc-fee-amount", None, "other-transaction"),
    ("other-fee-amount", "other-fee-reason-description", "other-transaction"),
    ("other-amount", None, "other-transaction"),
)
V1_AMOUNT_COLUMNS: tuple[str, ...] = tuple(component[0] for component in V1_COMPONENTS)

# Columns V1 shares with V2 (carried over unchanged onto every line made from a V1 row).
V1_SHARED_COLUMNS: tuple[str, ...] = tuple(name for name in V2_COLUMNS if name in V1_COLUMNS)

# Columns of staging.settlement_lines in the order `SettlementReader.copy_chunks()` writes them.
COPY_COLUMNS: tuple[str, ...] = ("line_number", "source_line", "marketplace") + tuple(
    name.replace("-", "_") for name in V2_COLUMNS
)

LAYOUT_V2 = "v2"
LAYOUT_V1 = "v1"


def normalise_header(cell: str) -> str:
    """A header cell as the parser compares it: stripped of whitespace (and a stray BOM), lower case."""
    return cell.strip().lstrip("\ufeff").strip().lower()


def detect_layout(columns: tuple[str, ...]) -> str | None:
    """`v2` when the header has the amount-type/amount columns, `v1` when it has V1 amount columns, else None."""
    names = set(columns)
    if {"amount-type", "amount"} <= names:
        return LAYOUT_V2
    if names & set(V1_AMOUNT_COLUMNS):
        return LAYOUT_V1
    return None


def known_columns(layout: str) -> frozenset[str]:
    """Every column name the layout defines (anything else in a header is reported as unknown)."""
    return frozenset(V2_COLUMNS if layout == LAYOUT_V2 else V1_COLUMNS)


def required_columns(layout: str) -> tuple[str, ...]:
    """Columns a header of this layout must have (V2 also needs posted-date-time or posted-date)."""
    return V2_REQUIRED if layout == LAYOUT_V2 else V1_REQUIRED
