"""One person, many identities: candidate duplicates with a score and the reasons.

The shipped presets (strict, standard, broad) are record linkage (`steward.hygiene.linkage`):
every field a workspace holds is compared, weighted by Fellegi–Sunter m/u probabilities that
are estimated on the workspace's own records, and a pair is proposed when its chance of being
one person reaches the preset's threshold. The learned weights read like CiviCRM's dedupe
rules ("same date of birth +9.4, different first names −4.2, threshold …"), and that is how
they are shown. A workspace may instead keep its own fixed CiviCRM-style weighted rules (the
setting `hygiene.rules`): each rule names a field and a weight, and a pair whose weights add up
to the threshold is a candidate.

Blocking keeps it fast: people are only compared when they share a normalised email, an E.164
phone or a handle; a postcode and the sound of a name; a date of birth and an initial; or a
similar name (the metaphone of the surname with a first initial; nicknames block under the
full name's initial too, swapped first and last names under both orders).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler
from sqlalchemy import select

from steward.errors import BadInput
from steward.hygiene import linkage
from steward.hygiene.names import (
    Name,
    are_nicknames,
    email_key,
    first_name_keys,
    fold,
    handle_key,
    parse_name,
    sound_key,
)
from steward.jobs import CancelToken, Job, Progress
from steward.resources import resource_path
from steward.store.models import Identity, NotSamePerson
from steward.workspace import Workspace

FIELDS = ("email", "phone", "handle", "first_name", "last_name", "different_first_name",
          "different_phone")
METHODS = ("linkage", "weights")
DEFAULT_PRESET = "standard"
SETTING = "hygiene.rules"
# A contact detail shared by more people than this (a family inbox, a role address) is not
# evidence that they are one person; such blocks are skipped and counted.
MAX_CONTACT_BLOCK = 50
# A postcode or a date of birth shared with a name's sound by more people than this (a care
# home, a school year) is compared through the name blocks instead.
MAX_DETAIL_BLOCK = 100


@dataclass(frozen=True)
class MatchRule:
    field: str
    weight: float
    similarity: float | None = None


@dataclass(frozen=True)
class MatchRules:
    """A weighted rule set; `name` is the preset it came from, or "custom"."""

    threshold: float  # linkage: the chance of one person a pair needs; weights: the total
    rules: tuple[MatchRule, ...] = ()
    name: str = "custom"
    # A name held by more people than this is common ("Olivia Smith"): a name match on it,
    # with no shared contact detail, counts only the last-name weight.
    common_name_count: int = 8
    method: str = "weights"  # "linkage" (Fellegi–Sunter, learned) or "weights" (CiviCRM-style)

    def weight(self, field_name: str) -> float:
        return sum(r.weight for r in self.rules if r.field == field_name)

    def similarity(self, field_name: str, default: float) -> float:
        for r in self.rules:
            if r.field == field_name and r.similarity is not None:
                return r.similarity
        return default

    def as_dict(self) -> dict:
        if self.method == "linkage":
            return {"preset": self.name, "method": "linkage", "threshold": self.threshold,
                    "common_name_count": self.common_name_count}
        return {
            "preset": self.name,
            "threshold": self.threshold,
            "common_name_count": self.common_name_count,
            "rules": [
                {"field": r.field, "weight": r.weight}
                | ({"similarity": r.similarity} if r.similarity is not None else {})
                for r in self.rules
            ],
        }


def rules_from_dict(data: object, name: str = "custom") -> MatchRules:
    """Check and build a rule set from JSON-like data; BadInput names the problem."""
    if not isinstance(data, dict):
        raise BadInput("matching rules must be an object with 'threshold' and 'rules'")
    method = data.get("method", "weights")
    if method not in METHODS:
        raise BadInput(f"'method' must be one of {', '.join(METHODS)}")
    common = data.get("common_name_count", 8)
    if not isinstance(common, int) or common < 2:
        raise BadInput("'common_name_count' must be a whole number of at least 2")
    if method == "linkage":
        chance = data.get("threshold")
        if not isinstance(chance, int | float) or not 0 < chance < 1:
            raise BadInput("linkage rules need a 'threshold' between 0 and 1 (the chance of "
                           "one person a pair needs)")
        return MatchRules(float(chance), (), data.get("preset", name) or name, common, method)
    threshold = data.get("threshold")
    if not isinstance(threshold, int | float) or threshold <= 0:
        raise BadInput("matching rules need a positive number 'threshold'")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise BadInput("matching rules need a non-empty list 'rules'")
    rules = []
    for n, raw in enumerate(raw_rules, start=1):
        if not isinstance(raw, dict) or raw.get("field") not in FIELDS:
            raise BadInput(f"rule {n}: 'field' must be one of {', '.join(FIELDS)}")
        weight = raw.get("weight")
        if not isinstance(weight, int | float):
            raise BadInput(f"rule {n} ({raw['field']}): 'weight' must be a number")
        sim = raw.get("similarity")
        if sim is not None and not (isinstance(sim, int | float) and 0 < sim <= 1):
            raise BadInput(f"rule {n} ({raw['field']}): 'similarity' must be between 0 and 1")
        rules.append(MatchRule(raw["field"], float(weight), None if sim is None else float(sim)))
    return MatchRules(float(threshold), tuple(rules), data.get("preset", name) or name, common)


@lru_cache(maxsize=1)
def presets() -> dict[str, MatchRules]:
    """The shipped presets: strict, standard (the default) and broad."""
    data = json.loads(resource_path("hygiene", "presets.json").read_text(encoding="utf-8"))
    return {k: rules_from_dict(v, k) for k, v in data.items() if not k.startswith("_")}


def preset(name: str) -> MatchRules:
    try:
        return presets()[name]
    except KeyError:
        raise BadInput(f"no matching preset {name!r}: choose {', '.join(presets())}") from None


def current_rules(ws: Workspace) -> MatchRules:
    """The workspace's matching rules (the setting `hygiene.rules`), else the standard preset."""
    stored = ws.get_setting(SETTING)
    if not stored:
        return preset(DEFAULT_PRESET)
    if set(stored) == {"preset"}:
        return preset(stored["preset"])
    return rules_from_dict(stored)


