-- check: sql_event_group_total
-- stage: staged
-- severity: error
-- Three-way: the closed Finances event group of the same seller, currency and period (start and end within
-- an hour) reports the same total as the settlement file. No matching group, or a group without
-- OriginalTotal, is reported as a passed, skipped comparison.
WITH s AS (
    SELECT * FROM staging.settlements WHERE settlement_id = %(settlement_id)s
), g AS (
    SELECT g.group_id, g.original_total, g.original_currency
    FROM staging.financial_event_groups g, s
    WHERE g.seller = s.seller AND g.group_end IS NOT NULL
      AND (g.original_currency = s.currency OR g.original_currency IS NULL)
      AND g.group_start BETWEEN s.settlement_start_date - interval '1 hour' AND s.settlement_start_date + interval '1 hour'
      AND g.group_end BETWEEN s.settlement_end_date - interval '1 hour' AND s.settlement_end_date + interval '1 hour'
)
SELECT CASE WHEN (SELECT count(*) FROM g) <> 1 OR (SELECT original_total FROM g) IS NULL THEN true
            ELSE (SELECT original_total FROM g) = s.total_amount END            AS passed,
       CASE WHEN (SELECT count(*) FROM g) = 0 THEN 'no Finances event group for this period (skipped)'
            WHEN (SELECT count(*) FROM g) > 1 THEN 'several event groups match this period (skipped)'
            WHEN (SELECT original_total FROM g) IS NULL THEN 'event group has no OriginalTotal (skipped)'
            ELSE format('event group %s total %s %s vs total-amount %s', (SELECT group_id FROM g),
                        (SELECT original_total FROM g), s.currency, s.total_amount) END AS message,
       (SELECT original_total FROM g WHERE (SELECT count(*) FROM g) = 1)        AS observed,
       s.total_amount                                                           AS expected,
       s.currency                                                               AS currency,
       jsonb_build_object('groups', (SELECT coalesce(jsonb_agg(group_id), '[]'::jsonb) FROM g)) AS details
FROM s
