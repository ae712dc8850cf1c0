-- The events table: the same columns as the embedded store's table (events/store.py ALL_COLUMNS),
-- a generated point geometry, and, for curated events, the record, its version and review state.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE events (
    id text PRIMARY KEY,
    dataset text NOT NULL,
    seq bigint NOT NULL,                      -- position within its dataset (the source's order)
    source_row text, title text, summary text, notes text, tags json,              -- json, not jsonb: key order kept for byte-equal exports
    date date NOT NULL, end_date date, date_precision text,
    event_type text NOT NULL, sub_event_type text, actors json, actor1 text, actor2 text,
    location_name text, location_near text,
    fatalities integer, fatalities_low integer, fatalities_high integer, injured integer,
    claim_status text NOT NULL, claimed_by text, sources json, source_outlets text, source_urls text,
    lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    geo_precision integer, uncertainty_km double precision,
    country text, admin1 text, admin1_code text, admin1_source text, geocoded_by text, geo_flags json,
    contested_name text, search_text text, path text,
    review text NOT NULL DEFAULT 'approved' CHECK (review IN ('draft', 'in_review', 'approved', 'rejected')),
    -- ACLED's own columns, kept as text for ACLED imports
    event_id_cnty text, disorder_type text, assoc_actor_1 text, assoc_actor_2 text, inter1 text, inter2 text,
    interaction text, civilian_targeting text, iso text, region text, admin2 text, admin3 text,
    source_scale text, acled_tags text, "timestamp" text,
    geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
    version integer NOT NULL DEFAULT 1,
    author text,                              -- who last changed the content (may not approve it)
    updated_by text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    record jsonb,                             -- curated: the record's fields, as validated
    source_text text                          -- curated: the YAML text pushed (pulled back unchanged)
);

CREATE INDEX events_geom_idx ON events USING gist (geom);
CREATE INDEX events_date_idx ON events (date);
CREATE INDEX events_type_idx ON events (event_type);
CREATE INDEX events_sub_type_idx ON events (sub_event_type);
CREATE INDEX events_country_idx ON events (country);
CREATE INDEX events_admin1_idx ON events (admin1_code);
CREATE INDEX events_dataset_idx ON events (dataset, seq);
CREATE INDEX events_claim_idx ON events (claim_status);
CREATE INDEX events_review_idx ON events (review) WHERE review <> 'approved';

-- Append-only: who changed what, when, before and after; refused attempts included.
CREATE TABLE event_history (
    seq bigserial PRIMARY KEY,
    event_id text NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    who text NOT NULL,
    action text NOT NULL,
    version integer,
    before jsonb,
    after jsonb,
    note text NOT NULL DEFAULT ''
);
CREATE INDEX event_history_event_idx ON event_history (event_id, seq);

CREATE FUNCTION event_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'event_history is append-only';
END $$;
CREATE TRIGGER event_history_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON event_history
    FOR EACH STATEMENT EXECUTE FUNCTION event_history_append_only();

-- Imported datasets' manifests (what the embedded store keeps in manifest.json).
CREATE TABLE datasets (
    name text PRIMARY KEY,
    manifest jsonb NOT NULL,
    pushed_at timestamptz NOT NULL DEFAULT now()
);

-- A counter every change to events moves: the dashboard's caches key on it.
CREATE TABLE store_version (one boolean PRIMARY KEY DEFAULT true CHECK (one), n bigint NOT NULL);
INSERT INTO store_version VALUES (true, 0);
CREATE FUNCTION bump_store_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE store_version SET n = n + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER events_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION bump_store_version();
