"""From sentences to candidate events: mentions per clause, merged by kind, place and date.

Two sentences about the same place and date become one candidate; a sentence that names no
place borrows the place of the two sentences before it (or joins the candidate of its kind it
follows); background (dates long before publication, running totals, what 'has raged' for
months, what 'could' happen) makes no candidate.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from geopy.distance import geodesic

from events.draft import what
from events.draft.text import Sentence
from events.draft.when import When, find_dates
from events.draft.where import Mention as PlaceMention
from events.draft.where import Resolved, find_places, resolve
from geodata.errors import GeodataError, UnknownRegion
from geodata.names import name_key
from geodata.regions import resolve_region

# Where one clause ends and another begins: ', and in the Kherson region four people were injured'
# is a second incident of its own place.
_CLAUSE = re.compile(r",\s+which\b|;\s+|\s+[—–]\s+|,\s+but\s+|\s+but\s+|,\s+while\s+|,\s+whereas\s+|"
                     r",\s+and\s+(?=(?:in|near|outside|around|on the outskirts of)\s)|"
                     # 'wounded at least six people in Kharkiv and killed one in the region of Dnipropetrovsk'
                     r",?\s+and\s+(?=(?:killed|wounded|injured|killing|wounding|injuring)\s+[^,.;]{0,40}?\bin\s)")
CLAIM_WINDOW_DAYS = 7  # a statement's date: the incident is on or up to a week before it
CONTEXT_SENTENCES = 4  # how far back a named region still frames a sentence
CARRY_SENTENCES = 2  # how far back a place is still 'there' for a sentence that names none


@dataclass
class Evidence:
    """One thing that happened, in one clause."""

    sentence: Sentence
    clause: tuple[int, int]
    kind: str
    trigger: str
    place: Resolved | None
    place_words: str
    own_date: When | None
    claim_date: When | None
    claimant: what.Claimant | None
    counts: dict[str, list[what.Count]]
    attacker: str | None
    civilians: bool
    claimed_word: bool
    wide: bool = False  # across a whole region ('across the front-line region'), not at one place


@dataclass
class Candidate:
    evidence: list[Evidence] = field(default_factory=list)
    cues: dict[str, list[str]] = field(default_factory=dict)  # 'unverified'/'disputed' -> sentences

    @property
    def kind(self) -> str:
        order = ["territory", "regain", "intercept", "air", "shelling", "prisoners", "clash", "attack", "casualty"]
        return min((e.kind for e in self.evidence), key=order.index)

    @property
    def place(self) -> Resolved | None:
        placed = [e.place for e in self.evidence if e.place is not None and e.place.located]
        if placed:
            return min(placed, key=lambda r: (r.located["geo_precision"], r.located["uncertainty_km"]))
        pending = [e.place for e in self.evidence if e.place is not None]
        return pending[0] if pending else None

    @property
    def sentences(self) -> list[int]:
        return sorted({e.sentence.index for e in self.evidence})


def _clauses(text: str) -> list[tuple[int, int]]:
    cuts = [0] + [m.start() for m in _CLAUSE.finditer(text)] + [len(text)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _span(w: When | None) -> tuple[dt.date, dt.date] | None:
    if w is None:
        return None
    if w.claim:
        return w.start - dt.timedelta(days=CLAIM_WINDOW_DAYS), w.last
    return w.start, w.last


def _dates_fit(c: Candidate, e: Evidence) -> bool:
    mine = _span(e.own_date) or _span(e.claim_date)
    if mine is None:
        return True
    for other in c.evidence:
        theirs = _span(other.own_date) or _span(other.claim_date)
        if theirs is not None and (mine[1] < theirs[0] or theirs[1] < mine[0]):
            return False
    return True


def _places_fit(c: Candidate, e: Evidence) -> bool:
    if e.place is None:
        return True
    mine = e.place.located
    for other in c.evidence:
        if other.place is None:
            continue
        theirs = other.place.located
        if mine is None or theirs is None:
            if e.place.location.get("name", "").lower() != other.place.location.get("name", "").lower():
                return False
            continue
        if 3 in (mine["geo_precision"], theirs["geo_precision"]):  # a region holds the place inside it
            if mine.get("admin1_code") != theirs.get("admin1_code"):
                return False
            continue
        km = geodesic((mine["lat"], mine["lon"]), (theirs["lat"], theirs["lon"])).km
        if km > max(mine["uncertainty_km"], theirs["uncertainty_km"], 3.0):
            return False
    return True


# Kinds that name a weapon: a strike of them hits a city, where "attacks in Kursk" may mean the region.
_WEAPONS = ("air", "shelling")
# A sentence about the whole country ('Russian strikes against Ukraine killed at least 11 civilians … over
# the past day'), whose counts sum many incidents.
_NATIONWIDE = re.compile(r"\b(?:across|against|throughout|all over)\s+(?:Ukraine|Russia|the country)\b|\bnationwide\b|"
                         r"\b(?:attacks?|strikes?|assault|barrage|bombardment)\s+on\s+(?:Ukraine|Russia)\b(?![’']s)|"
                         r"\bin\s+(?:\d+|several|multiple|two|three|four|five|six|seven|eight|nine|ten)\s+"
                         r"(?:oblasts|regions)\b", re.I)
# Words that put a clause across a whole region rather than at the place spoken of before.
_REGION_WIDE = re.compile(r"\b(?:across|throughout|elsewhere in|all over)\s+the\s+(?:[\w-]+\s+)?(?:region|oblast)\b", re.I)
_GROUP = {"prisoners": "battle", "clash": "battle", "territory": "territory", "regain": "territory"}


def _same_group(a: str, b: str) -> bool:
    return _GROUP.get(a, a) == _GROUP.get(b, b)


def _kinds_fit(c: Candidate, e: Evidence) -> bool:
    group = _GROUP
    for other in c.evidence:
        if e.kind in what.GENERIC or other.kind in what.GENERIC:
            continue
        if group.get(e.kind, e.kind) != group.get(other.kind, other.kind):
            return False
        same_sentence = other.sentence.index == e.sentence.index and other.clause != e.clause
        if same_sentence:
            return False
    return True


def collect(sents: list[Sentence], published: dt.date, geocoder) -> tuple[list[Evidence], list[dict]]:
    """Evidence per clause, and what was passed over as background (with why)."""
    evidence: list[Evidence] = []
    skipped: list[dict] = []
    regions: list[tuple[int, PlaceMention]] = []  # (sentence index, region mention) for context
    places: list[tuple[int, Resolved, str, str]] = []  # (sentence, resolved place, words, kind) to carry
    previous_claimant: what.Claimant | None = None
    # 'in Kursk' in an article that speaks of 'the Kursk region' means the region, not the city.
    named = {s.index: find_places(s.text, geocoder) for s in sents if not s.headline}
    region_names = {name_key(m.name) for found in named.values() for m in found if m.kind == "region"
                    and not m.context_only}
    for s in sents:
        if s.headline:
            continue
        found = named[s.index]
        # ... but a strike hits the city: 'a missile strike in Sumy' in an article on the Sumy region
        struck = any(k in _WEAPONS for k, _, _ in what.kinds(s.text)[:1])
        for i, m in enumerate(found):
            if m.kind == "place" and not m.near and not m.settlement_word and name_key(m.name) in region_names \
                    and not struck:
                found[i] = _as_region(m)
        for m in found:
            if m.kind == "region":
                regions.append((s.index, m))
        countries = [m.country for m in found if m.kind == "country"]
        recent = [m for i, m in regions if s.index - i <= CONTEXT_SENTENCES]
        region_here = next((m.region for m in reversed(found) if m.kind == "region"), None)
        region = region_here or (recent[-1].region if recent else None)
        country = (region.country if region else None) or (countries[0] if countries else None)
        region_side = region.country if region is not None and region.country in ("RU", "UA") else None
        who = what.claimant(s.text, previous_claimant, region_side)
        if who is not None:
            previous_claimant = who
        spoken = [e.own_date for e in evidence if e.own_date is not None and e.sentence.index < s.index]
        dates = find_dates(s.text, published, anchor=spoken[-1].last if spoken else None)
        clauses = _clauses(s.text)
        triggered = {cl: what.kinds(s.text[cl[0]:cl[1]]) for cl in clauses}
        resolved_here: dict[int, Resolved] = {}

        # Every region the text spoke of lately, latest first: a place the latest does not hold may
        # be in another ('a town in Donetsk region, while … in the Russian region of Kursk. … Kurakhove').
        spoken_regions = list({r.region.code: r.region for r in reversed(
            [m for m in found if m.kind == "region"] + recent) if r.region is not None}.values())
        # then the regions of the places located before ('… attacked the city of Sumy …. A missile attack was
        # also launched against Lebedynska community': the Lebedyn of Sumy Oblast)
        spoken_regions += [r for r in _regions_of(p for _, p, _, _ in reversed(places))
                           if r.code not in {x.code for x in spoken_regions}]

        def place_of(m: PlaceMention) -> Resolved:
            if id(m) not in resolved_here:
                got = resolve(m, region if m.kind != "region" else m.region, country, geocoder)
                if got.located is None and m.kind != "region" and not m.near:
                    for other in spoken_regions:
                        if region is not None and other.code == region.code:
                            continue
                        alt = resolve(m, other, other.country, geocoder)
                        if alt.located is not None:
                            got = alt
                            break
                resolved_here[id(m)] = got
            return resolved_here[id(m)]

        for cl, found_kinds in triggered.items():
            text = s.text[cl[0]:cl[1]]
            for kind, at, words in found_kinds[:1]:
                t = cl[0] + at
                own = [m for m in found if not m.context_only and cl[0] <= m.at < cl[1]]
                if not own and s.text[cl[0]:].lstrip(", ").startswith("which"):
                    own = [m for m in found if not m.context_only and m.end <= cl[0]][-1:]
                    if own and own[0].near and own[0].near.get("place") == own[0].name:
                        ref = own[0]  # '… northwest of Kurakhove, which it claimed': Kurakhove itself
                        own = [PlaceMention(ref.name, ref.end - len(ref.name), ref.end, ref.name, region=ref.region,
                                            country=ref.country)]
                own_named = bool(own)  # the clause names its own place
                if not own:
                    own = [m for m in found if not m.context_only]
                place, place_words = None, ""
                wide = False
                joined: list[PlaceMention] = []
                if own:
                    after = [m for m in own if m.at >= t]
                    pool = after or own[-1:]
                    pick = next((m for m in pool if m.kind == "place"), pool[0])  # the settlement over its region
                    if re.search(r"\bincluding\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$", s.text[:pick.at]) and any(
                            m.kind == "region" for m in own):
                        # 'Russia targeted 14 settlements, including the regional center of Kherson': the region
                        pick = next(m for m in own if m.kind == "region")
                    place, place_words = place_of(pick), pick.words
                    joined = _joined(pick, own, s.text)
                else:
                    place, place_words, wide = _carried(s.index, kind, text, places, recent, found, region_here,
                                                        geocoder)
                # 'Russia has claimed …, while the Ukrainian military said it struck …': each clause its speaker
                speaker = what.claimant(text, previous_claimant, region_side) if len(clauses) > 1 else None
                in_clause = [d for d in dates if cl[0] <= d.at < cl[1]]
                free = [d for d in dates if not any(c0 <= d.at < c1 and triggered[(c0, c1)] for c0, c1 in clauses
                                                    if (c0, c1) != cl)]
                own_date = next((d for d in sorted(in_clause, key=lambda d: abs(d.at - t))
                                 if not d.claim), None) or next((d for d in free if not d.claim), None)
                claim_date = next((d for d in dates if d.claim), None)
                found_counts = what.counts(text if len([k for k in triggered.values() if k]) > 1 else s.text)
                why_skip = _passed_over(s, text, kind, own_date, claim_date, in_clause, found_counts, place, found,
                                        own_named, speaker or who)
                if why_skip:
                    skipped.append({"sentence": s.index, "text": s.text, "why": why_skip})
                    continue
                evidence.append(Evidence(
                    s, cl, kind, words, place, place_words, own_date, claim_date, speaker or who, found_counts,
                    what.attacker(text, s.text), bool(what.CIVILIAN.search(s.text)),
                    bool(re.search(r"\bclaim|\ballegedly\b|\bpurportedly\b", text, re.I)), wide))
                if joined and any(found_counts.values()):
                    # 'five people were killed … in Kursk and North Ossetia': a toll the places share is no
                    # place's own; each is an incident, its toll left for a person to split
                    evidence[-1] = replace(evidence[-1], counts={"killed": [], "injured": []})
                for m in joined:  # 'the villages of Ukanok and Cherkasskaya Konopelka': one incident each
                    evidence.append(replace(evidence[-1], place=place_of(m), place_words=m.words))
        here = [e for e in evidence if e.sentence.index == s.index]
        if here and not any(not m.context_only and m.kind != "country" for m in found) and here[-1].place is not None:
            # 'Last night, a drone hit Hlukhiv … . We know seven people were killed … . He said more than 10
            # others were injured': a place carried into a sentence is still there for the next
            places.append((s.index, here[-1].place, here[-1].place_words, here[-1].kind))
        for m in found:
            if not m.context_only and m.kind != "country" and here:
                places.append((s.index, place_of(m) if m.kind != "region" else resolve(m, m.region, m.region.country,
                                                                                       geocoder), m.words, here[0].kind))
    return evidence, skipped


def _carried(index: int, kind: str, text: str, places: list, recent: list[PlaceMention],
             found: list[PlaceMention], region_here, geocoder) -> tuple[Resolved | None, str, bool]:
    """(place, its words, across a whole region?) of a clause that names none: the region when it
    says 'across the region'; else the place spoken of in the last sentences (of the region the
    sentence speaks for, when it names one); else, for a specific kind, the region in context."""
    def region_of(m: PlaceMention) -> tuple[Resolved, str]:
        return resolve(m, m.region, m.region.country, geocoder), m.words

    carried = [(i, r, w) for i, r, w, k in places if index - i <= CARRY_SENTENCES
               and (kind in what.GENERIC or k in what.GENERIC or _same_group(k, kind))]
    if recent and _REGION_WIDE.search(text):  # 'four people were also injured across the region'
        return (*region_of(recent[-1]), True)
    if carried:
        # 'The Krasnodar regional governor … confirmed there were no injuries': the place carried from
        # the region the sentence speaks for, when one was named before
        same = [c for c in carried if region_here is not None and c[1] is not None and c[1].located
                and c[1].located.get("admin1_code") == region_here.code]
        if region_here is not None and not same:
            return (*region_of(next(m for m in reversed(found) if m.kind == "region")), False)
        return (same or carried)[-1][1], (same or carried)[-1][2], False
    if recent and kind not in what.GENERIC:
        return (*region_of(recent[-1]), False)
    return None, "", False


def _passed_over(s: Sentence, text: str, kind: str, own_date: When | None, claim_date: When | None,
                 in_clause: list[When], counts: dict, place: Resolved | None, found: list[PlaceMention],
                 own_named: bool, speaker: what.Claimant | None) -> str | None:
    """Why a clause is background rather than an incident of its own, or None when it is one."""
    why = None
    if own_date is not None and own_date.far:
        why = f"background: {own_date.how} is long before publication"
    elif any(d.far for d in in_clause) and own_date is None:
        why = "background: " + next(d.how for d in in_clause if d.far)
    elif own_date is None and claim_date is None and what.ONGOING.search(s.text):
        why = "background: an ongoing state ('has raged', 'have regained'), not one incident"
    if any(c.total for v in counts.values() for c in v):
        why = "background: a running total, not one incident (" + next(
            c.words for v in counts.values() for c in v if c.total) + ")"
    if kind in what.GENERIC and place is None:
        why = why or "no place and nothing but a generic word"
    if _NATIONWIDE.search(s.text) and not any(m.kind == "place" for m in found):
        why = why or "about the whole country (a total, a night's launches), not one incident"
    if kind == "intercept" and not own_named and re.search(
            r"\b(?:\d[\d,]*|[a-z]+-[a-z]+|dozens of)\s+(?:[\w-]+\s+){0,3}?(?:drones|missiles|UAVs)\b", text, re.I):
        why = why or "a tally of air defence over places it does not name, not one incident"
    if kind in what.GENERIC and not own_named and not any(counts.values()) and speaker is not None \
            and what.OUTSIDER.search(speaker.name):
        why = why or f"a comment from outside the war ({speaker.name}), not an incident"
    if not own_named and not any(not m.context_only for m in found) and (
            what.DISPUTE.search(s.text) or what.UNVERIFIED.search(s.text)):
        # 'a Ukrainian official has cast doubt on Russia's claims, saying fighting in the town
        # continued': a word on a claim made before, which attach_cues gives to it
        why = why or "a comment on an earlier claim (disputed or unverified), naming no place"
    return why


def _regions_of(resolved) -> list:
    """The admin-1 regions of located places, in order, each once."""

    out: dict = {}
    for r in resolved:
        code = (r.located or {}).get("admin1_code") if r is not None else None
        if code and code not in out:
            try:
                out[code] = resolve_region(code).region
            except (UnknownRegion, GeodataError):
                continue
    return list(out.values())


def _joined(pick: PlaceMention, own: list[PlaceMention], text: str) -> list[PlaceMention]:
    """Settlements listed with the one picked ('Darino and Plyokhovo', 'A, B and C')."""
    out, last = [], pick
    for m in sorted((m for m in own if m.at > pick.at and m.kind == pick.kind), key=lambda m: m.at):
        if not re.fullmatch(r",?\s*(?:and|or)?\s*", text[last.end:m.at]) or m.near:
            break
        out.append(m)
        last = m
    return out if pick.kind in ("place", "region") else []  # places with places, regions with regions


def _as_region(m: PlaceMention) -> PlaceMention:
    region = resolve_region(m.name).region
    return PlaceMention(m.name, m.at, m.end, m.words, "region", region, region.country)


# A later sentence that reports a second incident at the same place and day ('Later that day, a
# missile hit a forest …, injuring two more people'), not more of the first ('the toll rose to 5').
_ANOTHER = re.compile(r"\b(?:later|another|a second|a separate|in a separate|separately|(?:\w+|\d+) more (?:people|"
                      r"civilians|residents|persons|men|women|children))\b", re.I)
_UPDATE = re.compile(r"\b(?:toll|rose|risen|has risen|increased|climbed|updated|died in hospital|later died)\b", re.I)


def _another_incident(c: Candidate, e: Evidence) -> bool:
    """e tells of another incident than c's: its own casualties, in a sentence of its own that says so."""
    if any(o.sentence.index == e.sentence.index for o in c.evidence):
        return False
    if not any(e.counts.values()) or not any(any(o.counts.values()) for o in c.evidence):
        return False
    if _UPDATE.search(e.sentence.text):
        return False
    if _ANOTHER.search(e.sentence.text):
        return True
    # 'In Kherson Oblast … two people were killed, and another 15 were injured. In Kherson, … killing at least
    # three people': its own place named, its own different toll
    named_here = bool(e.place_words) and e.place_words in e.sentence.text
    mine = {k: sorted(x.value for x in v) for k, v in e.counts.items() if v}
    theirs = [{k: sorted(x.value for x in v) for k, v in o.counts.items() if v} for o in c.evidence if any(o.counts.values())]
    return named_here and all(any(t.get(k) and t[k] != v for k, v in mine.items()) for t in theirs)


