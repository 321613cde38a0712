"""Lexicons: editable word lists per category, compiled into one Aho-Corasick automaton.

File format (UTF-8 text, one pattern per line):

    # comments start with '#'; the header names the source and the licence
    [critical]                 a section: the severity of the patterns below it
    [high secrecy]             ... optionally with an indicator name (several distinct
                               indicators in one message raise the severity)
    kill myself                a phrase, matched on whole words, any case, any punctuation
    {want|wanna} to die        {a|b} gives variants
    suicid*                    a trailing * matches any word ending (suicide, suicidal)
    {cut|burnt} my ~2 {arm|leg}
                               "~N" joins parts that must come in this order with at most
                               N other words between them ("cut my left arm"), 0 ≤ N ≤ 6

`benign.txt` lists phrases in the same way (without sections): a match that shares words
with one of them raises no flag ("that joke killed me"). Two more section-less lists change a
message's severity rather than its categories: `discussion.txt` (talk about training, news,
policy or history: findings drop to low, critical ones to medium, and the space's audience does
not raise them) and `public_contact.txt` (an organisation's public details: contact details
stay low). Files in sub-folders (e.g. `cy/` for Welsh) add to the category their name gives.
A malformed file is refused with its name and line number.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from steward.errors import BadInput
from steward.resources import resource_path
from steward.safeguarding import automaton
from steward.safeguarding.policy import CATEGORIES, SEVERITIES
from steward.safeguarding.wordhash import (
    FoundWords,
    HashSet,
    WordLists,
    Words,
    chain_code,
    word_hashes,
)

_SECTION = re.compile(r"^\[\s*([a-z]+)(?:\s+([a-z_]+))?\s*\]$")
_VARIANTS = re.compile(r"\{([^{}]*)\}")
_NEAR = re.compile(r"\s+~(\d+)\s+")
MAX_GAP = 6
_APOSTROPHES = re.compile(r"['’‘`´]")
_NOT_WORD = re.compile(r"[^\w@]+")
_NOT_WORD_BATCH = re.compile(r"[^\w@\x00 ]+")  # _NOT_WORD but for spaces and text breaks
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_@\x00")
_WORD_TABLE = bytes(c if c in _WORD_BYTES or c >= 128 else 32 for c in range(256))
BENIGN = "benign"
DISCUSSION = "discussion"
PUBLIC_CONTACT = "public_contact"
CONTEXTS = (BENIGN, DISCUSSION, PUBLIC_CONTACT)  # section-less lists that qualify a message
MAX_VARIANTS = 512
_ALL_BYTES = np.uint64(0xFFFFFFFFFFFFFFFF)


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces, padded with one space each side.

    Apostrophes vanish ("don't" → "dont"), other punctuation becomes a word break, so that a
    pattern " kill myself " only matches whole words."""
    low = text.lower().replace("\x00", " ")
    if not low.isascii():
        low = _fold_non_ascii(low)
    words = low.encode("utf-8").translate(_WORD_TABLE, b"'`").decode("utf-8").split()
    return " " + " ".join(words) + " " if words else " "


def _fold_non_ascii(text: str) -> str:
    return _NOT_WORD.sub(" ", _APOSTROPHES.sub("", text))


def normalise_many(texts: list[str]) -> tuple[str, list[int]]:
    """Normalise many texts in one pass (much faster than one by one).

    Returns one string holding every normalised text, each padded with spaces and separated
    by NUL (which no pattern contains), and the offset where each text starts in it."""
    batch = normalise_batch(texts)
    return batch.words, batch.starts


@dataclass(frozen=True)
class NormalisedBatch:
    """Texts normalised together: `words` (as `normalise_many` returns it), where each text
    starts in it, and the same characters as UTF-8 bytes in a numpy array (for the passes
    that read the batch with numpy; equal to `words` position by position when `ascii`)."""

    words: str
    starts: list[int]
    data: np.ndarray  # uint8
    ascii: bool
    breaks: np.ndarray  # where the NULs between texts are in `data`


