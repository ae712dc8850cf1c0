"""Candidate events drafted from one news article, offline: rules, the gazetteer and dateparser.

`draft_article(text, published=…, outlet=…)` returns one Draft per incident the article
reports. Each is a complete record of the store's schema (review: draft), plus, per field, the
words it rests on and how sure the rules are (`why`). The analyst decides every field; the
dashboard's "Add events" page and `python -m events draft` both call this.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from events.draft import what
from events.draft.build import Candidate, attach_cues, collect, merge
from events.draft.text import MAX_CHARS, Sentence, sentences
from events.errors import DraftError
from geodata.names import romanise

__all__ = ["Draft", "DraftError", "draft_article", "MAX_CHARS"]
_SIDE_NAME = {"RU": "Russia", "UA": "Ukraine"}


@dataclass
class Draft:
    record: dict  # the store's record, as `python -m events validate` reads it
    derived: dict | None  # lat, lon, geo_precision, uncertainty_km, country, admin1_code (None: not placed)
    why: dict[str, dict]  # field -> {'words', 'confidence', 'how'}
    candidates: list[dict] = field(default_factory=list)  # an ambiguous place's options
    spans: list[tuple[int, int]] = field(default_factory=list)  # quote offsets in the article (highlighting)
    problem: str = ""

    def as_json(self) -> dict:
        out = dict(self.record)
        if self.derived:
            out.update({k: self.derived[k] for k in ("lat", "lon", "geo_precision", "uncertainty_km", "country",
                                                     "admin1_code")})
        if self.candidates:
            out["candidates"] = self.candidates
        out["why"] = self.why
        return out


def draft_article(text: str, *, published: dt.date, outlet: str, url: str | None = None,
                  geocoder=None) -> list[Draft]:
    """Every incident the article reports, as draft records (background mentions left out)."""
    from geodata.gazetteer import GazetteerGeocoder

    if not isinstance(text, str) or not text.strip():
        raise DraftError("the article is empty: paste its text")
    if len(text) > MAX_CHARS:
        raise DraftError(f"the article is {len(text):,} characters; the limit is {MAX_CHARS:,} (one article at a time)")
    if "\x00" in text:
        raise DraftError("the text holds NUL bytes: is it a binary file?")
    if not outlet or not outlet.strip():
        raise DraftError("outlet: say which outlet published the article")
    from events.schema import HTTP_URL

    if url and not re.match(HTTP_URL, url, re.I):
        raise DraftError(f"url {url!r} is not an http(s) address")
    geocoder = geocoder or GazetteerGeocoder()
    sents = sentences(text)
    evidence, _skipped = collect(sents, published, geocoder)
    candidates = merge(evidence)
    attach_cues(candidates, sents)
    drafts: list[Draft] = []
    seen_ids: set[str] = set()
    for c in candidates:
        d = _draft(c, sents, published, outlet.strip(), url or None)
        base = d.record["id"]
        n = 2
        while d.record["id"] in seen_ids:
            d.record["id"] = f"{base}-{n}"
            n += 1
        seen_ids.add(d.record["id"])
        drafts.append(d)
    drafts.sort(key=lambda d: (d.record["date"], d.record["id"]))
    return drafts


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", romanise(text).lower()).strip("-")
    return s[:60].strip("-") or "event"


def _date(c: Candidate, published: dt.date) -> tuple[dt.date, dt.date | None, str, dict, str]:
    own = [e.own_date for e in c.evidence if e.own_date is not None]
    claims = [e.claim_date for e in c.evidence if e.claim_date is not None and e.own_date is None]
    if own:
        start = min(w.start for w in own)
        end = max([w.last for w in own] + [w.last for w in claims if 0 <= (w.last - start).days <= 7])
        how = "; ".join(dict.fromkeys(w.how for w in own))
        if claims:
            how += "; said " + ", ".join(dict.fromkeys(str(w.last) for w in claims))
        conf = "high" if all(w.precision == "day" for w in own) and not claims else "medium"
        words = "; ".join(dict.fromkeys(w.words for w in own + claims))
        note = ""
    elif claims:
        start, end = min(w.start for w in claims), max(w.last for w in claims)
        how = "; ".join(dict.fromkeys(w.how for w in claims)) + ": the date of the statement; the incident's own " \
              "date is not given (on or before it)"
        conf, words = "low", "; ".join(dict.fromkeys(w.words for w in claims))
        note = f"Date: the statement is dated {start}; the text does not give the incident's own date."
    else:
        start, end = published - dt.timedelta(days=1), published
        how = f"no date in the text: the day of publication ({published}) or the day before"
        conf, words, note = "low", "", "Date: the text gives none; set to the day before publication and that day."
    precisions = {w.precision for w in own} or {w.precision for w in claims} or {"day"}
    span = (end - start).days if end else 0
    precision = "month" if "month" in precisions or span > 7 else "week" if "week" in precisions or span > 2 else "day"
    if end == start:
        end = None
    return start, end, precision, {"words": words, "confidence": conf, "how": how}, note


def _counts(c: Candidate, sents: list[Sentence] = ()) -> tuple[dict[str, int | None], dict[str, dict]]:
    out: dict[str, int | None] = {}
    why: dict[str, dict] = {}
    for f, name in (("killed", "fatalities"), ("injured", "injured")):
        best, extra, words = 0, 0, []
        seen: set[int] = set()
        for e in c.evidence:
            if e.sentence.index in seen:
                continue
            found = e.counts.get(f, [])
            if not found:
                continue
            seen.add(e.sentence.index)
            here = sum(x.value for x in found if not x.also)
            extra += sum(x.value for x in found if x.also)
            best = max(best, here)
            words += [x.words for x in found]
        if words:
            out[name] = best + extra
            why[name] = {"words": "; ".join(words), "confidence": "high" if not any(
                re.search(r"\b(several|few|dozens?)\b", w, re.I) for w in words) else "medium",
                "how": "largest count of one sentence, plus those the text adds with 'also'"}
        else:
            out[name] = None
            why[name] = {"words": "", "confidence": "medium", "how": "the text gives no number: unknown, not 0"}
    said = " ".join(e.sentence.text for e in c.evidence)
    # 'No injuries were reported.' often stands alone right after the incident's sentence
    after = {e.sentence.index + 1 for e in c.evidence} - {e.sentence.index for e in c.evidence}
    said_after = " ".join(x.text for x in sents if x.index in after and x.paragraph == _paragraph(c, x.index - 1))
    none = what.NO_CASUALTIES.search(said) or what.NO_CASUALTIES.search(said_after)
    if none:  # 'No injuries were reported', 'there were no casualties': ACLED codes 0, and so do we
        for name in ("fatalities", "injured"):
            if out[name] is None and (name == "fatalities" or not re.search(r"death|fatalit|dead", none.group(0), re.I)):
                out[name] = 0
                why[name] = {"words": none.group(0), "confidence": "high", "how": "the text says there were none"}
    near = {e.sentence.index + k for e in c.evidence for k in (-1, 1)}
    around = " ".join(x.text for x in sents if x.index in near)  # 'a resident … was killed' a sentence away
    if out["fatalities"] is None and out["injured"] and not what.DEATH_WORDS.search(said + " " + around):
        # injuries counted and no death named for the incident: ACLED's fatalities are 0, not unknown
        out["fatalities"] = 0
        why["fatalities"] = {"words": why["injured"]["words"], "confidence": "medium",
                             "how": "the text counts the injured and names no death: 0, as ACLED codes it"}
    return out, why


def _paragraph(c: Candidate, index: int) -> int | None:
    return next((e.sentence.paragraph for e in c.evidence if e.sentence.index == index), None)


def _claim(c: Candidate) -> tuple[str, str, dict]:
    names = list(dict.fromkeys(e.claimant.name for e in c.evidence if e.claimant is not None))
    words = "; ".join(dict.fromkeys(e.claimant.words for e in c.evidence if e.claimant is not None))
    by = "; ".join(names[:3])
    success = c.kind in ("territory", "regain", "prisoners") or (
        c.kind == "clash" and any(re.search(r"stopped|repell?ed|repulsed", e.trigger, re.I) for e in c.evidence))
    if c.cues.get("disputed"):
        status, how = "disputed", "the other side contradicts it: " + c.cues["disputed"][0]
    elif c.cues.get("unverified"):
        status, how = "claimed", "one side asserts it and the text says it is not verified: " + c.cues["unverified"][0]
    elif any(e.claimed_word for e in c.evidence):
        status, how = "claimed", "the text calls it a claim"
    elif success and names:
        status, how = "claimed", "a side's own report of its success, not confirmed in the text"
    elif c.kind in ("air", "shelling", "attack") and any(what.STATE_VOICE.search(n) for n in names):
        status, how = "claimed", "a party to the war says so through its military or government, not confirmed in the text"
    elif c.kind == "clash" and any(e.claimant is not None and what.STATE_VOICE.search(e.claimant.name)
                                   and e.attacker and e.claimant.side == e.attacker for e in c.evidence):
        status, how = "claimed", "a party to the war speaks of its own operation, not confirmed in the text"
    else:
        status, how = "reported", "reported, with no sign in the text that it is contested"
    conf = "medium" if status != "reported" else "low"
    return status, by, {"words": words, "confidence": conf if names else "low", "how": how}


def _draft(c: Candidate, sents: list[Sentence], published: dt.date, outlet: str, url: str | None) -> Draft:
    place = c.place
    located = place.located if place else None
    location = {k: v for k, v in (place.location if place else {}).items() if not k.startswith("_")}
    stated_country = (located or {}).get("country") or location.get("country")  # from the text, not a guess
    country = stated_country or (
        place.candidates[0]["country"] if place and place.candidates else "UA")
    location.setdefault("country", country)
    start, end, precision, date_why, date_note = _date(c, published)
    kind = "attack" if c.kind == "casualty" else c.kind
    attacker = next((e.attacker for e in c.evidence if e.attacker), None)
    claimant_side = next((e.claimant.side for e in c.evidence if e.claimant is not None and e.claimant.side), None)
    side = attacker or (claimant_side if kind in ("territory", "prisoners", "clash") else None)
    if side is None and kind in ("air", "shelling", "attack") and country in ("UA", "RU"):
        side = "RU" if country == "UA" else "UA"  # strikes in a country at war come from the other side
    if kind == "territory" and side is not None and side == stated_country:
        kind = "regain"
    event_type, sub = what.KINDS[kind]
    type_conf = "low" if kind in what.GENERIC else "high"
    type_how = ("no weapon or action named: coded as shelling, the usual cause; check it" if kind in what.GENERIC
                else f"'{next(e.trigger for e in c.evidence if e.kind == c.kind)}' (ACLED coding)")
    if kind in ("territory", "regain"):
        type_how += f"; taken by {_SIDE_NAME.get(side, 'an unnamed side')} in {country}"
    counts, count_why = _counts(c, sents)
    status, by, claim_why = _claim(c)
    if not by:
        # '… injuring nine men. The youngest … , Governor Oleh Syniehubov reported': the paragraph's
        # speaker, named later in it, speaks for its first sentences too
        paragraphs = {e.sentence.paragraph for e in c.evidence}
        first = min(e.sentence.index for e in c.evidence)
        for x in sents:
            if x.paragraph in paragraphs and x.index > first:
                who = what.claimant(x.text, None, None)
                if who is not None and not re.fullmatch(r"(?i)it|he|she|they", who.name):
                    by = who.name
                    claim_why.update(words=who.words, how=claim_why["how"] + "; the source is named later in the "
                                                                                 "same paragraph")
                    break
    if not by:
        by = outlet
        claim_why["how"] += "; no one is named as the source: the outlet"
    civilians = any(e.civilians for e in c.evidence) and kind not in ("territory", "regain", "prisoners", "clash")
    other = {"RU": "UA", "UA": "RU"}.get(side or "")
    actors = [what.FORCES[side]] if side in what.FORCES else []
    if civilians:
        actors.append(what.CIVILIANS.get(country, f"Civilians ({country})"))
    elif other:
        actors.append(what.FORCES[other])
    idx = c.sentences
    by_index = {s.index: s for s in sents}
    quote_parts: list[str] = []
    spans: list[tuple[int, int]] = []
    for k, i in enumerate(idx):
        s = by_index[i]
        if k and i != idx[k - 1] + 1:
            quote_parts.append("[...]")
        quote_parts.append(s.text)
        spans.append((s.start, s.end))
    quote = " ".join(quote_parts)
    name = location.get("name") or "unknown place"
    title = f"{sub} in {name}" if kind not in ("territory", "regain") else f"Capture of {name}"
    if status == "claimed" and by:
        title = f"{by.split(';')[0]} claims: {title[0].lower() + title[1:]}"
    title = title[:300]
    record = {
        "id": slug(f"{name}-{sub}-{start.isoformat()}")[:120].strip("-"),
        "title": title,
        "notes": " ".join(x for x in (f"Drafted from {outlet} ({published}).", date_note,
                                      "Place: " + place.problem if place and place.problem else "") if x),
        "date": start.isoformat(),
        **({"end_date": end.isoformat()} if end else {}),
        "date_precision": precision,
        "event_type": event_type,
        "sub_event_type": sub,
        "actors": actors,
        "location": location,
        "fatalities": counts["fatalities"],
        "injured": counts["injured"],
        "claim": {"status": status, "by": by[:300]},
        "sources": [{"outlet": outlet, "url": url, "published": published.isoformat(), "quote": quote}],
        "review": "draft",
    }
    why = {
        "date": date_why,
        "type": {"words": "; ".join(dict.fromkeys(e.trigger for e in c.evidence)), "confidence": type_conf,
                 "how": type_how},
        "place": {"words": "; ".join(dict.fromkeys(e.place_words for e in c.evidence if e.place_words)),
                  "confidence": place.confidence if place else "low",
                  "how": (place.how if place and place.located else (place.problem if place else "no place named"))},
        **count_why,
        "claim": claim_why,
        "actors": {"words": "", "confidence": "medium" if attacker else "low",
                   "how": "named with the weapon or troops" if attacker else "from the claimant or the place's country"},
        "quote": {"words": "", "confidence": "high", "how": f"the {len(idx)} sentence(s) the candidate rests on"},
    }
    derived = None
    if located:
        derived = {k: located[k] for k in ("lat", "lon", "geo_precision", "uncertainty_km", "country", "admin1_code")}
        derived["geo_flags"] = located.get("geo_flags", [])
    return Draft(record, derived, why, place.candidates if place and not located else [], spans,
                 place.problem if place and not located else "")
