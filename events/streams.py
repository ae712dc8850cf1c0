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
