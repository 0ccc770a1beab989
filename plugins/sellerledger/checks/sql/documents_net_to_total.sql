-- check: sql_documents_net_to_total
-- stage: documents
-- Deposit and payable lines of the current documents land exactly total-amount; every document version
-- balances; carried-forward and (per_order) receivable/clearing lines net to zero.
WITH lines AS (
    SELECT dl.*, d.key AS dkey
    FROM accounting.document_lines dl
    JOIN accounting.documents d ON d.key = dl.doc_key
    WHERE d.flow_id = %(flow_id)s AND d.settlement_id = %(settlement_id)s AND d.status = 'current'
), per_doc AS (
    SELECT dkey, sum(amount) AS imbalance, count(DISTINCT currency) AS currencies FROM lines GROUP BY dkey
), s AS (
    SELECT total_amount, currency FROM staging.settlements WHERE settlement_id = %(settlement_id)s
)
SELECT coalesce((SELECT sum(amount) FROM lines WHERE role IN ('deposit', 'payable')), 0) = s.total_amount
       AND coalesce((SELECT sum(amount) FROM lines WHERE role = 'carried_forward'), 0) = 0
       AND coalesce((SELECT sum(amount) FROM lines WHERE role IN ('receivable', 'clearing')), 0) = 0
       AND NOT EXISTS (SELECT 1 FROM per_doc WHERE imbalance <> 0 OR currencies > 1)
       AND NOT EXISTS (SELECT 1 FROM lines WHERE currency <> s.currency)          AS passed,
       format('documents land %s %s (total-amount %s); carried forward %s; clearing %s; %s unbalanced documents',
              coalesce((SELECT sum(amount) FROM lines WHERE role IN ('deposit', 'payable')), 0), s.currency,
              s.total_amount, coalesce((SELECT sum(amount) FROM lines WHERE role = 'carried_forward'), 0),
              coalesce((SELECT sum(amount) FROM lines WHERE role IN ('receivable', 'clearing')), 0),
              (SELECT count(*) FROM per_doc WHERE imbalance <> 0 OR currencies > 1)) AS message,
       coalesce((SELECT sum(amount) FROM lines WHERE role IN ('deposit', 'payable')), 0) AS observed,
       s.total_amount AS expected,
       s.currency AS currency,
       '{}'::jsonb AS details
FROM s
