-- Control snapshots in the team store: one row per source, holding the same files the embedded
-- store keeps under territory/SOURCE/ (snapshots.parquet, one row group per date, and its
-- manifest), so both stores read them with one reader (events/territory/snapshots.py). A
-- reader keeps a local copy and fetches a source again only when its hash changes.
CREATE TABLE snapshots (
    source text PRIMARY KEY,
    manifest jsonb NOT NULL,
    parquet bytea NOT NULL,
    rejects bytea,
    sha256 text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);

-- An import's rejected rows (line, source id, reason), as the embedded store keeps rejects.csv
-- beside the dataset: `python -m events datasets rejects NAME` prints them from either store.
ALTER TABLE datasets ADD COLUMN rejects bytea;
