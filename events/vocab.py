"""ACLED's vocabulary, so that our exports read in tools built for ACLED.

Six event types, 25 sub-event types (ACLED Codebook 2023), and the derived
disorder type of each.
"""
from __future__ import annotations

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": (
        "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED", "Grenade",
    ),
    "Violence against civilians": ("Sexual violence", "Attack", "Abduction/forced disappearance"),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
        "Headquarters or base established", "Looting/property destruction",
        "Non-violent transfer of territory", "Other",
    ),
}
SUB_EVENT_TYPES: dict[str, str] = {sub: et for et, subs in EVENT_TYPES.items() for sub in subs}
assert len(EVENT_TYPES) == 6 and len(SUB_EVENT_TYPES) == 25

DISORDER_TYPE = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}

DATE_PRECISION = {"day": 1, "week": 2, "month": 3}  # ACLED time_precision
CLAIM_STATUSES = ("reported", "claimed", "confirmed", "disputed")
# One side's word, or contested: counted apart in the metrics, marked on clusters, hatched on cells.
CLAIMED_OR_DISPUTED = ("claimed", "disputed")
# A curated record's way to publication: the author drafts, asks for review, and another
# person approves or rejects it. Imported datasets are published as they are (approved).
REVIEW_STATES = ("draft", "in_review", "approved", "rejected")
# Export formats (events/export.py writes them): the CLI's --format choices and the page's download
# buttons come from here, with each one's media type and name as a person reads it.
EXPORT_FORMATS = ("geojson", "csv")
MEDIA_TYPES = {"geojson": "application/geo+json", "csv": "text/csv"}
FORMAT_NAMES = {"geojson": "GeoJSON", "csv": "CSV"}
DATE_PRECISIONS = tuple(DATE_PRECISION)
# How two records relate (a record's `related` links); each reads the same both ways. The
# SEEN_RELATIONS say someone else saw it: they count as corroboration (the `seen` filter, "seen by
# N"). NOT_SAME is a person's "no" to a proposed candidate: kept on the record so the candidate is
# never proposed again, and shown nowhere else.
NOT_SAME = "not-same"
RELATIONS = ("contradicts", "corroborates", "same-incident", NOT_SAME)
SEEN_RELATIONS = ("corroborates", "same-incident")
CLAIM_MEANING = {
    "reported": "reported by officials or media, not contested",
    "claimed": "one party's assertion, not independently verified",
    "confirmed": "verified independently or acknowledged by the other side",
    "disputed": "contradicted by another party or source",
}

# ACLED's 31 export columns, in ACLED's order.
ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)
OUR_COLUMNS = ("claim_status", "claimed_by", "source_urls", "uncertainty_km", "id", "review", "seen_by", "related")
assert len(ACLED_COLUMNS) == 31

# A dataset's name: a folder name and a URL value, so nothing that needs quoting (re.fullmatch).
DATASET_NAME = r"[a-z0-9][a-z0-9_-]{0,63}"
CURATED = "curated"  # the hand-curated catalogue's dataset name
