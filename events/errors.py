"""Errors and problems of the event store, each naming file, record and field: every error
the events package raises is here (geodata keeps its own in geodata/errors.py)."""
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


class LockBusy(EventsError):
    """Another command holds the lock (events/locks.py) and did not let go in time."""


class DatasetError(EventsError):
    """An import that would lose data, or that another import of the same dataset is running."""


class ImportFileError(EventsError):
    """The file as a whole cannot be imported (not found, not a CSV of that format)."""


class YamlError(EventsError):
    """The text is not a YAML document we accept; the message says where and why."""


class RecordFileError(EventsError):
    """A catalogue entry that is not a record file we read."""


class DraftError(EventsError):
    """The text cannot be drafted from (empty, too long, not text)."""


class SettingError(EventsError):
    """A setting (an environment variable) that cannot be understood: names it and why."""
