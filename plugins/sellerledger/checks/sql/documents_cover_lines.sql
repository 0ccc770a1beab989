-- check: sql_documents_cover_lines
-- stage: documents
-- In the current documents of the flow, every staged line of the settlement is carried exactly once
-- (in a journal line or a netted group), and nothing else is.
WITH carried AS (
    SELECT ds.settlement_id, ds.line_number, count(*) AS times
    FROM accounting.document_sources ds
    JOIN accounting.documents d ON d.key = ds.doc_key
    WHERE d.flow_id = %(flow_id)s AND d.settlement_id = %(settlement_id)s AND d.status = 'current'
    GROUP BY ds.settlement_id, ds.line_number
), staged AS (
    SELECT settlement_id, line_number FROM staging.settlement_lines WHERE settlement_id = %(settlement_id)s
), cmp AS (
    SELECT coalesce(st.line_number, c.line_number) AS line_number, st.line_number IS NOT NULL AS is_staged,
           coalesce(c.times, 0) AS times
    FROM staged st FULL JOIN carried c USING (settlement_id, line_number)
)
SELECT bool_and(is_staged AND times = 1) IS NOT FALSE                           AS passed,
       format('%s staged lines: %s missing from documents, %s carried more than once, %s unknown',
              count(*) FILTER (WHERE is_staged), count(*) FILTER (WHERE is_staged AND times = 0),
              count(*) FILTER (WHERE times > 1), count(*) FILTER (WHERE NOT is_staged)) AS message,
       NULL::numeric AS observed, NULL::numeric AS expected, NULL::text AS currency,
       jsonb_build_object('missing', coalesce(jsonb_agg(line_number ORDER BY line_number)
                                              FILTER (WHERE is_staged AND times = 0), '[]'::jsonb)) AS details
FROM cmp
