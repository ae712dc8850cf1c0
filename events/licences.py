"""What a dataset's source lets others do with its rows: recorded at import, read at publish.

Each import records the licence, the attribution the source asks for, and whether its rows may
be republished: the format's source by default (UCDP GED is CC BY 4.0; ACLED's terms of use
forbid republishing its rows), or what the operator states with --licence, --attribution and
--redistributable / --no-redistribution. A table of anyone else's (csv, geojson) states none by
default, and then `publish` refuses it until someone who knows says so.
"""
from __future__ import annotations

# import format -> (licence, attribution, rows may be republished)
DEFAULTS: dict[str, tuple[str, str, bool]] = {
    "ucdp": ("CC BY 4.0", "UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program, ucdp.uu.se", True),
    "acled": ("ACLED terms of use (no republishing of rows)",
              "Armed Conflict Location & Event Data (ACLED), acleddata.com", False),
}
UNSTATED = ("not stated", "", False)
CURATED = {"licence": "as the publisher decides", "attribution": "curated from the news reports each event cites",
           "redistributable": True}


def at_import(fmt: str, licence: str | None = None, attribution: str | None = None,
              redistributable: bool | None = None) -> dict:
    """The licence block an import's manifest records: the format's default, what the operator
    stated over it."""
    base_licence, base_attribution, base_ok = DEFAULTS.get(fmt, UNSTATED)
    stated = licence is not None or attribution is not None or redistributable is not None
    return {"licence": licence or base_licence, "attribution": attribution or base_attribution,
            "redistributable": base_ok if redistributable is None else bool(redistributable),
            "stated_by": "the operator at import" if stated else f"the {fmt} format's default"}


def of_manifest(manifest: dict | None) -> dict:
    """A dataset's licence block; an import made before licences were recorded gets its format's
    default (so an old ACLED import is still refused at publish)."""
    if manifest is None:
        return dict(CURATED)
    recorded = manifest.get("licence")
    if isinstance(recorded, dict):
        return recorded
    return at_import(manifest.get("format") or "")
