"""The event record, as code. Field names are a contract: tools outside read them.

events/event.schema.json is generated from these models (python -m events schema)
so that editors check YAML as it is typed; a test keeps the two in step.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from events.vocab import CLAIM_STATUSES, DATE_PRECISIONS, EVENT_TYPES, RELATIONS, REVIEW_STATES, SUB_EVENT_TYPES

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
HTTP_URL = r"^https?://[^\s/$.?#][^\s]*$"  # the only links a record may hold
DERIVED_FIELDS = ("lat", "lon", "geo_precision", "uncertainty_km", "admin1_code", "geocoded_by")


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Near(_Strict):
    """'about 10 kilometers northwest of Kurakhove', 'north of Kupiansk', or just 'near Kupiansk'.

    Without a distance and bearing the place lies within NEAR_RADIUS_KM of the reference
    (geodata.locate), and a namesake of the location far from it is not taken for it.
    """

    place: str = Field(min_length=1, description="Reference place, geocoded like a location name")
    distance_km: float | None = Field(None, ge=0, le=1000, description="Omit for plain 'near X'")
    bearing: str | float | None = Field(
        None, description="Compass point (N, NW, NNW, north-west) or degrees; omit for plain 'near X'")

    @field_validator("bearing")
    @classmethod
    def _bearing(cls, v):
        if v is None:
            return v
        from geodata.relative import bearing_degrees

        bearing_degrees(v)
        return v


class Coordinates(_Strict):
    """A manual pin, when the curator knows better than the gazetteer."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Location(_Strict):
    name: str = Field(min_length=1, description="Place name as the source gives it")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    admin1: str | None = Field(None, description="Admin-1 in any common spelling, or ISO 3166-2 code")
    admin2: str | None = Field(None, description="Raion (admin-2), current or former, in any common spelling: "
                                                 "settles which of several same-named villages is meant")
    near: Near | None = None
    coordinates: Coordinates | None = None
    precision: Literal[1, 2, 3] | None = Field(
        None, description="Override of geo_precision: 1 exact place, 2 near/approximate, 3 region")
    uncertainty_km: float | None = Field(None, gt=0, le=2000, description="For manual pins only")

    @model_validator(mode="before")
    @classmethod
    def _no_derived(cls, data):
        if isinstance(data, dict):
            for key in ("lat", "lon"):
                if key in data:
                    raise ValueError(f"'{key}' is derived when the store loads; "
                                     "put a manual pin under 'coordinates: {lat, lon}'")
        return data


class Claim(_Strict):
    status: Literal[CLAIM_STATUSES]
    by: str = Field(min_length=1, description="Who asserts it (e.g. Russian Ministry of Defence)")


class Source(_Strict):
    outlet: str = Field(min_length=1)
    url: str | None = Field(None, description="http(s) only; leave empty when not known, never invent")
    published: dt.date
    quote: str = Field(min_length=1, description="The sentence(s) the event rests on, verbatim")

    @field_validator("url")
    @classmethod
    def _http_only(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not re.match(HTTP_URL, v, re.I):
            raise ValueError(f"url {v!r} is not an http(s) address")
        return v


class Related(_Strict):
    """A link to another record: the Russian capture claim and the Ukrainian 'we held the town'
    claim at one place contradict each other; two reports of one strike are the same incident.
    Each relation reads the same both ways, so the other record shows the link too without
    saying it again."""

    id: str = Field(pattern=SLUG, max_length=120, description="The other event's id")
    relation: Literal[RELATIONS]
    note: str | None = Field(None, max_length=500, description="Why, in a few words")


class Event(_Strict):
    """One located incident from news reports, with who claims it and how precise it is."""

    id: str = Field(pattern=SLUG, max_length=120, description="Lowercase slug, equal to the file stem")
    title: str = Field(min_length=1, max_length=300)
    summary: str | None = None
    notes: str | None = None
    tags: list[str] = Field(default_factory=list)
    date: dt.date
    end_date: dt.date | None = None
    date_precision: Literal[DATE_PRECISIONS] = "day"
    event_type: str
    sub_event_type: str
    actors: list[str] = Field(default_factory=list)
    location: Location
    fatalities: int | None = Field(None, ge=0, description="null when unknown; vague words coded as ACLED")
    injured: int | None = Field(None, ge=0)
    claim: Claim
    sources: list[Source] = Field(min_length=1)
    review: Literal[REVIEW_STATES] = Field(
        "approved", description="Review state: only approved events are shown by default")
    related: list[Related] = Field(default_factory=list, description="Links to other events, with the relation")

    @model_validator(mode="after")
    def _related_elsewhere(self) -> "Event":
        ids = [r.id for r in self.related]
        if self.id in ids:
            raise ValueError(f"related: {self.id!r} is this event itself")
        if len(ids) != len(set(ids)):
            raise ValueError("related: an event is listed twice; give each other event once")
        return self

    @field_validator("event_type")
    @classmethod
    def _event_type(cls, v: str) -> str:
        if v not in EVENT_TYPES:
            raise ValueError(f"unknown event type {v!r}; one of: {', '.join(EVENT_TYPES)}")
        return v

    @field_validator("date", "end_date")
    @classmethod
    def _not_future(cls, v: dt.date | None) -> dt.date | None:
        if v is not None and v > today():
            raise ValueError(f"{v.isoformat()} is in the future")
        return v

    @field_validator("sub_event_type")
    @classmethod
    def _pair(cls, v: str, info: ValidationInfo) -> str:
        owner = SUB_EVENT_TYPES.get(v)
        if owner is None:
            raise ValueError(f"unknown sub-event type {v!r}")
        event_type = info.data.get("event_type")
        if event_type is not None and owner != event_type:
            raise ValueError(f"{v!r} is not a sub-type of {event_type!r} (it belongs to {owner!r})")
        return v

    @field_validator("end_date")
    @classmethod
    def _after_start(cls, v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("date")
        if v is not None and start is not None and v < start:
            raise ValueError(f"end_date {v} is before date {start}")
        return v


def json_schema() -> dict:
    schema = Event.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "event.schema.json"
    # The vocabulary as enums, so editors complete it.
    schema["properties"]["event_type"]["enum"] = list(EVENT_TYPES)
    schema["properties"]["sub_event_type"]["enum"] = list(SUB_EVENT_TYPES)
    return schema
