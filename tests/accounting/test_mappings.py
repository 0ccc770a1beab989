"""Mapping sets load, validate with precise errors, merge overrides and check against a chart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sellerledger.accounting.categories import CATEGORIES
from sellerledger.accounting.mappings import (
    LEDGERS,
    MappingError,
    check_chart,
    default_root,
    demo_chart,
    load_mapping,
)

REQUIRED = {
    "principal", "shipping", "gift_wrap", "tax_collected", "marketplace_facilitator_tax", "promotion",
    "referral_fee", "fba_fee", "storage_fee", "subscription", "refund_principal", "refund_commission",
    "refund_shipping", "refund_tax", "refund_promotion", "reimbursement", "reserve_current", "reserve_previous",
    "advertising", "adjustment", "transfer", "other_fee",
}


@pytest.fixture
def mapping_dir(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(default_root(), target)
    return target


@pytest.mark.parametrize("ledger", LEDGERS)
def test_every_demo_mapping_loads_and_fits_the_demo_chart(ledger: str) -> None:
    mapping = load_mapping(ledger)
    assert REQUIRED <= set(CATEGORIES)
    assert check_chart(mapping, demo_chart(ledger)) == []
    for category in REQUIRED:
        assert mapping.route(category, "US") is not None, category
    flow = mapping.flow_accounts("UK")
    assert flow.bank and flow.clearing and flow.payable and flow.suspense and flow.customer == "Amazon.co.uk"


def test_most_specific_pattern_wins_and_matching_ignores_case() -> None:
    m = load_mapping("xero")
    assert m.categorize("Order", "ItemPrice", "Principal") == "principal"
    assert m.categorize("Refund", "ItemPrice", "Principal") == "refund_principal"
    assert m.categorize("order", "itemprice", " principal ") == "principal"
    assert m.categorize("Refund", "ItemFees", "Commission") == "refund_commission"
    assert m.categorize("Order", "ItemFees", "Commission") == "referral_fee"
    assert m.categorize("Order", "Promotion", "SomethingNew") == "promotion"
    assert m.categorize("Refund", "Promotion", "Shipping") == "refund_promotion"
    assert m.categorize("Transfer", "other-transaction", "Current Reserve Amount") == "reserve_current"
    assert m.categorize("Order", "ItemFees", "BrandNewFee2027") is None


def test_finance_event_rows_categorize_by_type_or_subtype() -> None:
    m = load_mapping("qbo")
    assert m.categorize_finance("ShipmentEvent", "charge", "Principal") == "principal"
    assert m.categorize_finance("RefundEvent", "charge", "Principal") == "refund_principal"
    assert m.categorize_finance("ShipmentEvent", "withheld_tax", "MarketplaceFacilitatorTax-Other") == (
        "marketplace_facilitator_tax"
    )
    assert m.categorize_finance("AdjustmentEvent", "amount", "AdjustmentAmount", "FBAInventoryReimbursement") == (
        "reimbursement"
    )
    assert m.categorize_finance("AdjustmentEvent", "amount", "AdjustmentAmount", "NewAdjustmentKind") is None
    assert m.categorize_finance("ShipmentEvent", "fee", "BrandNewFee2027") is None


def test_marketplace_routes_fall_back_to_default_and_accept_store_names() -> None:
    m = load_mapping("xero")
    uk = m.route("principal", "amazon.co.uk")
    assert uk is not None and (uk.account, uk.tax_code, uk.tracking) == ("4000", "VAT20", (("Marketplace", "Amazon.co.uk"),))
    assert m.route("principal", "A1F83G8C2ARO7P") == uk
    fr = m.route("principal", "FR")  # not named in the file: default route, no tracking
    assert fr is not None and (fr.account, fr.tax_code, fr.tracking) == ("4000", "NONE", ())
    assert m.route("tax_collected", "US").account == "2120"  # type: ignore[union-attr]
    assert m.route("tax_collected", "CA").account == "2100"  # type: ignore[union-attr]
    assert load_mapping("myob").route("principal", "US").account == "4-4000"  # type: ignore[union-attr]


def test_override_adds_rows_and_changes_accounts(mapping_dir: Path) -> None:
    (mapping_dir / "overrides" / "acme.yaml").write_text(
        "version: acme-3\n"
        "amount_types:\n"
        "  - {transaction_type: '*', amount_type: ItemFees, amount_description: BrandNewFee2027, category: other_fee}\n"
        "ledgers:\n"
        "  xero:\n"
        "    flow_accounts: {default: {bank: '1001'}}\n"
        "    categories: {storage_fee: {amazon.co.uk: {account: '6021'}}}\n",
        encoding="utf-8",
    )
    base = load_mapping("xero", root=mapping_dir)
    merged = load_mapping("xero", root=mapping_dir, seller="acme")
    assert base.categorize("Order", "ItemFees", "BrandNewFee2027") is None
    assert merged.categorize("Order", "ItemFees", "BrandNewFee2027") == "other_fee"
    assert merged.flow_accounts("US").bank == "1001" and merged.flow_accounts("US").clearing == "1100"
    assert merged.route("storage_fee", "UK").account == "6021"  # type: ignore[union-attr]
    assert merged.route("storage_fee", "US").account == "6020"  # type: ignore[union-attr]
    assert merged.version == "2026.1+acme-3" and merged.hash != base.hash
    problems = {str(p) for p in check_chart(merged, demo_chart("xero"))}
    assert "flow_accounts.default.bank: account '1001' is not in the chart" in problems
    assert "categories.storage_fee.UK: account '6021' is not in the chart" in problems
    assert load_mapping("xero", root=mapping_dir, seller="nobody").hash == base.hash


def test_an_unknown_transaction_type_is_unmapped_until_it_is_listed(mapping_dir: Path) -> None:
    """`*` amount-type rows would map a line of any type; a type nobody has seen must be looked at first."""
    base = load_mapping("xero", root=mapping_dir)
    assert base.categorize("Order", "ItemFees", "Commission") == "referral_fee"
    assert base.categorize(" order ", "ItemFees", "Commission") == "referral_fee"  # case and blanks ignored
    assert base.categorize("Frobnication", "ItemFees", "Commission") is None
    (mapping_dir / "overrides" / "acme.yaml").write_text("transaction_types: [Frobnication]\n", encoding="utf-8")
    merged = load_mapping("xero", root=mapping_dir, seller="acme")
    assert merged.categorize("Frobnication", "ItemFees", "Commission") == "referral_fee"
    assert merged.hash != base.hash
    (mapping_dir / "common" / "transaction_types.csv").write_text("transaction_type,source\n*,x\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"transaction_types.csv:2: transaction_type must be a literal"):
        load_mapping("xero", root=mapping_dir)


def test_chart_check_flags_tax_codes_and_account_classes(mapping_dir: Path) -> None:
    path = mapping_dir / "xero.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('  reserve_current:  # Reserve withheld (balance sheet)\n    default: {account: "1110"}',
                        '  reserve_current:  # Reserve withheld (balance sheet)\n    default: {account: "6050"}')
    text = text.replace('    bank: "1000"', '    bank: "1100"').replace("UK: {tax_code: VAT20}", "UK: {tax_code: VAT21}", 1)
    path.write_text(text, encoding="utf-8")
    problems = {str(p) for p in check_chart(load_mapping("xero", root=mapping_dir), demo_chart("xero"))}
    assert "categories.reserve_current.default: account 6050 is expense, expected asset or liability" in problems
    assert "flow_accounts.default.bank: account 1100 is not a bank account (kind current_asset)" in problems
    assert any("tax code 'VAT21' is not in the chart" in p for p in problems)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("common/amount_types.csv", "Storage Fee,storage_fee", "Storage Fee,storage_fees"),
         r"amount_types.csv:\d+: category 'storage_fees' is not a canonical category"),
        (("common/amount_types.csv", "*,ItemPrice,Principal,principal", "*,,Principal,principal"),
         r"amount_types.csv:2: empty pattern field"),
        (("xero.yaml", 'default: {account: "6020"}', "default: {account: 6020}"),
         r"categories.storage_fee.default.account: Value error, write account and tax codes as quoted strings"),
        (("xero.yaml", "    suspense: \"9999\"", "    #"), r"flow_accounts.default.suspense is required"),
        (("xero.yaml", "tracking: {Marketplace: Amazon.com}", "tracking: {A: x, B: y, C: z}"),
         r"at most 2 tracking entries"),
        (("xero.yaml", "  CA:\n", "  Non-Amazon:\n"), r"'Non-Amazon' is not a marketplace"),
        (("xero.yaml", "  storage_fee:", "  storage_fees:"), r"categories.storage_fees: not a canonical category"),
    ],
)
def test_errors_name_the_file_row_and_expectation(mapping_dir: Path, edit: tuple[str, str, str], message: str) -> None:
    name, old, new = edit
    path = mapping_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(MappingError, match=message):
        load_mapping("xero", root=mapping_dir)


def test_wave_has_no_tracking(mapping_dir: Path) -> None:
    path = mapping_dir / "wave.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  US:\n    customer: Amazon.com\n",
                                                             "  US:\n    customer: Amazon.com\n    tracking: {a: b}\n"),
                    encoding="utf-8")
    with pytest.raises(MappingError, match="Wave has no tracking"):
        load_mapping("wave", root=mapping_dir)
