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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from steward import clock
from steward.crypto import DecryptionFailed
from steward.errors import BadInput, StewardError
from steward.language import N_, _
from steward.safeguarding import policy
from steward.safeguarding.access import require_lead
from steward.safeguarding.learning import learn_from_close
from steward.safeguarding.sealed import FlagMeta, flag_meta, next_id, resolve_people
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
    "new": ("triaged", "closed"),  # closed straight away, with an outcome (and a reason)
    "triaged": ("referred", "monitoring", "closed"),
    "referred": ("monitoring", "closed"),
    "monitoring": ("referred", "closed"),
    "closed": (),
}
OUTCOMES = (  # recorded in English; shown through steward.language
    N_("referred to children's social care"),
    N_("referred to adult social care"),
    N_("referred to the police"),
    N_("support given by the charity"),
    N_("signposted to a helpline"),
    N_("no further action"),
)
NO_FURTHER_ACTION = "no further action"
# The statuses, for the catalogue (the words of an error shown on the Safeguarding page).
_STATUS_WORDS = (N_("new"), N_("triaged"), N_("referred"), N_("monitoring"), N_("closed"))


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


def _severity_rank(severity: str) -> int:
    return policy.SEVERITIES.index(severity) if severity in policy.SEVERITIES else 0


def _overdue(status: str, due_at: datetime | None, now: datetime) -> bool:
    return status == "new" and due_at is not None and due_at < now


_FAR = datetime.max


def _sort_key(sort: str):
    """Sorting happens after decryption: a flag's category, severity, person and due time
    are sealed (steward.safeguarding.sealed), so SQL cannot order by them."""
    keys = {
        "id": lambda r: (r.id,),
        "category": lambda r: (r.category, r.id),
        "severity": lambda r: (_severity_rank(r.severity), r.id),
        "status": lambda r: (r.status, r.id),
        "assigned_to": lambda r: (r.assigned_to or "", r.id),
        "created_at": lambda r: (r.created_at, r.id),
        "due_at": lambda r: (r.due_at or _FAR, r.id),
        "space": lambda r: (r.space or "", r.id),
        "person": lambda r: (r.person or "", r.id),
    }
    return keys.get(sort)


SORT_KEYS = ("id", "category", "severity", "status", "assigned_to", "created_at", "due_at",
             "space", "person")


def _decrypted(ws, s: Session, statuses, flag_ids=None) -> list[tuple[Flag, FlagMeta]]:
    cipher = ws.field_cipher()
    q = select(Flag)
    if statuses:
        q = q.where(Flag.status.in_(statuses))
    if flag_ids is not None:
        q = q.where(Flag.id.in_(flag_ids))
    return resolve_people(s, [(f, flag_meta(ws, cipher, f))
                              for f in s.scalars(q.order_by(Flag.id))])


def _matching(pairs, category, severity, person_id):
    return [
        (f, m) for f, m in pairs
        if (not category or m.category == category) and (not severity or m.severity == severity)
        and (person_id is None or m.person_id == person_id)
    ]


def _rows(s: Session, pairs, now: datetime) -> list[FlagRow]:
    """FlagRows with the names and excerpts looked up by the decrypted ids."""
    space_ids = {m.space_id for _, m in pairs if m.space_id is not None}
    message_ids = {m.message_id for _, m in pairs if m.message_id is not None}
    person_ids = {m.person_id for _, m in pairs if m.person_id is not None}
    spaces = {sid: (name, platform) for sid, name, platform in s.execute(
        select(Space.id, Space.name, Source.platform)
        .outerjoin(Source, Source.id == Space.source_id).where(Space.id.in_(space_ids)))}
    messages = {mid: (pid, text) for mid, pid, text in s.execute(
        select(Message.id, Message.platform_id, func.substr(Message.text, 1, EXCERPT_CHARS))
        .where(Message.id.in_(message_ids)))}
    people = dict(s.execute(select(Person.id, Person.display_name)
                            .where(Person.id.in_(person_ids))).all())
    out = []
    for f, m in pairs:
        space, platform = spaces.get(m.space_id, (None, None))
        message_pid, excerpt = messages.get(m.message_id, (None, None))
        out.append(FlagRow(
            id=f.id, category=m.category, severity=m.severity, status=f.status,
            assigned_to=f.assigned_to, created_at=m.raised_at or f.created_at, due_at=m.due_at,
            overdue=_overdue(f.status, m.due_at, now),
            space=space, platform=platform, message_platform_id=message_pid,
            excerpt=" ".join((excerpt or "").split()), person_id=m.person_id,
            person=people.get(m.person_id),
        ))
    return out


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
    with ws.session() as s:
        rows = _rows(s, _matching(_decrypted(ws, s, statuses), category, severity, person_id),
                     now)
    key = _sort_key(sort) if sort else None
    if key is not None:
        rows.sort(key=key, reverse=descending)
    else:
        rows.sort(key=lambda r: (not r.overdue, -_severity_rank(r.severity),
                                 r.due_at or _FAR, r.id))
    rows = rows[offset:]
    return rows if limit is None else rows[:limit]


