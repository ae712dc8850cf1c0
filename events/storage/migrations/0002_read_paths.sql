-- Read paths measured at a million events (benchmarks/bench_postgis.py).
-- One covering index answers counts, summaries, the map's grid and the timeline with index-only
-- scans: a 1,000-byte row (notes are long) is read as a 150-byte index entry. The single-column
-- indexes on low-cardinality columns it replaces were slower than it and cost time on every push.
-- Fixed-width columns first: they are found without walking the text before them.
CREATE INDEX events_filter_idx ON events (date) INCLUDE (
    lon, lat, review, event_type, dataset, sub_event_type, claim_status, country, admin1_code, end_date,
    fatalities, injured, uncertainty_km);
DROP INDEX events_type_idx;
DROP INDEX events_sub_type_idx;
DROP INDEX events_claim_idx;
-- The export order (dataset by name in byte order, then the source's order) straight from an
-- index: a million rows stream without a sort.
CREATE INDEX events_dataset_order_idx ON events (dataset COLLATE "C", seq);
DROP INDEX events_dataset_idx;