def _at_a_place(c: Candidate) -> bool:
    """The candidate is at a settlement, not across a region."""
    return any(o.place is not None and o.place.located is not None and o.place.located["geo_precision"] < 3
               for o in c.evidence)


def merge(evidence: list[Evidence]) -> list[Candidate]:
    candidates: list[Candidate] = []
    for e in evidence:
        fits = [c for c in candidates if _kinds_fit(c, e) and _dates_fit(c, e) and _places_fit(c, e)
                and not _another_incident(c, e) and not (e.wide and _at_a_place(c))]
        if e.place is None:
            fits = [c for c in fits if c.kind == e.kind or e.kind in what.GENERIC or c.kind in what.GENERIC
                    or {c.kind, e.kind} <= {"prisoners", "clash"}]
            if not fits:
                continue  # nothing says where: not a candidate of its own
            fits.sort(key=lambda c: -max(c.sentences))
        if fits:
            fits[0].evidence.append(e)
        elif e.place is not None:
            candidates.append(Candidate([e]))
    return candidates


def attach_cues(candidates: list[Candidate], sents: list[Sentence]) -> None:
    """'has not been verified', 'Ukraine has not confirmed the loss of Kurakhove', 'denied': the
    sentence counts for a candidate when it names its place or follows it closely on its subject."""
    subject_words = re.compile(r"\b(incident|attack|strike|drones?|men|soldiers|troops|prisoners|capture|loss|"
                               r"claims?|video|photos?|images?|town|city|village)\b", re.I)
    for s in sents:
        for cue, pattern, kinds in (("unverified", what.UNVERIFIED, None), ("disputed", what.DISPUTE, None),
                                    ("disputed", what.CONTESTED, ("territory", "regain"))):
            if not pattern.search(s.text):
                continue
            before = [c for c in candidates if min(c.sentences) <= s.index and (kinds is None or c.kind in kinds)]
            nearest = max(before, key=lambda c: max(i for i in c.sentences if i <= s.index), default=None)
            for c in candidates:
                if kinds is not None and c.kind not in kinds:
                    continue  # 'fighting continues' contests a capture, not a strike
                place = c.place
                name = (place.location.get("near", {}) or {}).get("place") if place else None
                names = {x for x in (place.location.get("name") if place else None, name) if x}
                named = any(re.search(rf"\b{re.escape(n)}\b", s.text) for n in names)
                close = c is nearest and any(0 <= s.index - i <= 3 for i in c.sentences) and subject_words.search(s.text)
                if named or close:
                    c.cues.setdefault(cue, []).append(s.text)
