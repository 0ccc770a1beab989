-- check: sql_one_currency
-- stage: staged
-- Every staged line is in the settlement's currency. Lines are counted per currency first (a hash aggregate
-- with one row per currency), not joined whole to the header: on a 1,000,000-line settlement the join and
-- its DISTINCT aggregate sorted every row to disk (2.2 s of B1; this form takes a single scan).
WITH per_currency AS (
    SELECT currency, count(*) AS lines
    FROM staging.settlement_lines
    WHERE settlement_id = %(settlement_id)s
    GROUP BY currency
)
SELECT coalesce(sum(p.lines) FILTER (WHERE p.currency <> s.currency), 0) = 0   AS passed,
       format('%s of %s lines are not in %s', coalesce(sum(p.lines) FILTER (WHERE p.currency <> s.currency), 0),
              coalesce(sum(p.lines), 0), s.currency)                            AS message,
       NULL::numeric AS observed, NULL::numeric AS expected, s.currency AS currency,
       jsonb_build_object('other_currencies',
           coalesce(jsonb_agg(p.currency ORDER BY p.currency) FILTER (WHERE p.currency <> s.currency),
                    '[]'::jsonb))                                               AS details
FROM staging.settlements s
LEFT JOIN per_currency p ON true
WHERE s.settlement_id = %(settlement_id)s
GROUP BY s.currency
