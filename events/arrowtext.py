"""Arrow text arrays at the level of their buffers, for the few hot paths that must not make a
Python object per value (pyarrow has no public accessor for a string array's offsets)."""
from __future__ import annotations

import ctypes

import numpy as np
import pandas as pd
import pyarrow as pa

# pandas' own text type (its default 'str'), held in Arrow
PANDAS_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def offsets(arr: pa.Array) -> np.ndarray:
    """Where each value of a (large_)string or binary array starts in its data buffer, and where
    the last ends: len(arr) + 1 positions, a view of the buffer, the array's own slice of it."""
    wide = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    return np.frombuffer(arr.buffers()[1], dtype=np.int64 if wide else np.int32)[arr.offset:arr.offset + len(arr) + 1]


def data(arr: pa.Array) -> np.ndarray:
    """The bytes of an array's values, back to back: a view of its data buffer (no copy)."""
    if len(arr) == 0 or arr.buffers()[2] is None:
        return np.zeros(0, dtype=np.uint8)
    at = offsets(arr)
    return np.frombuffer(arr.buffers()[2], dtype=np.uint8)[int(at[0]):int(at[-1])]


def held_arrow(s) -> pa.ChunkedArray | None:
    """The Arrow array a pandas column holds (an Arrow-backed column keeps its values there), or
    None. pandas has no public accessor for it: this is the one place that reaches in."""
    chunked = getattr(s.array, "_pa_array", None)
    return chunked if isinstance(chunked, pa.ChunkedArray) else None


def held_text(s) -> pa.ChunkedArray | None:
    """The Arrow text a pandas column holds (its default text type keeps its values in Arrow), or
    None when it holds something else."""
    chunked = held_arrow(s)
    if chunked is not None and (pa.types.is_string(chunked.type)
                                                 or pa.types.is_large_string(chunked.type)):
        return chunked
    return None


def arrow_text(s) -> pa.ChunkedArray:
    """A pandas text column's values as Arrow text: the column's own buffers where it holds them,
    else one conversion."""
    chunked = held_text(s)
    if chunked is not None:
        return chunked
    values = np.asarray(s, dtype=object)
    try:
        return pa.chunked_array([pa.array(values, type=pa.string(), from_pandas=True)])
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers or other objects among the texts: as their text
        return pa.chunked_array([pa.array([None if pd.isna(v) else str(v) for v in values], type=pa.string())])


def pandas_text(arr: pa.Array) -> pd.arrays.ArrowStringArray:
    """Arrow text as pandas' own text type, over the same buffers (no Python string per value)."""
    return pd.arrays.ArrowStringArray(arr.cast(pa.large_string()), dtype=PANDAS_TEXT)


def repeated_text(value: str | None, n: int) -> pa.Array:
    """n copies of one text (or n missing values), made by Arrow."""
    return pa.array([value], type=pa.large_string()).take(pa.array(np.zeros(n, dtype=np.int32)))


_WORDS = 8  # the first 64 bytes of a text are hashed in numpy; the rest of a longer one by pandas


def hashes(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash of each text, from its bytes and length (nulls hash as empty text); the same
    text gets the same hash in any array.

    The bytes are laid into 8-byte words and mixed column by column (murmur3's finaliser after
    each word): no Python string per value. Only a text longer than 64 bytes (not an id) is
    made a Python string, for pandas' hasher to fold in the rest of it."""
    if isinstance(arr, pa.ChunkedArray):
        parts = [hashes(c) for c in arr.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    if arr.null_count:
        arr = arr.fill_null("")
    n = len(arr)
    at = offsets(arr).astype(np.int64)
    at = at - at[0] if n else at
    size = np.diff(at)
    width = 8 * min(_WORDS, max(1, -(-int(size.max()) // 8) if n else 1))
    text = np.concatenate([data(arr), np.zeros(width, dtype=np.uint8)])  # reads past the last text stay in bounds
    cols = np.arange(width)
    padded = text[at[:-1, None] + cols]
    padded[cols >= size[:, None]] = 0
    words = padded.view("<u8")
    h = size.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    used = np.maximum(1, -(-size // 8))  # a text's own words only: the array's widest sets no rounds
    for j in range(words.shape[1]):
        h = np.where(j < used, _mix(h ^ words[:, j]), h)
    long = np.flatnonzero(size > 8 * _WORDS)
    if len(long):
        rest = np.asarray(arr.take(pa.array(long)).to_numpy(zero_copy_only=False), dtype=object)
        h[long] = _mix(h[long] ^ pd.util.hash_array(rest))
    return h


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def has_newline(chunk: pa.Array) -> bool:
    """Whether a text column's values hold a line break, found by the C library's memchr over its
    data buffer (a single pass checks every column of every batch: numpy compares at a third of
    the speed). Where no C library can be loaded, numpy a megabyte at a time."""
    at = offsets(chunk)
    start, end = (int(at[0]), int(at[-1])) if len(at) else (0, 0)
    buf = chunk.buffers()[2]
    if buf is None or end <= start:
        return False
    if _MEMCHR is not None:
        return bool(_MEMCHR(buf.address + start, 10, end - start))
    text = data(chunk)
    step = 1 << 20
    return any(bool((text[i:i + step] == 10).any()) for i in range(0, len(text), step))


def _load_memchr():
    try:
        fn = ctypes.CDLL(None).memchr
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_void_p
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    return fn


_MEMCHR = _load_memchr()
