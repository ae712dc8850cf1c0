-- Fewer indexes for a push to build on each dataset's new partition (measured at a million rows on
-- this 2-core machine, benchmarks/bench_postgis.py): the primary key (dataset, id) took 1.0-1.4 s
-- and served no read that events_id_idx does not; events_date_idx took 0.3-0.5 s and is covered by
-- events_filter_idx, which leads with the date. Ids are unique within a dataset by the importers'
-- own check (a repeated id is rejected with its row number); curated ids keep a primary key on
-- their own partition, the one every edit goes to, with its own statement trigger for the version.
ALTER TABLE events DROP CONSTRAINT events_pkey;
DROP INDEX IF EXISTS events_date_idx;
ALTER TABLE events_curated ADD CONSTRAINT events_curated_pkey PRIMARY KEY (id);
CREATE TRIGGER events_curated_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON events_curated
    FOR EACH STATEMENT EXECUTE FUNCTION bump_store_version();
