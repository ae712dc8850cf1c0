"""Hashes of Arrow text from its buffers: the import's duplicate-id check rests on them."""
import numpy as np
import pyarrow as pa

from events.arrowtext import hashes


def test_equal_texts_hash_alike_whatever_the_array_layout():
    values = ["UKR1", "", "syn-000123", "Запоріжжя", "a" * 64, "b" * 65, "x\x00"]
    plain = hashes(pa.array(values))
    assert np.array_equal(hashes(pa.array(values, type=pa.large_string())), plain)
    sliced = pa.array(["pad", "pad2", *values]).slice(2)  # a slice starts inside the buffers
    assert np.array_equal(hashes(sliced), plain)
    chunked = pa.chunked_array([pa.array(values[:3]), pa.array(values[3:])])
    assert np.array_equal(hashes(chunked), plain)


def test_texts_that_pad_alike_hash_apart():
    values = ["a", "a\x00", "a\x00\x00", "", "\x00", "abcdefgh", "abcdefgh\x00", "abcdefg"]
    assert len(set(hashes(pa.array(values)).tolist())) == len(values)


def test_missing_hashes_as_empty_text():
    h = hashes(pa.array(["", None, "x"]))
    assert h[0] == h[1] != h[2]


def test_a_million_ids_of_acled_shape_do_not_collide():
    ids = pa.array([f"UKR{i}" for i in range(500_000)] + [f"RUS{i:07d}" for i in range(500_000)])
    assert len(np.unique(hashes(ids))) == 1_000_000


def test_long_texts_hash_by_their_content():
    long = ["note " * 40 + str(i % 3) for i in range(9)]
    h = hashes(pa.array(long))
    assert len(set(h.tolist())) == 3
    assert h[0] == h[3] == h[6]


def test_a_column_of_mixed_objects_is_read_as_their_text():
    import pandas as pd

    from events.arrowtext import arrow_text
    from events.importers.clean import clean_category

    mixed = pd.Series([" 12", 12, None, "x", 3.5], dtype=object)
    assert arrow_text(mixed).to_pylist() == [" 12", "12", None, "x", "3.5"]
    assert clean_category(mixed).tolist()[:2] == ["12", "12"]