def save_rules(ws: Workspace, rules: MatchRules | str) -> MatchRules:
    """Store a preset name or an edited rule set as this workspace's matching rules."""
    if isinstance(rules, str):
        rules = preset(rules)
        ws.set_setting(SETTING, {"preset": rules.name})
    else:
        ws.set_setting(SETTING, rules.as_dict())
    return rules


# --- comparing ------------------------------------------------------------------------------


@dataclass(slots=True)
class MatchRecord:
    """What matching knows about one person: names and contact keys from all identities.
    Built with the `add_…` methods; a record `load_records` has finished holds its lists as
    tuples."""

    key: int
    names: list[Name] = field(default_factory=list)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)
    identity_ids: list[int] = field(default_factory=list)
    display_name: str = ""
    # From member lists and other detailed sources:
    name_parts: list[tuple[str, str]] = field(default_factory=list)  # (first, last), "" unknown
    dobs: set[str] = field(default_factory=set)  # birth_key: YYYYMMDD
    postcodes: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    towns: set[str] = field(default_factory=set)
    platform_ids: list[dict] = field(default_factory=list)  # {"identity", "source", "id"}
    sources: set[int] = field(default_factory=set)  # where the identities come from
    joined: set[int] = field(default_factory=set)  # day numbers the identities were created

    def add_parts(self, first: str | None, last: str | None) -> None:
        """A first and last name given in their own columns (either may be missing)."""
        parts = tuple(" ".join(_tokens(p)) if p else "" for p in (first, last))
        if any(parts) and parts not in self.name_parts:
            self.name_parts.append(parts)

    def add_details(self, postcode: str | None = None, date_of_birth: str | None = None,
                    address: str | None = None, town: str | None = None) -> None:
        for target, value in ((self.postcodes, linkage.normalise_postcode(postcode)),
                              (self.dobs, linkage.birth_key(date_of_birth)),
                              (self.addresses, linkage.normalise_address(address)),
                              (self.towns, linkage.normalise_town(town))):
            if value:
                target.add(value)

    def linkage_person(self) -> linkage.Person:
        if not self.name_parts and all(n.last is not None for n in self.names):
            names = self.names  # already (first, last) pairs: shared, not copied
        else:
            names = [*self.name_parts, *((n.first, n.last or "") for n in self.names
                                         if (n.first, n.last or "") not in self.name_parts)]
        # A handle that only spells the name with a number (lily2, smithj) says no more than
        # the name: as evidence of its own it would count the name twice.
        handles = self.handles
        if handles:
            spelt = set()
            for first, last in names:
                spelt |= {first, last, first + last, last + first, first[:1] + last,
                          last + first[:1]}
            kept = {h for h in handles if h.rstrip("0123456789_") not in spelt}
            if len(kept) < len(handles):
                handles = kept
        return linkage.Person(self.key, names, self.dobs, self.postcodes, self.addresses,
                              self.towns, self.emails, self.phones, handles, self.sources,
                              self.joined)

    def add_name(self, display: str | None) -> None:
        name = parse_name(display)
        if name is not None and name not in self.names:
            self.names.append(name)

    def add_handle(self, handle: str | None) -> None:
        """A handle counts as evidence unless it only spells the name (olivia_smith)."""
        key = handle_key(handle)
        if key is not None and not any(key == n.first + (n.last or "") for n in self.names):
            self.handles.add(key)


