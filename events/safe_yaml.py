"""YAML as untrusted input: what a record file may hold, and nothing that can crash a reader.

PyYAML's safe loader is safe against code execution, not against everything a
careless or hostile file holds: a date like 2025-02-30 or an integer of 5,000
digits raises ValueError from deep inside the constructor, 50,000 nested
brackets overflow the C stack of the composer (a segfault that takes the whole
server down), and a repeated key silently overwrites the first. This loader
keeps dates and over-long integers as text (the schema then names the field),
refuses repeated keys, and bounds the nesting depth with libyaml's event stream
(a state machine, not recursion) before anything is composed.
"""
from __future__ import annotations

import re

import yaml

from events.errors import YamlError

MAX_DEPTH = 32  # a record is four levels deep; anything near this is not a record
MAX_INT_DIGITS = 30

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RecordLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader with dates as text, bounded integers and no repeated keys."""


def _timestamp_as_text(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> str:
    # The schema parses and range-checks dates itself and names the field on error.
    return loader.construct_scalar(node)


def _bounded_int(loader: yaml.BaseLoader, node: yaml.ScalarNode):
    text = loader.construct_scalar(node)
    if sum(c.isdigit() for c in text) > MAX_INT_DIGITS:
        return text  # the schema reports "not a valid integer" for the field
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)


def _mapping_without_repeats(loader: yaml.BaseLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value",
                                                    key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first at line {seen[key] + 1}); keep one",
                key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


RecordLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
RecordLoader.add_constructor("tag:yaml.org,2002:int", _bounded_int)
RecordLoader.add_constructor("tag:yaml.org,2002:map", _mapping_without_repeats)


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse deep nesting before the (recursive) composer sees it."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > limit:
                    mark = event.start_mark
                    raise YamlError(f"nested deeper than {limit} levels at line {mark.line + 1}, "
                                    f"column {mark.column + 1}; a record is a few levels deep")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        raise YamlError(_describe(exc, text)) from None


# A value that opens a quote and does not close it on its own line: legal YAML (a quoted scalar may
# run over lines), and the usual cause when a record stops parsing further down.
_OPEN_QUOTE = re.compile(r"""^(\s*(?:-\s+)?[^\s:#'"][^:#]*:\s+|\s*-\s+)(["'])""")


def _unclosed_quote(text: str, before_line: int) -> tuple[int, int] | None:
    """(line, column), 0-based, of the first value on lines up to before_line whose quote does not
    close on that line."""
    for n, line in enumerate(text.splitlines()[:before_line + 1]):
        m = _OPEN_QUOTE.match(line)
        if not m:
            continue
        q, rest = m.group(2), line[m.end():]
        closed = rest.replace("''", "").find("'") if q == "'" else re.sub(r'\\.', "", rest).find('"')
        if closed < 0:
            return n, m.end() - 1
    return None


def _describe(exc: yaml.YAMLError, text: str | None = None) -> str:
    """Where the broken construct starts (an unclosed quote's opening, not the end of the file
    where the parser gave up), what it is, and where the parser noticed, when that is elsewhere."""
    start, found = getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)
    quote = _unclosed_quote(text, found.line) if text is not None and found is not None else None
    if quote:
        return (f"malformed YAML at line {quote[0] + 1}, column {quote[1] + 1}: a quote opened here is not "
                f"closed on its line (the parser gave up at line {found.line + 1})")
    mark = start or found
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    if start and context:
        problem = f"{context.removeprefix('while ')}: {problem}"
        if found and found.line != start.line:
            problem += f" (noticed at line {found.line + 1})"
    return f"malformed YAML{where}: {problem}"


def load(text: str):
    """The document as Python values, or YamlError naming line and column."""
    check_depth(text)
    try:
        return yaml.load(text, Loader=RecordLoader)
    except yaml.YAMLError as exc:
        raise YamlError(_describe(exc, text)) from None
    except (ValueError, OverflowError, RecursionError, MemoryError) as exc:  # anything a constructor may raise
        raise YamlError(f"unreadable value: {str(exc)[:200]}") from None
