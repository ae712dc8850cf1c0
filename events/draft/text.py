"""An article as sentences with their place in the text, so that every proposal can point at
the words it rests on (the dashboard highlights them; the quote is the verbatim slice).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 200_000  # a pasted text longer than this is not one article

# A period after these does not end a sentence ('Jan. 9', 'U.S. forces', 'Gen. Syrskyi').
_ABBREV = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mr", "mrs",
           "ms", "dr", "st", "gen", "lt", "col", "maj", "capt", "sgt", "no", "vs", "approx", "u.s", "u.k", "e.g",
           "i.e", "gov", "sen", "rep", "prof", "km", "a.m", "p.m"}
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
# Lines that are page furniture, not reporting.
_FURNITURE = re.compile(r"^\s*(see also|related article|read more|subscribe|photo by|embed:|original url|"
                        r"already a subscriber|start free account|©|\(c\)|this article originally)", re.I)


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int  # offsets into the article's text
    end: int
    text: str
    paragraph: int
    headline: bool = False


def _is_headline(line: str, first: bool) -> bool:
    s = line.strip()
    if s.startswith("#"):
        return True
    return first and len(s.split()) <= 20 and not re.search(r"[.!?][\"'”’]?$", s)


def sentences(text: str) -> list[Sentence]:
    """Sentences in order, each with its offsets; the headline (a first short line with no final
    stop, or a markdown heading) is marked so that the body, not the headline, decides."""
    out: list[Sentence] = []
    paragraph = 0
    first_line = True
    for m in re.finditer(r"[^\n]+", text):
        line = m.group(0)
        if not line.strip():
            continue
        paragraph += 1
        if re.match(r"^\s*[<\[]?https?://\S+[>\]]?\s*$", line):
            continue
        if _FURNITURE.match(line):
            # Scraped pages glue a link's title to the next sentence ('… Drone AttackEarlier on …'):
            # keep what follows the join.
            glue = re.search(r"(?<=[a-z?!.])(?=[A-Z][a-z]+[\s,])", line[12:])
            first_line = False
            if glue is None:
                continue
            cut = 12 + glue.start()
            line, base_shift = line[cut:], cut
        else:
            base_shift = 0
        headline = _is_headline(line, first_line) and not base_shift
        first_line = False
        base = m.start() + base_shift
        pos = 0
        while pos < len(line):
            cut = None
            for e in _END.finditer(line, pos):
                word = re.search(r"([\w.]+)[.!?]+[\"'”’)\]]*$", line[pos:e.end()])
                if word and line[e.start()] == "." and word.group(1).lower().rstrip(".") in _ABBREV:
                    continue
                if word and re.fullmatch(r"[A-Z]", word.group(1)):  # an initial: 'Volodymyr O. Zelensky'
                    continue
                cut = e.end()
                break
            end = cut if cut is not None else len(line)
            raw = line[pos:end]
            lead = len(raw) - len(raw.lstrip())
            piece = raw.strip()
            if piece and re.search(r"\w", piece):
                out.append(Sentence(len(out), base + pos + lead, base + pos + lead + len(piece), piece, paragraph,
                                    headline))
            pos = end
    return out
