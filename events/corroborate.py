"""Who else saw it: candidate matches between two sets of events, each with its score and reasons.

An analyst's first question about a claim is whether anyone independent reported the same
thing. A candidate pairs an event with a row of another set (a dataset, or the same set for
duplicates) when
  - their date spans overlap, each side at its own precision (a week-precision row spans its
    whole Monday-to-Sunday week, a month-precision row its month), give or take DAY_SLACK;
  - their places lie within both sides' uncertainty plus MARGIN_KM (a region-level row, whose
    uncertainty is its whole region, can only match weakly);
  - their types are compatible by the one table TYPE_RELATION (a capture claim meets battles and
    strategic developments; a drone strike meets explosions).
Every candidate carries km, days apart, the type relation and the shared place name or actor,
so a person can judge it; `score` (0-1) orders them.

It is column work: both sets are cut into grid cells of CELL_DEG and days, joined on (cell,
day) with the eight neighbouring cells, and only the pairs that share a cell-day are measured.
Ten thousand events against a million rows is a join of a few hundred thousand keys, not ten
billion pairs. Rows whose uncertainty is wider than a cell (region-level rows) are joined on
their admin-1 region instead.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from events.vocab import EVENT_TYPES, NOT_SAME, RELATIONS, SUB_EVENT_TYPES

MARGIN_KM = 5.0
DAY_SLACK = 1  # a strike reported the next morning is dated a day later by half the sources
CELL_DEG = 1.0  # about 111 km north-south: wider than any point's search radius below
POINT_RADIUS_MAX_KM = 50.0  # a row less precise than this is matched by its region
REGION_WEIGHT = 0.5  # a match through a region-level row is weak
COLUMNS = ["id", "dataset", "date", "end_date", "date_precision", "event_type", "sub_event_type", "lat", "lon",
           "uncertainty_km", "geo_precision", "location_name", "actor1", "actor2", "admin1_code"]

# How two kinds of event relate, by event type and, where it says more, by sub-event type.
# 1.0 the same kind; 0.6 one may well be reported as the other; absent: incompatible.
# A capture claim (a territory sub-type) meets battles and strategic developments; a strike
# meets explosions of any sub-type; violence against civilians meets the strikes that killed them.
TYPE_RELATION: dict[tuple[str, str], float] = {}


def _relate(a: str, b: str, strength: float) -> None:
    TYPE_RELATION[(a, b)] = TYPE_RELATION[(b, a)] = strength


for _t in ("Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
           "Strategic developments"):
    _relate(_t, _t, 1.0)
_relate("Battles", "Explosions/Remote violence", 0.6)  # shelling during fighting is coded either way
_relate("Battles", "Strategic developments", 0.6)  # a withdrawal, a transfer of territory
_relate("Explosions/Remote violence", "Violence against civilians", 0.6)
_relate("Protests", "Riots", 0.6)
for _sub in ("Non-state actor overtakes territory", "Government regains territory",
             "Non-violent transfer of territory"):
    _relate(_sub, "Battles", 1.0)
    _relate(_sub, "Strategic developments", 0.8)
    _relate(_sub, "Explosions/Remote violence", 0.0)  # a capture is not a strike
for _sub in ("Air/drone strike", "Shelling/artillery/missile attack"):
    _relate(_sub, "Explosions/Remote violence", 1.0)
    _relate(_sub, "Violence against civilians", 0.6)
    _relate(_sub, "Battles", 0.6)


def type_relation(a_type: str, a_sub: str, b_type: str, b_sub: str) -> float:
    """The table's word for two events' kinds: sub-types first, then event types."""
    for a in (a_sub, a_type):
        for b in (b_sub, b_type):
            if (a, b) in TYPE_RELATION:
                return TYPE_RELATION[(a, b)]
    return 0.0


def spans(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's first and last day (datetime64[D]) at its own precision."""
    start = df["date"].to_numpy("datetime64[D]")
    end = df["end_date"].to_numpy("datetime64[D]") if "end_date" in df else start.copy()
    end = np.where(np.isnat(end), start, end)
    prec = df["date_precision"].astype(str).to_numpy() if "date_precision" in df else np.full(len(df), "day")
    week = prec == "week"
    monday = start - ((start.astype("datetime64[D]").view("int64") - 4) % 7)  # 1970-01-01 was a Thursday
    start = np.where(week, monday, start)
    end = np.where(week, np.maximum(end, monday + 6), end)
    month = prec == "month"
    first = start.astype("datetime64[M]").astype("datetime64[D]")
    last = (start.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    return np.where(month, first, start), np.where(month, np.maximum(end, last), end)


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"row": np.arange(len(df))})
    out["start"], out["end"] = spans(df)
    out["lat"] = df["lat"].to_numpy(float)
    out["lon"] = df["lon"].to_numpy(float)
    unc = pd.to_numeric(df["uncertainty_km"], errors="coerce").to_numpy(float)
    out["unc"] = np.where(np.isnan(unc), 2.0, unc)
    out["region"] = out["unc"] > POINT_RADIUS_MAX_KM
    out["admin1"] = df["admin1_code"].astype(object).to_numpy() if "admin1_code" in df else None
    return out[np.isfinite(out["lat"]) & np.isfinite(out["lon"])]


