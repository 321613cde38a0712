"""Hashed word and character n-grams for the spam model, worked out for a whole batch in NumPy.

A text becomes its words and word pairs, and its character 3-, 4- and 5-grams (lower case,
digits folded to 0, runs of white space folded to one, links dropped, and styled, accented and
look-alike letters folded to plain ones, so "𝐬𝐮𝐛𝐬𝐜𝐫𝐢𝐛𝐞", "ѕubѕсribe" written with Cyrillic
letters and "subscribé" read alike), each hashed into
`N_FEATURES` slots. Each of the two blocks (words, characters) is scaled by one over the square
root of its n-gram count, so long and short texts weigh alike. Training
(`python -m steward.moderation.train`) and scoring use these same functions, so what the model
learnt is exactly what it reads. Hashing in NumPy rather than one Python call per n-gram, and
scoring by summing each block's weights per text (no value per n-gram), scores about 70,000
distinct comment-length texts a second on one core (CPU time; was about 28,000).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from steward.moderation.text import plain

BITS = 20
N_FEATURES = 1 << BITS
_B = np.uint64(1_000_003)  # polynomial hash base (odd, so invertible modulo 2**64)
_B_INV = np.uint64(pow(1_000_003, -1, 2**64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - BITS)
_SALT = {name: np.uint64(v) for name, v in
         (("c3", 0x51A7), ("c4", 0xC4C4), ("c5", 0x5C5C), ("w1", 0x1111), ("w2", 0x2222))}
_SPACE = 32
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+/\S*", re.IGNORECASE)
MAX_CHARS = 2000  # longer texts (whole e-mails) are read up to here


def prepare(text: str) -> str:
    """The text the model reads: styled and look-alike letters folded to plain ones, links
    dropped (the heuristics and the block list judge links; spam corpora are full of them, so
    the model would hold every shared link against its poster), and cut to MAX_CHARS."""
    text = text[: MAX_CHARS + 200]
    if not text.isascii():
        text = plain(text)
    if "/" in text or "ww." in text or "WW." in text:  # every link has one of these
        text = _LINK.sub(" ", text)
    return text[:MAX_CHARS]


def _word_chars(codes: np.ndarray) -> np.ndarray:
    """True where a code point is part of a word: ASCII letters and digits, and letters of
    other scripts (everything from U+00C0 up except punctuation, symbol and emoji blocks)."""
    ascii_word = ((codes >= 97) & (codes <= 122)) | ((codes >= 48) & (codes <= 57))
    other = (codes >= 0xC0) & ~((codes >= 0x2000) & (codes <= 0x2BFF)) \
        & ~((codes >= 0x3000) & (codes <= 0x303F)) & ~((codes >= 0xFE00) & (codes <= 0xFE0F)) \
        & ~((codes >= 0xE000) & (codes <= 0xF8FF)) & ~(codes >= 0x1F000)
    return ascii_word | other


_POWERS: dict[str, np.ndarray] = {"p": np.ones(1, np.uint64), "q": np.ones(1, np.uint64)}


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """B**k and B**-k modulo 2**64 for k < n (grown on demand and kept)."""
    if len(_POWERS["p"]) < n:
        size = max(n, 2 * len(_POWERS["p"]))
        with np.errstate(over="ignore"):
            _POWERS["p"] = np.cumprod(np.concatenate(
                [np.ones(1, np.uint64), np.full(size - 1, _B, np.uint64)]), dtype=np.uint64)
            _POWERS["q"] = np.cumprod(np.concatenate(
                [np.ones(1, np.uint64), np.full(size - 1, _B_INV, np.uint64)]), dtype=np.uint64)
    return _POWERS["p"][:n], _POWERS["q"][:n]


def _slot(h: np.ndarray, salt: np.uint64) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (((h + salt) * _MIX) >> _SHIFT).astype(np.int64)


def _fold_table() -> np.ndarray:
    table = np.arange(0x110000, dtype=np.uint32)
    table[48:58] = 48
    table[1:33] = _SPACE
    table[[0xA0, 0x202F, 0x200E]] = _SPACE
    return table


_FOLD = _fold_table()  # code point -> the code point the model reads


def _folded(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, separator mask, document of each position) for a batch: the prepared texts in
    lower case joined by NUL, digits folded to 0 and runs of white space to one space."""
    joined = "\x00".join(prepare(t) for t in texts).lower()
    codes = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32)
    sep = codes == 0
    if int(sep.sum()) != len(texts) - 1:  # a text held a NUL of its own
        joined = "\x00".join(prepare(t).replace("\x00", " ") for t in texts).lower()
        codes = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32)
        sep = codes == 0
    codes = _FOLD[codes]  # every digit reads as 0, every kind of space as a space
    space = codes == _SPACE
    # Fold runs of spaces to one.
    keep = ~(space & np.concatenate(([False], space[:-1])))
    codes, sep = codes[keep].astype(np.uint64), sep[keep]
    return codes, sep, np.cumsum(sep)  # separators belong to the next document


