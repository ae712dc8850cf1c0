"""Dates in news wording, resolved against the day the article was published.

'On Thursday' is the latest Thursday not after publication; 'last night' the night before it;
'in late December' a month-precision span; 'last week' a week span. A date right after a
speech verb ('said Saturday') is the date of the statement, kept apart from the incident's.
Explicit dates ('11 November', 'January 11, 2025') go through dateparser, with the
publication date as its base and dates after it taken from the year before.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MON = r"(?:jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?|" \
       r"sep(?:t(?:ember)?)?\.?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?)"
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_ORD = r"(?:st|nd|rd|th)?"
SPEECH = r"(?:said|says|say|told|wrote|writes|claimed|claims|announced|announces|reported|reports|stated|" \
         r"posted|confirmed|added|noted|declared|insisted)"
FAR_DAYS = 45  # an incident dated this long before publication is background, not news of the day
_NUM_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10, "several": 3, "few": 3, "a few": 3}


@dataclass(frozen=True)
class When:
    start: dt.date
    end: dt.date | None
    precision: str  # day, week, month
    words: str
    at: int  # offset in the sentence
    claim: bool = False  # the date of a statement, not of the incident
    far: bool = False  # long before publication: background
    how: str = ""

    @property
    def last(self) -> dt.date:
        return self.end or self.start


def _month_no(word: str) -> int:
    w = word.lower().rstrip(".")[:3]
    return [m[:3] for m in MONTHS].index(w) + 1


@lru_cache(maxsize=1)
def _dateparser():
    import dateparser

    return dateparser


def _explicit(words: str, published: dt.date) -> dt.date | None:
    """'11 November', 'January 11, 2025', 'Jan. 9': dateparser, based on the publication day."""
    base = dt.datetime(published.year, published.month, published.day, 12)
    got = _dateparser().parse(words, languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month"],
        "DATE_ORDER": "DMY"})
    if got is None:
        return None
    d = got.date()
    if d > published and not re.search(r"\d{4}", words):  # no year given: the latest one not after publication
        d = d.replace(year=d.year - 1)
    return d


def _latest_month(month: int, published: dt.date, year: int | None) -> int:
    if year:
        return year
    return published.year if month <= published.month else published.year - 1


def _month_span(month: int, year: int, part: str | None) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(year, month)[1]
    part = (part or "").lower().replace("-", " ").strip()
    if part in ("early", "the beginning of", "the start of"):
        return dt.date(year, month, 1), dt.date(year, month, 10)
    if part in ("mid", "mid "):
        return dt.date(year, month, 11), dt.date(year, month, 20)
    if part in ("late", "the end of"):
        return dt.date(year, month, 21), dt.date(year, month, last)
    return dt.date(year, month, 1), dt.date(year, month, last)


# Days a report names by their holiday (Ukraine keeps Christmas on 25 December since 2023).
_HOLIDAYS = {"new year's eve": (12, 31), "new year's day": (1, 1), "new year's night": (1, 1),
             "christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25)}


def _weekday(name: str, published: dt.date) -> dt.date:
    wd = _DAYS.index(name.lower())
    return published - dt.timedelta(days=(published.weekday() - wd) % 7)


_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("night", re.compile(rf"\b(?:on |during |in )?the night (?:of|into|to) (?:(\d{{1,2}}){_ORD}(?:\s*(?:-|–|to|into)\s*"
                         rf"(\d{{1,2}}){_ORD})? ({_MON})|({_MON}) (\d{{1,2}}){_ORD}(?:\s*(?:-|–|to|into)\s*(\d{{1,2}}))?)",
                         re.I)),
    ("dmy", re.compile(rf"\b(\d{{1,2}}){_ORD}(?: of)? ({_MON})(?![a-z])(?:,? (\d{{4}}))?", re.I)),
    ("mdy", re.compile(rf"\b({_MON}) (\d{{1,2}}){_ORD}(?![\d:])(?:,? (\d{{4}}))?", re.I)),
    ("holiday", re.compile(r"\b(New Year['’]s Eve|New Year['’]s Day|New Year['’]s night|Christmas Eve|Christmas Day|"
                           r"Christmas)\b", re.I)),
    ("month", re.compile(rf"\b(?:(early|mid-|mid|late|the end of|the beginning of|the start of) ?)?({_MON})(?![a-z])"
                         r"(?:,? (\d{4}))?", re.I)),
    ("weekday", re.compile(rf"\b(?:(last|this|early|late|on) )?({_WD})(?:'s)?(?: (morning|afternoon|evening|night))?",
                           re.I)),
    ("overnight", re.compile(r"\b(last night|overnight|tonight|this morning|this afternoon|this evening|today|"
                             r"yesterday|the day before|a day (?:earlier|before)|(?:later|earlier) (?:that|the same) day|"
                             r"(?:that|the) same day|later in the day|(?:over|in|during) the (?:last|past) (?:day|24 hours)|"
                             r"earlier (?:today|this week|this month)|last week|this week|last month|this month|"
                             r"(?:over|at) the weekend|the previous day)\b", re.I)),
    ("ago", re.compile(r"\b(a|an|one|two|three|four|five|six|seven|several|a few|\d{1,2}) "
                       r"(day|days|week|weeks|month|months|year|years) (ago|earlier|before|prior)\b", re.I)),
    ("season", re.compile(r"\b(?:last|this|in the) (?:year|summer|fall|autumn|winter|spring)\b", re.I)),
    ("year", re.compile(r"\b(?<![\d,.])(19[5-9]\d|20\d\d)(?![\d,])\b")),
]
_BORN = re.compile(r"\b(born|aged|since|founded|established|joined)\b[^.;]{0,20}$", re.I)


def find_dates(text: str, published: dt.date, anchor: dt.date | None = None) -> list[When]:
    """Every date expression of one sentence, first to last, overlaps resolved first-pattern-wins.
    anchor: the day the sentences before spoke of, which 'the day before' and 'later that day' count
    from (without one, they count from publication)."""
    taken: list[tuple[int, int]] = []
    out: list[When] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            w = _resolve(kind, m, published, text, anchor)
            if w is None:
                continue
            taken.append((m.start(), m.end()))
            out.append(w)
    out.sort(key=lambda w: w.at)
    return [_mark_claim(w, text) for w in out]


def _resolve(kind: str, m: re.Match, published: dt.date, text: str, anchor: dt.date | None = None) -> When | None:
    words, at = m.group(0).strip(), m.start()
    p = published
    if kind == "night":
        if m.group(3):
            month, d1, d2 = _month_no(m.group(3)), int(m.group(1)), m.group(2)
        else:
            month, d1, d2 = _month_no(m.group(4)), int(m.group(5)), m.group(6)
        year = _latest_month(month, p, None)
        try:
            if d2:  # 'the night of 10 to 11 January'
                start, end = dt.date(year, month, d1), dt.date(year, month, int(d2))
            else:  # 'the night of 11 November': the night into the 11th, as Ukrainian and Russian officials say it
                end = dt.date(year, month, d1)
                start = end - dt.timedelta(days=1)
        except ValueError:
            return None
        return When(start, end, "day", words, at, how=f"'{words}': the night {start} to {end}")
    if kind in ("dmy", "mdy"):
        if _BORN.search(text[:at]):
            return None
        d = _explicit(words, p)
        if d is None:
            return None
        return When(d, None, "day", words, at, far=(p - d).days > FAR_DAYS, how=f"'{words}' = {d}")
    if kind == "holiday":
        name = m.group(1).lower().replace("’", "'")
        month, day = _HOLIDAYS[name]
        year = p.year if (month, day) <= (p.month, p.day) else p.year - 1  # the latest one not after publication
        d = dt.date(year, month, day)
        if name == "new year's night":  # the night into 1 January
            return When(d - dt.timedelta(days=1), d, "day", words, at, how=f"'{words}': the night {d - dt.timedelta(days=1)} to {d}")
        return When(d, None, "day", words, at, far=(p - d).days > FAR_DAYS, how=f"'{words}' = {d}")
    if kind == "month":
        if _BORN.search(text[:at]) or (m.group(2).lower() == "may" and not m.group(1) and not m.group(3)):
            return None  # 'may' is mostly the verb
        month = _month_no(m.group(2))
        year = _latest_month(month, p, int(m.group(3)) if m.group(3) else None)
        start, end = _month_span(month, year, m.group(1))
        far = (p - end).days > FAR_DAYS
        return When(start, end, "month", words, at, far=far, how=f"'{words}': a month without a day, {start} to {end}")
    if kind == "weekday":
        d = _weekday(m.group(2), p)
        if m.group(1) and m.group(1).lower() == "last" and d == p:
            d -= dt.timedelta(days=7)
        if (m.group(3) or "").lower() == "night":
            return When(d, d + dt.timedelta(days=1) if d < p else None, "day", words, at,
                        how=f"'{words}': the night after {d:%A} {d}")
        return When(d, None, "day", words, at, how=f"'{words}' = {d} (the latest {d:%A} not after publication, {p})")
    if kind == "overnight":
        w = words.lower()
        one = dt.timedelta(days=1)
        if w in ("last night", "overnight", "tonight") or "24 hours" in w or w.endswith("the last day") \
                or w.endswith("the past day"):
            return When(p - one, p, "day", words, at, how=f"'{words}': {p - one} to {p}")
        relative = w in ("the day before", "the previous day", "a day earlier", "a day before")
        if relative and anchor is not None:
            return When(anchor - one, None, "day", words, at, how=f"'{words}' = {anchor - one} (the day before {anchor})")
        if w in ("yesterday",) or relative:
            return When(p - one, None, "day", words, at, how=f"'{words}' = {p - one}")
        if "same day" in w or "that day" in w or w == "later in the day":
            d = anchor or p
            return When(d, None, "day", words, at, how=f"'{words}' = {d} (the day spoken of before)" if anchor
                        else f"'{words}' = {d} (the publication day)")
        if w in ("today", "this morning", "this afternoon", "this evening", "earlier today"):
            return When(p, None, "day", words, at, how=f"'{words}' = {p} (the publication day)")
        if w in ("last week",):
            monday = p - dt.timedelta(days=p.weekday() + 7)
            return When(monday, monday + dt.timedelta(days=6), "week", words, at,
                        how=f"'{words}': the week {monday} to {monday + dt.timedelta(days=6)}")
        if w in ("this week", "earlier this week"):
            monday = p - dt.timedelta(days=p.weekday())
            return When(monday, p, "week", words, at, how=f"'{words}': {monday} to {p}")
        if "weekend" in w:
            sat = p - dt.timedelta(days=(p.weekday() - 5) % 7)
            return When(sat, min(sat + one, p), "day", words, at, how=f"'{words}': {sat} to {min(sat + one, p)}")
        if w == "last month":
            last_prev = p.replace(day=1) - one
            return When(last_prev.replace(day=1), last_prev, "month", words, at,
                        how=f"'{words}': {last_prev.replace(day=1)} to {last_prev}")
        if w in ("this month", "earlier this month"):
            return When(p.replace(day=1), p, "month", words, at, how=f"'{words}': {p.replace(day=1)} to {p}")
        return None
    if kind == "ago":
        g = m.group(1).lower()
        n = int(g) if g.isdigit() else _NUM_WORDS.get(g, 1)
        unit = m.group(2).lower().rstrip("s")
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit] * n
        if m.group(3).lower() != "ago" and anchor is not None:  # 'two days earlier': than the day spoken of
            d = anchor - dt.timedelta(days=days)
            precision = {"day": "day", "week": "week"}.get(unit, "month")
            return When(d, None if precision == "day" else min(p, d + dt.timedelta(days=6)), precision, words, at,
                        far=(p - d).days > FAR_DAYS, how=f"'{words}' ~ {d} ({n} {unit}(s) before {anchor})")
        d = p - dt.timedelta(days=days)
        precision = {"day": "day", "week": "week"}.get(unit, "month")
        return When(d, None if precision == "day" else min(p, d + dt.timedelta(days=6)), precision, words, at,
                    far=days > FAR_DAYS, how=f"'{words}' ~ {d}")
    if kind == "season":
        return When(p.replace(month=1, day=1), p, "month", words, at, far=True, how=f"'{words}': background")
    if kind == "year":
        if _BORN.search(text[:at]):
            return None
        y = int(m.group(1))
        start, end = dt.date(y, 1, 1), dt.date(y, 12, 31)
        return When(start, end, "month", words, at, far=y < p.year or (p - start).days > 366,
                    how=f"'{words}': a year")
    return None


def _mark_claim(w: When, text: str) -> When:
    """A date that belongs to a speech verb ('said Saturday', 'said in a statement on January 11',
    'Earlier on January 11, the governor ... said') is the date of the statement."""
    before = text[:w.at]
    after = text[w.at + len(w.words):]
    near_before = re.search(rf"\b{SPEECH}\b(?P<gap>[^.;\"“”]*)$", before, re.I)
    if near_before and len(near_before.group("gap").split()) <= 8 and not re.search(
            r"\b(that|after|when|killed|captured|struck|attacked|hit|on the)\b", near_before.group("gap"), re.I):
        return _with(w, claim=True)
    opening = re.match(rf"^([^.;]{{0,120}})\b{SPEECH}\b", after, re.I)
    if opening and not re.search(r"\w", before.replace("Earlier", "").replace("On", "").replace("on", "")) \
            and not _EVENT_WORDS.search(opening.group(1)):
        return _with(w, claim=True)  # the sentence opens with the date of the statement ('On Monday, the ministry said')
    return w


# What happened, between an opening date and the speech verb: 'On Sunday, a drone hit a house …, the
# governor said' dates the strike, not the statement.
_EVENT_WORDS = re.compile(r"\b(hit|struck|strikes?|attack\w*|shell\w*|kill\w*|injur\w*|wound\w*|captur\w*|"
                          r"liberat\w*|seiz\w*|destroy\w*|damag\w*|explo\w*|launched|fired|dropped)\b", re.I)


def _with(w: When, **kw) -> When:
    d = dict(w.__dict__)
    d.update(kw)
    return When(**d)
