"""Place mentions in a sentence, and what they resolve to in the offline gazetteer.

A name counts as a place only when the wording puts it there ('in X', 'near X', 'attacked X',
'the village of X', 'X, a village …') and the gazetteer knows it, or the text says it is a
settlement. Regions ('Russia's Kursk region', 'Zaporizhzhia Oblast', "Donetsk's regional
governor") are context for the sentences that follow. Resolution goes through the store's own
geocoder (geodata.locate), so a draft is placed exactly as the saved record will be; a name the
gazetteer cannot settle is left ambiguous with its candidates, never guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from geodata.errors import AmbiguousPlace, GeodataError, PlaceNotFound, UnknownRegion
from geodata.names import name_key
from geodata.regions import COUNTRIES, Region, resolve_region

_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
        "fifty": 50, "a dozen": 12, "a few": 3}
_DIR = r"(?:north|south|east|west)(?:-?(?:north|south)?-?(?:east|west))?"
_NAME = r"[A-ZА-ЯЁІЇЄҐ][\w'’-]*[\w](?:[ -](?:[A-ZА-ЯЁІЇЄҐ][\w'’-]*[\w]|Rih|na|nad|pid))*"
_UNIT = r"(?:km|kilometers|kilometres|kilometer|kilometre|miles|mile|mi)\b"
_QTY = r"(\d+(?:\.\d+)?|" + "|".join(_NUM) + r")"
# 'about 10 kilometers northwest of X'
_OFFSET = re.compile(rf"(?i:(?:about|some|around|roughly|approximately|nearly|almost|just|less than|under|up to|over|"
                     rf"more than)\s+)?(?i:{_QTY})\s?-?\s?(?i:({_UNIT}))\s+(?i:to the\s+)?(?i:({_DIR}))\s+of\s+(?:the\s+)?"
                     rf"(?:(?:city|town|village|settlement|hub|logistics hub)\s+of\s+)?({_NAME})")
_DIRECTION = re.compile(rf"\b(?:just\s+|to the\s+)?(?i:({_DIR}))\s+of\s+(?:the\s+)?(?:(?:city|town|village|settlement|"
                        rf"[\w-]+ hub)\s+of\s+)?({_NAME})")
_NEAR = re.compile(rf"\b(?i:(near|outside|around|close to|not far from|on the outskirts of|in the outskirts of|"
                   rf"in the vicinity of|in the area of|suburbs? of|a suburb of|in the direction of))\s+"
                   rf"(?:the\s+)?(?:(?:city|town|village|settlement|[\w-]+ hub)\s+of\s+)?({_NAME})")
_REGION = re.compile(rf"(?:\b(Russia|Ukraine|Belarus)(?:'s|’s)\s+)?(?:the\s+)?(?:(?:north|south|east|west|central|"
                     rf"north-?east|north-?west|south-?east|south-?west)(?:ern)?\s+|border\s+|frontline\s+|"
                     rf"front-line\s+)*({_NAME})(?:'s|’s)?\s+(?:border\s+)?(?i:(region|oblast|province|krai|republic|"
                     rf"regional|incursion|offensive|direction|axis|sector))\b")
# 'the Russian region of Kursk', 'the border region of Belgorod': the region named after the word.
_REGION_OF = re.compile(rf"\b(?:the\s+)?(?:(Russian|Ukrainian|Belarusian)\s+)?(?:(?:north|south|east|west)(?:ern)?\s+|"
                        rf"border\s+|frontline\s+|front-line\s+)*(?i:regions?|oblasts?|provinces?)\s+of\s+({_NAME})"
                        rf"(?:\s+and\s+({_NAME}))?")
_REGION_LIST = re.compile(rf"((?:{_NAME},\s+)+(?:and\s+)?{_NAME})\s+(?i:oblasts|regions|provinces)\b")
_REGION_WORD = re.compile(r"\b(region|oblast|province|krai)\b", re.I)
_COUNTRY = re.compile(r"\b(?:in|inside|into|across|of|on|within)\s+(?:(?:western|eastern|southern|northern|central)"
                      r"\s+)?(Ukraine|Russia|Belarus|Moldova|Poland|Romania)\b|\b(Ukraine|Russia)(?:'s|’s)(?=\s+(?:territory|soil|"
                      r"border|(?:north|south|east|west)\w*\s+(?:region|border|part)))")
# 'the Ukrainian capital', 'Russia's capital': the city itself (a name after it, 'the capital, Kyiv', is read as a name).
_CAPITAL = re.compile(r"\bthe\s+(Ukrainian|Russian|Belarusian)\s+capital\b|\b(Ukraine|Russia|Belarus)(?:'s|’s)\s+capital\b")
_CAPITALS = {"ukra": "Kyiv", "russ": "Moscow", "bela": "Minsk"}
_CAPITAL_OF = {"Kyiv": "ukraine", "Moscow": "russia", "Minsk": "belarus"}
_COUNTRY_CODE = {"ukraine": "UA", "russia": "RU", "belarus": "BY", "moldova": "MD", "poland": "PL", "romania": "RO"}
# Words before a name that place an event there.
_CUE = re.compile(r"(?:\b(?:in|at|near|of|from|outside|around|into|on|toward|towards|against|struck|hit|attacked|shelled|"
                  r"bombed|captured|capture|liberated|liberate|seized|took|taking|take|entered|stormed|targeted|"
                  r"village|town|city|settlement|hamlet|suburb|hub|over)\s+(?:the\s+)?[\"“'‘]?\s*"
                  r"(?:(?:[\"“]?liberated[\"”]?|frontline|front-line|city|town|village|settlement)\s+(?:of\s+)?)?)$",
                  re.I)
_SETTLEMENT_AFTER = re.compile(r"^,?\s+(?:an?|the)\s+(?:[\w-]+\s+){0,3}(village|town|city|settlement|hamlet|suburb)\b",
                               re.I)
_DESTINATION = re.compile(r"\b(brought|taken|transported|sent|moved|flown|evacuated|returned)\s+to\s+(?:the\s+)?$",
                          re.I)
_NOT_PLACES = {
    "the", "a", "an", "in", "on", "at", "he", "she", "it", "they", "we", "but", "and", "or", "if", "this", "that",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "north", "south",
    "east", "west", "korea", "korean", "koreans", "russian", "russians", "ukrainian", "ukrainians", "american",
    "european", "western", "eastern", "ukraine", "russia", "belarus", "kremlin", "sbu", "nato", "telegram",
    "general", "staff", "president", "governor", "ministry", "army", "forces", "earlier", "meanwhile",
    # dates written short ('on Jan. 23'), holidays and the words of institutions' names: capitalised,
    # and some the name of a village somewhere ('State', 'Christmas'), never the place of an incident
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "christmas", "easter",
    "new", "year", "eve", "state", "emergency", "service", "air", "force", "defence", "defense", "black", "sea",
    "national", "guard", "security", "police", "border", "council", "parliament", "government", "city", "region",
}


@dataclass
class Mention:
    """A place (or region) the sentence names, with the words it rests on."""

    name: str
    at: int
    end: int
    words: str
    kind: str = "place"  # place, region, country
    region: Region | None = None
    country: str | None = None
    near: dict | None = None  # {'place', 'distance_km'?, 'bearing'?}
    around: bool = False
    settlement_word: bool = False  # the text calls it a village/town: a place even if the gazetteer lacks it
    context_only: bool = False  # 'Donetsk's regional governor': context, not where things happened


def _num(text: str) -> float:
    t = text.lower()
    return float(t) if re.match(r"^\d", t) else float(_NUM.get(t, 1))


def _km(value: float, unit: str) -> float:
    return round(value * 1.609, 1) if unit.lower().startswith("mi") else value


def _clean(name: str) -> str:
    return re.sub(r"(?:'s|’s)$", "", name.strip(" \"“”'‘’"))


def _region_of(name: str, country: str | None) -> Region | None:
    try:
        return resolve_region(name, country).region
    except (UnknownRegion, GeodataError):
        return None


def find_places(text: str, geocoder) -> list[Mention]:
    """Regions, countries and settlements named in one sentence, in order."""
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return not any(s < b and a < e for a, b in taken)

    for m in _REGION.finditer(text):
        country = _COUNTRY_CODE.get((m.group(1) or "").lower())
        words = _clean(m.group(2)).split()
        region, name, start = None, "", m.start(2)
        for k in range(len(words)):  # "Russia’s Kursk": the region is the tail
            tail = _clean(" ".join(words[k:]))
            if tail.lower() in _NOT_PLACES:
                continue
            head = " ".join(words[:k])
            cc = country or _COUNTRY_CODE.get(_clean(head).lower()) if head else country
            region = _region_of(tail, cc)
            if region is not None:
                name, start = tail, m.start(2) + len(head) + (1 if head else 0)
                break
        if region is None:
            continue
        word = m.group(3).lower()
        out.append(Mention(name, start, m.end(), m.group(0).strip(), "region", region, region.country,
                           context_only=word in ("regional", "direction", "axis", "sector")
                           or (word in ("incursion", "offensive") and region.country == "RU")))
        taken.append((m.start(), m.end()))
    for m in _REGION_LIST.finditer(text):  # 'in Kyiv, Chernihiv, Cherkasy and Sumy oblasts': no one place
        taken.append((m.start(), m.end()))
    for m in _REGION_OF.finditer(text):
        if not free(m.start(), m.end()):
            continue
        country = {"russian": "RU", "ukrainian": "UA", "belarusian": "BY"}.get((m.group(1) or "").lower())
        for g in (2, 3):  # 'the border region of Kursk and North Ossetia': two regions
            if not m.group(g):
                continue
            name = _clean(m.group(g))
            region = _region_of(name, country) if name.lower() not in _NOT_PLACES else None
            if region is not None:
                out.append(Mention(name, m.start(g), m.end(g), text[m.start() if g == 2 else m.start(g):m.end(g)].strip(),
                                   "region", region, region.country))
        taken.append((m.start(), m.end()))
    for m in _OFFSET.finditer(text):
        ref = _clean(m.group(4))
        out.append(Mention(ref, m.start(), m.end(), m.group(0).strip(),
                           near={"place": ref, "distance_km": _km(_num(m.group(1)), m.group(2)),
                                 "bearing": m.group(3).replace("-", "").upper()
                                 .replace("NORTH", "N").replace("SOUTH", "S").replace("EAST", "E").replace("WEST", "W")}))
        taken.append((m.start(), m.end()))
    for m in _DIRECTION.finditer(text):
        if not free(m.start(), m.end()):
            continue
        ref = _clean(m.group(2))
        if ref.lower() in _NOT_PLACES:
            continue
        bearing = m.group(1).replace("-", "").upper().replace("NORTH", "N").replace("SOUTH", "S") \
            .replace("EAST", "E").replace("WEST", "W")
        # 'Pokrovsk north of Kurakhove': the name before it is the place, the rest its reference.
        own = re.search(rf"({_NAME})\s+$", text[:m.start()])
        if own and _known(_clean(own.group(1)), geocoder) and _clean(own.group(1)).lower() not in _NOT_PLACES:
            out.append(Mention(_clean(own.group(1)), own.start(1), m.end(), text[own.start(1):m.end()],
                               near={"place": ref, "bearing": bearing}))
            taken.append((own.start(1), m.end()))
            continue
        out.append(Mention(ref, m.start(), m.end(), m.group(0).strip(), near={"place": ref, "bearing": bearing}))
        taken.append((m.start(), m.end()))
    for m in _NEAR.finditer(text):
        if not free(m.start(), m.end()):
            continue
        ref = _clean(m.group(2))
        if ref.lower() in _NOT_PLACES or not _known(ref, geocoder):
            continue
        cue = m.group(1).lower()
        if cue == "around":
            out.append(Mention(ref, m.start(2), m.end(), m.group(0).strip(), around=True))
        else:
            out.append(Mention(ref, m.start(), m.end(), m.group(0).strip(), near={"place": ref}))
        taken.append((m.start(), m.end()))
    for m in _CAPITAL.finditer(text):  # 'in the Ukrainian capital', 'Russia's capital'
        if free(m.start(), m.end()) and not re.match(r",?\s+(?:Kyiv|Moscow|Minsk)\b", text[m.end():]):
            name = _CAPITALS[(m.group(1) or m.group(2)).lower()[:4]]
            out.append(Mention(name, m.start(), m.end(), m.group(0), country=_COUNTRY_CODE[_CAPITAL_OF[name]]))
            taken.append((m.start(), m.end()))
    for m in _names(text):
        if not free(m.start(), m.end()):
            continue
        raw = m.group(0)
        if re.match(r"(?:'s|’s)", text[m.end():m.end() + 2]):  # "Donetsk's governor": a modifier
            continue
        if re.match(r"\s+(?:district|raion|neighbo(?:u)?rhood|microdistrict)\s+(?:of|in)\s", text[m.end():], re.I):
            continue  # 'the Kyivskyi district of Kharkiv': the city is the place, its district a detail
        before = text[:m.start()]
        after = text[m.end():]
        settlement = bool(_SETTLEMENT_AFTER.match(after)) or bool(
            re.search(r"\b(village|town|city|settlement|hamlet)s?\s+of\s+(?:the\s+)?$", before, re.I))
        # 'the settlements of Darino and Plyokhovo': a name joined to a place just found is one too
        joined = bool(out) and out[-1].kind == "place" and re.fullmatch(r",?\s+(?:and|or)\s+", text[out[-1].end:m.start()])
        settlement = settlement or (joined and out[-1].settlement_word)
        community = re.match(r"\s+(?:community|hromada|territorial community)\b", after, re.I)
        if not (_CUE.search(before) or settlement or joined or community):
            continue
        if _DESTINATION.search(before) or re.search(r"\b(?:sea|gulf|bay|lake|river) of\s+$", before, re.I):
            continue  # 'the Sea of Azov' is water, not the town of Azov
        if re.search(r"\bfrom\s+(?:the\s+)?(?:[\w-]+\s+){0,3}(?:[A-Z][\w'’-]+,\s+)*(?:and\s+)?$", before) and re.search(
                r"\b(launched|fired|took off|flew in|sent)\b", text, re.I):
            continue  # 'launched 78 drones … from the Russian cities of Kursk, Orel, and Bryansk': where they came from
        name = _longest_known(raw, geocoder)
        if name is None and community:
            name = _community_seat(raw, geocoder)
        if name is None:
            if not settlement:
                continue
            name = raw
        if name.lower() in _NOT_PLACES:
            continue
        out.append(Mention(name, m.start(), m.start() + len(name), name, settlement_word=settlement))
        taken.append((m.start(), m.start() + len(name)))
    for m in _COUNTRY.finditer(text):
        word = (m.group(1) or m.group(2)).lower()
        if free(m.start(), m.end()) or m.group(2):
            out.append(Mention(word.title(), m.start(), m.end(), m.group(0), "country", country=_COUNTRY_CODE[word],
                               context_only=True))
    # 'Shevchenko, a rural settlement about 10 kilometers northwest of Kurakhove': the name takes the offset.
    out.sort(key=lambda x: x.at)
    merged: list[Mention] = []
    for mention in out:
        prev = merged[-1] if merged else None
        if (prev is not None and prev.kind == "place" and prev.near is None and mention.near is not None
                and re.fullmatch(r",?\s+(?:an?|the|which is)?\s*(?:[\w-]+\s+){0,4}", text[prev.end:mention.at])):
            prev.near = mention.near
            prev.words = text[prev.at:mention.end]
            prev.end = mention.end
            continue
        merged.append(mention)
    return merged


def _names(text: str):
    """Capitalised names, a sentence's first word left off when it is no name ('In Kherson, …',
    'On Monday, …'): 'In Kherson' is the cue 'in' and the place Kherson."""
    for m in re.finditer(_NAME, text):
        first = re.match(r"([\w'’-]+)\s+", m.group(0))
        if first and first.group(1).lower() in _NOT_PLACES:
            inner = re.match(_NAME, text[m.start() + first.end():m.end()])
            if inner:
                yield re.compile(re.escape(inner.group(0))).search(text, m.start() + first.end())
                continue
        yield m


def _community_seat(raw: str, geocoder) -> str | None:
    """A hromada named for its seat ('Lebedynska community' is Lebedyn's, 'Bilopilska' Bilopillia's,
    'Velykopysarivska' Velykopysarivka's): the seat the gazetteer knows, else None."""
    word = _clean(raw)
    if not word.lower().endswith("ska"):
        return None
    stem = word[:-3]
    for name in (stem, stem + "ka", stem + "lia", stem + "ia"):
        if _known(name, geocoder):
            return name
    return None


def _known(name: str, geocoder) -> bool:
    try:
        return bool(geocoder.candidates(name))
    except (PlaceNotFound, UnknownRegion, GeodataError):
        return False


def _longest_known(raw: str, geocoder) -> str | None:
    """The longest leading run of words the gazetteer knows ('Velyka Novosilka', not 'Velyka')."""
    words = raw.split(" ")
    for n in range(min(len(words), 3), 0, -1):
        name = _clean(" ".join(words[:n]))
        if name.lower() in _NOT_PLACES:
            continue
        if _known(name, geocoder):
            return name
    return None


@dataclass
class Resolved:
    """What a mention resolves to: a location mapping for the record and, when it settles, the
    derived fields; otherwise the candidates to pick from."""

    location: dict
    located: dict | None = None
    candidates: list[dict] = field(default_factory=list)
    problem: str = ""
    how: str = ""
    confidence: str = "low"


def resolve(mention: Mention, region: Region | None, country: str | None, geocoder) -> Resolved:
    """A mention with the sentence's (or the context's) region and country, through geodata.locate."""
    from geodata.locate import locate

    if mention.kind == "region" and mention.region is not None:
        r = mention.region
        location = {"name": r.name, "country": r.country, "admin1": r.name, "precision": 3}
        return _run(location, locate, geocoder, f"region named: '{mention.words}'", "high")
    cc = country or (region.country if region else None)
    location: dict = {"name": mention.name}
    if cc:
        location["country"] = cc
    if region is not None and (cc is None or region.country == cc):
        location["admin1"] = region.name
        location["country"] = region.country
    if mention.near:
        near = {k: v for k, v in mention.near.items() if v is not None}
        if near.get("place") and _direction_only(near) and name_key(mention.name) != name_key(near["place"]):
            # 'Pokrovsk north of Kurakhove': the town itself when the gazetteer settles it there.
            plain = dict(location)
            got = _run(plain, locate, geocoder, "", "medium")
            if got.located is not None:
                got.how = f"'{mention.words}': {mention.name} itself (the gazetteer settles it) -> " \
                          f"{got.located['geocoded_by']}"
                return got
        location["near"] = near
    elif mention.around:
        location["precision"] = 2
    if "country" not in location:
        # 'Dachne, near Pokrovsk': the reference tells the country; the name alone may only match a
        # namesake elsewhere (the village missing from the gazetteer, a town of its name in Russia).
        location["country"] = _guess_country(mention.near["place"] if mention.near else mention.name, geocoder)
    got = _run(location, locate, geocoder, f"'{mention.words}'", "high" if region else "medium")
    if got.located is None and "admin1" in location and not mention.near:
        # 'Multiple drone attacks on Kyiv …' after a paragraph on Odesa: a city the region the text spoke
        # of before does not hold is that city, when the name means one (never a village elsewhere)
        city = _city(mention.name, geocoder)
        if city is not None:
            wider = {"name": mention.name, "country": city.country}
            alt = _run(wider, locate, geocoder, f"'{mention.words}'", "medium")
            if alt.located is not None:
                alt.how += f" (not in {location['admin1']}, the region named before: the city of that name)"
                return alt
    return got


CITY_POPULATION = 50_000


def _city(name: str, geocoder):
    """The one city of at least CITY_POPULATION the name means, if the gazetteer settles it."""
    try:
        place = geocoder.resolve(name)
    except (PlaceNotFound, AmbiguousPlace, UnknownRegion, GeodataError):
        return None
    return place if place.population >= CITY_POPULATION else None


def _direction_only(near: dict) -> bool:
    return near.get("distance_km") is None and near.get("bearing") is not None


def _guess_country(name: str, geocoder) -> str | None:
    """No country in the text: the covered country whose places the name means, if only one."""
    try:
        cands = geocoder.candidates(name)
    except (PlaceNotFound, UnknownRegion, GeodataError):
        return None
    ccs = {c.country for c in cands if c.country in COUNTRIES}
    return ccs.pop() if len(ccs) == 1 else None


def _run(location: dict, locate, geocoder, words: str, confidence: str) -> Resolved:
    loc = {k: v for k, v in location.items() if v is not None}
    if not loc.get("country"):
        try:
            cands = geocoder.candidates(loc["name"])
        except (PlaceNotFound, UnknownRegion, GeodataError):
            cands = []
        return Resolved(loc, None, [_cand(c) for c in cands[:12]], "no country in the text to tell namesakes apart",
                        words, "low")
    try:
        got = locate(loc, geocoder)
    except AmbiguousPlace as exc:
        return Resolved(loc, None, [_cand(c) for c in exc.candidates[:12]], str(exc), words, "low")
    except PlaceNotFound as exc:
        cands = []
        try:
            cands = geocoder.candidates(loc["name"], country=loc.get("country"))
        except (PlaceNotFound, UnknownRegion, GeodataError):
            pass
        return Resolved(loc, None, [_cand(c) for c in cands[:12]], str(exc), words, "low")
    except GeodataError as exc:
        return Resolved(loc, None, [], str(exc), words, "low")
    located = {"lat": round(got.lat, 6), "lon": round(got.lon, 6), "geo_precision": got.geo_precision,
               "uncertainty_km": got.uncertainty_km, "country": got.country, "admin1_code": got.admin1_code,
               "admin1": got.admin1, "geocoded_by": got.geocoded_by, "geo_flags": list(got.flags)}
    if got.flags:
        confidence = "low"
    return Resolved(loc, located, [], "", f"{words} -> {got.geocoded_by}".strip(), confidence)


def _cand(p) -> dict:
    return {"name": p.name, "lat": p.lat, "lon": p.lon, "country": p.country, "admin1": p.admin1,
            "admin1_code": p.admin1_code, "admin2": p.admin2, "population": p.population, "source": p.source}
