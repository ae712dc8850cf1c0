"""A draft as YAML the store reads: the record itself, and why each field was proposed as
comments above it (the store's schema forbids unknown keys, so `why` cannot be a field)."""
from __future__ import annotations

from events.draft import Draft


def to_yaml(d: Draft) -> str:
    import yaml

    lines = ["# yaml-language-server: $schema=../event.schema.json",
             "# DRAFT proposed by `python -m events draft`: check every field before asking for review."]
    for name, why in d.why.items():
        text = f"{why.get('confidence', '?')}: {why.get('how', '')}"
        if why.get("words"):
            text += f" [words: {why['words']}]"
        lines.append(f"# {name}: " + " ".join(text.split())[:400])
    if d.derived:
        lines.append(f"# located: {d.derived['lat']}, {d.derived['lon']} (geo_precision {d.derived['geo_precision']}, "
                     f"±{d.derived['uncertainty_km']} km)")
    if d.problem:
        lines.append("# NOT PLACED: " + " ".join(d.problem.split())[:400])
    for c in d.candidates[:12]:
        lines.append(f"#   candidate: {c['name']} ({c.get('admin1') or '?'}, {c['country']}) {c['lat']:.5f}, "
                     f"{c['lon']:.5f} {c['source']} pop. {c['population']}")
    record = {k: v for k, v in d.record.items() if v is not None or k in ("fatalities", "injured")}
    body = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(lines) + "\n" + body
