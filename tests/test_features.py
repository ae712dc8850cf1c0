"""GeoJSON features built column-wise: the same bytes from an Arrow batch as from its pandas
frame, every value what json.dumps would write, whatever the chunking."""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from events.features import PROPERTIES, escaped, geojson_stream

HOSTILE = ['plain', 'quote " and \\ backslash', "new\nline\ttab \x01", None, "юнікод ${x} `y`", "", "\x1f"]


def test_text_is_escaped_as_json_dumps_escapes_it():
    arr = escaped(pa.array(HOSTILE * 3, type=pa.string()))
    assert ['"' + v + '"' if v is not None else None for v in arr.to_pylist()] == \
        [json.dumps(v, ensure_ascii=False) if v is not None else None for v in HOSTILE * 3]
    plain = pa.array(["no escape here"] * 4)
    assert escaped(plain) is plain  # nothing to escape: the column itself, not a copy


def _batch(n: int = 23) -> pa.Table:
    """A dataset batch as Arrow hands it over: dictionaries with and without nulls, one of a
    single value, plain text with nulls, columns no row has, lists, dates and numbers with gaps."""
    rng = np.random.default_rng(7)
    pick = rng.integers(0, len(HOSTILE), n)
    day = np.datetime64("2024-02-27", "ns") + rng.integers(0, 5, n).astype("timedelta64[D]")

    def dictionary(values, nulls=None):
        return pa.array(values, type=pa.string(), mask=nulls).dictionary_encode()

    gaps = np.arange(n) % 4 == 1
    return pa.table({
        "id": pa.array([f"acled-UKR{i}" for i in range(n)], type=pa.large_string()),
        "dataset": dictionary(["bench"] * n),  # one value: a constant in every chunk
        "title": dictionary([HOSTILE[k] for k in pick], gaps),
        "summary": pa.nulls(n, pa.string()),  # a column no row has
        "notes": pa.array([HOSTILE[k] for k in pick[::-1]], type=pa.large_string()),
        "date": pa.array(day, type=pa.timestamp("ns")),
        "end_date": pa.array(day + np.timedelta64(1, "D"), type=pa.timestamp("ns"), mask=~gaps),
        "event_type": dictionary(["Battles", "Protests"] * (n // 2) + ["Riots"] * (n % 2)),
        "location_name": dictionary([f"Place {i % 5}" for i in range(n)], np.arange(n) % 7 == 3),
        "country": pa.array(["UA" if i % 3 else "RU" for i in range(n)], type=pa.large_string()),
        "lat": pa.array(48 + rng.random(n), mask=np.arange(n) == 5),
        "lon": pa.array(37 + rng.random(n) / 3),
        "geo_precision": pa.array(rng.integers(1, 4, n), type=pa.int64()),
        "uncertainty_km": pa.array(rng.random(n) * 10, mask=gaps),
        "fatalities": pa.array(rng.integers(0, 9, n), type=pa.int64(), mask=np.arange(n) % 5 == 0),
        "geo_flags": pa.array([["admin1-mismatch"] if i % 6 == 2 else None for i in range(n)],
                              type=pa.list_(pa.string())),
        "source_outlets": dictionary([HOSTILE[k] for k in pick[::-1]], np.arange(n) % 8 == 0),
        "claim_status": dictionary(["reported"] * n),
    })


@pytest.mark.parametrize("chunk", [1, 2, 3, 10, 1000])
def test_an_arrow_batch_and_its_pandas_frame_give_the_same_features(chunk):
    table = _batch()
    from_arrow = b"".join(geojson_stream([table], chunk=chunk))
    assert from_arrow == b"".join(geojson_stream([table.to_pandas()], chunk=chunk))
    assert from_arrow == b"".join(geojson_stream([table.slice(0, 9), table.slice(9)], chunk=chunk))


def test_every_property_says_what_the_row_holds():
    table = _batch()
    features = json.loads(b"".join(geojson_stream([table], chunk=4)))["features"]
    rows = table.to_pylist()
    assert len(features) == len(rows)
    for f, row in zip(features, rows):
        p = f["properties"]
        assert list(p) == PROPERTIES and f["id"] == row["id"] == p["id"]
        for name in ("title", "notes", "location_name", "country", "dataset", "event_type", "claim_status"):
            assert p[name] == row[name], name
        assert p["summary"] is None and p["tags"] == [] and p["control"] is None
        assert p["date"] == row["date"].date().isoformat()
        assert p["end_date"] == (row["end_date"].date().isoformat() if row["end_date"] else None)
        assert p["fatalities"] == row["fatalities"] and p["injured"] is None
        assert p["lat"] == (round(row["lat"], 6) if row["lat"] is not None else None)
        assert f["geometry"]["coordinates"] == [round(row["lon"], 6), p["lat"]]
        assert p["uncertainty_km"] == (round(row["uncertainty_km"], 3) if row["uncertainty_km"] is not None else None)
        assert p["geo_flags"] == (row["geo_flags"] or [])
        assert p["sources"] == ([{"outlet": row["source_outlets"], "url": None, "published": None, "quote": None}]
                                if row["source_outlets"] is not None else [])
        assert p["review"] == "approved"  # an imported row carries no review state: it is published


def test_curated_sources_win_over_the_datasets_outlet():
    import pandas as pd

    df = _batch(6).to_pandas()
    listed = [{"outlet": 'Pravda "UA"', "url": "https://example.org/a", "published": "2025-01-11",
               "quote": "line\nbreak"}]
    df["sources"] = [listed, None, listed, None, None, None]
    df["review"] = pd.Series(["draft", None, "approved", None, None, None], dtype=object)
    features = json.loads(b"".join(geojson_stream([df], chunk=4)))["features"]
    assert features[0]["properties"]["sources"] == listed
    assert features[1]["properties"]["sources"] == [{"outlet": df["source_outlets"][1], "url": None,
                                                     "published": None, "quote": None}]
    assert [f["properties"]["review"] for f in features[:3]] == ["draft", "approved", "approved"]
    df["source_outlets"] = pd.Categorical(["ACLED"] * len(df))  # one outlet: a constant in the template
    features = json.loads(b"".join(geojson_stream([df], chunk=4)))["features"]
    assert [f["properties"]["sources"][0]["outlet"] for f in features] == [
        'Pravda "UA"', "ACLED", 'Pravda "UA"', "ACLED", "ACLED", "ACLED"]
