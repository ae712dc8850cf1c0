"""Streams of work between threads: what storage, export and import share, owned by none of them."""
from __future__ import annotations

from collections.abc import Iterator


def read_ahead(items: Iterator, depth: int) -> Iterator:
    """items, produced in a thread at most depth ahead of the consumer. Errors are raised in the
    consumer; a consumer that stops early stops the producer (and frees its connection)."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def run() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            q.put(("error", exc))
            return
        finally:
            if stop.is_set():
                items.close()
        q.put(("end", done))

    worker = threading.Thread(target=run, name="events-read-ahead", daemon=True)
    worker.start()

    def consume() -> Iterator:
        try:
            while True:
                kind, value = q.get()
                if kind == "item":
                    yield value
                elif kind == "error":
                    raise value
                else:
                    return
        finally:
            stop.set()
            while worker.is_alive():  # let the producer see the stop (it may be blocked on a full queue)
                try:
                    q.get(timeout=0.1)
                except queue.Empty:
                    pass
            worker.join()

    return consume()


def batch_memory_pool(keep_ms: int = 500) -> str:
    """Arrow's allocations from jemalloc, keeping freed pages for keep_ms: for a command that
    streams a million rows through Arrow (an import, an export) and exits.

    Each export chunk and each batch needs tens of MB; the default pool (mimalloc) gives such
    blocks back to the system when freed, so the next one is a fresh mapping whose every page the
    kernel zeroes first: at a million rows, 2 of the export's 7 CPU-seconds and 1 to 1.5 of the
    import's. Pages kept half a second are reused by the next batch, and the import's peak memory
    fell (1.33 to 1.21 GB): kept 2 s it rose to 1.41 GB, 10 s to 2.0 GB, for no more speed.
    Returns the pool's name (the default stays where this Arrow build has no jemalloc)."""
    import pyarrow as pa

    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(keep_ms)
    except (NotImplementedError, pa.ArrowException):
        return pa.default_memory_pool().backend_name
    pa.set_memory_pool(pool)
    return pool.backend_name
