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
