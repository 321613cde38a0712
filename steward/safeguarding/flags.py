"""Flags for the safeguarding leads: listing (overdue first), detail, lifecycle, assignment.

Lifecycle: new → triaged → referred or monitoring → closed with an outcome ("no further
action" needs a reason). Every change is also an append-only, encrypted `CaseEntry` and an
audit event; reading a flag's detail is an audit event too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from steward import clock
from steward.crypto import DecryptionFailed
from steward.errors import BadInput, StewardError
from steward.safeguarding import policy
from steward.safeguarding.access import require_lead
from steward.safeguarding.sealed import next_id
from steward.safeguarding.signposting import (
    ReplyTemplate,
    helplines_for,
    reply_templates,
    shows_signposting,
)
from steward.store import audit
from steward.store.models import CaseEntry, Flag, Message, Person, Source, Space
from steward.workspace import SAFEGUARDING_ROLES

EXCERPT_CHARS = 80
# Which status may follow which.
TRANSITIONS = {
    "new": ("triaged",),
    "triaged": ("referred", "monitoring", "closed"),
    "referred": ("monitoring", "closed"),
    "monitoring": ("referred", "closed"),
    "closed": (),
}
OUTCOMES = (
    "referred to children's social care",
    "referred to adult social care",
    "referred to the police",
    "support given by the charity",
    "signposted to a helpline",
    "no further action",
)
NO_FURTHER_ACTION = "no further action"


@dataclass(frozen=True)
class FlagRow:
    id: int
    category: str
    severity: str
    status: str
    assigned_to: str | None
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    space: str | None
    platform: str | None
    message_platform_id: str | None
    excerpt: str  # start of the message text (leads only)
    person_id: int | None
    person: str | None


@dataclass(frozen=True)
class FlagDetail:
    row: FlagRow
    message_text: str | None
    message_at: datetime | None
    reasons: list[str]
    handover_note: str | None
    handed_over_by: str | None
    outcome: dict[str, Any] | None
    entries: list[Any]  # cases.EntryView, oldest first
    helplines: list[dict[str, Any]] = field(default_factory=list)
    templates: list[ReplyTemplate] = field(default_factory=list)
    signposting: bool = False


def _now(now: datetime | None) -> datetime:
    return now or clock.now()


def _severity_order():
    return case({s: i for i, s in enumerate(policy.SEVERITIES)}, value=Flag.severity, else_=0)


def _overdue_expr(now: datetime):
    return (Flag.status == "new") & (Flag.due_at.is_not(None)) & (Flag.due_at < now)


SORT_KEYS = {
    "id": Flag.id,
    "category": Flag.category,
    "severity": _severity_order(),
    "status": Flag.status,
    "assigned_to": Flag.assigned_to,
    "created_at": Flag.created_at,
    "due_at": Flag.due_at,
    "space": Space.name,
    "person": Person.display_name,
}


def _query(
    statuses, category, severity, person_id, now: datetime, columns=None
):
    q = (
        select(*(columns or (Flag, Space.name, Source.platform, Message.platform_id,
                             func.substr(Message.text, 1, EXCERPT_CHARS), Person.display_name)))
        .select_from(Flag)
        .outerjoin(Message, Message.id == Flag.message_id)
        .outerjoin(Space, Space.id == Flag.space_id)
        .outerjoin(Source, Source.id == Space.source_id)
        .outerjoin(Person, Person.id == Flag.person_id)
    )
    if statuses:
        q = q.where(Flag.status.in_(statuses))
    if category:
        q = q.where(Flag.category == category)
    if severity:
        q = q.where(Flag.severity == severity)
    if person_id is not None:
        q = q.where(Flag.person_id == person_id)
    return q


def _row(flag: Flag, space, platform, message_pid, excerpt, person, now: datetime) -> FlagRow:
    return FlagRow(
        id=flag.id, category=flag.category, severity=flag.severity, status=flag.status,
        assigned_to=flag.assigned_to, created_at=flag.created_at, due_at=flag.due_at,
        overdue=flag.status == "new" and flag.due_at is not None and flag.due_at < now,
        space=space, platform=platform, message_platform_id=message_pid,
        excerpt=" ".join((excerpt or "").split()), person_id=flag.person_id, person=person,
    )


def list_flags(
    ws,
    *,
    statuses: tuple[str, ...] | None = policy.OPEN_STATUSES,
    category: str | None = None,
    severity: str | None = None,
    person_id: int | None = None,
    sort: str | None = None,
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[FlagRow]:
    """Flags for a lead: overdue first, then most severe, then soonest due (unless `sort`)."""
    require_lead(ws)
    now = _now(now)
    q = _query(statuses, category, severity, person_id, now)
    if sort in SORT_KEYS:
        key = SORT_KEYS[sort]
        q = q.order_by(key.desc() if descending else key.asc(), Flag.id)
    else:
        q = q.order_by(
            case((_overdue_expr(now), 0), else_=1), _severity_order().desc(),
            Flag.due_at.asc(), Flag.id,
        )
    q = q.offset(offset)
    if limit is not None:
        q = q.limit(limit)
    with ws.session() as s:
        return [_row(*r, now=now) for r in s.execute(q).all()]


def count_flags(
    ws, *, statuses: tuple[str, ...] | None = policy.OPEN_STATUSES, category: str | None = None,
    severity: str | None = None, person_id: int | None = None,
) -> int:
    require_lead(ws)
    q = _query(statuses, category, severity, person_id, _now(None), [func.count(Flag.id)])
    with ws.session() as s:
        return s.scalar(q)


def concerns_with_lead(ws) -> int:
    """How many concerns are open with the safeguarding leads: the one figure every profile
    may see ("N concerns are with your safeguarding lead")."""
    with ws.session() as s:
        return s.scalar(
            select(func.count()).select_from(Flag).where(Flag.status.in_(policy.OPEN_STATUSES))
        )


def concerns_line(count: int) -> str:
    if count == 0:
        return "No concerns are open with your safeguarding lead"
    return f"{count} concern{'s are' if count != 1 else ' is'} with your safeguarding lead"


def lead_summary(ws, now: datetime | None = None) -> dict[str, int]:
    """Open flags, overdue ones and open flags per severity (leads only)."""
    require_lead(ws)
    now = _now(now)
    with ws.session() as s:
        rows = s.execute(
            select(Flag.severity, func.count(), func.sum(case((_overdue_expr(now), 1), else_=0)))
            .where(Flag.status.in_(policy.OPEN_STATUSES))
            .group_by(Flag.severity)
        ).all()
    out = {"open": 0, "overdue": 0} | dict.fromkeys(policy.SEVERITIES, 0)
    for severity, n, overdue in rows:
        out[severity] = n
        out["open"] += n
        out["overdue"] += overdue or 0
    return out


def _flag(s: Session, flag_id: int) -> Flag:
    flag = s.get(Flag, flag_id)
    if flag is None:
        raise BadInput(f"no flag with id {flag_id}")
    return flag


def flag_detail(ws, flag_id: int, now: datetime | None = None) -> FlagDetail:
    """Everything a lead needs to judge a flag; the view is written to the audit chain."""
    from steward.safeguarding.cases import entries_for_flag

    require_lead(ws)
    now = _now(now)
    cipher = ws.field_cipher()
    with ws.transaction() as s:
        rows = s.execute(
            _query(None, None, None, None, now).where(Flag.id == flag_id)
        ).all()
        if not rows:
            raise BadInput(f"no flag with id {flag_id}")
        flag, *rest = rows[0]
        row = _row(flag, *rest, now=now)
        message = s.get(Message, flag.message_id) if flag.message_id else None
        try:
            details = json.loads(cipher.open_dropbox(
                flag.details_enc, ws.row_field("flags", flag.id, "details_enc")) or "{}")
            outcome = cipher.open_dropbox(
                flag.outcome_enc, ws.row_field("flags", flag.id, "outcome_enc"))
            entries = entries_for_flag(s, cipher, flag_id, ws)
        except DecryptionFailed:
            raise StewardError(
                f"flag {flag_id}'s sealed details were altered or moved from another row: "
                "refusing to show them (restore the workspace from a backup)"
            ) from None
        helplines = helplines_for(s, flag.category)
        audit.record(s, ws.actor, "safeguarding.view", "flag", flag_id)
    return FlagDetail(
        row=row,
        message_text=message.text if message else None,
        message_at=message.created_at if message else None,
        reasons=list(details.get("reasons", [])),
        handover_note=details.get("note"),
        handed_over_by=details.get("by"),
        outcome=json.loads(outcome) if outcome else None,
        entries=entries,
        helplines=helplines,
        templates=reply_templates(flag.category),
        signposting=shows_signposting(flag.category),
    )


def _entry(ws, s: Session, flag: Flag, kind: str, body: dict[str, Any],
           amends_id: int | None = None) -> int:
    entry_id = next_id(s, CaseEntry)
    entry = CaseEntry(
        id=entry_id, flag_id=flag.id, person_id=flag.person_id, kind=kind, author=ws.actor,
        at=clock.now(), amends_id=amends_id,
        body_enc=ws.field_cipher().encrypt(json.dumps(body, ensure_ascii=False),
                                           ws.row_field("case_entries", entry_id, "body_enc")),
    )
    s.add(entry)
    s.flush()
    return entry.id


def set_status(ws, flag_id: int, status: str, note: str = "") -> int:
    """Move a flag along its lifecycle (not to closed: use `close`). Returns the entry id."""
    require_lead(ws)
    if status == "closed":
        raise BadInput("use close with an outcome to close a flag")
    if status not in policy.STATUSES:
        raise BadInput(f"unknown status {status!r}: choose one of {', '.join(policy.STATUSES)}")
    with ws.transaction() as s:
        flag = _flag(s, flag_id)
        _check_transition(flag, status)
        entry_id = _entry(ws, s, flag, "status",
                          {"from": flag.status, "to": status, "note": note})
        flag.status = status
        audit.record(s, ws.actor, "safeguarding.status", "flag", flag_id, entry=entry_id)
    return entry_id


def _check_transition(flag: Flag, status: str) -> None:
    if status not in TRANSITIONS[flag.status]:
        allowed = ", ".join(TRANSITIONS[flag.status]) or "nothing (it is closed)"
        raise BadInput(
            f"flag {flag.id} is {flag.status}: it can move to {allowed}, not {status}"
        )


def close(ws, flag_id: int, outcome: str, reason: str = "", now: datetime | None = None) -> int:
    """Close a flag with its outcome; "no further action" needs a reason. Starts the
    retention period of its category. Returns the entry id."""
    require_lead(ws)
    outcome = outcome.strip()
    if not outcome:
        raise BadInput("closing a flag needs an outcome")
    if outcome.lower() == NO_FURTHER_ACTION and not reason.strip():
        raise BadInput("'no further action' needs a reason, for the record")
    now = _now(now)
    with ws.transaction() as s:
        flag = _flag(s, flag_id)
        _check_transition(flag, "closed")
        body = {"from": flag.status, "to": "closed", "outcome": outcome, "reason": reason}
        entry_id = _entry(ws, s, flag, "status", body)
        flag.status = "closed"
        flag.closed_at = now
        flag.retain_until = now + timedelta(days=policy.retention_days(s)[flag.category])
        flag.outcome_enc = ws.seal_for_safeguarding(
            json.dumps({"outcome": outcome, "reason": reason}, ensure_ascii=False),
            ws.row_field("flags", flag.id, "outcome_enc"),
        )
        audit.record(s, ws.actor, "safeguarding.close", "flag", flag_id, entry=entry_id)
    return entry_id


def lead_profiles(ws) -> list[str]:
    """Names of the profiles a flag can be assigned to (they hold the safeguarding key)."""
    return sorted(p.name for p in ws.profiles() if p.role in SAFEGUARDING_ROLES)


def assign(ws, flag_id: int, lead: str) -> int:
    """Assign a flag to a profile that holds the safeguarding key. Returns the entry id."""
    require_lead(ws)
    leads = lead_profiles(ws)
    if lead not in leads:
        raise BadInput(
            f"{lead!r} is not a safeguarding lead profile here: choose one of "
            f"{', '.join(sorted(leads))}"
        )
    with ws.transaction() as s:
        flag = _flag(s, flag_id)
        entry_id = _entry(ws, s, flag, "assignment", {"from": flag.assigned_to, "to": lead})
        flag.assigned_to = lead
        audit.record(s, ws.actor, "safeguarding.assign", "flag", flag_id, entry=entry_id)
    return entry_id


def add_note(ws, flag_id: int, text: str, kind: str = "note") -> int:
    """Add a case note (or a referral record) to a flag. Returns the entry id."""
    require_lead(ws)
    if not text.strip():
        raise BadInput("a case note cannot be empty")
    if kind not in ("note", "referral", "contact"):
        raise BadInput("a note's kind is note, referral or contact")
    with ws.transaction() as s:
        flag = _flag(s, flag_id)
        entry_id = _entry(ws, s, flag, kind, {"text": text})
        audit.record(s, ws.actor, "safeguarding.note", "flag", flag_id, entry=entry_id)
    return entry_id
