"""Arrow text arrays at the level of their buffers, for the few hot paths that must not make a
Python object per value (pyarrow has no public accessor for a string array's offsets)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa


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


def arrow_text(s) -> pa.ChunkedArray:
    """A pandas text column's values as Arrow text: the column's own buffers where pandas holds
    them in Arrow (its default text type), else one conversion."""
    chunked = getattr(s.array, "_pa_array", None)
    if isinstance(chunked, pa.ChunkedArray) and (pa.types.is_string(chunked.type)
                                                 or pa.types.is_large_string(chunked.type)):
        return chunked
    values = np.asarray(s, dtype=object)
    try:
        return pa.chunked_array([pa.array(values, type=pa.string(), from_pandas=True)])
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers or other objects among the texts: as their text
        import pandas as pd

        return pa.chunked_array([pa.array([None if pd.isna(v) else str(v) for v in values], type=pa.string())])


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
        import pandas as pd

        rest = np.asarray(arr.take(pa.array(long)).to_numpy(zero_copy_only=False), dtype=object)
        h[long] = _mix(h[long] ^ pd.util.hash_array(rest))
    return h


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))