def _tokens(text: str) -> list[str]:
    """A name part as lower-case words without accents or punctuation ("O'Neil" → oneil)."""
    return [w for w in (re.sub(r"[^\w]", "", t) for t in fold(text).split())
            if w and not any(ch.isdigit() for ch in w)]


@dataclass(frozen=True)
class DuplicateCandidate:
    person_a: int
    person_b: int
    score: float  # linkage: the match weight (log2 odds); weights: the rules' total
    reasons: tuple[str, ...]
    name_a: str = ""
    name_b: str = ""
    identities_a: tuple[int, ...] = ()
    identities_b: tuple[int, ...] = ()
    probability: float | None = None  # linkage only: the chance the two are one person
    agreeing: tuple[str, ...] = ()  # fields that agreed (linkage)
    disagreeing: tuple[str, ...] = ()  # fields that disagreed (linkage)
    platform_ids_a: tuple[dict, ...] = ()  # {"identity", "source", "id"} per identity
    platform_ids_b: tuple[dict, ...] = ()

    def as_dict(self) -> dict:
        return {
            "person_a": self.person_a, "person_b": self.person_b, "score": self.score,
            "probability": self.probability,
            "reasons": list(self.reasons), "agreeing": list(self.agreeing),
            "disagreeing": list(self.disagreeing), "name_a": self.name_a, "name_b": self.name_b,
            "identities_a": [dict(i) for i in self.platform_ids_a]
            or [{"identity": i} for i in self.identities_a],
            "identities_b": [dict(i) for i in self.platform_ids_b]
            or [{"identity": i} for i in self.identities_b],
        }


# How sure a match is, in words a person can act on: the chance the two are one person
# (record linkage), or for weighted rules how far past the threshold the total went.
STRENGTHS = (("strong", 0.95), ("likely", 0.80), ("possible", 0.0))
STRENGTH_LEGEND = ("Match: strong = at least 95% chance the two are one person, likely = "
                   "80–95%, possible = below 80%. The evidence score adds up what agreed and "
                   "what differed: each point doubles (or halves) the odds.")
WEIGHTS_LEGEND = ("Match: strong = the rules' total is at least twice the threshold, likely = "
                  "one and a half times, possible = just over it.")


def match_strength(c: DuplicateCandidate, threshold: float | None = None) -> str:
    """'strong', 'likely' or 'possible': from the chance they are one person when the
    linkage gave one, else from the weighted total against the rules' `threshold`."""
    if c.probability is not None:
        return next(name for name, least in STRENGTHS if c.probability >= least)
    if threshold and threshold > 0:
        ratio = c.score / threshold
        return "strong" if ratio >= 2 else "likely" if ratio >= 1.5 else "possible"
    return "possible"


def _first_match(a: str, b: str, similarity: float) -> str | None:
    if a == b:
        return "same first name"
    if are_nicknames(a, b):
        return f"nickname pair {a.title()}/{b.title()}"
    jw = JaroWinkler.similarity(a, b)
    if jw >= similarity:
        return f"similar first names ({jw:.2f})"
    return None


def _last_match(a: str | None, b: str | None, similarity: float) -> str | None:
    if a is None or b is None:
        return None
    if a == b:
        return "same last name"
    jw = JaroWinkler.similarity(a, b)
    return f"similar last names ({jw:.2f})" if jw >= similarity else None


