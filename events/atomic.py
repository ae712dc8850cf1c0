"""Atomic writes: a crash mid-write never leaves a truncated file, and nothing but a
regular file (or nothing) is ever replaced."""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from events.errors import OutputError


def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    write_stream_atomic(path, [data])


def check_target(path: Path) -> None:
    """Refuse what must not be replaced: a link, a device, a FIFO, a directory (as root,
    --out /dev/null would otherwise replace /dev/null), or a folder that does not exist
    (created silently, a typo would scatter files)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a symbolic link" if stat.S_ISLNK(st.st_mode)
                else "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device or socket")
        raise OutputError(f"refusing to write {path}: it is {kind}, not a regular file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: folder {parent} does not exist (create it first)")


def write_stream_atomic(path: Path | str, parts) -> None:
    """Write an iterable of byte chunks through a temporary file beside the target, then
    rename it over the target. Any failure (full disk, no permission) leaves the target as it was
    and raises OutputError naming the path."""
    path = Path(path)
    check_target(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            for part in parts:
                fh.write(part)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        check_target(path)  # still nothing but a regular file (or nothing) there
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
