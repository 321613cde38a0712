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
distinct comment-length texts a second on one core (CPU time; was about 28,000). Summing each
text's weights as one run of the batch (`reduceat`: the texts lie end to end) instead of
`bincount` by text, the three character blocks in one array, takes 1.3 to 1.5 times less CPU
again (2026-12-02, same run: 162,000 -> 242,000 of the demo's short texts a second, 58,000 ->
76,000 of the corpora's) with the same scores, to the last bit.
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
# Texts scored in one go: a scan's batch of 20,000 in pieces whose arrays stay in the CPU's
# caches, and whose B**k table (`_powers`, as long as a piece's characters) stays small.
CHUNK = 4096


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


# B**k and B**-k modulo 2**64, one pair replaced at once (a scan scores on a thread of its own).
_POWERS: list[tuple[np.ndarray, np.ndarray]] = [(np.ones(1, np.uint64), np.ones(1, np.uint64))]


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """B**k and B**-k modulo 2**64 for k < n (grown on demand and kept)."""
    p, q = _POWERS[0]
    if len(p) < n:
        size = max(n, 2 * len(p))
        with np.errstate(over="ignore"):
            p = np.cumprod(np.concatenate(
                [np.ones(1, np.uint64), np.full(size - 1, _B, np.uint64)]), dtype=np.uint64)
            q = np.cumprod(np.concatenate(
                [np.ones(1, np.uint64), np.full(size - 1, _B_INV, np.uint64)]), dtype=np.uint64)
        _POWERS[0] = (p, q)
    return p[:n], q[:n]


def _fold_table() -> np.ndarray:
    table = np.arange(0x110000, dtype=np.uint32)
    table[48:58] = 48
    table[1:33] = _SPACE
    table[[0xA0, 0x202F, 0x200E]] = _SPACE
    return table


_FOLD = _fold_table()  # code point -> the code point the model reads
_WORD = _word_chars(np.arange(0x110000, dtype=np.uint32))  # code point -> part of a word


def _folded(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, first position of each document, position of each separator) for a batch:
    the prepared texts in lower case joined by NUL, digits folded to 0 and runs of white space
    to one space. Document d is codes[starts[d]:starts[d + 1]]; after the first, each starts
    with the separator before it."""
    joined = "\x00".join(prepare(t) for t in texts).lower()
    codes = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32)
    if int(np.count_nonzero(codes == 0)) != len(texts) - 1:  # a text held a NUL of its own
        joined = "\x00".join(prepare(t).replace("\x00", " ") for t in texts).lower()
        codes = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32)
    codes = _FOLD.take(codes, mode="wrap")  # every digit reads as 0, every kind of space as a space
    space = codes == _SPACE
    keep = np.ones(len(codes), bool)
    keep[1:] = ~(space[1:] & space[:-1])  # runs of spaces fold to one
    codes = codes[keep].astype(np.uint64)
    seps = np.flatnonzero(codes == 0)
    return codes, np.concatenate(([0], seps)), seps


def _char_slots(codes: np.ndarray):
    """(n, feature of the n-gram starting at each position) for n = 3, 4, 5, by a rolling
    polynomial hash (n-grams that cross a separator are included: see `_crossing`)."""
    h = codes.copy()
    with np.errstate(over="ignore"):
        for n in (2, 3, 4, 5):
            h = h[:-1]
            h *= _B
            h += codes[n - 1:]
            if n >= 3:
                yield n, _slot(h, _SALT[f"c{n}"])


def _crossing(seps: np.ndarray, n: int, size: int) -> np.ndarray:
    """Start positions of the n-grams that hold a separator (of `size` n-grams)."""
    at = (seps[:, None] - np.arange(n)).ravel()
    return at[(at >= 0) & (at < size)]


def _slot(h: np.ndarray, salt: np.uint64) -> np.ndarray:
    with np.errstate(over="ignore"):
        s = h + salt
        s *= _MIX
        s >>= _SHIFT
        return s.view(np.int64)


def _words(codes: np.ndarray, seps: np.ndarray):
    """(document of each word, word features, word-pair features, True where a pair's two
    words are in one document), words in order; None when the batch has no word."""
    word = _WORD.take(codes, mode="wrap").view(np.int8)
    edge = np.diff(word, prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edge == 1)
    if not len(starts):
        return None
    ends = np.flatnonzero(edge == -1)
    p, q = _powers(len(codes) + 1)
    with np.errstate(over="ignore"):
        g = np.zeros(len(codes) + 1, np.uint64)
        np.multiply(codes, q[: len(codes)], out=g[1:])
        np.cumsum(g[1:], out=g[1:])
        wh = (g[ends] - g[starts]) * p[ends - 1]
        pair = wh[:-1] * _MIX + wh[1:]
    wd = np.searchsorted(seps, starts)
    return wd, _slot(wh, _SALT["w1"]), _slot(pair, _SALT["w2"]), wd[:-1] == wd[1:]


def hashed(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(document, feature, value) triples for a batch: one per n-gram occurrence (a feature
    may repeat within a document; summing repeats gives the document's vector)."""
    n_docs = len(texts)
    if not n_docs:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.float32)
    codes, _starts, seps = _folded(texts)
    sep = np.zeros(len(codes), bool)
    sep[seps] = True
    doc = np.cumsum(sep)  # separators belong to the next document
    docs, feats, vals = [], [], []

    # Character 3-, 4- and 5-grams that do not cross a separator.
    char_docs, char_feats = [], []
    for n, slots in _char_slots(codes):
        ok = np.ones(len(slots), bool)
        ok[_crossing(seps, n, len(slots))] = False
        char_docs.append(doc[: len(slots)][ok])
        char_feats.append(slots[ok])
    d = np.concatenate(char_docs)
    docs.append(d)
    feats.append(np.concatenate(char_feats))
    vals.append(_block_values(d, n_docs))

    # Words and word pairs.
    words = _words(codes, seps)
    if words is not None:
        wd, word, pair, same = words
        d = np.concatenate((wd, wd[:-1][same]))
        docs.append(d)
        feats.append(np.concatenate((word, pair[same])))
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


