"""The shipped word embeddings (`steward.embedding`): meaning, shapes, edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from steward.embedding import Embedding, embed, fold, shipped
from steward.errors import StewardError


def similarity(a: str, b: str) -> float:
    first, second = embed([a, b])
    return float(first @ second)


@pytest.mark.parametrize(("text", "near", "far"), [
    ("pills", "tablets", "football"),
    ("knife", "blade", "birthday"),
    ("i want to end it", "i dont want to be here anymore", "the match ends at five"),
    ("send me nudes", "naked photos", "bake a cake"),
    ("i feel like a burden to everyone", "everyone would be better off without me",
     "can everyone bring a plate of food"),
])
def test_texts_near_in_meaning_are_closer_than_unrelated_ones(text, near, far):
    assert similarity(text, near) > similarity(text, far) + 0.1


def test_rows_are_unit_length_float32_and_deterministic():
    texts = ["See you at the group on Tuesday!", "pills", "x"]
    vectors = embed(texts)
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, shipped().dimensions)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert np.array_equal(vectors, embed(texts))
    assert np.allclose(embed(texts[1:2])[0], vectors[1])  # a text alone as in a batch


def test_an_empty_text_or_one_with_no_known_word_is_zeros():
    vectors = embed(["", "   ", "?!…", "日本語", "pills"])
    assert not vectors[:4].any()
    assert vectors[4].any()
    assert embed([]).shape == (0, shipped().dimensions)


def test_a_very_long_text_is_embedded_from_its_beginning():
    long = "I have been saving my tablets. " * 20_000 + "football " * 1_000
    vectors = embed([long, "I have been saving my tablets."])
    assert np.isfinite(vectors).all()
    assert float(vectors[0] @ vectors[1]) > 0.99  # the football at the end is past MAX_CHARS


def test_folding_drops_case_accents_and_apostrophes():
    assert fold("Café DON'T, Llŷn!").split() == ["cafe", "dont", "llyn"]
    assert np.array_equal(*embed(["Café", "cafe"]))


def test_words_split_into_the_longest_pieces_of_the_vocabulary():
    tokens = shipped().tokens("tablets selfharm")
    assert tokens[0] == "tablets"
    assert tokens[1] == "self" and all(t.startswith("##") for t in tokens[2:])


def test_a_broken_table_is_a_clear_error(tmp_path):
    path = tmp_path / "embeddings.npz"
    path.write_bytes(b"not a table")
    with pytest.raises(StewardError, match="not a usable embedding table"):
        Embedding(path).embed(["pills"])
    np.savez(path, tokens=np.array(["a", "b"]), vectors=np.zeros((3, 4), dtype=np.float16))
    with pytest.raises(StewardError, match="do not match"):
        Embedding(path).embed(["a"])
