"""Counts in words for messages: "1 event", "2 events", "1,250 rows". One place, so that no message
says "1 days"."""
from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """n and the noun, singular for exactly one, with thousands separators."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
