"""Record linkage the Fellegi–Sunter way: compare two people field by field, weigh each
outcome by how much more often it happens between records of one person (m) than between
records of two people (u), and add the weights up.

- Comparisons have levels (exact / close / different, or missing, which weighs nothing): names
  by Jaro-Winkler, nicknames, initials and sound (metaphone), tried straight and swapped; dates
  of birth with day/month swaps and one slip; postcodes whole or by district; addresses by
  token overlap; towns; shared email, phone or handle.
- `u` comes from random pairs of the workspace's own records (two random records are nearly
  always two people), with term frequencies for names and postcodes (two "Smith"s agree more
  often by chance than two "Okonkwo"s); `m` and the share of true pairs among the blocked
  pairs are estimated by expectation–maximisation on those pairs, starting from (and pulled
  gently towards) the shipped priors, as splink and recordlinkage do.
- The match weight is log2 of the odds; `probability` turns it into a chance of one person.

`recordlinkage` (BSD) does blocking, comparison and a binary ECM classifier on pandas frames;
it has no multi-level comparisons with missing values, term frequencies or per-pair reasons,
and its pandas comparisons take minutes at 100,000 people, so this module does those parts
with rapidfuzz and numpy. The benchmark runs recordlinkage beside it on the same records.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import jellyfish
import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from steward.hygiene.names import are_nicknames, fold

# field: how many levels it has (0 = disagrees … highest = agrees exactly); -1 = missing.
LEVELS = {"first_name": 4, "last_name": 4, "date_of_birth": 3, "postcode": 3, "address": 3,
          "town": 3, "email": 2, "phone": 2, "handle": 2, "platform": 2,
          "joined": 3}
FIELDS = tuple(LEVELS)
LABELS = {"first_name": "first name", "last_name": "surname", "date_of_birth": "date of birth",
          "postcode": "postcode", "address": "address", "town": "town", "email": "email",
          "phone": "phone", "handle": "handle", "platform": "platform",
          "joined": "joining date"}
# Chance of each level between two records of one person, before the workspace's data says
# otherwise (m), and between two different people (u, used only where random pairs are few).
PRIOR_M = {
    "first_name": (0.04, 0.05, 0.11, 0.80), "last_name": (0.04, 0.05, 0.11, 0.80),
    "date_of_birth": (0.05, 0.10, 0.85), "postcode": (0.05, 0.10, 0.85),
    "address": (0.10, 0.15, 0.75), "town": (0.05, 0.10, 0.85),
    "email": (0.45, 0.55), "phone": (0.40, 0.60), "handle": (0.60, 0.40),
    # 0: both have an account in one source (few people keep two accounts on one platform);
    # 1: their accounts are all in different sources
    "platform": (0.3, 0.7),
    "joined": (0.80, 0.05, 0.15),  # different day, within a week, same day
}
PRIOR_U = {
    "first_name": (0.95, 0.02, 0.02, 0.01), "last_name": (0.96, 0.02, 0.01, 0.01),
    "date_of_birth": (0.998, 0.0015, 0.0005), "postcode": (0.99, 0.009, 0.001),
    "address": (0.995, 0.004, 0.001), "town": (0.97, 0.01, 0.02),
    "email": (0.99999, 0.00001), "phone": (0.99999, 0.00001), "handle": (0.99999, 0.00001),
    "platform": (0.5, 0.5),
    "joined": (0.98, 0.015, 0.005),
}
PRIOR_STRENGTH = 20.0  # the priors count as this many pairs in the EM's estimate of m
RANDOM_PAIRS = 10_000
EM_ROUNDS = 25
# Frequencies from fewer records than about this are blended with the priors.
SMALL_WORKSPACE = 100

_ABBREVIATIONS = {"st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "ln": "lane",
                  "cres": "crescent", "cr": "crescent", "ct": "court", "pl": "place",
                  "dr": "drive", "cl": "close", "gdns": "gardens", "sq": "square",
                  "tce": "terrace", "hse": "house", "apt": "flat", "pde": "parade",
                  "hwy": "highway", "cct": "circuit"}


# --- normalising ------------------------------------------------------------------------


def normalise_postcode(text: str | None) -> str | None:
    """Letters and digits, upper-case: "ls6 1aa" → "LS61AA"."""
    key = re.sub(r"[^0-9A-Za-z]", "", text or "").upper()
    return key or None


def normalise_address(text: str | None) -> str | None:
    """Lower-case words, usual abbreviations spelt out (12 Mill Ln → 12 mill lane)."""
    if not text:
        return None
    words = re.sub(r"[^\w]+", " ", fold(text)).split()
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    return " ".join(words) or None


def normalise_town(text: str | None) -> str | None:
    words = re.sub(r"[^\w]+", " ", fold(text or "")).split()
    return " ".join(words) or None


def birth_key(text: str | None) -> str | None:
    """YYYYMMDD for an ISO date; the digits of anything else (so a slip still compares)."""
    if not text:
        return None
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) >= 6 else None


# --- comparing --------------------------------------------------------------------------


@lru_cache(maxsize=1 << 18)
def _sound(word: str) -> str:
    return jellyfish.metaphone(word) if word.isascii() and word.isalpha() else word


@lru_cache(maxsize=1 << 20)
def name_level(a: str | None, b: str | None) -> int:
    """3 same or nickname, 2 Jaro-Winkler ≥ 0.92, 1 close (≥ 0.8 with the same first letter,
    ≥ 0.88, the same sound, or an initial that fits), 0 different; -1 when either is
    missing."""
    if not a or not b:
        return -1
    if a == b:
        return 3
    if len(a) == 1 or len(b) == 1:
        return 1 if a[0] == b[0] else 0
    if are_nicknames(a, b):
        return 3
    jw = JaroWinkler.similarity(a, b)
    if jw >= 0.92:
        return 2
    # Jaro-Winkler flatters short names (amelia / mei 0.83): a close pair shares its first
    # letter or scores higher
    if (jw >= 0.80 and a[0] == b[0]) or jw >= 0.88 or _sound(a) == _sound(b):
        return 1
    return 0


def birth_level(a: str, b: str) -> int:
    """2 same day, 1 day and month swapped or one part (or one digit) off, 0 different."""
    if a == b:
        return 2
    if len(a) == len(b) == 8:
        ya, ma, da = a[:4], a[4:6], a[6:]
        yb, mb, db = b[:4], b[4:6], b[6:]
        if ya == yb and ma == db and da == mb:
            return 1
        if (ya == yb) + (ma == mb) + (da == db) >= 2:
            return 1
    return 1 if Levenshtein.distance(a, b) <= 1 else 0


def postcode_level(a: str, b: str) -> int:
    """2 same, 1 same district (all but the last three characters of a UK postcode) or one
    character off, 0 different."""
    if a == b:
        return 2
    if len(a) >= 5 and len(b) >= 5 and a[:-3] == b[:-3]:
        return 1
    return 1 if Levenshtein.distance(a, b) <= 1 else 0


def address_level(a: str, b: str) -> int:
    """2 the same words (one a part of the other counts), 1 close, 0 different."""
    if a == b:
        return 2
    score = max(fuzz.token_set_ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
    return 2 if score >= 90 else 1 if score >= 75 else 0


def town_level(a: str, b: str) -> int:
    if a == b:
        return 2
    return 1 if JaroWinkler.similarity(a, b) >= 0.88 else 0


def _best(mine, theirs, compare) -> int:
    best = -1
    for x in mine:
        for y in theirs:
            level = compare(x, y)
            if level > best:
                best = level
    return best


def _shared(mine: set, theirs: set) -> int:
    if not mine or not theirs:
        return -1
    return 0 if mine.isdisjoint(theirs) else 1


@dataclass(slots=True)
class Person:
    """What linkage knows about one person, from all their identities."""

    key: int
    names: list[tuple[str, str]] = field(default_factory=list)  # (first, last); "" = unknown
    dobs: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    towns: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)
    sources: set[int] = field(default_factory=set)
    joined: set[int] = field(default_factory=set)  # days (ordinal) an identity was created


def joined_level(a: int, b: int) -> int:
    """2 same day, 1 within a week, 0 further apart."""
    gap = abs(a - b)
    return 2 if gap == 0 else 1 if gap <= 7 else 0


def compare(a: Person, b: Person) -> tuple[tuple[int, ...], tuple | None]:
    """The level of each field for a pair, and the names that were compared: (first A,
    first B, last A, last B, swapped), for term frequencies and reasons. Names are tried
    straight and swapped (first and last the wrong way round)."""
    best_names, best_sum, levels_fl = None, -10, (-1, -1)
    for fa, la in a.names:
        for fb, lb in b.names:
            straight = (name_level(fa, fb), name_level(la, lb))
            swapped = (name_level(fa, lb), name_level(la, fb))
            total = max(straight[0], 0) + max(straight[1], 0)
            if total > best_sum or (total == best_sum and straight > levels_fl):
                best_sum, levels_fl, best_names = total, straight, (fa, fb, la, lb, False)
            if swapped[0] >= 2 and swapped[1] >= 2 and sum(swapped) > best_sum:
                best_sum, levels_fl, best_names = sum(swapped), swapped, (fa, lb, la, fb, True)
    return (
        levels_fl[0], levels_fl[1],
        _best(a.dobs, b.dobs, birth_level) if a.dobs and b.dobs else -1,
        _best(a.postcodes, b.postcodes, postcode_level) if a.postcodes and b.postcodes else -1,
        _best(a.addresses, b.addresses, address_level) if a.addresses and b.addresses else -1,
        _best(a.towns, b.towns, town_level) if a.towns and b.towns else -1,
        _shared(a.emails, b.emails), _shared(a.phones, b.phones), _shared(a.handles, b.handles),
        -1 if not a.sources or not b.sources else int(a.sources.isdisjoint(b.sources)),
        _best(a.joined, b.joined, joined_level) if a.joined and b.joined else -1,
    ), best_names


# --- the model --------------------------------------------------------------------------


@dataclass
class Model:
    """m and u for each field's levels, the share of true pairs among blocked pairs, and term
    frequencies of exact values (how many records hold each first name, surname, postcode)."""

    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    prior: float  # chance two records picked at random are one person
    records: int = 1
    frequencies: dict[str, Counter] = field(default_factory=dict)
    pairs_used: int = 0

    @classmethod
    def default(cls) -> Model:
        return cls({f: np.array(PRIOR_M[f]) for f in FIELDS},
                   {f: np.array(PRIOR_U[f]) for f in FIELDS}, 1e-4)

    def field_weight(self, name: str, level: int, value: str | None = None) -> float:
        """log2(m/u) for one field's level; an exact agreement on a common value weighs
        less and on a rare one more (term frequency: u is the share of records holding that
        value, as splink does)."""
        if level < 0:
            return 0.0
        m, u = self.m[name][level], self.u[name][level]
        if value is not None and level == LEVELS[name] - 1:
            counts = self.frequencies.get(name)
            if counts:
                trust = self.records / (self.records + SMALL_WORKSPACE)
                u = trust * counts.get(value, 1) / max(self.records, 1) + (1 - trust) * u
        return math.log2(m / u)

    def weights(self, levels: Sequence[int], names=None) -> list[float]:
        first = names[0] if names else None
        last = names[2] if names else None
        return [self.field_weight(f, lv, first if f == "first_name" else
                                  last if f == "last_name" else None)
                for f, lv in zip(FIELDS, levels, strict=True)]

    def match_weights(self, levels: np.ndarray, names: Sequence) -> np.ndarray:
        """`match_weight` for many pairs at once (rows of levels; names as from `compare`)."""
        if len(levels) == 0:
            return np.zeros(0)
        table = np.zeros((len(FIELDS), max(LEVELS.values()) + 1))
        for k, f in enumerate(FIELDS):
            for lv in range(LEVELS[f]):
                table[k, lv + 1] = self.field_weight(f, lv)
        totals = table[np.arange(len(FIELDS))[None, :], levels.astype(np.int64) + 1].sum(axis=1)
        totals += math.log2(self.prior / (1 - self.prior))
        shifts: dict[tuple[str, str], float] = {}
        for k, f, side in ((0, "first_name", 0), (1, "last_name", 2)):
            top = LEVELS[f] - 1
            plain = self.field_weight(f, top)
            for n in np.flatnonzero(levels[:, k] == top):
                value = names[n][side]
                key = (f, value)
                shift = shifts.get(key)
                if shift is None:
                    shift = shifts[key] = self.field_weight(f, top, value) - plain
                totals[n] += shift
        return totals

    def match_weight(self, levels: Sequence[int], names=None) -> float:
        """log2 of the odds that the pair is one person."""
        return math.log2(self.prior / (1 - self.prior)) + sum(self.weights(levels, names))

    def summary(self) -> dict:
        """Each field's weight when it agrees exactly and when it differs (the simple view)."""
        return {f: {"agrees": round(self.field_weight(f, LEVELS[f] - 1), 1),
                    "differs": round(self.field_weight(f, 0), 1)} for f in FIELDS}


def probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds = 2.0 ** weight
    return odds / (1 + odds)


_VALUES = {"date_of_birth": "dobs", "postcode": "postcodes", "address": "addresses",
           "town": "towns", "email": "emails", "phone": "phones", "handle": "handles",
           "joined": "joined"}


def _exact_u(people: Sequence[Person]) -> dict[str, float]:
    """The chance two random records (both with a value) agree exactly on each field, from
    the values' frequencies: the sum of each value's share squared (blended with the prior
    when there are few records)."""
    values: dict[str, list] = {f: [] for f in _VALUES} | {"first_name": [], "last_name": []}
    firsts, lasts = values["first_name"], values["last_name"]
    for p in people:
        for first, last in set(p.names):
            if first:
                firsts.append(first)
            if last:
                lasts.append(last)
        for f, attribute in _VALUES.items():
            found = getattr(p, attribute)
            if found:
                values[f].extend(found)
    result = {}
    for f, items in values.items():
        total = len(items)
        if total < 2:
            continue
        counts = Counter(items)
        share = max(sum(c * c for c in counts.values()) / (total * total), 1.0 / (total * total))
        trust = total / (total + SMALL_WORKSPACE)  # a handful of records says little
        result[f] = trust * share + (1 - trust) * PRIOR_U[f][-1]
    return result


