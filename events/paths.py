"""Where the embedded store lives: the catalogue folder and the datasets folder, from a command's
option, else the environment, else the defaults. A module of its own, with no import beyond the
standard library, so that opening a store costs nothing until it reads."""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CATALOG = Path(__file__).resolve().parent / "catalog"
DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data"


def catalog_dir(override: str | os.PathLike | None = None) -> Path:
    """--catalog beats $EVENTS_CATALOG beats the embedded default store."""
    if override:
        return Path(override)
    env = os.environ.get("EVENTS_CATALOG")
    return Path(env) if env else DEFAULT_CATALOG


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """--data beats $EVENTS_DATA beats data/ beside the project."""
    if override:
        return Path(override)
    env = os.environ.get("EVENTS_DATA")
    return Path(env) if env else DEFAULT_DATA