class Scorer:
    """Scores pairs with one rule set; weights are looked up once, name pairs cached."""

    def __init__(self, rules: MatchRules):
        self.rules = rules
        self.threshold = rules.threshold
        self.contact = [(f, rules.weight(f)) for f in ("email", "phone", "handle")
                        if rules.weight(f)]
        self.first_w, self.last_w = rules.weight("first_name"), rules.weight("last_name")
        self.diff_first_w = rules.weight("different_first_name")
        self.diff_phone_w = rules.weight("different_phone")
        self.first_sim = rules.similarity("first_name", 0.92)
        self.last_sim = rules.similarity("last_name", 0.95)
        self._names: dict[tuple[Name, Name], tuple[float, tuple[str, ...]]] = {}
        self.name_counts: dict[Name, int] = {}  # how many people hold each name

    def is_common(self, name: Name) -> bool:
        return self.name_counts.get(name, 0) > self.rules.common_name_count

    def name_score(self, a: Name, b: Name) -> tuple[float, tuple[str, ...]]:
        """Weight and reasons the name rules give two names (straight, or swapped)."""
        key = (a, b)
        cached = self._names.get(key)
        if cached is None:
            cached = self._names[key] = self._name_score(a, b)
        return cached

    def _name_score(self, a: Name, b: Name) -> tuple[float, tuple[str, ...]]:
        first = _first_match(a.first, b.first, self.first_sim)
        last = _last_match(a.last, b.last, self.last_sim)
        if (
            not (first and last) and a.last and b.last
            and _first_match(a.first, b.last, self.first_sim)
            and _last_match(a.last, b.first, self.last_sim)
        ):
            return self.first_w + self.last_w, ("first and last names swapped",)
        score, reasons = 0.0, []
        if first:
            score += self.first_w
            reasons.append(first)
        if last:
            score += self.last_w
            reasons.append(last)
        if not first and self.diff_first_w and len(a.first) > 1 and len(b.first) > 1:
            score += self.diff_first_w
            reasons.append("different first names")
        return score, tuple(reasons)

    def score_pair(self, a: MatchRecord, b: MatchRecord) -> tuple[float, list[str]]:
        """The total weight and the reasons for one pair of people."""
        score, reasons = 0.0, []
        shared_contact = False
        for name, weight in self.contact:
            mine, theirs = getattr(a, name + "s"), getattr(b, name + "s")
            if mine and theirs and not mine.isdisjoint(theirs):
                score += weight
                reasons.append(f"same {name}")
                shared_contact = True
        if self.diff_phone_w and a.phones and b.phones and a.phones.isdisjoint(b.phones):
            score += self.diff_phone_w
            reasons.append("different phones")
        best: tuple[float, tuple[str, ...]] | None = None
        common = None
        for na in a.names:
            for nb in b.names:
                result = self.name_score(na, nb)
                if best is None or result[0] > best[0]:
                    best = result
                    common = na if self.is_common(na) else nb if self.is_common(nb) else None
        if best is not None:
            score += best[0]
            reasons.extend(best[1])
            if common is not None and not shared_contact and best[0] > self.last_w:
                score -= best[0] - self.last_w
                reasons.append(f"common name ({self.name_counts[common]} people)")
        return score, reasons


def score_pair(a: MatchRecord, b: MatchRecord, rules: MatchRules) -> tuple[float, list[str]]:
    """The total weight and the reasons for one pair of people under `rules` (linkage rules
    use the shipped prior weights: no workspace data to learn from)."""
    if rules.method == "linkage":
        levels, names = linkage.compare(a.linkage_person(), b.linkage_person())
        model = linkage.Model.default()
        reasons, _agree, _differ = _reasons(levels, model.weights(levels, names), names)
        return model.match_weight(levels, names), reasons
    return Scorer(rules).score_pair(a, b)


def _name_block_keys(name: Name) -> Iterable[str]:
    last = name.last or name.first
    for initial in first_name_keys(name.first):
        yield f"n:{sound_key(last)}:{initial}"
    if name.last:
        yield f"f:{name.first}:{name.last[0]}"  # catches a slip that changes the surname's sound
        for initial in first_name_keys(name.last):
            yield f"n:{sound_key(name.first)}:{initial}"


@dataclass
class MatchResult:
    candidates: list[DuplicateCandidate]
    pairs_compared: int
    skipped_blocks: int
    records: int
    # linkage: each field's learned weight when it agrees and when it differs (the simple
    # view), and the chance a pair needs
    weights: dict = field(default_factory=dict)


