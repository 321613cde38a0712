"""Words of a normalised batch by 64-bit hash, all in numpy: the scan's word-level passes (the
lexicon's single-word keys, the text model's prescreen) read a batch this way without making a
Python string per word."""

from __future__ import annotations

import numpy as np

_HASH_BASE = 0x9E3779B97F4A7C15  # odd, so it has an inverse modulo 2**64
_POWERS: list[np.ndarray] = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]
_MIX = np.uint64(0xBF58476D1CE4E5B9)  # odd: spreads a short word's small hash over the bits


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """base**i and base**-i modulo 2**64 for i < n (kept, and grown when a longer batch
    comes)."""
    if len(_POWERS[0]) < n:
        size = max(n, 2 * len(_POWERS[0]), 1 << 22)
        for k, base in enumerate((_HASH_BASE, pow(_HASH_BASE, -1, 2**64))):
            steps = np.full(size, base, dtype=np.uint64)
            steps[0] = 1
            _POWERS[k] = np.cumprod(steps, dtype=np.uint64)  # wraps modulo 2**64
    return _POWERS[0], _POWERS[1]


def word_hashes(words: str, data: np.ndarray | None = None, breaks: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """A 64-bit hash of every word of normalised texts joined by " \\x00 " (as
    `lexicon.normalise_many` makes them), which text each word is in, and how many texts.
    `data`, when given, is `words` as UTF-8 bytes and `breaks` where its NULs are
    (`lexicon.NormalisedBatch`).

    The hash of bytes b[s:e] is Σ b[j]·base**(j−s) modulo 2**64, read off prefix sums."""
    raw = np.frombuffer(words.encode("utf-8"), dtype=np.uint8) if data is None else data
    n = raw.size
    separator = raw <= 32  # normalised: a space or a NUL
    edges = np.flatnonzero(np.diff(separator.view(np.int8)))  # last byte before a change
    if separator.size and not separator[0]:
        edges = np.r_[-1, edges]
    if separator.size and not separator[-1]:
        edges = np.r_[edges, n - 1]
    starts, ends = edges[0::2] + 1, edges[1::2] + 1
    up, down = _powers(n + 1)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(raw.astype(np.uint64) * up[:n], dtype=np.uint64, out=prefix[1:])
    hashes = (prefix[ends] - prefix[starts]) * down[starts]
    if breaks is None:
        breaks = np.flatnonzero(raw == 0)
    return hashes, np.searchsorted(breaks, starts), len(breaks) + 1


def hashes_of(words) -> np.ndarray:
    """The `word_hashes` of these words (each a single normalised word), in their order."""
    words = [str(w) for w in words]
    return word_hashes(" " + " ".join(words) + " ")[0] if words else np.zeros(0, np.uint64)


class HashSet:
    """Distinct 64-bit hashes, looked up a whole array at a time: buckets by the top bits of
    a mixed hash, a few times quicker than a binary search of a sorted table."""

    def __init__(self, hashes: np.ndarray):
        hashes = np.asarray(hashes, dtype=np.uint64)
        self.size = hashes.size
        self.bits = max(8, (8 * max(hashes.size, 1) - 1).bit_length())  # at most an eighth full
        buckets = self._bucket(hashes)
        self.order = np.argsort(buckets, kind="stable")
        self.table = hashes[self.order]
        counts = np.bincount(buckets, minlength=1 << self.bits)
        self.first = (np.cumsum(counts) - counts).astype(np.int64)
        self.counts = counts.astype(np.int64)
        self.depth = int(counts.max()) if hashes.size else 0

    def _bucket(self, hashes: np.ndarray) -> np.ndarray:
        return ((hashes * _MIX) >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of `hashes` are in the set, and for those, their position in the array
        the set was made from (0 for the others)."""
        if not self.size or not hashes.size:
            return np.zeros(hashes.size, dtype=bool), np.zeros(hashes.size, dtype=np.int64)
        buckets = self._bucket(hashes)
        first, counts = self.first[buckets], self.counts[buckets]
        at = np.minimum(first, self.size - 1)
        found = (self.table[at] == hashes) & (counts > 0)
        more = np.flatnonzero(~found & (counts > 1))  # a bucket of two or more: look on
        for j in range(1, self.depth):
            if not more.size:
                break
            where = first[more] + j
            hit = self.table[np.minimum(where, self.size - 1)] == hashes[more]
            found[more[hit]] = True
            at[more[hit]] = where[hit]
            more = more[~hit & (counts[more] > j + 1)]
        return found, self.order[at]


class WordLists:
    """Several lists of distinct words (by hash) in one `HashSet`: one lookup of a batch's
    words tells, for every list, where each word is in it (−1 where it is not)."""

    def __init__(self, lists: dict[str, np.ndarray]):
        arrays = [np.asarray(h, dtype=np.uint64) for h in lists.values()]
        joined = np.concatenate(arrays) if arrays else np.zeros(0, np.uint64)
        union, inverse = np.unique(joined, return_inverse=True)
        self.set = HashSet(union)
        self.positions: dict[str, np.ndarray] = {}
        offset = 0
        for name, hashes in zip(lists, arrays, strict=True):
            where = np.full(union.size + 1, -1, dtype=np.int64)  # the last: not in any list
            where[inverse[offset:offset + hashes.size]] = np.arange(hashes.size)
            offset += hashes.size
            self.positions[name] = where

    def find(self, hashes: np.ndarray) -> FoundWords:
        found, at = self.set.find(hashes)
        return FoundWords(self, np.where(found, at, self.set.size))


class FoundWords:
    """The words of a batch looked up in `WordLists`: `found[name]` is each word's position
    in that list, or −1."""

    def __init__(self, lists: WordLists, at: np.ndarray):
        self.lists, self.at = lists, at

    def __getitem__(self, name: str) -> np.ndarray:
        return self.lists.positions[name][self.at]
