"""Words of a normalised batch by 64-bit hash, all in numpy: the scan's word-level passes (the
lexicon's single-word keys, the text model's prescreen) read a batch this way without making a
Python string per word."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

_MIX = np.uint64(0xBF58476D1CE4E5B9)  # odd: spreads a short word's small hash over the bits
_MIX2 = np.uint64(0x94D049BB133111EB)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_LONG = np.uint64(0x9E3779B97F4A7C15)  # marks a long word's hash with its length


def _stir(h: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection of 64-bit numbers whose every output bit depends
    on every input bit."""
    h = (h ^ (h >> np.uint64(30))) * _MIX
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    return h ^ (h >> np.uint64(31))


def _first_bytes(count: np.ndarray) -> np.ndarray:
    """Masks keeping the first `count` bytes (1 to 8) of a little-endian 64-bit number."""
    return _ALL >> (np.uint64(8) * (np.uint64(8) - np.minimum(count, 8).astype(np.uint64)))


class Words(NamedTuple):
    """The words of a batch of normalised texts (`word_hashes`)."""

    hashes: np.ndarray  # uint64, one per word
    texts: np.ndarray  # which text each word is in
    count: int  # how many texts
    heads: np.ndarray  # uint64: the 8 bytes from each word's start, read little-endian


def word_hashes(words: str, data: np.ndarray | None = None, breaks: np.ndarray | None = None
                ) -> Words:
    """A 64-bit hash of every word of normalised texts joined by " \\x00 " (as
    `lexicon.normalise_many` makes them), which text each word is in, how many texts, and
    each word's first 8 bytes (`Words`).
    `data`, when given, is `words` as UTF-8 bytes and `breaks` where its NULs are
    (`lexicon.NormalisedBatch`).

    A word of up to 8 bytes is its own hash (its bytes read as one little-endian number, so
    two such words never share one); a longer word's 8-byte pieces are stirred together
    with its length. Each piece is read straight from the batch's bytes at the word's
    offset, so a batch costs a few numpy passes over its words, not over its bytes."""
    raw = np.frombuffer(words.encode("utf-8"), dtype=np.uint8) if data is None else data
    n = raw.size
    # a word runs between two separators (a space or a NUL: the text is normalised)
    separators = np.r_[-1, np.flatnonzero(raw <= 32), n]
    between = np.flatnonzero(np.diff(separators) > 1)
    starts = separators[between] + 1
    lengths = separators[between + 1] - starts
    padded = np.zeros(n + 8, dtype=np.uint8)
    padded[:n] = raw
    # the 8 bytes from every offset as one number (unaligned reads; the padding ends it)
    at = np.ndarray((n + 1,), dtype="<u8", buffer=padded, strides=(1,))
    heads = at[starts]
    hashes = heads & _first_bytes(lengths)
    long = np.flatnonzero(lengths > 8)
    if long.size:
        h, offsets, left = hashes[long], starts[long], lengths[long] - 8
        more = np.arange(long.size)
        while more.size:
            offsets[more] += 8
            h[more] = _stir(h[more]) ^ (at[offsets[more]] & _first_bytes(left[more]))
            left[more] -= 8
            more = more[left[more] > 0]
        hashes[long] = _stir(h ^ (lengths[long].astype(np.uint64) * _LONG))
    if breaks is None:
        breaks = np.flatnonzero(raw == 0)
    # the words of each text: those that start before its NUL, less those of the texts before
    per_text = np.diff(np.searchsorted(starts, breaks), prepend=0, append=starts.size)
    return Words(hashes, np.repeat(np.arange(per_text.size), per_text), per_text.size, heads)


def chain_code(code: np.ndarray, word: np.ndarray) -> np.ndarray:
    """The code of words so far (`code`; a single word's is its hash) with one more word's
    hash (or first bytes, for a word's beginning) mixed in."""
    return _stir(code) ^ word


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
