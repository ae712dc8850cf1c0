"""Name keys that survive script, transliteration, case and apostrophes.

Kurakhove, Kurakhovo, Курахове and 'KURAKHOVE' must meet in one key, and so
must Pokrovs'k and Pokrovsk, Prymorske and Primorskoye's spelling variants.
The same function builds the index and reads the query, so any deterministic
romanisation works; anyascii gives us one for every script.
"""
from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

_APOSTROPHES = re.compile(r"['’ʼ`´ʹ\"]")
# Soft and hard signs carry no letter in any romanisation reports use (Покровськ: Pokrovsk).
_SOFT_SIGNS = re.compile(r"[ьЬъЪ]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLES = re.compile(r"([a-z])\1+")
# Romanisation variants folded together, longest first (kh/h, y/i, ts/c, ...).
# 'io' last: Russian ё written yo, io or jo in reports (Plyokhovo) and e in GeoNames (Плехово, Plekhovo).
_LOOSE = [("kh", "h"), ("zh", "z"), ("ts", "c"), ("tz", "c"), ("w", "v"), ("j", "i"), ("y", "i"), ("ie", "e"),
          ("io", "e")]
# Generic words that do not name a place: 'Kursk region', 'місто Покровськ'.
GENERIC_WORDS = frozenset(
    {
        "oblast", "oblasti", "region", "province", "raion", "rayon", "district", "city",
        "town", "village", "settlement", "of", "the", "obl", "krai", "kray",
        # Cyrillic generics after romanisation
        "oblast", "oblasti", "misto", "gorod", "selo", "selishche", "poselok", "m", "s", "g",
    }
)


def romanise(text: str) -> str:
    """Latin lower-case text without diacritics or apostrophes."""
    text = unicodedata.normalize("NFKC", text)
    text = _APOSTROPHES.sub("", _SOFT_SIGNS.sub("", text))
    return anyascii(text).lower()


def name_key(text: str) -> str:
    """The loose matching key of a place name (empty when nothing is left)."""
    words = _NON_ALNUM.sub(" ", romanise(text)).split()
    kept = [w for w in words if w not in GENERIC_WORDS] or words
    key = " ".join(kept)
    for a, b in _LOOSE:
        key = key.replace(a, b)
    return _DOUBLES.sub(r"\1", key)


def is_latin_or_cyrillic(text: str) -> bool:
    """Whether a name is worth indexing (GeoNames lists names in every script)."""
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if not (name.startswith("LATIN") or name.startswith("CYRILLIC")):
                return False
    return True


_VOWELS = re.compile(r"(?<=\S)[aeiouj]+")  # name_key has already made y into i


def skeleton_key(key: str) -> str:
    """A name key's consonants: where Russian and Ukrainian spellings of one village meet
    (Berezovoe/Berezove, Kamenka/Kamianka, Trudovskaya/Trudivska, Dokuchaevsk/Dokuchaievsk,
    Glubokoe/Hlyboke). Loose, so only ever a fallback inside a stated oblast or raion."""
    return _VOWELS.sub("", key.replace("g", "h"))
