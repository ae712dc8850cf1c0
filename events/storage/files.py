"""The embedded store's files (events/storage/embedded.py reads them through this): the curated
catalogue plus every imported dataset merged into the one table it queries, and the fingerprint
that says when any of those files changed."""
from __future__ import annotations

import hashlib
import os

import pyarrow as pa

from events.records import Catalog, is_record_name, load_catalog


def fingerprint(directory: str | os.PathLike, data: str | os.PathLike) -> str:
    """Changes whenever a record file or a dataset changes, so a long-running view reloads.

    Every entry is stat'ed on its own (never followed): one odd entry (a directory named
    x.yaml, a dangling link, an import's leftover temp folder) cannot stop the others
    from being seen.
    """
    h = hashlib.sha1()
    for folder, records in ((directory, True), (data, False)):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            h.update(f"{folder}:absent;".encode())
            continue
        for e in entries:
            if records and not is_record_name(e.name) or not records and e.name.startswith("."):
                continue
            for path in (e.path, *(() if records else (os.path.join(e.path, "manifest.json"),))):
                try:
                    st = os.stat(path, follow_symlinks=False)
                    h.update(f"{path}:{st.st_mode}:{st.st_mtime_ns}:{st.st_size};".encode())
                except OSError:
                    h.update(f"{path}:missing;".encode())
    return h.hexdigest()


def load_store(directory: str | os.PathLike | None = None, data: str | os.PathLike | None = None, *,
               write_cache: bool = True) -> Catalog:
    """The one table every consumer queries: the curated catalogue plus every bulk
    dataset under the data directory, told apart by the `dataset` column.

    Rows are grouped by source (curated first, then each dataset by date), not
    sorted as a whole: re-sorting a million rows would copy them all again.
    """
    from events.datasets import load_tables, to_frame

    cat = load_catalog(directory, write_cache=write_cache)
    tables = load_tables(data, cat.problems)
    if not tables:
        return cat
    cat.events = to_frame(tables, cat.events)
    del tables

    pa.default_memory_pool().release_unused()  # hand the conversion's scratch memory back
    return cat
