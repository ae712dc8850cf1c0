"""Realistic synthetic events, built column-wise: points inside Ukrainian and Russian
oblasts (weighted toward the front), 2022-2025 dates, ACLED's type mix for this war.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from events.store import conform
from events.vocab import EVENT_TYPES

# Share of each ACLED event type in Ukraine 2022-2025, approximately.
TYPE_MIX = {
    "Explosions/Remote violence": 0.78, "Battles": 0.16, "Strategic developments": 0.03,
    "Violence against civilians": 0.015, "Protests": 0.012, "Riots": 0.003,
}
# Where events fall (oblast ISO codes and weights): mostly the front-line oblasts.
REGION_WEIGHTS = {
    "UA-14": 0.34, "UA-23": 0.13, "UA-63": 0.12, "UA-65": 0.10, "UA-59": 0.06, "UA-09": 0.05,
    "UA-12": 0.04, "UA-74": 0.02, "UA-48": 0.02, "UA-51": 0.01, "UA-30": 0.01,
    "RU-KRS": 0.05, "RU-BEL": 0.04, "RU-BRY": 0.01,
}
CLAIM_MIX = {"reported": 0.6, "claimed": 0.3, "confirmed": 0.07, "disputed": 0.03}


def _points_in(geom, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    lons, lats = [], []
    need = n
    while need > 0:
        k = int(need * 1.6) + 16
        x = rng.uniform(minx, maxx, k)
        y = rng.uniform(miny, maxy, k)
        inside = shapely.contains_xy(geom, x, y)
        lons.append(x[inside][:need])
        lats.append(y[inside][:need])
        need -= int(min(inside.sum(), need))
    return np.concatenate(lons), np.concatenate(lats)


def synthetic_events(n: int, seed: int = 42) -> pd.DataFrame:
    """n events as the store's table (all columns, as an import gives them), without geometry."""
    from geodata.boundaries import admin1
    from geodata.regions import regions

    rng = np.random.default_rng(seed)
    a1 = admin1().set_index("iso_3166_2")
    codes = np.array(list(REGION_WEIGHTS))
    w = np.array(list(REGION_WEIGHTS.values()))
    region = rng.choice(codes, size=n, p=w / w.sum())
    lat = np.empty(n)
    lon = np.empty(n)
    for code in codes:
        idx = np.flatnonzero(region == code)
        if len(idx):
            lon[idx], lat[idx] = _points_in(a1.loc[code, "geometry"], len(idx), rng)
    types = np.array(list(TYPE_MIX))
    tw = np.array(list(TYPE_MIX.values()))
    event_type = rng.choice(types, size=n, p=tw / tw.sum())
    sub = np.empty(n, dtype=object)
    for t in types:
        idx = np.flatnonzero(event_type == t)
        sub[idx] = rng.choice(EVENT_TYPES[t], size=len(idx))
    start = np.datetime64("2022-02-24")
    days = rng.integers(0, (np.datetime64("2025-06-30") - start).astype(int), size=n)
    date = (start + days.astype("timedelta64[D]")).astype("datetime64[ns]")
    claims = rng.choice(list(CLAIM_MIX), size=n, p=list(CLAIM_MIX.values()))
    names = {code: regions().by_code[code].name for code in codes}
    ids = np.char.add("syn-", np.arange(n).astype(str))
    fat = rng.poisson(0.6, n)
    df = pd.DataFrame({
        "id": ids, "dataset": "synthetic", "title": np.char.add("Synthetic event ", np.arange(n).astype(str)),
        "summary": None, "notes": None, "tags": None, "date": date, "end_date": pd.NaT,
        "date_precision": "day", "event_type": event_type, "sub_event_type": sub,
        "actors": None, "actor1": "Military Forces of Russia", "actor2": "Military Forces of Ukraine",
        "location_name": pd.Series(region).map(names).to_numpy(), "location_near": None,
        "fatalities": pd.array(fat, dtype="Int64"), "injured": pd.array([pd.NA] * n, dtype="Int64"),
        "claim_status": claims, "claimed_by": "synthetic",
        "sources": None, "source_outlets": "Synthetic",
        "lat": lat, "lon": lon, "geo_precision": pd.array(rng.choice([1, 2, 3], size=n, p=[.8, .15, .05]), dtype="Int64"),
        "uncertainty_km": rng.choice([1.0, 5.0, 25.0], size=n), "country": np.char.partition(region.astype(str), "-")[:, 0],
        "admin1": pd.Series(region).map(names).to_numpy(), "admin1_code": region,
        "geocoded_by": "synthetic", "geo_flags": None, "contested_name": None,
        "path": None,
    })
    return conform(df)