def _segment_sums(values: np.ndarray, firsts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The sum of each run values[firsts[i]:firsts[i] + sizes[i]] (runs in order, touching,
    covering every value; `values` float64 with one more value, 0, at the end, where an
    empty run at the end starts)."""
    sums = np.add.reduceat(values, firsts)
    sums[sizes == 0] = 0.0  # reduceat gives an empty run its first value
    return sums


def linear(texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
    """weights · x for each text, `CHUNK` texts at a time (see `_linear`; each text's sum is
    the same in any batch, to the last bit)."""
    if len(texts) <= CHUNK:
        return _linear(texts, weights)
    return np.concatenate([_linear(texts[i:i + CHUNK], weights)
                           for i in range(0, len(texts), CHUNK)])


def _linear(texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
    """weights · x for each text (the same sum as `hashed` gives), without building a matrix
    or a value per n-gram: each block's weights are summed per document (documents are runs
    of the batch, so one `reduceat` a block), then scaled once. (Features are below
    N_FEATURES, so `take(…, mode="wrap")` never wraps; it only skips the bounds check.)"""
    n_docs = len(texts)
    if not n_docs:
        return np.zeros(0)
    codes, starts, seps = _folded(texts)
    sizes = np.diff(starts, append=len(codes))
    length = sizes.copy()  # characters in each document, without its separator
    length[1:] -= 1
    chars = np.zeros(len(codes) + 1)  # the weights of the n-grams starting at each position
    char_count = np.zeros(n_docs)
    for n, slots in _char_slots(codes):
        found = weights.take(slots, mode="wrap")
        found[_crossing(seps, n, len(slots))] = 0.0
        chars[: len(slots)] += found
        char_count += np.maximum(length - (n - 1), 0)
    total = _segment_sums(chars, starts, sizes) / np.sqrt(np.maximum(char_count, 1.0))
    words = _words(codes, seps)
    if words is not None:
        wd, word, pair, same = words
        both = np.zeros(len(word) + 1)  # each word, and the pair it starts (in its document)
        both[:-1] = weights.take(word, mode="wrap")
        both[:-2] += np.where(same, weights.take(pair, mode="wrap"), np.float32(0.0))
        n_words = np.bincount(wd, minlength=n_docs)
        firsts = np.concatenate(([0], np.cumsum(n_words)[:-1]))
        word_count = np.maximum(2 * n_words - 1, 1)
        total += _segment_sums(both, firsts, n_words) / np.sqrt(word_count)
    return total