def normalise_batch(texts: list[str]) -> NormalisedBatch:
    """`normalise_many`, keeping the bytes too. The batch is lower-cased and its punctuation
    turned into spaces as bytes, in a few passes over the whole of it; only the texts with
    characters outside ASCII go through a regular expression (together, in one call), and
    runs of spaces are closed up with numpy."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:  # a text holding NUL itself
        texts = [t.replace("\x00", " ") for t in texts]
        joined = "\x00".join(texts)
    ascii = joined.isascii()
    data = joined.encode("utf-8")
    if not ascii:  # the texts with other characters, spliced back in as bytes
        raw = np.frombuffer(data, dtype=np.uint8)
        breaks = np.flatnonzero(raw == 0)
        odd = np.unique(np.searchsorted(breaks, np.flatnonzero(raw >= 128))).tolist()
        folded = _APOSTROPHES.sub("", "\x00".join([texts[i] for i in odd]).lower())
        bounds = [0, *(breaks + 1).tolist(), len(data) + 1]
        pieces, done = [], 0
        for i, text in zip(odd, _NOT_WORD_BATCH.sub(" ", folded).split("\x00"), strict=True):
            pieces += (data[done:bounds[i]], text.encode("utf-8"))
            done = bounds[i + 1] - 1
        pieces.append(data[done:])
        data = b"".join(pieces)
    # bytes.lower() changes only ASCII letters; the texts with others are lower-cased above.
    # In UTF-8, bytes from 128 up belong to letters left by the regex: the table keeps them.
    data = (b" " + data.lower().translate(_WORD_TABLE, b"'`").replace(b"\x00", b" \x00 ")
            + b" ")
    raw = np.frombuffer(data, dtype=np.uint8)
    space = raw == 32
    keep = np.ones(raw.size, dtype=bool)
    np.logical_not(space[1:] & space[:-1], out=keep[1:])  # runs of spaces to one
    raw = raw[keep]
    breaks = np.flatnonzero(raw == 0)
    ascii = ascii or not bool(np.any(raw >= 128))
    if ascii:
        words = raw.tobytes().decode("ascii")
        offsets = breaks
    else:
        words = raw.tobytes().decode("utf-8")
        # a character's offset is its byte's offset less the continuation bytes before it
        continuation = np.flatnonzero((raw & 0xC0) == 0x80)
        offsets = breaks - np.searchsorted(continuation, breaks)
    return NormalisedBatch(words, [0, *(offsets + 1).tolist()], raw, ascii, breaks)


@dataclass(frozen=True)
class Term:
    category: str  # a category, or "benign"
    severity: str
    indicator: str  # what kind of sign this is (the category name when none is given)
    pattern: str  # the line as written, for explaining a flag
    gaps: tuple[int, ...] = ()  # for a "~N" pattern: the most words between its parts


@dataclass(frozen=True)
class Lexicon:
    category: str
    source: Path | str
    terms: tuple[tuple[str, Term, int], ...]  # (automaton key, term, which part of it)

    def __hash__(self) -> int:
        """Worked out once (the automaton is cached by its lexicons: hashing every term of
        every lexicon again cost each scan a twentieth of a second)."""
        known = self.__dict__.get("_hash")
        if known is None:
            known = hash((self.category, self.source, self.terms))
            object.__setattr__(self, "_hash", known)
        return known


def _expand(pattern: str, where: str) -> list[str]:
    parts = _VARIANTS.split(pattern)
    choices = [
        [c.strip() for c in part.split("|")] if i % 2 else [part]
        for i, part in enumerate(parts)
    ]
    count = 1
    for options in choices:
        count *= len(options)
    if count > MAX_VARIANTS:
        raise BadInput(f"{where}: too many variants ({count}); split the pattern")
    return ["".join(combo) for combo in itertools.product(*choices)]


def _key(variant: str, where: str) -> str:
    prefix = variant.rstrip().endswith("*")
    body = variant.rstrip().rstrip("*")
    if any(c in body for c in "*{}[~"):
        raise BadInput(
            f"{where}: '*' only at the end, '~N' only between words, every '{{' needs a '}}'"
        )
    words = normalise(body).strip()
    if not words:
        raise BadInput(f"{where}: the pattern is empty")
    if prefix and len(words) < 3:
        raise BadInput(f"{where}: a '*' pattern needs at least three letters before it")
    return " " + words + ("" if prefix else " ")


def parse_lexicon(text: str, category: str, source: Path | str) -> Lexicon:
    """Parse one lexicon file's text; bad lines are refused with `source:line`."""
    if category not in CONTEXTS and category not in CATEGORIES:
        raise BadInput(
            f"{source}: unknown category {category!r} (the file name names the category: "
            f"{', '.join(c for c in CATEGORIES if c != 'escalated')})"
        )
    severity, indicator = ("low", category) if category in CONTEXTS else (None, category)
    terms: list[tuple[str, Term]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{source}:{number}"
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            match = _SECTION.match(line)
            if not match or match.group(1) not in SEVERITIES:
                raise BadInput(
                    f"{where}: a section must be [severity] or [severity indicator] with a "
                    f"severity of {', '.join(SEVERITIES)}"
                )
            if category in CONTEXTS:
                raise BadInput(f"{where}: the {category} list has no sections")
            severity, indicator = match.group(1), match.group(2) or category
            continue
        if severity is None:
            raise BadInput(f"{where}: a pattern before any [severity] section")
        if line.count("{") != line.count("}"):
            raise BadInput(f"{where}: unbalanced braces")
        pieces = _NEAR.split(line)
        parts, gaps = pieces[::2], tuple(int(g) for g in pieces[1::2])
        if any(g > MAX_GAP for g in gaps):
            raise BadInput(f"{where}: '~N' allows at most {MAX_GAP} words between parts")
        term = Term(category, severity, indicator, line, gaps)
        for part, text in enumerate(parts):
            for variant in _expand(text, where):
                terms.append((_key(variant, where), term, part))
    if not terms:
        raise BadInput(f"{source}: no patterns in this lexicon")
    return Lexicon(category, source, tuple(terms))


def read_lexicon_file(path: Path) -> Lexicon:
    """Read `<category>.txt` (or `benign.txt`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such lexicon file") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None
    return parse_lexicon(text, path.stem, path)


def shipped_lexicons() -> list[Lexicon]:
    """The lexicons shipped in `resources/safeguarding/lexicons` (and its language folders);
    each file is parsed again only when it changes."""
    folder = resource_path("safeguarding", "lexicons")
    return [_read_cached(p, p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(folder.rglob("*.txt"))]


@functools.lru_cache(maxsize=64)
def _read_cached(path: Path, _mtime: int, _size: int) -> Lexicon:
    return read_lexicon_file(path)


class Matcher:
    """All lexicons in one automaton. `find(normalised)` returns (start, end, term, part)
    hits; `whole_matches` turns one text's hits into (start, end, term) matches."""

    def __init__(self, lexicons: Iterable[Lexicon]):
        table: dict[str, list[tuple[Term, int]]] = {}
        for lexicon in lexicons:
            for key, term, part in lexicon.terms:
                table.setdefault(key, []).append((term, part))
        if not table:
            raise BadInput("no lexicon patterns to match")
        keys = list(table)  # the automaton's value for keys[i] is i, its entry in self.terms
        self.terms: list[tuple[int, tuple[tuple[Term, int], ...]]] = [
            (len(key), tuple(terms)) for key, terms in table.items()]
        self.size = len(table)
        self._index_parts(keys)
        (self.automaton,) = automaton.build_all([keys])

    def _index_parts(self, keys: list[str]) -> None:
        """The quick first pass of `find_per_text`: the keys worth looking for, how to find
        them (`_index_keys`), and for each the (pattern, part) slots it stands for, as flat
        arrays.

        Only patterns of a category count (the benign and context lists qualify a match of
        another list and raise nothing alone). A part that may be made of common words only
        (" me ", " on the ") is found in most messages and tells nothing: it is not looked
        for, and a pattern is a candidate once its other parts are there; a pattern that would
        keep fewer than two parts that way is looked for whole."""
        plain = _PLAIN_KEY_WORDS
        by_term: dict[Term, dict[int, list[int]]] = {}
        for index, (_length, terms) in enumerate(self.terms):
            for term, part in terms:
                if term.category not in CONTEXTS:
                    by_term.setdefault(term, {}).setdefault(part, []).append(index)
        slots: dict[int, list[tuple[int, int]]] = {}
        self.parts = np.zeros(max(len(by_term), 1), dtype=np.int64)
        for k, parts in enumerate(by_term.values()):
            telling = {part: indexes for part, indexes in parts.items()
                       if not any(plain.issuperset(keys[i].split()) for i in indexes)}
            if len(telling) < min(2, len(parts)):
                telling = parts
            self.parts[k] = len(telling)
            for part, indexes in telling.items():
                for index in indexes:
                    slots.setdefault(index, []).append((k, part))
        self.width = 1 + max((len(t.gaps) for t in by_term), default=0)
        self._index_keys({keys[index]: pairs for index, pairs in slots.items()})

    def _index_keys(self, slots: dict[str, list[tuple[int, int]]]) -> None:
        """How `find_per_text` finds the keys worth looking for (`slots`: each key's
        (pattern, part) slots), without reading the batch character by character.

        A key of one whole word (most hits: " you ", " thanks ") is found by its hash among
        the batch's words. A longer key by a code of its words (`wordhash.chain_code`), walked
        on from each word that starts one and is followed by a word that comes second in one;
        a '*' key back from each word that begins like its last word (its first bytes, as
        `wordhash.Words.heads` reads them). Keys found alike share a slot (a whole word and a
        '*' one may share a code: then a word that only begins like it counts for both,
        which lets more in). The keys' words are hashed together, and their codes worked
        out a word at a time for all keys at once."""
        keys = list(slots)
        words = word_hashes("\x00".join(keys))
        lengths = np.bincount(words.texts, minlength=len(keys))  # words per key
        first = np.cumsum(lengths) - lengths  # where each key's first word is in `words`
        prefix = np.asarray([not key.endswith(" ") for key in keys], dtype=bool)
        # a '*' key's last word counts by its first bytes (up to 8)
        heads = [len(key[key.rindex(" ") + 1:].encode("utf-8")) for key in keys
                 if not key.endswith(" ")]
        masks = _ALL_BYTES >> (np.uint64(8) * (8 - np.minimum(heads, 8)).astype(np.uint64))
        values = words.hashes.copy()
        tails = (first + lengths - 1)[prefix]
        values[tails] = words.heads[tails] & masks
        table = np.zeros((len(keys), max(lengths, default=1)), dtype=np.uint64)
        table[words.texts, np.arange(values.size) - first[words.texts]] = values
        code, begun = table[:, 0].copy(), [np.zeros(0, np.uint64)]
        walked = ~prefix & (lengths > 1)
        for j in range(1, table.shape[1]):
            more = lengths > j
            code[more] = chain_code(code[more], table[more, j])
            begun.append(code[walked & (lengths > j + 1)])
        begun = np.unique(np.concatenate(begun))
        # one slot per distinct way of finding: whole words first, then codes
        single = ~prefix & (lengths == 1)
        self.single_hashes, word_slot = np.unique(code[single], return_inverse=True)
        codes, code_slot = np.unique(code[~single], return_inverse=True)
        key_slot = np.empty(len(keys), dtype=np.int64)
        key_slot[single] = word_slot
        key_slot[~single] = code_slot + self.single_hashes.size
        self.single_ids = np.arange(self.single_hashes.size, dtype=np.int64)
        entries = [k * self.width + part for pairs in slots.values() for k, part in pairs]
        entry_slot = np.repeat(key_slot, [len(pairs) for pairs in slots.values()])
        order = np.argsort(entry_slot, kind="stable")
        self.slots = np.asarray(entries, dtype=np.int64)[order]
        self.slot_count = np.bincount(entry_slot, minlength=self.single_hashes.size
                                      + codes.size).astype(np.int64)
        self.slot_start = np.cumsum(self.slot_count) - self.slot_count
        # the codes of whole keys and of longer keys' first words: for each, the slot of the
        # key that ends there (or -1) and whether a longer key goes on from there
        every = np.union1d(codes, begun)
        self.codes = HashSet(every)
        at = np.minimum(np.searchsorted(codes, every), max(codes.size - 1, 0))
        ends = codes.size > 0
        self.code_slot = np.where(ends & (codes[at] == every) if ends else False,
                                  at + self.single_hashes.size, -1).astype(np.int64)
        self.code_goes_on = np.isin(every, begun)
        self.first_hashes = np.unique(table[walked, 0])
        self.second_hashes = np.unique(table[walked, 1]) if table.shape[1] > 1 else \
            np.zeros(0, np.uint64)
        self.tails = sorted(set(zip(lengths[prefix].tolist(), masks.tolist(), strict=True)))
        self.first_two = np.zeros(1 << 16, dtype=bool)  # how a '*' key's last word begins
        for head, mask in set(zip((values[tails] & np.uint64(0xFFFF)).tolist(),
                                  masks.tolist(), strict=True)):
            self.first_two[head if mask > 0xFF else np.arange(head, 1 << 16, 256)] = True
        self._lists: WordLists | None = None

    def word_lists(self) -> dict[str, np.ndarray]:
        """The word lists `find_per_text` reads, by hash, for `wordhash.WordLists`: the keys
        of one whole word, and the words that come first and second in longer keys."""
        return {"single": self.single_hashes, "first": self.first_hashes,
                "second": self.second_hashes}

    def find(self, normalised: str) -> list[tuple[int, int, Term, int]]:
        hits = []
        table = self.terms
        for end, index in self.automaton.iter(normalised):
            length, terms = table[index]
            start = end - length + 1
            hits.extend((start, end, term, part) for term, part in terms)
        return hits

    def find_per_text(self, normalised: str, starts: list[int], hashed: Words | None = None,
                      found: FoundWords | None = None
                      ) -> dict[int, list[tuple[int, int, Term, int]]]:
        """`find` over many texts (as `normalise_many` joins them), by text position, for
        the texts where some pattern of a category may match whole.

        The batch's words looked up by hash (`hashed`: its `wordhash.word_hashes`, made here
        when not given; `found`: its words looked up in `word_lists()`) and by their first
        bytes, for the keys worth looking for (`_index_keys`); then, with numpy, the texts
        that hold a key of every telling part of some pattern (a pattern can match only
        there; `whole_matches` checks the order and gaps of its parts). Only those texts are
        read again, with the whole automaton, so an ordinary message costs its share of a
        few numpy passes over the batch's words and no more."""
        words = word_hashes(normalised) if hashed is None else hashed
        if found is None:
            if self._lists is None:
                self._lists = WordLists(self.word_lists())
            found = self._lists.find(words.hashes)
        hit = found["single"] >= 0
        found_keys = [self.single_ids[found["single"][hit]]]
        found_texts = [words.texts[hit]]
        for at, ended in (*self._walk(words, found), *self._tails(words)):
            found_keys.append(ended)
            found_texts.append(words.texts[at])
        keys = np.concatenate(found_keys)
        if not keys.size:
            return {}
        counts = self.slot_count[keys]
        total = int(counts.sum())
        before = np.cumsum(counts) - counts
        slots = self.slots[np.repeat(self.slot_start[keys] - before, counts)
                           + np.arange(total)]
        texts = np.repeat(np.concatenate(found_texts), counts)
        width, patterns = self.width, len(self.parts)
        code = texts * (patterns * width) + slots
        if len(starts) * patterns * width < 2**31:
            code = code.astype(np.int32)  # sorts quicker
        seen = _distinct(code).astype(np.int64)  # (text, pattern, part) once
        text_pattern = seen // width  # sorted, as `seen` is
        firsts = np.flatnonzero(np.r_[True, text_pattern[1:] != text_pattern[:-1]])
        found = np.diff(np.r_[firsts, len(text_pattern)])
        text_pattern = text_pattern[firsts]
        whole = text_pattern[found == self.parts[text_pattern % patterns]]
        return self.read(normalised, starts, _distinct(whole // patterns).tolist())

    def _walk(self, words: Words, found: FoundWords):
        """(where, slots) of the whole keys of two words or more in the batch: from each
        word that starts one and the word after it, one word more at a time while some key
        starts with the words so far."""
        first, second = found["first"], found["second"]
        at = np.flatnonzero((first[:-1] >= 0) & (second[1:] >= 0))
        at = at[words.texts[at] == words.texts[at + 1]]
        code = chain_code(words.hashes[at], words.hashes[at + 1])
        length = 2
        while at.size:
            hit, where = self.codes.find(code)
            at, code, where = at[hit], code[hit], where[hit]
            slot = self.code_slot[where]
            yield at[slot >= 0], slot[slot >= 0]
            on = self.code_goes_on[where]
            on[on] = at[on] + length < words.texts.size
            at, code = at[on], code[on]
            on = words.texts[at + length] == words.texts[at]
            at, code = at[on], code[on]
            code = chain_code(code, words.hashes[at + length])
            length += 1

    def _tails(self, words: Words):
        """(where, slots) of the '*' keys in the batch: back from each word that begins like
        the last word of one."""
        if not self.tails:
            return
        maybe = np.flatnonzero(self.first_two[(words.heads & np.uint64(0xFFFF)).astype(np.intp)])
        for length, mask in self.tails:
            end = maybe[maybe >= length - 1]
            end = end[words.texts[end - length + 1] == words.texts[end]]
            at = end - length + 1
            tail = words.heads[end] & np.uint64(mask)
            if length == 1:
                code = tail
            else:
                code = words.hashes[at]
                for j in range(1, length - 1):
                    code = chain_code(code, words.hashes[at + j])
                code = chain_code(code, tail)
            hit, where = self.codes.find(code)
            slot = self.code_slot[where[hit]]
            yield at[hit][slot >= 0], slot[slot >= 0]

    def read(self, normalised: str, starts: list[int], picked: Iterable[int]
             ) -> dict[int, list[tuple[int, int, Term, int]]]:
        """Every hit (benign and context lists too) in the texts at positions `picked`."""
        table, read = self.terms, self.automaton.iter
        last = len(starts) - 1
        per_text: dict[int, list] = {}
        for i in picked:
            hits: list = []
            offset = starts[i]
            bound = starts[i + 1] - 1 if i < last else len(normalised)
            for end, index in read(normalised[offset:bound]):
                length, terms = table[index]
                end += offset
                start = end - length + 1
                hits.extend((start, end, term, part) for term, part in terms)
            per_text[i] = hits
        return per_text


# Words found in nearly every message: a pattern's part that may be made of these alone is not
# looked for in the first pass (Matcher._index_parts).
_PLAIN_KEYS = """a an and are as at be been but by can do dont for from get go
going gonna got had has have he her him his i id if ill im in is it its ive just like me my no
not now of on one or our out she so that the them they this to u up ur us was we were what when
who will with you your"""
_PLAIN_KEY_WORDS = frozenset(_PLAIN_KEYS.split())


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a sort and a comparison: quicker here than np.unique)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def whole_matches(normalised: str, hits) -> list[tuple[int, int, Term]]:
    """One text's hits as whole matches: a "~N" pattern matches where its parts come in
    order, each within its gap of the one before (the span runs from first to last)."""
    matches, parts_seen = [], {}
    for start, end, term, part in hits:
        if term.gaps:
            parts_seen.setdefault(term, {}).setdefault(part, []).append((start, end))
        else:
            matches.append((start, end, term))
    for term, seen in parts_seen.items():
        if len(seen) <= len(term.gaps):
            continue
        for first_start, first_end in seen[0]:
            end = _chain(normalised, term.gaps, seen, first_end)
            if end is not None:
                matches.append((first_start, end, term))
                break
    return matches


def _chain(normalised: str, gaps: tuple[int, ...], seen, end: int) -> int | None:
    """The end of the last part, when every part follows the one before within its gap."""
    for part, gap in enumerate(gaps, start=1):
        # keys overlap on the space between words: a start at `end` is the very next word
        following = [e for s, e in seen[part]
                     if s >= end and normalised.count(" ", end, s + 1) - 1 <= gap]
        if not following:
            return None
        end = min(following)
    return end