def estimate_u(people: Sequence[Person], pairs: int = RANDOM_PAIRS, seed: int = 0
               ) -> dict[str, np.ndarray]:
    """u: how often each level happens between two people. Exact agreement comes from the
    values' frequencies; the other levels from random pairs of records (two random records
    are nearly always two people)."""
    rng = random.Random(seed)
    n = len(people)
    counts = {f: np.zeros(LEVELS[f]) for f in FIELDS}
    if n >= 2:
        for _ in range(min(pairs, n * (n - 1) // 2)):
            i, j = rng.randrange(n), rng.randrange(n)
            if i == j:
                continue
            levels, _names = compare(people[i], people[j])
            for f, level in zip(FIELDS, levels, strict=True):
                if level >= 0:
                    counts[f][level] += 1
    u = {}
    exact_u = _exact_u(people)
    for f in FIELDS:
        prior = np.array(PRIOR_U[f])
        # a few pseudo-pairs from the prior keep unseen levels possible without letting the
        # prior swamp what the data shows
        found = (counts[f] + prior * 2.0) / (counts[f].sum() + 2.0)
        exact = exact_u.get(f)
        if exact is not None:
            top = LEVELS[f] - 1
            rest = found[:top] / max(found[:top].sum(), 1e-12) * (1 - exact)
            found = np.append(rest, exact)
        u[f] = found
    return u


def estimate(people: Sequence[Person], levels: np.ndarray, u: dict[str, np.ndarray],
             frequencies: dict[str, Counter] | None = None) -> Model:
    """m and the prior by EM over the blocked pairs' levels (rows: pairs, columns: FIELDS).

    The mixture is over all pairs of records, not only the blocked ones: pairs that were not
    blocked together are taken to be two people (blocking is built to keep every likely pair),
    so the prior is the expected number of true pairs over all pairs. That keeps the prior
    honest when nearly every blocked pair shares a name: u from random pairs then says how
    rare that agreement is between two people, and m is learned from the pairs that look
    like one person.
    """
    n = len(people)
    all_pairs = max(n * (n - 1) / 2, 1.0)
    start = min(max(len(levels) * 0.3 / all_pairs, 1e-9), 0.5)
    model = Model({f: np.array(PRIOR_M[f]) for f in FIELDS}, u, start, n, frequencies or {},
                  len(levels))
    if len(levels) == 0:
        return model
    masks = [[levels[:, k] == lv for lv in range(LEVELS[f])] for k, f in enumerate(FIELDS)]
    log_u = np.zeros(len(levels))
    for k, f in enumerate(FIELDS):
        for lv, mask in enumerate(masks[k]):
            log_u[mask] += math.log(model.u[f][lv])
    for _ in range(EM_ROUNDS):
        log_m = np.zeros(len(levels))
        for k, f in enumerate(FIELDS):
            for lv, mask in enumerate(masks[k]):
                log_m[mask] += math.log(model.m[f][lv])
        odds = math.log(model.prior / (1 - model.prior)) + log_m - log_u
        p = 1.0 / (1.0 + np.exp(-np.clip(odds, -700, 700)))
        for k, f in enumerate(FIELDS):
            counts = np.array([p[mask].sum() for mask in masks[k]])
            prior = np.array(PRIOR_M[f])
            model.m[f] = (counts + PRIOR_STRENGTH * prior) / (counts.sum() + PRIOR_STRENGTH)
        model.prior = float(min(max(p.sum() / all_pairs, 1e-12), 0.5))
    return model
