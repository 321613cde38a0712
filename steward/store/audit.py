"""The audit chain: append-only events, each hashing the one before it.

Triggers in the schema refuse UPDATE and DELETE on `audit_events`; the hashes make any
tampering that gets past them (a dropped trigger, an edited file) visible to `verify`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from steward import clock
from steward.store.models import AuditEvent

GENESIS = "0" * 64


def _digest(
    event_id: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str | None,
    subject_id: int | None,
    details: dict,
    prev_hash: str,
) -> str:
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
    )
    return hashlib.sha256(body.encode("ascii")).hexdigest()


def record(
    session: Session,
    actor: str,
    action: str,
    subject_type: str | None = None,
    subject_id: int | None = None,
    **details: object,
) -> AuditEvent:
    """Append an event in the caller's transaction. `details`: ids and counts, never names."""
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    prev_hash = last.hash if last else GENESIS
    event_id = (last.id + 1) if last else 1
    at = clock.now()
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
            event_id, at, actor, action, subject_type, subject_id, dict(details), prev_hash
        ),
    )
    session.add(event)
    session.flush()
    return event


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


def verify(session: Session) -> ChainCheck:
    """Walk the chain in order and name the first event whose link or content does not hold."""
    prev_hash = GENESIS
    expected_id = 1
    count = 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    for ev in rows:
        if ev.id != expected_id:
            return ChainCheck(False, count, expected_id, "event is missing (deleted)")
        if ev.prev_hash != prev_hash:
            return ChainCheck(False, count, ev.id, "does not follow the event before it")
        digest = _digest(
            ev.id, ev.at, ev.actor, ev.action, ev.subject_type, ev.subject_id, ev.details, prev_hash
        )
        if digest != ev.hash:
            return ChainCheck(False, count, ev.id, "its content was changed after it was written")
        prev_hash = ev.hash
        expected_id += 1
        count += 1
        session.expunge(ev)
    return ChainCheck(True, count)
