-- check: sql_one_currency
-- stage: staged
-- Every staged line is in the settlement's currency.
SELECT count(l.*) FILTER (WHERE l.currency <> s.currency) = 0                   AS passed,
       format('%s of %s lines are not in %s', count(l.*) FILTER (WHERE l.currency <> s.currency), count(l.*),
              s.currency)                                                       AS message,
       NULL::numeric AS observed, NULL::numeric AS expected, s.currency AS currency,
       jsonb_build_object('other_currencies',
           coalesce(jsonb_agg(DISTINCT l.currency) FILTER (WHERE l.currency <> s.currency), '[]'::jsonb)) AS details
FROM staging.settlements s
LEFT JOIN staging.settlement_lines l ON l.settlement_id = s.settlement_id
WHERE s.settlement_id = %(settlement_id)s
GROUP BY s.currency
