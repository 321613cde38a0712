"""Merge people (or single identities) into one person, and undo a merge exactly.

Each merge keeps a snapshot (`Merge.before`) of every row it changed: the people it absorbed,
the kept person's chosen fields, which identities and person-linked rows (consents, notes,
1:1s, flags, tags, cohorts, cadences) pointed where. Unmerge puts all of it back. Both are in
the audit chain with ids and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from steward import clock
from steward.errors import BadInput
from steward.store import audit
from steward.store.models import (
    Cadence,
    CaseEntry,
    CohortMember,
    Consent,
    Flag,
    Identity,
    Merge,
    Note,
    NotSamePerson,
    OneToOne,
    Person,
    PersonTag,
)
from steward.workspace import Workspace

MERGEABLE_FIELDS = ("display_name", "programme", "is_staff")
# How a field is chosen when nobody picked it: the kept person's own value, the newest
# person's (the most recent record), or the most complete (the longest value anyone has).
POLICIES = ("kept", "newest", "most_complete")
PERSON_COLUMNS = ("id", "display_name", "is_staff", "is_bot", "programme", "created_at",
                  "erased_at")
# Rows that point at a person through a plain `person_id` column and simply move.
_LINKED = {"consents": Consent, "one_to_ones": OneToOne, "flags": Flag,
           "case_entries": CaseEntry}
# Rows keyed by the person (composite keys): merged as a union, restored row by row.
_KEYED = {"person_tags": (PersonTag, "tag_id"), "cohort_members": (CohortMember, "cohort_id"),
          "cadences": (Cadence, "every_days")}


@dataclass(frozen=True)
class MergeSummary:
    merge_id: int
    into_person_id: int
    absorbed_person_ids: tuple[int, ...]
    identities_moved: int
    at: datetime
    undone_at: datetime | None = None


def _person_row(p: Person) -> dict:
    row = {c: getattr(p, c) for c in PERSON_COLUMNS}
    for key in ("created_at", "erased_at"):
        row[key] = row[key].isoformat() if row[key] else None
    return row


def _person_values(row: dict) -> dict:
    values = dict(row)
    for key in ("created_at", "erased_at"):
        values[key] = datetime.fromisoformat(values[key]) if values[key] else None
    return values


def merge(
    ws: Workspace,
    into_person_id: int,
    person_ids: list[int] | tuple[int, ...] = (),
    identity_ids: list[int] | tuple[int, ...] = (),
    choices: dict[str, int] | None = None,
    policy: str = "kept",
) -> int:
    """Merge whole people and/or single identities into `into_person_id`; returns the merge id.

    `choices` picks, per field (display_name, programme, is_staff), which person's value the
    merged person keeps; fields not picked follow `policy` (see POLICIES): the kept
    person's own value, the newest person's, or the most complete.
    """
    choices = dict(choices or {})
    if policy not in POLICIES:
        raise BadInput(f"merge policy must be one of {', '.join(POLICIES)}, not {policy!r}")
    person_ids = list(dict.fromkeys(person_ids))
    identity_ids = list(dict.fromkeys(identity_ids))
    if into_person_id in person_ids:
        raise BadInput(f"cannot merge person {into_person_id} into itself")
    if not person_ids and not identity_ids:
        raise BadInput("nothing to merge: name at least one other person or identity")
    for name in choices:
        if name not in MERGEABLE_FIELDS:
            raise BadInput(f"cannot choose field {name!r}: choose {', '.join(MERGEABLE_FIELDS)}")
    with ws.transaction() as s:
        into = _live_person(s, into_person_id)
        absorbed = [_live_person(s, pid) for pid in person_ids]
        moved_identities: dict[int, int] = {}
        for p in absorbed:
            for iid in s.scalars(select(Identity.id).where(Identity.person_id == p.id)):
                moved_identities[iid] = p.id
        for iid in identity_ids:
            ident = s.get(Identity, iid)
            if ident is None:
                raise BadInput(f"identity {iid} does not exist")
            if ident.person_id == into_person_id:
                raise BadInput(f"identity {iid} already belongs to person {into_person_id}")
            _live_person(s, ident.person_id)
            moved_identities[iid] = ident.person_id
        # A person left with no identity of their own is absorbed whole.
        for pid in sorted(set(moved_identities.values()) - {p.id for p in absorbed}):
            left = s.scalars(select(Identity.id).where(Identity.person_id == pid)).all()
            if set(left) <= set(moved_identities):
                absorbed.append(s.get(Person, pid))
        chosen_from = {}
        allowed = {into.id, *(p.id for p in absorbed), *moved_identities.values()}
        if policy != "kept":
            everyone = [into, *absorbed]
            for name in MERGEABLE_FIELDS:
                if name not in choices:
                    choices[name] = _by_policy(everyone, name, policy).id
        for name, pid in choices.items():
            if pid not in allowed:
                raise BadInput(f"field {name}: person {pid} is not part of this merge")
            chosen_from[name] = s.get(Person, pid)

        absorbed_ids = [p.id for p in absorbed]
        earlier = s.execute(select(Merge.id, Merge.into_person_id)
                            .where(Merge.into_person_id.in_(absorbed_ids))).first()
        if earlier is not None:
            raise BadInput(f"person {earlier.into_person_id} is the kept person of merge "
                           f"{earlier.id}: merge the others into person "
                           f"{earlier.into_person_id} instead")
        before: dict = {
            "into": _person_row(into),
            "absorbed": [_person_row(p) for p in absorbed],
            "identities": {str(k): v for k, v in moved_identities.items()},
            "linked": {},
            "notes": {},
            "keyed": {},
            "added": {},
        }
        for table, model in _LINKED.items():
            rows = s.execute(select(model.id, model.person_id)
                             .where(model.person_id.in_(absorbed_ids))).all()
            before["linked"][table] = {str(i): p for i, p in rows}
        notes = s.execute(select(Note.id, Note.subject_id).where(
            Note.subject_type == "person", Note.subject_id.in_(absorbed_ids))).all()
        before["notes"] = {str(i): p for i, p in notes}
        for table, (model, col) in _KEYED.items():
            column = getattr(model, col)
            theirs = s.execute(select(model.person_id, column)
                               .where(model.person_id.in_(absorbed_ids))).all()
            mine = {v for (v,) in s.execute(select(column).where(model.person_id == into.id))}
            before["keyed"][table] = [list(r) for r in theirs]
            added = sorted({v for _, v in theirs} - mine) if table != "cadences" else []
            if table == "cadences" and theirs and not mine:
                added = [theirs[0][1]]
            before["added"][table] = added

        for name, source in chosen_from.items():
            setattr(into, name, getattr(source, name))
        for iid in moved_identities:
            s.execute(update(Identity).where(Identity.id == iid).values(person_id=into.id))
        for table, model in _LINKED.items():
            ids = [int(i) for i in before["linked"][table]]
            if ids:
                s.execute(update(model).where(model.id.in_(ids)).values(person_id=into.id))
        if notes:
            s.execute(update(Note).where(Note.id.in_([i for i, _ in notes]))
                      .values(subject_id=into.id))
        for table, (model, col) in _KEYED.items():
            s.execute(delete(model).where(model.person_id.in_(absorbed_ids)))
            for value in before["added"][table]:
                s.execute(insert(model).values(person_id=into.id, **{col: value}))
        s.flush()
        for p in absorbed:
            s.delete(p)
        record = Merge(into_person_id=into.id, before=before, actor=ws.actor, at=clock.now())
        s.add(record)
        s.flush()
        audit.record(s, ws.actor, "person.merge", "person", into.id, merge_id=record.id,
                     absorbed=absorbed_ids, identities=len(moved_identities))
        return record.id


def _by_policy(people: list[Person], name: str, policy: str) -> Person:
    """The person whose value of `name` the policy keeps (ties go to the kept person)."""
    if policy == "newest":
        return max(people, key=lambda p: (p.created_at, p.id))
    def completeness(p: Person) -> tuple:
        value = getattr(p, name)
        if isinstance(value, str):
            return (len(value.split()), len(value.strip()))
        return (int(bool(value)), 0)
    best = people[0]
    for p in people[1:]:
        if completeness(p) > completeness(best):
            best = p
    return best


def _live_person(s: Session, pid: int) -> Person:
    person = s.get(Person, pid)
    if person is None:
        raise BadInput(f"person {pid} does not exist")
    if person.erased_at is not None:
        raise BadInput(f"person {pid} was erased and cannot be merged")
    return person


def unmerge(ws: Workspace, merge_id: int) -> MergeSummary:
    """Undo a merge exactly: absorbed people, identity links and linked rows come back."""
    with ws.transaction() as s:
        record = s.get(Merge, merge_id)
        if record is None:
            raise BadInput(f"there is no merge {merge_id} to undo")
        if record.undone_at is not None:
            raise BadInput(f"merge {merge_id} was already undone on {record.undone_at:%Y-%m-%d}")
        before = record.before
        moved = {int(k): v for k, v in before["identities"].items()}
        for later in s.scalars(select(Merge).where(Merge.id > merge_id,
                                                   Merge.undone_at.is_(None))):
            later_absorbed = {p["id"] for p in later.before["absorbed"]}
            later_moved = {int(k) for k in later.before["identities"]}
            if record.into_person_id in later_absorbed or later_moved & set(moved):
                raise BadInput(f"merge {later.id} came after it and involves the same people: "
                               f"undo merge {later.id} first")
        into = s.get(Person, record.into_person_id)
        if into is None:
            raise BadInput(f"the merged person {record.into_person_id} no longer exists")
        for row in before["absorbed"]:
            s.execute(insert(Person).values(**_person_values(row)))
        for name in MERGEABLE_FIELDS:
            setattr(into, name, _person_values(before["into"])[name])
        for iid, pid in moved.items():
            s.execute(update(Identity).where(Identity.id == iid).values(person_id=pid))
        for table, model in _LINKED.items():
            for rid, pid in before["linked"][table].items():
                s.execute(update(model).where(model.id == int(rid)).values(person_id=pid))
        for rid, pid in before["notes"].items():
            s.execute(update(Note).where(Note.id == int(rid)).values(subject_id=pid))
        for table, (model, col) in _KEYED.items():
            column = getattr(model, col)
            added = before["added"][table]
            if added:
                s.execute(delete(model).where(model.person_id == into.id, column.in_(added)))
            for pid, value in before["keyed"][table]:
                s.execute(insert(model).values(person_id=pid, **{col: value}))
        record.undone_at = clock.now()
        absorbed_ids = tuple(p["id"] for p in before["absorbed"])
        audit.record(s, ws.actor, "person.unmerge", "person", into.id, merge_id=merge_id,
                     restored=list(absorbed_ids), identities=len(moved))
        return MergeSummary(merge_id, into.id, absorbed_ids, len(moved), record.at,
                            record.undone_at)


def merges(ws: Workspace, person_id: int | None = None) -> list[MergeSummary]:
    """Merges, newest first; with `person_id`, only those into that person."""
    with ws.session() as s:
        query = select(Merge).order_by(Merge.id.desc())
        if person_id is not None:
            query = query.where(Merge.into_person_id == person_id)
        return [
            MergeSummary(m.id, m.into_person_id, tuple(p["id"] for p in m.before["absorbed"]),
                         len(m.before["identities"]), m.at, m.undone_at)
            for m in s.scalars(query)
        ]


def last_merge_into(ws: Workspace, person_id: int) -> int:
    """The newest merge into a person that can still be undone, or a clear refusal."""
    for m in merges(ws, person_id):
        if m.undone_at is None:
            return m.merge_id
    raise BadInput(f"person {person_id} has no merge to undo")


def mark_not_same(ws: Workspace, person_a: int, person_b: int) -> int:
    """Remember that two people are different, so matching never proposes them again."""
    if person_a == person_b:
        raise BadInput("a person is always the same as themself: choose two different people")
    with ws.transaction() as s:
        for pid in (person_a, person_b):
            _live_person(s, pid)
        ids_a = s.scalars(select(Identity.id).where(Identity.person_id == person_a)).all()
        ids_b = s.scalars(select(Identity.id).where(Identity.person_id == person_b)).all()
        if not ids_a or not ids_b:
            raise BadInput("both people need at least one identity to be told apart")
        pairs = 0
        for a in ids_a:
            for b in ids_b:
                lo, hi = min(a, b), max(a, b)
                if s.get(NotSamePerson, (lo, hi)) is None:
                    s.add(NotSamePerson(identity_a=lo, identity_b=hi))
                    pairs += 1
        audit.record(s, ws.actor, "person.not_same", "person", person_a, other=person_b,
                     pairs=pairs)
        return pairs
