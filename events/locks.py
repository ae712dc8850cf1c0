"""One kind of lock for every place where one writer at a time may work: the catalogue, a
dataset's name, a snapshot source.

flock(2) on a small file beside what it guards: the kernel drops the lock when its holder
dies, so a killed command never leaves one stuck, and the file names the holder for the
message a refused second writer reads.
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from events.errors import LockBusy


class FileLock:
    """An exclusive lock on `path` while in a with-block.

    wait: seconds to keep trying before giving up (0: give up at once); None waits for as long
    as it takes (writers of one catalogue queue up). busy(holder) is the error raised on giving
    up, holder being what the holder wrote (its pid) or "another process".
    """

    def __init__(self, path: str | os.PathLike, *, wait: float | None = 0,
                 busy: Callable[[str], Exception] | None = None) -> None:
        self.path = Path(path)
        self.wait = wait
        self.busy = busy or (lambda holder: LockBusy(f"{self.path} is held by {holder}"))
        self.fh = None

    def __enter__(self) -> FileLock:
        self.fh = open(self.path, "a+")
        if self.wait is None:
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + self.wait
            while True:
                try:
                    fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() < deadline:
                        time.sleep(0.05)
                        continue
                    self.fh.seek(0)
                    holder = self.fh.read().strip() or "another process"
                    self.fh.close()
                    raise self.busy(holder) from None
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"pid {os.getpid()}")
        self.fh.flush()
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()
