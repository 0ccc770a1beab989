-- Schemas, raw documents kept forever, and extraction watermarks.
-- raw:     every document fetched or imported, byte for byte (gzip), never updated or deleted.
-- staging: typed rows parsed from raw documents (settlements here; orders and finances in V003).
-- ops:     pipeline bookkeeping (watermarks here; settlement states in V002).

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS ops;

COMMENT ON SCHEMA raw IS 'Documents exactly as received (gzip-compressed), kept forever; the source of truth to re-stage from.';
COMMENT ON SCHEMA staging IS 'Typed rows parsed from raw documents: settlements and their lines, orders, financial events.';
COMMENT ON SCHEMA ops IS 'Pipeline bookkeeping: extraction watermarks, settlement states and their history.';

CREATE TABLE raw.documents (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL,
    sha256      text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    source      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    fetched_at  timestamptz NOT NULL DEFAULT now(),
    byte_size   bigint      NOT NULL CHECK (byte_size >= 0),
    charset     text,
    compression text        NOT NULL DEFAULT 'gzip' CHECK (compression = 'gzip'),
    content     bytea       NOT NULL,
    UNIQUE (kind, sha256)
);
-- Already gzip-compressed: do not let TOAST try to compress it again.
ALTER TABLE raw.documents ALTER COLUMN content SET STORAGE EXTERNAL;

COMMENT ON TABLE raw.documents IS
    'Every document as received (settlement report files, imported files, API pages), one row per distinct '
    'content and kind; kept forever (updates and deletes are refused) so staging can always be rebuilt.';
COMMENT ON COLUMN raw.documents.id IS 'Surrogate key, referenced by staged rows (e.g. staging.settlements.raw_document_id).';
COMMENT ON COLUMN raw.documents.kind IS 'What the document is, e.g. settlement_report (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 or an imported V1/V2 file).';
COMMENT ON COLUMN raw.documents.sha256 IS 'Hex SHA-256 of the uncompressed bytes; unique per kind, so the same content is stored once.';
COMMENT ON COLUMN raw.documents.source IS 'Where the bytes came from at first sight: report_id, report_document_id, file_name, flow_id (no URLs or credentials).';
COMMENT ON COLUMN raw.documents.fetched_at IS 'When the document was first stored.';
COMMENT ON COLUMN raw.documents.byte_size IS 'Size of the uncompressed document in bytes.';
COMMENT ON COLUMN raw.documents.charset IS 'Character set the document was read with (utf-8, utf-8-sig, iso-8859-1, cp1252, cp932, ...), when it is text.';
COMMENT ON COLUMN raw.documents.compression IS 'How content is compressed (always gzip).';
COMMENT ON COLUMN raw.documents.content IS 'The document bytes, gzip-compressed (gunzip gives back the exact bytes received).';

CREATE FUNCTION raw.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'raw.documents rows are kept forever; % of document % refused', lower(TG_OP), OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
COMMENT ON FUNCTION raw.refuse_change() IS 'Refuses UPDATE and DELETE on raw.documents: raw input is never lost or altered.';

CREATE TRIGGER documents_kept_forever
    BEFORE UPDATE OR DELETE ON raw.documents
    FOR EACH ROW EXECUTE FUNCTION raw.refuse_change();

CREATE TABLE ops.watermarks (
    flow_id    text        NOT NULL,
    stream     text        NOT NULL,
    value      timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_id, stream)
);

COMMENT ON TABLE ops.watermarks IS
    'How far each extraction stream has been read, per flow (or per seller key for seller-wide streams); '
    'only ever moves forward (sellerledger.staging.watermarks).';
COMMENT ON COLUMN ops.watermarks.flow_id IS 'Flow id from include/flows.yaml, or a seller key for streams shared by a seller''s flows.';
COMMENT ON COLUMN ops.watermarks.stream IS 'Which stream: settlement_reports, orders, financial_event_groups, ...';
COMMENT ON COLUMN ops.watermarks.value IS 'Everything up to this instant (UTC) has been extracted.';
COMMENT ON COLUMN ops.watermarks.updated_at IS 'When the watermark last moved.';