def _explode_days(p: pd.DataFrame, slack: int) -> pd.DataFrame:
    """One row per (event, day it may have happened on): the date join's key."""
    first = (p["start"].to_numpy("datetime64[D]") - slack).view("int64")
    last = (p["end"].to_numpy("datetime64[D]") + slack).view("int64")
    n = (last - first + 1).clip(1, 62)  # a month's span and its slack at most
    rows = np.repeat(np.arange(len(p)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    return pd.DataFrame({"i": p.index.to_numpy()[rows], "day": first[rows] + offset})


def _pairs_by_grid(lp: pd.DataFrame, rp: pd.DataFrame) -> pd.DataFrame:
    """(left index, right index) of point rows sharing a day and a cell or a neighbouring cell."""
    if lp.empty or rp.empty:
        return pd.DataFrame({"i": [], "j": []}, dtype=np.int64)
    ly, lx = np.floor(lp["lat"] / CELL_DEG).astype(np.int64), np.floor(lp["lon"] / CELL_DEG).astype(np.int64)
    ry, rx = np.floor(rp["lat"] / CELL_DEG).astype(np.int64), np.floor(rp["lon"] / CELL_DEG).astype(np.int64)
    rcell = pd.DataFrame({"j": rp.index.to_numpy(), "cell": (ry * 100_000 + rx).to_numpy()})
    rdays = _explode_days(rp, 0).rename(columns={"i": "j"}).merge(rcell, on="j")
    ldays = _explode_days(lp, DAY_SLACK)
    lcell = pd.DataFrame({"i": lp.index.to_numpy(), "y": ly.to_numpy(), "x": lx.to_numpy()})
    ldays = ldays.merge(lcell, on="i")
    frames = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            key = ldays.assign(cell=(ldays["y"] + dy) * 100_000 + ldays["x"] + dx)[["i", "day", "cell"]]
            frames.append(key.merge(rdays, on=["day", "cell"])[["i", "j"]])
    return pd.concat(frames, ignore_index=True).drop_duplicates()


def _pairs_by_region(lp: pd.DataFrame, rp: pd.DataFrame) -> pd.DataFrame:
    """Pairs where either side is region-level: same admin-1 and a shared day."""
    out = []
    for left, right in ((lp[lp["region"]], rp), (lp, rp[rp["region"]])):
        if left.empty or right.empty or left["admin1"].isna().all():
            continue
        a = _explode_days(left, DAY_SLACK).merge(left[["admin1"]], left_on="i", right_index=True)
        b = _explode_days(right, 0).rename(columns={"i": "j"}).merge(right[["admin1"]], left_on="j",
                                                                      right_index=True)
        out.append(a.dropna(subset=["admin1"]).merge(b, on=["day", "admin1"])[["i", "j"]])
    if not out:
        return pd.DataFrame({"i": [], "j": []}, dtype=np.int64)
    return pd.concat(out, ignore_index=True).drop_duplicates()


def candidates(left: pd.DataFrame, right: pd.DataFrame, *, same_set: bool = False,
               min_score: float = 0.0) -> pd.DataFrame:
    """Every candidate match of a left event in the right set, best first.

    Columns: event_id, event_dataset, match_id, match_dataset, km, days, type_relation, score,
    reasons. same_set: left and right are one set (duplicates within a dataset): each pair once,
    never an event with itself.
    """
    left = left.reset_index(drop=True)
    right = right.reset_index(drop=True)
    lp, rp = _prepare(left), _prepare(right)
    pairs = pd.concat([_pairs_by_grid(lp[~lp["region"]], rp[~rp["region"]]), _pairs_by_region(lp, rp)],
                      ignore_index=True).drop_duplicates()
    i = pairs["i"].to_numpy(np.int64)
    j = pairs["j"].to_numpy(np.int64)
    if same_set:
        keep = i < j
        i, j = i[keep], j[keep]
    km = _km(lp.loc[i, "lat"].to_numpy(), lp.loc[i, "lon"].to_numpy(), rp.loc[j, "lat"].to_numpy(),
             rp.loc[j, "lon"].to_numpy())
    reach = lp.loc[i, "unc"].to_numpy() + rp.loc[j, "unc"].to_numpy() + MARGIN_KM
    region = lp.loc[i, "region"].to_numpy() | rp.loc[j, "region"].to_numpy()
    near = km <= reach
    i, j, km, reach, region = i[near], j[near], km[near], reach[near], region[near]
    # days apart: 0 when the spans overlap, else the gap (within DAY_SLACK by the join)
    gap = np.maximum(lp.loc[i, "start"].to_numpy("datetime64[D]") - rp.loc[j, "end"].to_numpy("datetime64[D]"),
                     rp.loc[j, "start"].to_numpy("datetime64[D]") - lp.loc[i, "end"].to_numpy("datetime64[D]"))
    days = np.maximum(gap.astype("timedelta64[D]").astype(np.int64), 0)
    rel = _relations(left, right, i, j)
    ok = (rel > 0) & (days <= DAY_SLACK)
    i, j, km, reach, region, days, rel = (a[ok] for a in (i, j, km, reach, region, days, rel))
    place = 1.0 - km / reach
    when = 1.0 - days / (DAY_SLACK + 1)
    score = rel * (0.55 * place + 0.45 * when) * np.where(region, REGION_WEIGHT, 1.0)
    out = pd.DataFrame({
        "event_id": left["id"].to_numpy(object)[i], "event_dataset": left["dataset"].astype(str).to_numpy(object)[i],
        "match_id": right["id"].to_numpy(object)[j], "match_dataset": right["dataset"].astype(str).to_numpy(object)[j],
        "km": np.round(km, 1), "days": days, "type_relation": rel, "score": np.round(score, 3),
    })
    out["reasons"] = _reasons(left, right, i, j, out, region)
    out = out[out["score"] >= min_score]
    return out.sort_values(["score", "event_id", "match_id"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


def against(store, f, datasets: list[str], *, min_score: float = 0.0) -> pd.DataFrame:
    """The candidates of the events a filter selects among the rows of the named datasets, through
    the store (embedded or PostGIS alike: both hand the same columns to the same join). Within
    one dataset (the filter selects only it) each pair comes once; an event is never its own
    candidate, and a pair a person has already decided (a link of any relation, a 'not-same'
    included) is not proposed again."""
    from events.filters import make_filter

    left = store.select(f, COLUMNS)
    right_filter = make_filter(datasets=datasets)
    if f.date_from or f.date_to:  # only the rows that could overlap the events' dates, with slack
        pad = pd.Timedelta(days=DAY_SLACK + 31)
        right_filter = replace(right_filter,
                               date_from=(pd.Timestamp(f.date_from) - pad).date() if f.date_from else None,
                               date_to=(pd.Timestamp(f.date_to) + pad).date() if f.date_to else None)
    right = store.select(right_filter, COLUMNS)
    same = set(left["dataset"].astype(str).unique()) == set(datasets) and len(left) == len(right)
    out = candidates(left, right, same_set=same, min_score=min_score)
    if not same:
        out = out[(out["event_id"] != out["match_id"]) | (out["event_dataset"] != out["match_dataset"])]
    out = _undecided(store, out)
    return out.sort_values(["score", "event_id", "match_dataset", "match_id"], ascending=[False, True, True, True],
                           kind="stable").reset_index(drop=True)


def _undecided(store, out: pd.DataFrame) -> pd.DataFrame:
    """The candidates no curated record has a link for yet, at either end."""
    if out.empty:
        return out
    linked = store.links()
    if not linked:
        return out
    pairs = pd.DataFrame([(a, x.other) for a, links in linked.items() for x in links], columns=["event_id", "match_id"])
    hit = out[["event_id", "match_id"]].astype(str).merge(pairs.assign(_decided=True), how="left",
                                                          on=["event_id", "match_id"])["_decided"]
    return out[~hit.fillna(False).to_numpy(bool)]


def accept(store, found: pd.DataFrame, *, above: float, relation: str, user: str) -> list[tuple[str, int]]:
    """Write the candidates scoring at least `above` as `related` links of their curated events.
    Returns (event id, links added) per record changed."""
    if relation not in RELATIONS:
        raise ValueError(f"relation {relation!r}: one of {', '.join(RELATIONS)}")
    chosen = found[(found["score"] >= above) & (found["event_dataset"] == "curated")]
    return decide(store, chosen.assign(decision=relation), user=user)


# What a reviewer may write in a candidate file's `decision` column: a relation, or 'reject'
# (the same as 'not-same'); a blank leaves the candidate for later.
DECISIONS = (*RELATIONS, "reject")


def decide(store, decided: pd.DataFrame, *, user: str) -> list[tuple[str, int]]:
    """Write each candidate's decision (a `decision` column: a relation, or 'reject') as a link
    of its curated event, through the store: each record saved once with all its new links (a
    version and a history line, like any edit: a change to an approved event goes back to
    review). A rejection is a 'not-same' link, so the pair is never proposed again. Links
    already there are not written twice. Returns (event id, links added) per record changed.

    Dataset rows are never edited: a link to one names its source id (ACLED's event_id_cnty,
    UCDP's id), which a re-import keeps, and `validate` says so when the row is gone."""
    changed = []
    for event_id, rows in decided.groupby("event_id", sort=True):
        current = store.get(str(event_id))
        record = dict(current.record)
        links = list(record.get("related") or [])
        have = {str(x["id"]) for x in links}
        new = []
        for r in rows.itertuples():
            if str(r.match_id) in have or str(r.match_id) == str(event_id):
                continue
            relation = NOT_SAME if r.decision == "reject" else str(r.decision)
            score = getattr(r, "score", None)
            said = f" (score {score:g})" if score is not None and score == score else ""
            new.append({"id": str(r.match_id), "relation": relation,
                        "note": f"{r.match_dataset}: {getattr(r, 'reasons', '')}{said}"[:500]})
            have.add(str(r.match_id))
        if not new:
            continue
        record["related"] = links + new
        store.save(record, version=current.version, user=user)
        changed.append((str(event_id), len(new)))
    return changed


def read_decisions(path) -> pd.DataFrame:
    """A candidate file this module wrote (CSV or JSON) with a reviewer's `decision` column filled
    in: the rows decided. A bad file or value raises EventsError naming the file, row and field."""

    from events.errors import EventsError

    path = Path(path)
    try:
        if path.suffix.lower() == ".json":
            frame = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise EventsError(f"{path}: not a candidate file: {str(exc).splitlines()[0][:200]}") from None
    missing = [c for c in ("event_id", "event_dataset", "match_dataset", "match_id", "decision") if c not in frame]
    if missing:
        raise EventsError(f"{path}: no column {', '.join(missing)}; write the file with `corroborate --out` and "
                          f"fill in `decision` ({', '.join(DECISIONS)}, or blank to leave it)")
    decision = frame["decision"].fillna("").astype(str).str.strip().str.lower()
    bad = ~decision.isin(("", *DECISIONS))
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise EventsError(f"{path}: row {row + 2}, decision: {frame['decision'].iloc[row]!r} is not one of "
                          f"{', '.join(DECISIONS)} (or blank)")
    chosen = frame.assign(decision=decision)[decision != ""]
    not_curated = chosen["event_dataset"].astype(str) != "curated"
    if not_curated.any():
        row = int(chosen.index[not_curated.to_numpy().argmax()])
        raise EventsError(f"{path}: row {row + 2}, event_dataset: only curated events carry links "
                          f"({chosen['event_dataset'].iloc[int(not_curated.to_numpy().argmax())]!r} is a dataset)")
    if "score" in chosen:
        chosen = chosen.assign(score=pd.to_numeric(chosen["score"], errors="coerce"))
    return chosen


def to_bytes(found: pd.DataFrame, fmt: str) -> bytes:
    """The candidate file: CSV (one line per candidate) or JSON (a list of objects)."""
    if fmt == "json":
        rows = found.assign(km=found["km"].astype(float), days=found["days"].astype(int),
                            type_relation=found["type_relation"].astype(float), score=found["score"].astype(float))
        return (json.dumps(rows.to_dict(orient="records"), ensure_ascii=False, indent=1) + "\n").encode()
    return found.to_csv(index=False, lineterminator="\n").encode()


def _km(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _relations(left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """TYPE_RELATION for each pair, looked up once per distinct pair of kinds."""
    lk = (left["event_type"].astype(str) + "\x1f" + left["sub_event_type"].astype(str)).to_numpy(object)[i]
    rk = (right["event_type"].astype(str) + "\x1f" + right["sub_event_type"].astype(str)).to_numpy(object)[j]
    kinds = pd.Series(lk + "\x1e" + rk)
    codes, uniq = pd.factorize(kinds)
    values = np.array([type_relation(*(a.split("\x1f") + b.split("\x1f")))
                       for a, b in (u.split("\x1e") for u in uniq)] or [0.0])
    return values[codes] if len(codes) else np.zeros(0)


def _reasons(left, right, i, j, out: pd.DataFrame, region: np.ndarray) -> np.ndarray:
    """The words a person judges a candidate by: km, days, kinds, a shared place or actor."""
    lplace, rplace = _place_keys(left)[i], _place_keys(right)[j]
    actors_l, actors_r = _actor_words(left)[i], _actor_words(right)[j]
    types = (left["sub_event_type"].astype(str).to_numpy(object)[i] + " ~ "
             + right["sub_event_type"].astype(str).to_numpy(object)[j])
    km, days, rel = out["km"].to_numpy(), out["days"].to_numpy(), out["type_relation"].to_numpy()
    text = pd.Series([f"{d:g} km apart; " + ("dates overlap" if t == 0 else f"{t} day(s) apart") + f"; {ty} ({r:g})"
                      for d, t, ty, r in zip(km, days, types, rel)], dtype=object)
    text = text.where(~region, text + "; region-level row: weak")
    ids_l = left["id"].astype(str).to_numpy(object)[i]
    ids_r = right["id"].astype(str).to_numpy(object)[j]
    text = text.where(ids_l != ids_r, text + "; same id: the same source row (another release?), not an "
                                             "independent report")
    same = (lplace == rplace) & (lplace != "")
    text = text.where(~same, text + "; same place name")
    shared = [", ".join(sorted(a & b)) for a, b in zip(actors_l, actors_r)]
    has = np.array([bool(x) for x in shared], dtype=bool)
    text = text.where(~has, text + "; shared actor: " + pd.Series(shared, dtype=object))
    return text.to_numpy(object)


def _place_keys(df: pd.DataFrame) -> np.ndarray:
    """Each row's place-name key, computed once per distinct name."""
    from geodata.names import name_key

    if "location_name" not in df:
        return np.full(len(df), "", dtype=object)
    codes, uniq = pd.factorize(df["location_name"].astype(object))
    keys = np.array([name_key(str(u)) if u is not None and str(u) not in ("", "nan", "None") else ""
                     for u in uniq] + [""], dtype=object)
    return keys[codes]


_STOP = frozenset({"of", "the", "and", "forces", "military", "army", "armed", "unidentified", "nan", "none"})


def _actor_words(df: pd.DataFrame) -> np.ndarray:
    """Each row's actor words ('russia', 'ukraine', ...), per distinct actor pair."""
    blank = pd.Series([""] * len(df), dtype=object)
    a1 = df["actor1"].astype(object).fillna("").astype(str) if "actor1" in df else blank
    a2 = df["actor2"].astype(object).fillna("").astype(str) if "actor2" in df else blank
    pair = (a1.to_numpy(object) + " " + a2.to_numpy(object))
    pair = pd.Series(pair, dtype=object).str.lower()
    codes, uniq = pd.factorize(pair)
    sets = [frozenset(w for w in re.findall(r"[a-z]+", u) if len(w) > 3 and w not in _STOP) for u in uniq]
    return np.array(sets + [frozenset()], dtype=object)[codes]


def validate_types() -> None:
    """Every name in the table is an ACLED type or sub-type (a typo would silently never match)."""
    known = set(EVENT_TYPES) | set(SUB_EVENT_TYPES)
    bad = {name for pair in TYPE_RELATION for name in pair} - known
    assert not bad, f"TYPE_RELATION names unknown types: {sorted(bad)}"


validate_types()
