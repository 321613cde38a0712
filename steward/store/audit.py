"""The audit chain: append-only events, each hashing the one before it.

Triggers in the schema refuse UPDATE and DELETE on `audit_events` (and are put back at every
unlock); the links make any tampering that gets past them (a dropped trigger, an edited file)
visible to `verify`.

The links are keyed: HMAC-SHA256 under the audit key, which stewards, leads and admins hold
and volunteers do not ("k1:" hashes). A volunteer's events are linked with plain SHA-256
("u1:"); every later keyed event covers them. Events from before the chain was keyed are plain
hex SHA-256. The head (last event id and hash) is also kept outside the database, sealed under
the audit key in workspace.json, so deleting the tail or recomputing the chain is named.
Removing a staff profile rotates the audit key; the earlier keys are kept sealed under the new
one (`audit_past_keys`) so that older links still verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from steward import clock
from steward.errors import AccessDenied
from steward.store.models import AuditEvent
from steward.store.triggers import APPEND_ONLY_TRIGGERS

GENESIS = "0" * 64
KEYED, UNKEYED = "k1:", "u1:"

# Put back at every unlock (kept in their own module: the unlock needs them, not the ORM).
TRIGGERS = APPEND_ONLY_TRIGGERS


@dataclass(frozen=True)
class Head:
    """The chain's last event as an audit-key holder last saw it."""

    count: int
    hash: str


