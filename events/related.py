"""Links between events (`related:` in a record): contradicts, corroborates, same-incident.

A record states its own links; each relation reads the same both ways, so the index the views
use holds every link from both ends (the other record need not repeat it), and a link whose
other end is missing is a problem `validate` names.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from events.errors import Problem


@dataclass(frozen=True)
class Link:
    other: str
    relation: str
    note: str | None
    stated_by: str  # the id of the record that states the link


def index(frame: pd.DataFrame) -> dict[str, list[Link]]:
    """Every event's links, from both ends, in the order the records give them."""
    out: dict[str, list[Link]] = {}
    if frame.empty or "related" not in frame:
        return out
    for event_id, rel in zip(frame["id"].astype(str), frame["related"]):
        if not isinstance(rel, list):
            continue
        for r in rel:
            other, relation, note = str(r["id"]), str(r["relation"]), r.get("note")
            out.setdefault(event_id, []).append(Link(other, relation, note, event_id))
            out.setdefault(other, []).append(Link(event_id, relation, note, event_id))
    for event_id, links in out.items():  # stated at both ends: one link each way
        seen: set[str] = set()
        out[event_id] = [x for x in links if not (x.other in seen or seen.add(x.other))]
    return out


def dangling_relations(frame: pd.DataFrame, known: Callable[[set[str]], set[str]] | None = None) -> list[Problem]:
    """A `related` id that names no event (mistyped, or the other record retracted): one problem
    per link, naming the file and the entry. `known` says which of the ids outside the catalogue
    exist elsewhere (an imported dataset's events may be linked too)."""
    if frame.empty or "related" not in frame:
        return []
    ids = set(frame["id"].astype(str))
    links = [(str(path), i, r["id"]) for path, rel in zip(frame["path"], frame["related"])
             if isinstance(rel, list) for i, r in enumerate(rel)]
    missing = {target for _, _, target in links if target not in ids}
    if missing and known is not None:
        missing -= known(missing)
    return [Problem(path, f"related[{i}].id", f"no event {target!r} in the catalogue or the datasets "
                                               "(mistyped, or that record was retracted)")
            for path, i, target in links if target in missing]
