-- Counts without a date filter (the map's first view, "claimed in Russia", "Donetsk Oblast") read
-- one small index: its low-cardinality keys deduplicate to about 7 bytes a row, so a million
-- events are a 7 MB index, where the date-led covering index is 148 MB. Measured at a million
-- events (benchmarks/bench_postgis.py, this machine): a count of everything 181 -> 49 ms, claimed
-- in Russia 185 -> 0.3 ms, one oblast 146 -> 70 ms. Four keys, not more: seven (with the types
-- and dataset) answered a type filter in 66 ms instead of 165, but took 4.4 s of every million-row
-- push to build, against 2.4 s.
CREATE INDEX events_facets_idx ON events (review, claim_status, country, admin1_code);
-- The single-column region indexes it makes redundant (each cost half a second of every push).
DROP INDEX IF EXISTS events_country_idx;
DROP INDEX IF EXISTS events_admin1_idx;
