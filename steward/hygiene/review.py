"""Batch review of duplicate candidates: accept (merge) or reject (not the same person) every
candidate at or above a score in one step, and undo the whole step.

A batch is remembered in the setting `hygiene.review_batches` (ids and counts only, no names):
the merges it made, and the not-same pairs it added. Undoing a batch unmerges its merges
newest first and removes its not-same pairs; a merge made later that involves the same people
must be undone first (the refusal names it). Each batch and each undo is in the audit chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from steward import clock
from steward.errors import BadInput
from steward.hygiene.matching import DuplicateCandidate
from steward.hygiene.merge import POLICIES, merge, unmerge
from steward.store import audit
from steward.store.models import Identity, Merge, NotSamePerson
from steward.workspace import Workspace

SETTING = "hygiene.review_batches"
ACTIONS = ("accept", "reject")


@dataclass(frozen=True)
class ReviewBatch:
    batch_id: int
    action: str  # accept | reject
    above: float  # the score the candidates reached
    pairs: int  # candidates taken in
    merges: tuple[int, ...] = ()
    marked: int = 0  # identity pairs remembered as not the same
    skipped: int = 0  # pairs already joined by an earlier merge of the batch, or refused
    at: str = ""
    undone_at: str | None = None

    def describe(self) -> str:
        """One sentence for the person who ran it."""
        if self.action == "accept":
            text = (f"Batch {self.batch_id}: {len(self.merges)} merges from {self.pairs} "
                    f"pairs scoring {self.above:g} or more")
        else:
            text = (f"Batch {self.batch_id}: {self.pairs} pairs scoring {self.above:g} or more "
                    "marked as different people")
        if self.skipped:
            text += f" ({self.skipped} skipped)"
        return text + (" — undone." if self.undone_at else ".")


def _load(ws: Workspace) -> list[dict]:
    return list(ws.get_setting(SETTING, []) or [])


def batches(ws: Workspace) -> list[ReviewBatch]:
    """Batches so far, newest first."""
    return [_batch(b) for b in reversed(_load(ws))]


def _batch(b: dict) -> ReviewBatch:
    return ReviewBatch(b["id"], b["action"], b["above"], b["pairs"], tuple(b["merges"]),
                       len(b["not_same"]), b["skipped"], b["at"], b.get("undone_at"))


def review_batch(ws: Workspace, candidates: Sequence[DuplicateCandidate], action: str,
                 above: float, policy: str = "most_complete") -> ReviewBatch:
    """Accept (merge B into A, keeping fields by `policy`) or reject (remember as different
    people) every candidate whose score is at least `above`, as one undoable batch."""
    if action not in ACTIONS:
        raise BadInput(f"a batch either accepts or rejects, not {action!r}")
    if policy not in POLICIES:
        raise BadInput(f"merge policy must be one of {', '.join(POLICIES)}, not {policy!r}")
    chosen = sorted((c for c in candidates if c.score >= above),
                    key=lambda c: (-c.score, c.person_a, c.person_b))
    if not chosen:
        raise BadInput(f"no candidate scores {above:g} or more")
    merges: list[int] = []
    marked: list[list[int]] = []
    skipped = 0
    if action == "accept":
        into: dict[int, int] = {}  # person -> the person they were merged into in this batch

        def root(pid: int) -> int:
            while pid in into:
                pid = into[pid]
            return pid

        for c in chosen:
            a, b = root(c.person_a), root(c.person_b)
            if a == b:
                skipped += 1
                continue
            merge_id = None
            for keep, other in ((a, b), (b, a)):  # a kept person of an earlier merge stays kept
                try:
                    merge_id = merge(ws, keep, [other], policy=policy)
                except BadInput:
                    continue
                into[other] = keep
                break
            if merge_id is None:
                skipped += 1
            else:
                merges.append(merge_id)
    else:
        with ws.transaction() as s:
            owner: dict[int, list[int]] = {}
            for iid, pid in s.execute(select(Identity.id, Identity.person_id)):
                owner.setdefault(pid, []).append(iid)
            for c in chosen:
                for x in owner.get(c.person_a, []):
                    for y in owner.get(c.person_b, []):
                        lo, hi = min(x, y), max(x, y)
                        if s.get(NotSamePerson, (lo, hi)) is None:
                            s.add(NotSamePerson(identity_a=lo, identity_b=hi))
                            marked.append([lo, hi])
    stored = _load(ws)
    record = {"id": (stored[-1]["id"] + 1) if stored else 1, "action": action, "above": above,
              "pairs": len(chosen), "merges": merges, "not_same": marked, "skipped": skipped,
              "at": clock.now().isoformat(timespec="seconds"), "undone_at": None}
    with ws.transaction() as s:
        audit.record(s, ws.actor, f"duplicates.batch_{action}", None, None,
                     batch=record["id"], pairs=len(chosen), merges=len(merges),
                     not_same=len(marked), above=above)
    ws.set_setting(SETTING, [*stored, record])
    return _batch(record)


def undo_batch(ws: Workspace, batch_id: int | None = None) -> ReviewBatch:
    """Undo a batch (by default the newest one not yet undone): its merges are undone newest
    first and its not-same pairs forgotten."""
    stored = _load(ws)
    live = [b for b in stored if b.get("undone_at") is None
            and (batch_id is None or b["id"] == batch_id)]
    if not live:
        raise BadInput(f"there is no batch {batch_id} to undo" if batch_id is not None
                       else "there is no batch to undo")
    record = live[-1]
    with ws.session() as s:
        done = {m.id for m in s.scalars(select(Merge).where(Merge.id.in_(record["merges"])))
                if m.undone_at is not None}
    for merge_id in sorted(record["merges"], reverse=True):
        if merge_id not in done:
            unmerge(ws, merge_id)
    if record["not_same"]:
        with ws.transaction() as s:
            for lo, hi in record["not_same"]:
                s.execute(delete(NotSamePerson).where(NotSamePerson.identity_a == lo,
                                                      NotSamePerson.identity_b == hi))
    with ws.transaction() as s:
        audit.record(s, ws.actor, "duplicates.batch_undo", None, None, batch=record["id"],
                     merges=len(record["merges"]), not_same=len(record["not_same"]))
    record["undone_at"] = clock.now().isoformat(timespec="seconds")
    ws.set_setting(SETTING, stored)
    return _batch(record)
