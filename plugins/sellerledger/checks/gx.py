"""great-expectations 1.x suites on the staging tables of one settlement, results as CheckResults.

Suites: `settlement_lines` (rows exist; required V2 columns not null; line numbers unique; one currency;
amounts sum exactly to total-amount; posted dates inside the settlement window) and `settlement_header`
(total and currency present, end not before start). The posted-date expectation is a warning: the
settlement check `dates_in_window` (with its configurable slack) decides. GX runs on an ephemeral context (no files written),
on a pandas frame read from Postgres. Amounts never become floats: they are compared as integer minor
units (amount x 10^places, exact). `great_expectations` is imported inside the function only (it takes
seconds to import) so that importing this module stays cheap.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg

from sellerledger.checks.settlement import CheckResult


def _places(values: list[Decimal]) -> int:
    return max([0, *(-v.as_tuple().exponent for v in values if v.as_tuple().exponent < 0)])  # type: ignore[operator]


def _minor(value: Decimal, places: int) -> int:
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {places} decimals")
    return int(scaled)


def _jsonable(value: Any) -> Any:
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, int | float | bool | str) or value is None:
        return value
    return str(value)


def run_gx_checks(conn: psycopg.Connection[Any], flow_id: str, settlement_id: str) -> list[CheckResult]:
    """Run both suites for one settlement and return one CheckResult per expectation (suite `gx`)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig

    head = conn.execute(
        "SELECT settlement_id, currency, settlement_start_date, settlement_end_date, total_amount"
        " FROM staging.settlements WHERE settlement_id = %s",
        (settlement_id,),
    ).fetchone()
    if head is None:
        return [CheckResult("gx:settlement_header", False, f"settlement {settlement_id} is not staged", suite="gx")]
    _, currency, start, end, total = head
    rows = conn.execute(
        "SELECT settlement_id, line_number, transaction_type, amount_type, amount_description, amount, currency,"
        " posted_date_time FROM staging.settlement_lines WHERE settlement_id = %s ORDER BY line_number",
        (settlement_id,),
    ).fetchall()
    amounts = [r[5] for r in rows if r[5] is not None]
    places = _places([*amounts, total])
    lines = pd.DataFrame(
        {
            "settlement_id": [r[0] for r in rows],
            "line_number": [r[1] for r in rows],
            "amount_type": [r[3] for r in rows],
            "amount_description": [r[4] for r in rows],
            "amount_minor": pd.array([None if r[5] is None else _minor(r[5], places) for r in rows], dtype="Int64"),
            "currency": [r[6] for r in rows],
            "posted_at": pd.to_datetime([r[7] for r in rows], utc=True),
        }
    )
    header = pd.DataFrame(
        {
            "settlement_id": [settlement_id],
            "currency": [currency],
            "total_minor": pd.array([_minor(total, places)], dtype="Int64"),
            "start": pd.to_datetime([start], utc=True),
            "end": pd.to_datetime([end], utc=True),
        }
    )

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.data_sources.add_pandas("staging")
    total_minor = _minor(total, places)
    suites: dict[str, tuple[Any, list[Any]]] = {
        "settlement_lines": (
            lines,
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1),
                *(
                    gxe.ExpectColumnValuesToNotBeNull(column=c)
                    for c in ("settlement_id", "line_number", "amount_type", "amount_description", "amount_minor",
                              "currency")
                ),
                gxe.ExpectColumnValuesToBeUnique(column="line_number"),
                gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=[currency]),
                gxe.ExpectColumnSumToBeBetween(column="amount_minor", min_value=total_minor, max_value=total_minor),
                gxe.ExpectColumnValuesToBeBetween(column="posted_at", min_value=start, max_value=end),
            ],
        ),
        "settlement_header": (
            header,
            [
                gxe.ExpectColumnValuesToNotBeNull(column="total_minor"),
                gxe.ExpectColumnValuesToMatchRegex(column="currency", regex=r"^[A-Z]{3}$"),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end", column_B="start", or_equal=True),
            ],
        ),
    }
    results: list[CheckResult] = []
    for name, (frame, expectations) in suites.items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(f"{name}_whole")
        suite = ctx.suites.add(gx.ExpectationSuite(name=f"{name}_suite"))
        for expectation in expectations:
            suite.add_expectation(expectation)
        validation = ctx.validation_definitions.add(gx.ValidationDefinition(name=f"{name}_vd", data=batch, suite=suite))
        outcome = validation.run(batch_parameters={"dataframe": frame})
        for item in outcome.results:
            config = item.expectation_config
            column = config.kwargs.get("column") or "+".join(
                str(config.kwargs[k]) for k in ("column_A", "column_B") if k in config.kwargs
            )
            check = f"gx:{name}:{config.type}" + (f":{column}" if column else "")
            result = dict(item.result or {})
            details = {k: _jsonable(result[k]) for k in ("observed_value", "unexpected_count", "element_count",
                                                        "partial_unexpected_list") if k in result}
            observed = expected = None
            if config.type == "expect_column_sum_to_be_between" and "observed_value" in result:
                observed = Decimal(int(result["observed_value"])).scaleb(-places)
                expected = total
            message = (f"{config.type} on {name}" + (f".{column}" if column else "")
                       + (" passed" if item.success else f" failed: {details}"))
            # the posted-date window is governed by the settlement check (with its slack); here it only informs
            severity = "warning" if config.type == "expect_column_values_to_be_between" else "error"
            results.append(
                CheckResult(check, bool(item.success), message, severity=severity, suite="gx", observed=observed,
                            expected=expected, currency=currency if observed is not None else None, details=details)
            )
    return results

