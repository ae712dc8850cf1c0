"""Errors and problems of the event store, each naming file, record and field."""
from __future__ import annotations

from dataclasses import dataclass


class EventsError(Exception):
    """Base class: something the user can act on, printed without a traceback."""


class FilterError(EventsError, ValueError):
    """A filter value that cannot be understood (bad date, unknown region, ...)."""


class ColumnError(EventsError):
    """A table with a column outside the declared contract (events/columns.py)."""


class OutputError(EventsError):
    """An output path we will not or cannot write: names the path and the reason."""


@dataclass(frozen=True)
class Problem:
    """One problem of one file: printed as `PATH: FIELD: message`."""

    path: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


class StorageError(EventsError):
    """A store that cannot be opened or used (database unreachable, schema too old...)."""


class StoreUnavailable(StorageError):
    """The database went away (stopped, restarting, network gone) or cannot be reached: nothing was
    written, and the same request can be tried again once it is back (the CLI exits with 3)."""


class NotFound(StorageError):
    """No curated event with that id."""


class StaleVersion(StorageError):
    """A save against a version that someone else has changed since it was read: nothing written."""


class ReviewError(StorageError):
    """A review step that is not allowed (approving one's own change, approving a draft...)."""


class TerritoryError(EventsError):
    """A control snapshot that cannot be read or stored: names the file and what is missing."""