def _link(key: bytes | None, body: bytes) -> str:
    if key is None:
        digest = hashlib.sha256(body).digest()
        return UNKEYED + base64.urlsafe_b64encode(digest).decode().rstrip("=")
    digest = hmac.new(key, body, "sha256").digest()
    return KEYED + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _digest(
    event_id: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str | None,
    subject_id: int | None,
    details: dict,
    prev_hash: str,
    key: bytes | None = None,
    kind: str = "",
) -> str:
    """The event's link: legacy plain SHA-256 hex, or keyed (`key`) / unkeyed by `kind`."""
    body = json.dumps(
        {
            "id": event_id,
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "details": details,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode("ascii")
    if kind == "legacy":
        return hashlib.sha256(body).hexdigest()
    return _link(key if kind == KEYED else None, body)


def record(
    session: Session,
    actor: str,
    action: str,
    subject_type: str | None = None,
    subject_id: int | None = None,
    **details: object,
) -> AuditEvent:
    """Append an event in the caller's transaction. `details`: ids and counts, never names.

    The link is keyed when the session's workspace holds the audit key (`session.info`)."""
    # Take SQLite's write lock before reading the last link, so that two transactions appending
    # at once (a lead paging quickly through flags) queue behind each other instead of both
    # reading the same tail. A write that touches no row is enough, and fires no trigger.
    session.execute(text("UPDATE audit_events SET id = id WHERE 0"))
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    prev_hash = last.hash if last else GENESIS
    event_id = (last.id + 1) if last else 1
    at = clock.now()
    key = session.info.get("audit_key")
    event = AuditEvent(
        id=event_id,
        at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=dict(details),
        prev_hash=prev_hash,
        hash=_digest(
            event_id, at, actor, action, subject_type, subject_id, dict(details), prev_hash,
            key, KEYED if key else UNKEYED,
        ),
    )
    session.add(event)
    session.flush()
    if key is not None:
        session.info["audit_new_head"] = Head(event.id, event.hash)
    return event


def record_many(
    session: Session,
    actor: str,
    action: str,
    events: list[tuple[str | None, int | None, dict]],
) -> None:
    """Append several events of one action, in order, in the caller's transaction: each
    (subject_type, subject_id, details), linked exactly as `record` links them, written in one
    statement (a sync applying thousands of conflicts; `record` costs a flush per event)."""
    if not events:
        return
    session.flush()  # events added through `record` and not yet flushed come first
    session.execute(text("UPDATE audit_events SET id = id WHERE 0"))
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    prev_hash = last.hash if last else GENESIS
    event_id = last.id if last else 0
    key = session.info.get("audit_key")
    at = clock.now()
    rows = []
    for subject_type, subject_id, details in events:
        event_id += 1
        link = _digest(event_id, at, actor, action, subject_type, subject_id, dict(details),
                       prev_hash, key, KEYED if key else UNKEYED)
        rows.append({"id": event_id, "at": at, "actor": actor, "action": action,
                     "subject_type": subject_type, "subject_id": subject_id,
                     "details": dict(details), "prev_hash": prev_hash, "hash": link})
        prev_hash = link
    session.execute(AuditEvent.__table__.insert(), rows)
    if key is not None:
        session.info["audit_new_head"] = Head(event_id, prev_hash)


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    broken_at: int | None = None
    problem: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.events} audit events, chain intact"
        return f"BROKEN at audit event {self.broken_at}: {self.problem}"


def _kind(link: str) -> str:
    if link.startswith(KEYED):
        return KEYED
    if link.startswith(UNKEYED):
        return UNKEYED
    return "legacy"


def verify(session: Session) -> ChainCheck:
    """Walk the chain in order and name the first event whose link or content does not hold,
    then hold its end against the head sealed outside the database.

    Needs the audit key (`session.info["audit_key"]`): without it a chain could be recomputed.
    `session.info["audit_head"]` reads the sealed head; `session.info["keyholders"]` names the
    profiles that hold the key (their events must be keyed)."""
    key = session.info.get("audit_key")
    if key is None:
        raise AccessDenied("checking the audit chain needs the audit key: ask a steward, a "
                           "safeguarding lead or an admin")
    read_head: Callable[[], Head | None] = session.info.get("audit_head") or (lambda: None)
    # Links made before a rotation are under an older key; once a key is used, no older
    # one may be (a removed profile's old key cannot extend the chain).
    past = session.info.get("audit_past_keys") or (lambda: [])
    keys = [*past(), key]
    epoch = 0
    keyholders = session.info.get("keyholders") or frozenset()
    prev_hash = GENESIS
    expected_id = 1
    count = 0
    seen_new = False  # a keyed or volunteer link: no legacy link may follow
    hashes: dict[int, str] = {}
    head = read_head()
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    for ev in rows:
        if ev.id != expected_id:
            return ChainCheck(False, count, expected_id, "event is missing (deleted)")
        if ev.prev_hash != prev_hash:
            return ChainCheck(False, count, ev.id, "does not follow the event before it")
        kind = _kind(ev.hash)
        if kind == "legacy" and seen_new:
            return ChainCheck(False, count, ev.id, "an unkeyed link after the chain was keyed "
                                                   "(the chain was recomputed)")
        if kind == UNKEYED and ev.actor in keyholders:
            return ChainCheck(False, count, ev.id, "an unkeyed link by a profile that holds "
                                                   "the audit key (the chain was recomputed)")
        seen_new = seen_new or kind != "legacy"
        for i in range(epoch, len(keys) if kind == KEYED else epoch + 1):
            digest = _digest(
                ev.id, ev.at, ev.actor, ev.action, ev.subject_type, ev.subject_id, ev.details,
                prev_hash, keys[i], kind,
            )
            if hmac.compare_digest(digest, ev.hash):
                epoch = i if kind == KEYED else epoch
                break
        else:
            return ChainCheck(False, count, ev.id, "its content was changed after it was written")
        prev_hash = ev.hash
        if head is not None and ev.id == head.count:
            hashes[ev.id] = ev.hash
        expected_id += 1
        count += 1
        session.expunge(ev)
    if head is None and seen_new and count and session.info.get("audit_head"):
        return ChainCheck(False, count, count, "the sealed head is missing from workspace.json")
    if head is not None:
        if count < head.count:
            return ChainCheck(
                False, count, count + 1,
                f"the last {head.count - count} events were deleted (the sealed head outside "
                f"the database says {head.count})",
            )
        if not hmac.compare_digest(hashes.get(head.count, ""), head.hash):
            return ChainCheck(False, count, head.count, "the chain was rewritten: it does not "
                                                        "pass through the sealed head")
    return ChainCheck(True, count)
