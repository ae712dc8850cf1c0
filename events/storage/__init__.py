"""The store every view goes through: open_storage() picks the backend.

EVENTS_DB=postgresql://... (or --db) selects PostGIS; otherwise the embedded store
(YAML catalogue + GeoParquet datasets) is used, which needs no server. EVENTS_DB_READ=postgresql://...
sends the PostGIS store's reads to a streaming replica (writes stay on EVENTS_DB).
"""
from __future__ import annotations

import os

from events.storage.base import (Actor, Change, Storage, StoreFacts, Stored, Summary, as_actor,  # noqa: F401
                                 current_actor, current_user)


def database_url(override: str | None = None) -> str | None:
    """--db beats $EVENTS_DB; None means the embedded store."""
    url = override or os.environ.get("EVENTS_DB") or None
    return url.strip() if url and url.strip() else None


def open_storage(db: str | None = None, catalog=None, data=None, *, write_cache: bool = True) -> Storage:
    url = database_url(db)
    if url:
        from events.storage.postgis import PostgisStorage

        return PostgisStorage(url, read_dsn=(os.environ.get("EVENTS_DB_READ") or "").strip() or None)
    from events.storage.embedded import EmbeddedStorage

    return EmbeddedStorage(catalog, data, write_cache=write_cache)
