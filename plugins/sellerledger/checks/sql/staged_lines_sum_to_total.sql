-- check: sql_lines_sum_to_total
-- stage: staged
-- The staged lines of the settlement sum exactly to its total-amount, and staging.settlements agrees.
SELECT (coalesce(l.lines_sum, 0) = s.total_amount AND s.lines_sum = coalesce(l.lines_sum, 0)
        AND s.line_count = coalesce(l.line_count, 0))                           AS passed,
       format('staged lines sum to %s %s over %s lines; total-amount %s (header says lines_sum %s over %s lines)',
              coalesce(l.lines_sum, 0), s.currency, coalesce(l.line_count, 0), s.total_amount, s.lines_sum,
              s.line_count)                                                     AS message,
       coalesce(l.lines_sum, 0)                                                 AS observed,
       s.total_amount                                                           AS expected,
       s.currency                                                               AS currency,
       jsonb_build_object('line_count', coalesce(l.line_count, 0), 'header_line_count', s.line_count,
                          'difference', (s.total_amount - coalesce(l.lines_sum, 0))::text) AS details
FROM staging.settlements s
LEFT JOIN (SELECT settlement_id, sum(amount) AS lines_sum, count(*) AS line_count
           FROM staging.settlement_lines WHERE settlement_id = %(settlement_id)s GROUP BY settlement_id) l
       USING (settlement_id)
WHERE s.settlement_id = %(settlement_id)s
