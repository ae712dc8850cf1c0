"""What happened, to whom, and who says so: the rules that read one clause.

Types follow ACLED's coding (a capture claim by Russian forces in Ukraine is Battles / Non-state
actor overtakes territory; drones, Shaheds and glide bombs are Air/drone strike; shelling,
artillery, HIMARS and missiles are Shelling/artillery/missile attack; interceptions are
Disrupted weapons use). Casualties: number words, 'at least five', 'several' = 3 (the store's
convention, ACLED's); killed and injured apart; unknown stays None, never 0.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from events.draft.when import SPEECH

KINDS: dict[str, tuple[str, str]] = {
    "territory": ("Battles", "Non-state actor overtakes territory"),
    "regain": ("Battles", "Government regains territory"),
    "prisoners": ("Battles", "Armed clash"),
    "clash": ("Battles", "Armed clash"),
    "air": ("Explosions/Remote violence", "Air/drone strike"),
    "shelling": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "intercept": ("Strategic developments", "Disrupted weapons use"),
    "attack": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),  # no weapon named: a guess
}
GENERIC = {"attack", "casualty"}
# Order matters: the first kind found in a clause wins over the generic ones after it.
_TRIGGERS: list[tuple[str, re.Pattern]] = [
    ("intercept", re.compile(r"\b(intercept(?:ed|s|ing)?|shot down|shoot down|downed|neutrali[sz]ed|"
                             r"destroyed \d+ (?:drones|missiles|UAVs)|air defen[cs]es? (?:destroyed|repelled)|"
                             r"(?:were|was)\s+(?:locationally\s+)?lost|lost (?:from|on) (?:the )?radars?)\b", re.I)),
    ("prisoners", re.compile(r"\b(took [\w ]{0,20}?captive|taken (?:captive|prisoner)|took (?:them )?prisoner)\b")),
    ("territory", re.compile(r"\b(captur(?:ed|e|es|ing)|liberat(?:ed|e|es|ing)|seizure|took (?:full )?control of|"
                             r"taken (?:full )?control of|seiz(?:ed|e|ing)|gained territory|overran|retook|recaptured|"
                             r"regained|occupied)\b", re.I)),
    ("air", re.compile(r"\b(drones?|UAVs?|Shaheds?|Gerans?|glide bombs?|guided (?:aerial )?bombs?|KABs?|"
                       r"air ?strikes?|airstrikes?|bombs?|bombed|bombing|aerial bombs?)\b", re.I)),
    ("shelling", re.compile(r"\b(shell(?:ed|ing|s)|artillery|HIMARS|missiles?|rockets?|MLRS|mortars?|Iskanders?|"
                            r"ballistic|cluster munitions?|Grads?|Smerch|Uragan)\b")),
    ("clash", re.compile(r"\b(clash(?:ed|es)?|fighting|fought|battles?|assaults?|offensive actions|repell?ed|repulsed|"
                         r"stopped [\w'’ ]{0,30}offensive|counter-?attack\w*|firefights?|skirmish\w*|storm(?:ed|ing))\b",
                         re.I)),
    ("attack", re.compile(r"\b(attack(?:ed|s)?|struck|strikes?|hit|explosions?|blasts?|targeted|targeting)\b", re.I)),
    ("casualty", re.compile(r"\b(killed|killing|dead|died|wounded|wounding|injured|injuring|"
                            r"(?:suffered|sustained)\s+(?:[\w-]+\s+){0,2}(?:injuries|wounds))\b", re.I)),
]
_PEOPLE_OBJECT = re.compile(r"\b(soldiers?|troops|servicem[ae]n|prisoners?|POWs?|men|fighters|mercenaries|citizens?|"
                            r"nationals?|militants?|personnel|(?:North )?Koreans|Russians|Ukrainians|paratroopers|marines)\b", re.I)
# 'close to taking', 'could capture', 'to protect the town from shelling': not something that happened.
_UNREAL = re.compile(r"\b((?:difficult|hard|easy|impossible|able|unable|managed|seeking|sought|needed|necessary)"
                     r"\s+to|close to|about to|try(?:ing)? to|attempt(?:ing|s|ed)? to|could|would|will|may|might|"
                     r"plans? to|aim(?:s|ing)? to|threaten(?:s|ed|ing)? to|in order to|necessary to|want(?:s|ed)? to|"
                     r"protect\w*[^.]{0,40}\bfrom|prevent\w*[^.]{0,30}\bfrom|if|possible|potential|likely|alleged)"
                     r"\s+(?:\w+\s+){0,2}$", re.I)
ONGOING = re.compile(r"\b(has|have)\s+(?:been\s+)?(?:raging|raged|continu\w+|fighting|trying|sought|deployed|"
                      r"regained|reclaimed)\b|\bhas\s+hung\b|\bhave\s+been\b", re.I)

# Number words up to ninety-nine: 'twenty-one', 'thirty five', 'fourteen'.
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_WORD_NUMBER = (rf"(?:(?:{'|'.join(_TENS)})(?:[-\s](?:{'|'.join(_UNITS)})\b)?|{'|'.join(_TEENS)}|{'|'.join(_UNITS)})")
_QTY = (rf"(?:(at least|more than|over|up to|about|some|nearly|around|almost|another)\s+(?=\d|{_WORD_NUMBER}\b))?"
        rf"(\d[\d,]*|{_WORD_NUMBER}|a|an|several|a few|few|dozens|a dozen|hundreds|thousands|another)")
_PERSON = (r"(?:\d+-year-olds|people|persons?|civilians?|residents?|men|man|women|woman|children|child|kids?|boys?|girls?|"
           r"soldiers?|servicem[ae]n|troops|teenagers?|passengers?|workers?|police(?:\s+officers?)?|officers?|"
           r"volunteers?|employees?|rescuers?|medics?|doctors?|journalists?|drivers?|individuals?|others?|"
           r"pensioners?|residents?|victims?|minors?|infants?|babies|baby|adults?)")
_KILL = r"(?:killed|dead|died|killing|kills)"
_HURT = r"(?:wounded|injured|wounding|injuring|hurt|injures|wounds)"  # 'wounds': also the noun
_VERB = rf"({_KILL}|{_HURT})"
_COUNT_PATTERNS = [
    # 'one person had been killed', 'Two women, 49 and 52, were also injured', 'a woman was killed'
    re.compile(rf"\b{_QTY}(?:[\s,]+[\w’'-]+){{0,4}}?\s+{_PERSON}\b(?:,[^.;]{{0,30}},)?\s+(?:(?:were|was|had been|have been|"
               rf"has been|are|is|got)\s+)(?P<also>also\s+)?(?:reportedly\s+|instantly\s+)?{_VERB}", re.I),
    # 'killing a 47-year-old woman', 'injured several people'
    re.compile(rf"\b{_VERB}\s+(?P<also>also\s+)?{_QTY}(?:\s+[\w’'-]+){{0,3}}?\s+{_PERSON}\b", re.I),
    # 'several seriously wounded North Korean soldiers who later died'
    re.compile(rf"\b{_QTY}(?:\s+[\w’'-]+){{0,5}}?\s+{_PERSON}\s+(?:who|that)\s+(?:later\s+|also\s+)?(?:were\s+|was\s+|"
               rf"had\s+)?{_VERB}", re.I),
    # 'the wounded included two men'
    re.compile(rf"\bthe\s+{_VERB}\s+(?:included|include|were|are|was)\s+{_QTY}(?:\s+[\w’'-]+){{0,2}}?\s+{_PERSON}\b",
               re.I),
    # 'and another wounded', 'two killed and five wounded'
    re.compile(rf"\b{_QTY}\s+(?:others?\s+|more\s+)?(?:were\s+)?{_VERB}\b", re.I),
    # 'two women, aged 47 and 59, suffered injuries', 'a 46-year-old woman sustained shrapnel wounds'
    re.compile(rf"\b{_QTY}(?:[\s,]+[\w’'-]+){{0,4}}?\s+{_PERSON}\b(?:,[^.;]{{0,30}},)?\s+(?P<also>also\s+)?"
               rf"(?:suffered|sustained|received|suffering|sustaining)\s+(?:[\w-]+\s+){{0,2}}(injuries|wounds)\b", re.I),
    # 'killed one civilian and injured eight', 'killing two people and injuring four': a bare number
    re.compile(rf"\b{_VERB}\s+(?P<also>also\s+)?{_QTY}(?=\s*(?:[,.;]|and\b|others?\b|more\b|in\b|on\b|at\b|near\b|"
               rf"$))", re.I),
    # 'two wounded North Korean soldiers' (an adjective: they were wounded)
    re.compile(rf"\b{_QTY}\s+(?:seriously\s+|severely\s+|lightly\s+|badly\s+)?(wounded|injured)\s+(?:[\w’'-]+\s+){{0,3}}"
               rf"{_PERSON}\b(?!\s+(?:who|that)\s)", re.I),
]
_NUMBER = {"a": 1, "an": 1, "one": 1, "another": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
           "thirty": 30, "several": 3, "a few": 3, "few": 3, "a dozen": 12, "dozens": 12, "hundreds": 100,
           "thousands": 1000}
# 'No injuries were reported', 'there were no casualties', 'without casualties'.
NO_CASUALTIES = re.compile(r"\b(?:no (?:immediate )?reports? of (?:injuries|casualties|victims|deaths)|"
                           r"no (?:one|casualties|injuries|victims|deaths|fatalities|people)(?: were| was)?"
                           r"(?: (?:reported|injured|hurt|killed))?|without (?:casualties|injuries|victims)|"
                           r"nobody was (?:injured|hurt|killed))\b", re.I)
DEATH_WORDS = re.compile(r"\b(?:killed|killing|kills|dead|died|dies|death|deaths|fatalit\w*|lives|bodies|body)\b", re.I)
TOTAL_AT = 100  # a count this large in one report is a running total, not one incident


_DAY_OF_DATE = re.compile(r"\b((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+)(\d{1,2})\b")


def number(qty: str) -> int:
    """A count as written: digits, a number word ('twenty-one', 'fourteen') or a vague one ('several' = 3)."""
    q = qty.lower().replace(",", "")
    if q[0].isdigit():
        return int(q)
    if q in _NUMBER:
        return _NUMBER[q]
    parts = re.split(r"[-\s]+", q)
    if parts[0] in _TENS:
        return 20 + 10 * _TENS.index(parts[0]) + (_UNITS.index(parts[1]) + 1 if len(parts) > 1 else 0)
    if q in _TEENS:
        return 10 + _TEENS.index(q)
    return _UNITS.index(q) + 1


@dataclass
class Count:
    value: int
    words: str
    also: bool
    total: bool


def counts(text: str) -> dict[str, list[Count]]:
    """Killed and injured counts in one clause, each with the words it rests on."""
    out: dict[str, list[Count]] = {"killed": [], "injured": []}
    spans: list[tuple[int, int]] = []
    # 'on Feb. 3 killed two', 'Dec. 1, 3 people': a date's day is no count (masked, offsets kept).
    masked = _DAY_OF_DATE.sub(lambda d: d.group(1) + "#" * len(d.group(2)), text)
    for pattern in _COUNT_PATTERNS:
        for m in pattern.finditer(masked):
            if any(m.start() < e and s < m.end() for s, e in spans):
                continue
            groups = [g for g in m.groups() if g]
            qtys = [g for g in groups if g.lower() in _NUMBER or re.fullmatch(rf"\d[\d,]*|{_WORD_NUMBER}", g, re.I)]
            if len(qtys) > 1 and qtys[0].lower() == "another":  # 'another 15 were injured': 15, not 1
                qtys = qtys[1:]
            qty = qtys[0] if qtys else None
            verb = next((g for g in reversed(groups) if re.fullmatch(rf"{_KILL}|{_HURT}|injuries", g, re.I)), None)
            if qty is None or verb is None:
                continue
            value = number(qty)
            field = "killed" if re.fullmatch(_KILL, verb, re.I) else "injured"
            words = text[m.start():m.end()]
            total = value >= TOTAL_AT or bool(re.search(r"\b(more than|over)\s+\d", words, re.I) and value >= 50)
            out[field].append(Count(value, words, bool(re.search(r"\balso\b", words, re.I)), total))
            spans.append((m.start(), m.end()))
    return out


def kinds(clause: str) -> list[tuple[str, int, str]]:
    """(kind, offset, words) of what happened in a clause, specific kinds before generic ones."""
    found: list[tuple[str, int, str]] = []
    for kind, pattern in _TRIGGERS:
        for m in pattern.finditer(clause):
            if _UNREAL.search(clause[:m.start()]):
                continue
            k = kind
            if kind == "clash" and re.match(r"(?:fighting|fought)\s+(?:with|for|alongside|on the side of)\b",
                                            clause[m.start():], re.I) and re.search(
                    r"\b(?:citizens?|nationals?|mercenar(?:y|ies)|man|men|volunteers?|foreigners?|who|he|she|they)\s+$",
                    clause[:m.start()], re.I):
                continue  # 'an Australian citizen fighting with Ukrainian forces': who he is, not a battle
            if kind == "intercept" and re.search(r"\b(debris|fragments|wreckage)\b", clause, re.I):
                continue  # the debris of a downed drone hit something: the strike is what happened
            if kind in ("air", "shelling", "clash", "attack") and re.match(r"[”\"’]|,[”\"]", clause[m.end():]) and \
                    re.search(r"[“\"‘]$", clause[:m.start()]):
                continue  # a word quoted as a word ('terms like “artillery,”'), not an event
            if kind == "territory" and re.search(r"\b(the|these|those|both|two|three|\d+)\s+$", clause[:m.start()], re.I) \
                    and re.match(r"\s+(?:[\w’'-]+\s+){0,2}?" + _PEOPLE_OBJECT.pattern, clause[m.end():], re.I):
                continue  # 'the captured soldiers': who they are, not what happened
            people_next = re.match(r"(?:\s+[\w’'-]+){0,4}?\s+" + _PEOPLE_OBJECT.pattern, clause[m.end():], re.I)
            if kind == "territory" and people_next:
                found.append(("prisoners", m.start(), m.group(0)))
                break
            if kind == "territory" and (_PEOPLE_OBJECT.search(clause[m.end():m.end() + 50]) or re.search(
                    r"\b(soldiers?|troops|servicem[ae]n|men|they|prisoners?)\b[^.;]{0,25}\b(were|was|been|being)\s+$",
                    clause[:m.start()], re.I) or re.search(r"\b(soldiers?|troops|men|prisoners?|servicem[ae]n)\b[^.;]{0,40}\bwhom\b"
                                          r"[^.;]{0,40}$", clause[:m.start()], re.I) or re.search(
                    r"\b(men|soldiers|troops|prisoners|servicemen|their|his|her)['’]?s?\s+$",
                    clause[:m.start()], re.I) or re.search(r"\bcapture of\s+$", clause[:m.end() + 4])
                    and _PEOPLE_OBJECT.search(clause[m.end():m.end() + 50])) and not re.match(
                    r"[\"”’']?\s+(?:the\s+)?(?:village|town|city|settlement)\b|[\"”’']?\s+[\"“]?(?!(?:Monday|Tuesday|Wednesday|"
                    r"Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|"
                    r"October|November|December)\b)[A-Z][a-z]", clause[m.end():]):
                k = "prisoners"  # 'captured two soldiers', 'after they were captured'
            if kind == "air" and re.search(r"\b(intercept|shot down|downed)", clause, re.I) \
                    and not re.search(r"\b(debris|fragments|wreckage)\b", clause, re.I):
                continue
            found.append((k, m.start(), m.group(0)))
            break
    specific = [f for f in found if f[0] not in GENERIC]
    return specific or found


# Who says so.
_SUBJECT_STOP = re.compile(r"[,;:“”\"—]|\bthat\b|\band\b(?=\s+(?:said|wrote))", re.I)
_APPOSITIVE = re.compile(r"^\s*(?:(?:the|a|an|its|their)\s+(?:head|governor|chief|spokes\w+|mayor|leader|commander|"
                         r"president|minister|secretary|deputy|member|acting)\b|an?\s)", re.I)  # 'X, a Ukrainian unit …'
# Words that say a capture is not over: the other side still fighting there, or only pulled back.
CONTESTED = re.compile(r"\b(?:fighting|battles?|clashes|combat)\b[^.;]{0,40}\bcontinu(?:e|es|ed|ing)\b|"
                       r"\bonly\s+(?:partially\s+)?withdrawn\b|\bnot\s+(?:mean\s+(?:that\s+)?we\s+have\s+)?(?:completely|fully)\s+"
                       r"(?:left|lost|withdrawn)|\bstill\s+(?:hold|holds|holding|control|controls|controlling|in control)\b", re.I)
_PRONOUN = re.compile(r"^(?:he|she|it|they|the ministry|the army|officials)$", re.I)
RU_WORDS = re.compile(r"\b(russia\w*|moscow|kremlin|ria|tass|interfax|occup\w+|dpr|lpr|donetsk people's|putin|"
                      r"shoigu|belousov|peskov)\b", re.I)
UA_WORDS = re.compile(r"\b(ukrain\w*|kyiv|zelensk\w*|sbu|general staff|hur|syrskyi|sybiha)\b", re.I)


# Someone commenting from outside the war ('United States President Joe Biden said the attack was …'):
# not a source of what happened where.
OUTSIDER = re.compile(r"\b(?:United States|U\.S\.|US|White House|Pentagon|State Department|United Kingdom|UK|British|"
                      r"France|French|Germany|German|European|EU|NATO|United Nations|UN|Prime Minister Keir|"
                      r"Chancellor)\b")
# A party to the war speaking as a state: its military or defence ministry, or the state itself
# ('Russia said', 'Ukraine's military said'); a governor or mayor reporting on his own region is not.
STATE_VOICE = re.compile(r"^(?:the\s+)?(?:Russia|Ukraine|Moscow|Kyiv|Kremlin)$|\b(?:military(?!\s+administration)|army|armed forces|"
                         r"defen[cs]e ministry|ministry of defen[cs]e|general staff|air force|navy|SBU|security service|"
                         r"drone forces|special operations forces)\b", re.I)


@dataclass
class Claimant:
    name: str
    words: str
    side: str | None  # RU, UA or None


def claimant(sentence: str, previous: Claimant | None, region_side: str | None) -> Claimant | None:
    """The subject of the sentence's speech verb ('its governor Ivan Fedorov wrote'), or 'according
    to X'; a pronoun is the previous sentence's claimant."""
    sentence = re.sub(r"^\s*[-–—•*]\s+", "", sentence)  # a list item's bullet ('- Russia said …')
    m = re.search(r"\baccording to\s+(?:the\s+)?([^,.;]+)", sentence, re.I)
    if m and re.match(r"(?:preliminary|initial|early|available|latest|updated|official|the)?\s*(?:information|data|"
                      r"reports?|figures|estimates)\b", m.group(1), re.I):
        m = None  # 'according to preliminary information': no one named
    if m:
        name = m.group(1).strip()
        return Claimant(name, m.group(0), _side(name, previous, region_side))
    # 'This was reported by the head of the Sumy MVA Serhiy Kryvosheenko': the passive's agent
    m = re.search(r"\b(?:was|were|has been|have been|had been)\s+(?:reported|announced|stated|said|confirmed)\s+by\s+"
                  r"(?:the\s+)?([^,.;]+)", sentence)
    if m and re.search(r"[A-Z]|\b(governor|officials?|ministry|military|army|authorities|administration|police|"
                       r"mayor|head|spokes\w+|staff)\b", m.group(1)):
        name = re.sub(r",?\s+UNN reports$|\s+reports?$", "", m.group(1).strip())
        return Claimant(name[0].upper() + name[1:], m.group(0), _side(name, previous, region_side))
    # 'DPA reported, citing the governor of the Donetsk region', 'Anadolu cited Russia's Defence Ministry in
    # reporting that...': the source cited is the one who asserts it, the outlet only passes it on.
    m = re.search(r"\bciting\s+(?:the\s+)?([^,.;:“”\"]+?)(?=\s*(?:[,.;:]|$|\s+(?:as|in|on|who)\b))", sentence) or \
        re.search(r"\bcited\s+(?:the\s+)?([^,.;:“”\"]+?)\s+(?:in|as)\s+(?:reporting|saying)\b", sentence)
    if m and re.search(r"[A-Z]|\b(governor|officials?|ministry|military|army|authorities|administration|police|"
                       r"mayor|head|spokes\w+|staff)\b", m.group(1)):
        name = m.group(1).strip()
        return Claimant(name[0].upper() + name[1:], m.group(0), _side(name, previous, region_side))
    # '…, said Oleh Kiper, governor of the region': the speaker after the verb
    m = re.search(r",\s*(?:said|says|wrote|reported|added|told \w+)\s+((?:(?:the|its)\s+)?(?:(?:regional|local|city|"
                  r"district|oblast)\s+)?(?:[A-Z][\w'’.-]+|governor|head|mayor|spokes\w+)(?:\s+(?:of\s+)?[A-Z][\w'’.-]+){0,4})"
                  r"(?=\s*(?:[,.;]|$|\s+(?:on|in|at|who|via|told|during)\b))", sentence)
    if m and not re.fullmatch(r"(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Jan\w*|Feb\w*|"
                              r"Mar\w*|Apr\w*|May|Jun\w*|Jul\w*|Aug\w*|Sep\w*|Oct\w*|Nov\w*|Dec\w*)", m.group(1)):
        name = re.sub(r"^(?:the|its)\s+", "", m.group(1)).strip()
        return Claimant(name[0].upper() + name[1:], m.group(0).lstrip(", "), _side(name, previous, region_side))
    for m in re.finditer(rf"\b(?:had\s+|has\s+|have\s+)?{SPEECH}\b", sentence, re.I):
        if re.search(r"(?:['’]s|\b(?:the|its|their|his|her|these|those|such))\s*$", sentence[:m.start()], re.I):
            continue  # "Russia's claims", 'the reports': a noun, not someone speaking
        before = sentence[:m.start()].rstrip(" ,")
        parts = re.split(r",\s*", before)
        subject = parts[-1] if parts else ""
        if _APPOSITIVE.match(subject) and len(parts) >= 2 and re.fullmatch(
                r"(?:(?:[A-ZА-Я]|\d+(?:st|nd|rd|th)\b)[\w'’.-]*\s*){1,6}", parts[-2].strip()):  # 'Ivan Fedorov, the head of …, said'
            # 'The 110th Brigade, a Ukrainian unit active in the region, stated': the name alone
            subject = parts[-2].strip() if re.match(r"an?\s", subject, re.I) else f"{parts[-2].strip()}, {subject}"
        subject = re.split(r"[“”\"—;:]", subject)[-1]
        subject = re.sub(r"^(?:earlier|later|meanwhile|on \w+ \d+|in a statement|separately)\s*,?\s*", "", subject.strip(),
                         flags=re.I)
        subject = re.sub(r"^(?:and|but|while|as)\s+", "", subject, flags=re.I).strip()
        subject = re.sub(r"^(?:in|on|at|by|during|last|earlier|later)\s+[\w-]+(?:\s+\d+)?\s*,?\s+", "", subject,
                         flags=re.I) if re.search(r"\b(it|he|she|they)$", subject, re.I) else subject
        subject = re.sub(r"\s+(?:on|last|this|early|late)\s+\w+(?:\s+\d+)?$", "", subject, flags=re.I).strip()
        subject = re.sub(r"(?:\s+(?:meanwhile|also|too|again|however|later|earlier|then|now|separately|previously|"
                         r"first|itself|further|additionally))+$", "", subject, flags=re.I).strip()  # an adverb is not part of the name
        subject = re.sub(r"\s+(?:on|in)\s+(?:a|an|the|his|her|its)\s+[\w\s]+$", "", subject, flags=re.I).strip()
        if re.search(r"(?:^|\s)(it|he|she|they)$", subject, re.I):
            subject = subject.split()[-1]
        words = subject.split()
        if not words or len(words) > 16 or re.search(r"\b(who|which|were|was|is|are|been|not|if|when|because)\b",
                                                     subject, re.I):
            continue
        if _PRONOUN.match(subject) or subject.lower() in ("it", "he", "she", "they"):
            if previous is not None:  # 'he added': whoever spoke last
                return Claimant(previous.name, m.group(0), previous.side)
            continue
        subject = re.sub(r"\s+there$", "", subject)  # 'the governors there said'
        if not re.search(r"[A-ZА-Я]", subject) and not re.search(
                r"\b(ministry|governors?|army|military|officials?|spokes\w+|staff|administration|service|police|"
                r"mayors?|head|command|authorities)\b", subject, re.I):
            continue
        name = re.sub(r"^(?:the|its|their)\s+", "", subject, flags=re.I)
        name = name[0].upper() + name[1:]
        side = _side(name, previous, region_side)
        if side == "RU" and not RU_WORDS.search(name):
            name = f"Russian {name[0].lower() + name[1:]}" if re.match(r"(?i)(defen[cs]e ministry|army|military)",
                                                                        name) else name
        return Claimant(name, f"{subject} {m.group(0)}", side)
    return None


def _side(name: str, previous: Claimant | None, region_side: str | None) -> str | None:
    ru, ua = bool(RU_WORDS.search(name)), bool(UA_WORDS.search(name))
    if ru != ua:
        return "RU" if ru else "UA"
    if re.search(r"\b(governor|regional|region|administration|mayor)\b", name, re.I) and region_side:
        return region_side
    if re.search(r"\b(defen[cs]e ministry|ministry of defen[cs]e|army|military|troops|forces)\b", name, re.I) \
            and previous is not None:
        return previous.side
    return None


def attacker(clause: str, sentence: str) -> str | None:
    """The side named with the weapon or the troops ('a Russian drone', 'Ukrainian drones', 'the occupiers')."""
    for text in (clause, sentence):
        own = re.search(r"\b(Russia|Ukraine|Moscow|Kyiv)\b(?:['’]s)?[^.;]{0,60}?\b(?:its|their)\s+(?:own\s+)?(?:forces|troops|"
                        r"army|units|soldiers|military)\b", text)
        if own:  # 'Russia has claimed that its forces captured …'
            return "UA" if own.group(1) in ("Ukraine", "Kyiv") else "RU"
        m = re.search(r"\b(Russian|Russia's|Russia’s|Ukrainian|Ukraine's|Ukraine’s|occupiers?|occupation)\b"
                      r"(?:\s+[\w-]+){0,2}?\s+(?:drones?|forces|troops|army|military|missiles?|strikes?|attacks?|"
                      r"shelling|artillery|soldiers|units|aircraft|bombs?|UAVs?|Shaheds?)", text, re.I)
        if m:
            w = m.group(1).lower()
            return "UA" if w.startswith("ukrain") else "RU"
    return None


CIVILIAN = re.compile(r"\b(civilians?|woman|women|man|men aged|children|child|residents?|people|passengers?|car|"
                      r"apartment|house|homes?|hospital|school|bus|shop|market|building|buildings)\b", re.I)
FORCES = {"RU": "Military Forces of Russia", "UA": "Military Forces of Ukraine"}
CIVILIANS = {"RU": "Civilians (Russia)", "UA": "Civilians (Ukraine)"}

UNVERIFIED = re.compile(r"\b(?:not|n't|never|could not|cannot|unable to)\s+(?:been\s+|be\s+|yet\s+)?(?:independently\s+)?"
                        r"(?:verif\w*|confirm\w*)|\bwithout (?:providing )?(?:any )?evidence|\b(?:not|no)\s+(?:provided|"
                        r"offered|presented|given|shown)\s+(?:any\s+)?evidence|did not provide (?:any )?evidence|"
                        r"\bno evidence\b|\bunverified\b|\bunconfirmed\b", re.I)
DISPUTE = re.compile(r"\b(traded blame|trade blame|blamed each other|blame each other|accused each other|"
                     r"cast(?:s|ing)? doubt on|dismissed (?:the|Russia['’]s|Moscow['’]s|Kyiv['’]s|Ukraine['’]s) claims?|"
                     r"denied|denies|deny|refuted|refutes|rejected the claim|dismissed the claim|disputed|"
                     r"disputes|contradicted|called (?:it|the claim|this) (?:false|fake|a lie)|did not happen|"
                     r"false claims?)\b", re.I)
