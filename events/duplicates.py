"""Likely duplicates of one record about to be saved, among the curated events already held.

"Likely the same incident" is corroboration's rule (events.corroborate.candidates: overlapping
date spans at each side's precision, places within both uncertainties plus a margin, compatible
types), applied to one record against the curated catalogue: a second copy of that rule would
drift. The curation page asks before it adds a record this finds a match for.
"""
from __future__ import annotations

import pandas as pd

from events.corroborate import COLUMNS, candidates

# A match this weak (a region-level place, a neighbouring day) is shown by corroboration but is
# not worth stopping a curator for.
MIN_SCORE = 0.3


def likely_duplicates(store, record: dict, *, min_score: float = MIN_SCORE) -> pd.DataFrame:
    """The curated events likely to be the same incident as record, best first (corroborate's
    columns: match_id, km, days, score, reasons). Empty when the record cannot be placed yet (the
    save will say why) or nothing is close."""
    from events.columns import conform
    from events.errors import EventsError
    from events.filters import make_filter
    from events.records import event_row, locate_event
    from events.storage.base import validate_record
    from geodata.gazetteer import GazetteerGeocoder

    empty = pd.DataFrame(columns=["event_id", "match_id", "km", "days", "score", "reasons"])
    try:
        event = validate_record(record, str(record.get("id", "")))
    except EventsError:
        return empty
    derived, problem, h = locate_event(event, GazetteerGeocoder())
    if problem is not None or derived is None:
        return empty
    one = conform(pd.DataFrame([event_row(event, "", {**derived, "id": event.id, "location_hash": h})]))
    curated = store.select(make_filter(datasets=["curated"], review=["all"]), COLUMNS)  # its own id too: a
    # second draft of one report gets the first one's id, and is the plainest duplicate of all
    if curated.empty:
        return empty
    found = candidates(one[COLUMNS], curated, min_score=min_score)
    return found.reset_index(drop=True)
