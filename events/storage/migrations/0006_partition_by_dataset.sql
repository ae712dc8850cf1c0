-- events becomes a table partitioned by dataset: each dataset (and the curated catalogue) is a
-- partition of its own. A push replaces a dataset by loading a new table (COPY ... FREEZE, no
-- index to maintain row by row), attaching it (its indexes are built then, on its rows alone) and
-- dropping the old one: the other datasets' rows and indexes are not touched. The primary key
-- takes the partition key: (dataset, id); curated ids stay unique within their one partition.
CREATE TABLE events_new (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS)
    PARTITION BY LIST (dataset);
CREATE TABLE events_curated PARTITION OF events_new FOR VALUES IN ('curated');
DO $$
DECLARE
    d text;
    cols text;
BEGIN
    FOR d IN SELECT DISTINCT dataset FROM events WHERE dataset <> 'curated' LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF events_new FOR VALUES IN (%L)',
                       'events_' || substr(md5(d), 1, 12) || '_0', d);
    END LOOP;
    SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO cols
        FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'events' AND is_generated = 'NEVER';
    EXECUTE format('INSERT INTO events_new (%s) SELECT %s FROM events', cols, cols);
END $$;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (dataset, id);
CREATE INDEX events_geom_idx ON events USING gist (geom);
CREATE INDEX events_date_idx ON events (date);
CREATE INDEX events_review_idx ON events (review) WHERE review <> 'approved';
CREATE INDEX events_filter_idx ON events (date) INCLUDE (
    lon, lat, review, event_type, dataset, sub_event_type, claim_status, country, admin1_code, end_date,
    fatalities, injured, uncertainty_km);
CREATE INDEX events_dataset_order_idx ON events (dataset COLLATE "C", seq);
CREATE INDEX events_facets_idx ON events (review, claim_status, country, admin1_code);
CREATE INDEX events_id_idx ON events (id);  -- lookups by id across datasets (the ids filter)
CREATE TRIGGER events_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION bump_store_version();