def count_flags(
    ws, *, statuses: tuple[str, ...] | None = policy.OPEN_STATUSES, category: str | None = None,
    severity: str | None = None, person_id: int | None = None,
) -> int:
    require_lead(ws)
    with ws.session() as s:
        return len(_matching(_decrypted(ws, s, statuses), category, severity, person_id))


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
    out = {"open": 0, "overdue": 0} | dict.fromkeys(policy.SEVERITIES, 0)
    with ws.session() as s:
        pairs = _decrypted(ws, s, policy.OPEN_STATUSES)
    for f, m in pairs:
        out[m.severity] = out.get(m.severity, 0) + 1
        out["open"] += 1
        out["overdue"] += _overdue(f.status, m.due_at, now)
    return out


def metadata(ws) -> dict[int, FlagMeta]:
    """Every flag's decrypted metadata (message, person, space, category, severity, due) by
    flag id; leads and admins only."""
    require_lead(ws)
    with ws.session() as s:
        return {f.id: m for f, m in _decrypted(ws, s, None)}


def flagged_message_ids(ws, message_ids) -> set[int]:
    """Which of these messages the leads hold a flag about — for safeguarding-key holders
    only; anyone else learns nothing (the link is sealed)."""
    if not ws.holds_safeguarding_key or not message_ids:
        return set()
    wanted = set(message_ids)
    with ws.session() as s:
        return {m.message_id for _, m in _decrypted(ws, s, None) if m.message_id in wanted}


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
        pairs = _decrypted(ws, s, None, [flag_id])
        if not pairs:
            raise BadInput(f"no flag with id {flag_id}")
        flag, meta = pairs[0]
        row = _rows(s, pairs, now)[0]
        message = s.get(Message, meta.message_id) if meta.message_id else None
        details = meta.details
        try:
            outcome = cipher.open_dropbox(
                flag.outcome_enc, ws.row_field("flags", flag.id, "outcome_enc"))
            entries = entries_for_flag(s, cipher, flag_id, ws)
        except DecryptionFailed:
            raise StewardError(
                f"flag {flag_id}'s sealed details were altered or moved from another row: "
                "refusing to show them (restore the workspace from a backup)"
            ) from None
        helplines = helplines_for(s, meta.category)
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
        templates=reply_templates(meta.category),
        signposting=shows_signposting(meta.category),
    )


def _entry(ws, s: Session, flag: Flag, kind: str, body: dict[str, Any],
           amends_id: int | None = None) -> int:
    entry_id = next_id(s, CaseEntry)
    entry = CaseEntry(
        id=entry_id, flag_id=flag.id, person_id=None, kind=kind, author=ws.actor,
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
        allowed = ", ".join(_(t) for t in TRANSITIONS[flag.status]) or _("nothing (it is closed)")
        raise BadInput(_("flag {id} is {status}: it can move to {allowed}, not {wanted}").format(
            id=flag.id, status=_(flag.status), allowed=allowed, wanted=_(status)))


def close(ws, flag_id: int, outcome: str, reason: str = "", now: datetime | None = None) -> int:
    """Close a flag with its outcome; "no further action" needs a reason. Starts the
    retention period of its category. Returns the entry id."""
    require_lead(ws)
    outcome = outcome.strip()
    if not outcome:
        raise BadInput(_("closing a flag needs an outcome"))
    if outcome.lower() == NO_FURTHER_ACTION and not reason.strip():
        raise BadInput(_("'no further action' needs a reason, for the record"))
    now = _now(now)
    with ws.transaction() as s:
        flag = _flag(s, flag_id)
        _check_transition(flag, "closed")
        body = {"from": flag.status, "to": "closed", "outcome": outcome, "reason": reason}
        entry_id = _entry(ws, s, flag, "status", body)
        flag.status = "closed"
        flag.closed_at = now
        category = flag_meta(ws, ws.field_cipher(), flag).category
        flag.retain_until = now + timedelta(days=policy.retention_days(s)[category])
        flag.outcome_enc = ws.seal_for_safeguarding(
            json.dumps({"outcome": outcome, "reason": reason}, ensure_ascii=False),
            ws.row_field("flags", flag.id, "outcome_enc"),
        )
        audit.record(s, ws.actor, "safeguarding.close", "flag", flag_id, entry=entry_id)
    learn_from_close(ws, flag_id, outcome, reason)  # "not a concern": look-alikes stay low
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