def _char_grams(codes: np.ndarray, sep: np.ndarray):
    """(n, hash of the n-gram starting at each position, True where it crosses a separator)
    for n = 3, 4, 5."""
    h = codes.copy()
    bad = sep.copy()
    with np.errstate(over="ignore"):
        for n in (2, 3, 4, 5):
            h = h[:-1] * _B + codes[n - 1:]
            bad = bad[:-1] | sep[n - 1:]
            if n >= 3:
                yield n, h, bad


def _words(codes: np.ndarray, sep: np.ndarray, doc: np.ndarray):
    """(document of each word, word hashes, document of each word pair, pair hashes)."""
    word = _word_chars(codes) & ~sep
    prev = np.concatenate(([False], word[:-1]))
    nxt = np.concatenate((word[1:], [False]))
    starts = np.flatnonzero(word & ~prev)
    ends = np.flatnonzero(word & ~nxt) + 1
    if not len(starts):
        return None
    p, q = _powers(len(codes) + 1)
    with np.errstate(over="ignore"):
        g = np.concatenate((np.zeros(1, np.uint64),
                            np.cumsum(codes * q[: len(codes)], dtype=np.uint64)))
        wh = (g[ends] - g[starts]) * p[ends - 1]
        wd = doc[starts]
        same = wd[:-1] == wd[1:]
        pair = (wh[:-1] * _MIX + wh[1:])[same]
    return wd, wh, wd[:-1][same], pair


def hashed(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(document, feature, value) triples for a batch: one per n-gram occurrence (a feature
    may repeat within a document; summing repeats gives the document's vector)."""
    n_docs = len(texts)
    if not n_docs:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.float32)
    codes, sep, doc = _folded(texts)
    docs, feats, vals = [], [], []

    # Character 3-, 4- and 5-grams that do not cross a separator.
    char_docs, char_feats = [], []
    for n, h, bad in _char_grams(codes, sep):
        ok = ~bad
        char_docs.append(doc[: len(h)][ok])
        char_feats.append(_slot(h[ok], _SALT[f"c{n}"]))
    if char_docs:
        d = np.concatenate(char_docs)
        docs.append(d)
        feats.append(np.concatenate(char_feats))
        vals.append(_block_values(d, n_docs))

    # Words and word pairs.
    words = _words(codes, sep, doc)
    if words is not None:
        wd, wh, pd, pair = words
        d = np.concatenate((wd, pd))
        docs.append(d)
        feats.append(np.concatenate((_slot(wh, _SALT["w1"]), _slot(pair, _SALT["w2"]))))
        vals.append(_block_values(d, n_docs))
    return np.concatenate(docs), np.concatenate(feats), np.concatenate(vals)


def _block_values(doc: np.ndarray, n_docs: int) -> np.ndarray:
    counts = np.bincount(doc, minlength=n_docs).astype(np.float32)
    scale = 1.0 / np.sqrt(np.maximum(counts, 1.0))
    return scale[doc]


def matrix(texts: Sequence[str]):
    """The batch as a sparse document × feature matrix (for training)."""
    from scipy.sparse import csr_matrix

    d, f, v = hashed(texts)
    x = csr_matrix((v.astype(np.float64), (d, f)), shape=(len(texts), N_FEATURES))
    x.sum_duplicates()
    return x


def linear(texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
    """weights · x for each text (the same sum as `hashed` gives), without building a matrix
    or a value per n-gram: each block's weights are summed per document, then scaled once."""
    n_docs = len(texts)
    if not n_docs:
        return np.zeros(0)
    codes, sep, doc = _folded(texts)
    length = np.bincount(doc[~sep], minlength=n_docs)  # characters in each document
    char_sum = np.zeros(n_docs)
    char_count = np.zeros(n_docs)
    for n, h, bad in _char_grams(codes, sep):
        contrib = weights[_slot(h, _SALT[f"c{n}"])]
        contrib[bad] = 0.0
        char_sum += np.bincount(doc[: len(h)], weights=contrib, minlength=n_docs)
        char_count += np.maximum(length - (n - 1), 0)
    total = char_sum / np.sqrt(np.maximum(char_count, 1.0))
    words = _words(codes, sep, doc)
    if words is not None:
        wd, wh, pd, pair = words
        word_sum = np.bincount(wd, weights=weights[_slot(wh, _SALT["w1"])], minlength=n_docs) \
            + np.bincount(pd, weights=weights[_slot(pair, _SALT["w2"])], minlength=n_docs)
        word_count = np.bincount(wd, minlength=n_docs) + np.bincount(pd, minlength=n_docs)
        total += word_sum / np.sqrt(np.maximum(word_count, 1.0))
    return total
