"""Retention: a closed case is kept for its category's period, then the lead is asked to
review it. A purge (never automatic) removes the flag and its entries and is logged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from steward import clock
from steward.errors import BadInput
from steward.safeguarding.access import require_lead
from steward.safeguarding.sealed import flag_meta, next_id
from steward.store import audit
from steward.store.models import CaseEntry, Flag


@dataclass(frozen=True)
class RetentionItem:
    flag_id: int
    category: str
    closed_at: datetime | None
    retain_until: datetime
    entries: int


def due_for_review(ws, now: datetime | None = None) -> list[RetentionItem]:
    """Closed flags whose retention period has passed, oldest first."""
    require_lead(ws)
    now = now or clock.now()
    cipher = ws.field_cipher()
    with ws.session() as s:
        rows = s.execute(
            select(Flag, func.count(CaseEntry.id))
            .outerjoin(CaseEntry, CaseEntry.flag_id == Flag.id)
            .where(Flag.status == "closed", Flag.retain_until.is_not(None),
                   Flag.retain_until <= now)
            .group_by(Flag.id)
            .order_by(Flag.retain_until)
        ).all()
        return [RetentionItem(f.id, flag_meta(ws, cipher, f).category, f.closed_at,
                              f.retain_until, n) for f, n in rows]


def extend(ws, flag_id: int, days: int, reason: str) -> datetime:
    """Keep a case longer (e.g. a referral is still open); the reason is recorded."""
    require_lead(ws)
    if days < 1:
        raise BadInput("extend retention by at least one day")
    if not reason.strip():
        raise BadInput("say why the case is kept longer")
    with ws.transaction() as s:
        flag = s.get(Flag, flag_id)
        if flag is None or flag.status != "closed":
            raise BadInput(f"flag {flag_id} is not a closed case")
        until = max(flag.retain_until or clock.now(), clock.now()) + timedelta(days=days)
        body = json.dumps({"until": until.date().isoformat(), "reason": reason},
                          ensure_ascii=False)
        new_id = next_id(s, CaseEntry)
        entry = CaseEntry(id=new_id, flag_id=flag.id, person_id=None,
                          kind="retention", author=ws.actor, at=clock.now(),
                          body_enc=ws.field_cipher().encrypt(
                              body, ws.row_field("case_entries", new_id, "body_enc")))
        s.add(entry)
        flag.retain_until = until
        s.flush()
        audit.record(s, ws.actor, "safeguarding.retention_extend", "flag", flag_id,
                     entry=entry.id, days=days)
    return until


def purge(ws, flag_id: int) -> int:
    """Remove a closed case whose retention has passed; returns the entries removed."""
    require_lead(ws)
    with ws.transaction() as s:
        flag = s.get(Flag, flag_id)
        if flag is None:
            raise BadInput(f"no flag with id {flag_id}")
        if flag.status != "closed" or flag.retain_until is None:
            raise BadInput(f"flag {flag_id} is not closed: only closed cases can be purged")
        if flag.retain_until > clock.now():
            raise BadInput(
                f"flag {flag_id} is kept until {flag.retain_until:%Y-%m-%d}; it cannot be "
                "purged before then"
            )
        removed = s.execute(delete(CaseEntry).where(CaseEntry.flag_id == flag_id)).rowcount
        s.delete(flag)
        s.flush()
        audit.record(s, ws.actor, "safeguarding.purge", "flag", flag_id, entries=removed)
    return removed
