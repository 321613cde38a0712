"""One person, many identities: candidate duplicates with a score and the reasons.

Matching rules are weighted in the way CiviCRM's dedupe rules are: each rule names a field and a
weight, and a pair of people whose weights add up to the threshold is a candidate. Presets
(strict, standard, broad) ship in `resources/hygiene/presets.json`; a workspace may store its own
rules in the setting `hygiene.rules`.

Blocking keeps it fast: people are only compared when they share a normalised email, an E.164
phone, a handle, or the metaphone of their surname with a first initial (nicknames block under
the full name's initial too, swapped first and last names under both orders).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler
from sqlalchemy import select

from steward.errors import BadInput
from steward.hygiene.names import (
    Name,
    are_nicknames,
    email_key,
    first_name_keys,
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
DEFAULT_PRESET = "standard"
SETTING = "hygiene.rules"
# A contact detail shared by more people than this (a family inbox, a role address) is not
# evidence that they are one person; such blocks are skipped and counted.
MAX_CONTACT_BLOCK = 50


@dataclass(frozen=True)
class MatchRule:
    field: str
    weight: float
    similarity: float | None = None


@dataclass(frozen=True)
class MatchRules:
    """A weighted rule set; `name` is the preset it came from, or "custom"."""

    threshold: float
    rules: tuple[MatchRule, ...]
    name: str = "custom"
    # A name held by more people than this is common ("Olivia Smith"): a name match on it,
    # with no shared contact detail, counts only the last-name weight.
    common_name_count: int = 8

    def weight(self, field_name: str) -> float:
        return sum(r.weight for r in self.rules if r.field == field_name)

    def similarity(self, field_name: str, default: float) -> float:
        for r in self.rules:
            if r.field == field_name and r.similarity is not None:
                return r.similarity
        return default

    def as_dict(self) -> dict:
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
    common = data.get("common_name_count", 8)
    if not isinstance(common, int) or common < 2:
        raise BadInput("'common_name_count' must be a whole number of at least 2")
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


@dataclass
class MatchRecord:
    """What matching knows about one person: names and contact keys from all identities."""

    key: int
    names: list[Name] = field(default_factory=list)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)
    identity_ids: list[int] = field(default_factory=list)
    display_name: str = ""

    def add_name(self, display: str | None) -> None:
        name = parse_name(display)
        if name is not None and name not in self.names:
            self.names.append(name)

    def add_handle(self, handle: str | None) -> None:
        """A handle counts as evidence unless it only spells the name (olivia_smith)."""
        key = handle_key(handle)
        if key is not None and not any(key == n.first + (n.last or "") for n in self.names):
            self.handles.add(key)


@dataclass(frozen=True)
class DuplicateCandidate:
    person_a: int
    person_b: int
    score: float
    reasons: tuple[str, ...]
    name_a: str = ""
    name_b: str = ""
    identities_a: tuple[int, ...] = ()
    identities_b: tuple[int, ...] = ()

    def as_dict(self) -> dict:
        return {
            "person_a": self.person_a, "person_b": self.person_b, "score": self.score,
            "reasons": list(self.reasons), "name_a": self.name_a, "name_b": self.name_b,
            "identities_a": list(self.identities_a), "identities_b": list(self.identities_b),
        }


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
    """The total weight and the reasons for one pair of people under `rules`."""
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


def match_records(
    records: list[MatchRecord],
    rules: MatchRules,
    not_same: set[frozenset[int]] | None = None,
    token: CancelToken | None = None,
) -> MatchResult:
    """Candidate duplicates among `records`, best first. Pairs in `not_same` are never proposed."""
    not_same = not_same or set()
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
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = members[x], members[y]
                if i != j:
                    pairs.add((i, j) if i < j else (j, i))
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


# --- the workspace --------------------------------------------------------------------------


def load_records(ws: Workspace) -> list[MatchRecord]:
    """One match record per person still on file (not erased, not a bot)."""
    records: dict[int, MatchRecord] = {}
    with ws.engine.connect() as conn:
        for pid, display in conn.exec_driver_sql(
            "SELECT id, display_name FROM persons WHERE erased_at IS NULL AND is_bot = 0 "
            "ORDER BY id"
        ):
            rec = records[pid] = MatchRecord(pid, display_name=display)
            rec.add_name(display)
        for iid, pid, handle, display, email, phone in conn.exec_driver_sql(
            "SELECT id, person_id, handle, display_name, email_normalised, phone_e164 "
            "FROM identities WHERE is_bot = 0 ORDER BY id"
        ):
            rec = records.get(pid)
            if rec is None:
                continue
            rec.identity_ids.append(iid)
            if display != rec.display_name:
                rec.add_name(display)
            if (key := email_key(email)) is not None:
                rec.emails.add(key)
            if phone:
                rec.phones.add(phone)
            rec.add_handle(handle)
    return list(records.values())


def not_same_pairs(ws: Workspace) -> set[frozenset[int]]:
    """Pairs of people someone said are different, as they are linked today."""
    with ws.session() as s:
        owner = dict(s.execute(select(Identity.id, Identity.person_id)).all())
        rows = s.execute(select(NotSamePerson.identity_a, NotSamePerson.identity_b)).all()
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
    records = load_records(ws)
    not_same = not_same_pairs(ws)
    yield Progress(1, 3, "Comparing people")
    result = match_records(records, rules, not_same, token)
    yield Progress(3, 3, "Duplicates found")
    return result