def match_records(
    records: list[MatchRecord],
    rules: MatchRules,
    not_same: set[frozenset[int]] | None = None,
    token: CancelToken | None = None,
) -> MatchResult:
    """Candidate duplicates among `records`, best first. Pairs in `not_same` are never proposed."""
    not_same = not_same or set()
    if rules.method == "linkage":
        return link_records(records, rules, not_same, token)
    scorer = Scorer(rules)
    contact_blocks: dict[str, list[int]] = defaultdict(list)
    name_blocks: dict[str, dict[Name, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, rec in enumerate(records):
        for e in rec.emails:
            contact_blocks["e:" + e].append(i)
        for p in rec.phones:
            contact_blocks["p:" + p].append(i)
        for h in rec.handles:
            contact_blocks["h:" + h].append(i)
        for name in rec.names:
            scorer.name_counts[name] = scorer.name_counts.get(name, 0) + 1
            for key in _name_block_keys(name):
                name_blocks[key][name].append(i)

    pairs: set[tuple[int, int]] = set()
    skipped = 0
    for members in contact_blocks.values():
        if len(members) > MAX_CONTACT_BLOCK:
            skipped += 1
            continue
        _add_pairs_within(members, pairs)
    # Name blocks: compare each distinct name once; only names whose rules alone reach the
    # threshold give pairs here (any pair that also shares a contact detail is already in).
    if token is not None:
        token.check()
    for groups in name_blocks.values():
        names = [n for n in groups if not scorer.is_common(n)]
        for x, na in enumerate(names):
            for nb in names[x:]:
                if scorer.name_score(na, nb)[0] < scorer.threshold:
                    continue
                left, right = groups[na], groups[nb]
                for i in left:
                    for j in right:
                        if i != j:
                            pairs.add((i, j) if i < j else (j, i))

    candidates = []
    for n, (i, j) in enumerate(pairs):
        if token is not None and n % 50_000 == 0:
            token.check()
        a, b = records[i], records[j]
        if frozenset((a.key, b.key)) in not_same:
            continue
        score, reasons = scorer.score_pair(a, b)
        if score >= scorer.threshold:
            candidates.append(DuplicateCandidate(
                a.key, b.key, score, tuple(reasons), a.display_name, b.display_name,
                tuple(a.identity_ids), tuple(b.identity_ids),
            ))
    candidates.sort(key=lambda c: (-c.score, c.person_a, c.person_b))
    return MatchResult(candidates, len(pairs), skipped, len(records))


# --- record linkage ---------------------------------------------------------------------


def _add_pairs_within(members: list[int], pairs: set[tuple[int, int]]) -> None:
    """Every pair of different records in one block, smaller index first."""
    for x in range(len(members)):
        for y in range(x + 1, len(members)):
            i, j = members[x], members[y]
            if i != j:
                pairs.add((i, j) if i < j else (j, i))


def _contact_blocks(people: Sequence[linkage.Person]) -> dict[str, list[int]]:
    """People by each email, phone and handle they hold."""
    whole: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(people):
        for e in p.emails:
            whole["e:" + e].append(i)
        for x in p.phones:
            whole["p:" + x].append(i)
        for h in p.handles:
            whole["h:" + h].append(i)
    return whole


def _detail_blocks(people: Sequence[linkage.Person]) -> dict[str, list[int]]:
    """People by postcode and name sound, date of birth and initial, date of birth and
    postcode, joining day and name."""
    whole: dict[str, list[int]] = defaultdict(list)
    sound = linkage._sound
    for i, p in enumerate(people):
        keys: set[str] = set()
        for first, last in p.names:
            if p.postcodes or p.dobs:
                sounds = {sound(w) for w in (first, last) if w}
                initials = {w[0] for w in (first, last) if w}
                for pc in p.postcodes:
                    keys.update(f"pc:{pc}:{s}" for s in sounds)
                for dob in p.dobs:
                    keys.update(f"d:{dob}:{c}" for c in initials)
                    keys.update(f"dp:{dob}:{pc}" for pc in p.postcodes)
            if last:
                # a second sign-up the same day under a similar name
                initial = first[:1]
                keys.update(f"j:{day}:{sound_key(last)}:{initial}" for day in p.joined)
        if not p.names:
            for dob in p.dobs:
                keys.update(f"dp:{dob}:{pc}" for pc in p.postcodes)
        for key in keys:
            whole[key].append(i)
    return whole


def _name_blocks(people: Sequence[linkage.Person]) -> dict[str, dict[tuple[str, str], list]]:
    """Similar names: each block holds the people of each distinct name in it."""
    names: dict[str, dict[tuple[str, str], list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, p in enumerate(people):
        for first, last in p.names:
            name = (first, last)
            if first and last:
                names[f"f:{first}:{last[0]}"][name].append(i)
                for initial in first_name_keys(first):
                    names[f"n:{sound_key(last)}:{initial}"][name].append(i)
                for initial in first_name_keys(last):
                    names[f"n:{sound_key(first)}:{initial}"][name].append(i)
            elif first or last:
                names[f"o:{sound_key(first or last)}"][name].append(i)
    return names


def _names_close(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Two names similar enough to be worth comparing on every field."""
    straight = (linkage.name_level(a[0], b[0]), linkage.name_level(a[1], b[1]))
    if min(straight) >= 1 or (straight[0] == -1 and straight[1] >= 2) \
            or (straight[1] == -1 and straight[0] >= 2):
        return True
    return linkage.name_level(a[0], b[1]) >= 2 and linkage.name_level(a[1], b[0]) >= 2


def candidate_pairs(people: Sequence[linkage.Person], common_name_count: int = 8
                    ) -> tuple[set[tuple[int, int]], int]:
    """Pairs of positions worth comparing, and how many over-full blocks were skipped."""
    # One kind of block at a time, each let go before the next is built.
    pairs: set[tuple[int, int]] = set()
    skipped = 0
    for blocks in (_contact_blocks, _detail_blocks):
        for key, members in blocks(people).items():
            # a one-letter kind (email, phone, handle, date of birth, joining day) is held
            # to the contact limit, postcodes to the detail limit
            limit = MAX_CONTACT_BLOCK if key[1] == ":" else MAX_DETAIL_BLOCK
            if len(members) > limit:
                skipped += 1
                continue
            _add_pairs_within(members, pairs)
    holders = Counter()
    for p in people:
        for name in set(p.names):
            holders[name] += 1
    for groups in _name_blocks(people).values():
        distinct = [n for n in groups if holders[n] <= common_name_count]
        for x, na in enumerate(distinct):
            for nb in distinct[x:]:
                if na != nb and not _names_close(na, nb):
                    continue
                for i in groups[na]:
                    for j in groups[nb]:
                        if i != j:
                            pairs.add((i, j) if i < j else (j, i))
    return pairs, skipped


_AGREE = {
    "first_name": {3: "same first name", 2: "similar first names", 1: "first names close"},
    "last_name": {3: "same surname", 2: "similar surnames", 1: "surnames close"},
    "date_of_birth": {2: "same date of birth",
                      1: "dates of birth close (day and month swapped, or one slip)"},
    "postcode": {2: "same postcode", 1: "postcodes close (same district, or one slip)"},
    "address": {2: "same address", 1: "similar addresses"},
    "town": {2: "same town", 1: "similar towns"},
    "email": {1: "same email"}, "phone": {1: "same phone"}, "handle": {1: "same handle"},
    "platform": {1: "accounts on different platforms"},
    "joined": {2: "joined the same day", 1: "joined within a week"},
}
_DIFFER = {"first_name": "different first names", "last_name": "different surnames",
           "date_of_birth": "different dates of birth", "postcode": "different postcodes",
           "address": "different addresses", "town": "different towns",
           "email": "different emails", "phone": "different phones",
           "handle": "different handles", "platform": "two accounts on one platform",
           "joined": "joined at different times"}


def _reasons(levels, weights, names) -> tuple[list[str], list[str], list[str]]:
    """Reasons in words with each field's weight, agreeing fields first; and the fields."""
    agree, differ, reasons_for, reasons_against = [], [], [], []
    if names is not None and names[4]:
        reasons_for.append((float("inf"), "first and last names swapped"))
    for f, level, weight in zip(linkage.FIELDS, levels, weights, strict=True):
        if level < 0:
            continue
        if weight > 0 and level > 0:
            text = _AGREE[f][level]
            if f == "first_name" and level == 3 and names and names[0] != names[1]:
                text = f"nickname pair {names[0].title()}/{names[1].title()}"
            reasons_for.append((weight, f"{text} (+{weight:.1f})"))
            agree.append(f)
        else:
            text = _DIFFER[f] if level == 0 else _AGREE[f][level] + " but weakly"
            reasons_against.append((weight, f"{text} ({weight:+.1f})"))
            differ.append(f)
    reasons = [t for _w, t in sorted(reasons_for, key=lambda r: -r[0])]
    reasons += [t for _w, t in sorted(reasons_against, key=lambda r: r[0])]
    return reasons, agree, differ


def _household(levels, names) -> bool:
    """Different first names (both written out) and no same date of birth: a brother, a
    sister, a parent sharing the home phone or address, not a second record."""
    first, dob = levels[0], levels[2]
    return (first == 0 and names is not None and len(names[0]) > 1 and len(names[1]) > 1
            and dob < 2)


def describe_weights(weights: dict) -> str:
    """The learned weights as CiviCRM-style rules, one line: each field that the workspace
    holds with its weight when it agrees and when it differs, and the threshold."""
    if not weights:
        return ""
    parts = [f"{linkage.LABELS[f]} {w['agrees']:+.1f}/{w['differs']:+.1f}"
             for f, w in weights["fields"].items() if f in weights.get("seen", weights["fields"])]
    return (f"Weights learned on this workspace (agrees/differs): {', '.join(parts)}; "
            f"a pair is proposed at a chance of {weights['threshold']:.0%} or more.")


def link_records(
    records: list[MatchRecord],
    rules: MatchRules,
    not_same: set[frozenset[int]] | None = None,
    token: CancelToken | None = None,
) -> MatchResult:
    """Candidate duplicates by record linkage, best first (see `steward.hygiene.linkage`)."""
    import numpy as np

    not_same = not_same or set()
    people = [r.linkage_person() for r in records]
    pairs, skipped = candidate_pairs(people, rules.common_name_count)
    if token is not None:
        token.check()
    ordered = sorted(pairs)
    del pairs
    # each pair's levels go straight into one array; only the names compared are kept
    levels = np.empty((len(ordered), len(linkage.FIELDS)), dtype=np.int8)
    compared_names = []
    for n, (i, j) in enumerate(ordered):
        if token is not None and n % 50_000 == 0:
            token.check()
        levels[n], names = linkage.compare(people[i], people[j])
        compared_names.append(names)
    frequencies = {"first_name": Counter(), "last_name": Counter()}
    for p in people:
        for first, last in set(p.names):
            if first:
                frequencies["first_name"][first] += 1
            if last:
                frequencies["last_name"][last] += 1
    model = linkage.estimate(people, levels, linkage.estimate_u(people), frequencies)
    if token is not None:
        token.check()
    totals = model.match_weights(levels, compared_names)
    least = math.log2(rules.threshold / (1 - rules.threshold))
    candidates = []
    for n in np.flatnonzero(totals >= least):
        (i, j), names = ordered[n], compared_names[n]
        lv = tuple(int(x) for x in levels[n])
        a, b = records[i], records[j]
        if frozenset((a.key, b.key)) in not_same or _household(lv, names):
            continue
        weights = model.weights(lv, names)
        total = float(totals[n])
        reasons, agree, differ = _reasons(lv, weights, names)
        candidates.append(DuplicateCandidate(
            a.key, b.key, round(total, 1), tuple(reasons), a.display_name, b.display_name,
            tuple(a.identity_ids), tuple(b.identity_ids), round(linkage.probability(total), 4),
            tuple(agree), tuple(differ), tuple(a.platform_ids), tuple(b.platform_ids)))
    candidates.sort(key=lambda c: (-c.score, c.person_a, c.person_b))
    seen = [f for k, f in enumerate(linkage.FIELDS) if len(levels) and (levels[:, k] >= 0).any()]
    return MatchResult(candidates, len(ordered), skipped, len(records),
                       {"threshold": rules.threshold, "fields": model.summary(),
                        "prior": model.prior, "seen": seen})


# --- the workspace --------------------------------------------------------------------------


_READ_CHUNK = 5_000  # rows fetched from the database at a time
_NOTHING: frozenset = frozenset()


def _settle(rec: MatchRecord, shared: dict[frozenset, frozenset]) -> None:
    """Hold a loaded record small: an empty field is one shared empty set, the sets many
    people have alike (the sources, the joining days) are one shared copy each, and the
    finished lists are tuples (an empty one is shared). (A record of 100,000 held nine empty
    sets of its own, 216 bytes each, and two empty lists; the lists and their spare room came
    to about 150 bytes a record, 16 MB at 100,000 people.)"""
    for name in ("emails", "phones", "handles", "dobs", "postcodes", "addresses", "towns"):
        if not getattr(rec, name):
            setattr(rec, name, _NOTHING)
    for name in ("names", "name_parts", "identity_ids", "platform_ids"):
        setattr(rec, name, tuple(getattr(rec, name)))
    for name in ("sources", "joined"):
        value = frozenset(getattr(rec, name))
        setattr(rec, name, shared.setdefault(value, value))


def _rows(conn, sql: str):
    """Rows of a query, read from the driver a chunk at a time (never all at once)."""
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(_READ_CHUNK):
            yield from chunk
    finally:
        cursor.close()


def load_records(ws: Workspace, platform_ids: bool = True) -> list[MatchRecord]:
    """One match record per person still on file (not erased, not a bot), with every field
    their identities hold (member lists add date of birth, postcode, address and town).
    Without `platform_ids`, each record's platform ids are left out (see
    `with_platform_ids`).

    People and their identities are read side by side in person order, a chunk at a time,
    and each record is finished (and held small) before the next is read."""
    out: list[MatchRecord] = []
    shared: dict[frozenset, frozenset] = {}
    days: dict[str, int] = {}
    with ws.engine.connect() as conn:
        sources = dict(conn.exec_driver_sql("SELECT id, name FROM sources").all())
        identities = _rows(
            conn,
            "SELECT i.id, i.person_id, i.source_id, i.platform_id, i.handle, i.display_name, "
            "i.email_normalised, i.phone_e164, d.first_name, d.last_name, d.address, d.town, "
            "d.postcode, d.date_of_birth, i.joined_at FROM identities i "
            "LEFT JOIN member_details d ON d.identity_id = i.id "
            "WHERE i.is_bot = 0 AND i.person_id IS NOT NULL ORDER BY i.person_id, i.id")
        row = next(identities, None)
        for pid, display in _rows(
            conn, "SELECT id, display_name FROM persons WHERE erased_at IS NULL AND is_bot = 0 "
            "ORDER BY id"
        ):
            while row is not None and row[1] < pid:  # an erased person's or a bot's
                row = next(identities, None)
            rec = MatchRecord(pid, display_name=display)
            while row is not None and row[1] == pid:
                _add_identity(rec, row, sources if platform_ids else None, days)
                row = next(identities, None)
            if not rec.names and not rec.name_parts:
                rec.add_name(rec.display_name)
            _settle(rec, shared)
            out.append(rec)
        identities.close()
    # Every display name and handle read is in these caches now: held on to, they would
    # grow with the number of people (up to their caps) while the matching runs.
    parse_name.cache_clear()
    handle_key.cache_clear()
    return out


def _add_identity(rec: MatchRecord, row: tuple, sources: dict | None,
                  days: dict[str, int]) -> None:
    (iid, _pid, source, platform_id, handle, display, email, phone, first, last,
     address, town, postcode, dob, joined) = row
    rec.identity_ids.append(iid)
    if sources is not None:
        rec.platform_ids.append({"identity": iid, "source": sources.get(source),
                                 "id": platform_id})
    rec.sources.add(source)
    if joined:
        day = days.get(joined[:10])
        if day is None:
            day = days[joined[:10]] = date.fromisoformat(joined[:10]).toordinal()
        rec.joined.add(day)
    if first or last:
        rec.add_parts(first, last)
    else:
        rec.add_name(display)
    if (key := email_key(email)) is not None:
        rec.emails.add(key)
    if phone:
        rec.phones.add(phone)
    rec.add_handle(handle)
    if postcode or dob or address or town:
        rec.add_details(postcode, dob, address, town)


def not_same_pairs(ws: Workspace) -> set[frozenset[int]]:
    """Pairs of people someone said are different, as they are linked today."""
    with ws.session() as s:
        rows = s.execute(select(NotSamePerson.identity_a, NotSamePerson.identity_b)).all()
        named = sorted({i for pair in rows for i in pair})
        owner = {}
        for start in range(0, len(named), 900):  # only the identities named, not everyone's
            owner.update(s.execute(select(Identity.id, Identity.person_id).where(
                Identity.id.in_(named[start:start + 900]))).all())
    return {
        frozenset((owner[a], owner[b])) for a, b in rows
        if a in owner and b in owner and owner[a] != owner[b]
    }


def find_duplicates(
    ws: Workspace, rules: MatchRules | None = None, token: CancelToken | None = None
) -> Job[MatchResult]:
    """Job: candidate duplicates across the workspace with the given (or the stored) rules."""
    rules = rules or current_rules(ws)
    yield Progress(0, 3, "Reading people")
    linkage_rules = rules.method == "linkage"
    # every person's platform ids are read only for the candidates, at the end
    records = load_records(ws, platform_ids=False)
    not_same = not_same_pairs(ws)
    yield Progress(1, 3, "Comparing people")
    result = match_records(records, rules, not_same, token)
    del records
    if linkage_rules:
        result.candidates = with_platform_ids(ws, result.candidates)
    yield Progress(3, 3, "Duplicates found")
    return result


def with_platform_ids(ws: Workspace, candidates: list[DuplicateCandidate]
                      ) -> list[DuplicateCandidate]:
    """The candidates with each side's platform ids ({"identity", "source", "id"} for each
    of its identities, in the order of its identity ids)."""
    wanted = sorted({i for c in candidates for i in (*c.identities_a, *c.identities_b)})
    found: dict[int, dict] = {}
    with ws.engine.connect() as conn:
        sources = dict(conn.exec_driver_sql("SELECT id, name FROM sources").all())
        for start in range(0, len(wanted), 900):
            chunk = wanted[start:start + 900]
            for iid, source, platform_id in conn.exec_driver_sql(
                "SELECT id, source_id, platform_id FROM identities WHERE id IN "
                f"({','.join('?' * len(chunk))})", tuple(chunk)
            ):
                found[iid] = {"identity": iid, "source": sources.get(source), "id": platform_id}
    return [replace(c, platform_ids_a=tuple(found[i] for i in c.identities_a),
                    platform_ids_b=tuple(found[i] for i in c.identities_b))
            for c in candidates]
