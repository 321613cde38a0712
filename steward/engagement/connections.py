"""1:1 connections: conversations with members, follow-ups, and how often to meet.

The guides say: keep 1:1 connections going, especially with leaders and newcomers. A 1:1 is
logged with its date, channel, who set the agenda, notes and follow-up actions with due dates;
a cadence says how often a person should have one. The lists answer "who next?": follow-ups
due and overdue, people due a 1:1 by their cadence, active members who never had one, and
newcomers with no connection yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from steward import clock
from steward.errors import BadInput
from steward.store.models import Cadence, FollowUp, OneToOne, Person
from steward.workspace import Workspace

AGENDA_SET_BY = ("member", "staff", "both")
CHANNELS = ("call", "video", "coffee", "chat", "email", "in person")


@dataclass(frozen=True)
class OneToOneRecord:
    id: int
    person_id: int
    person_name: str
    at: datetime
    channel: str
    agenda_set_by: str
    notes: str
    recorded_by: str
    follow_ups: list[FollowUpRow]


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    one_to_one_id: int
    person_id: int
    person_name: str
    text: str
    due: datetime | None
    done_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class PersonToContact:
    """Someone a steward should have a 1:1 with, and why."""

    person_id: int
    name: str
    reason: str
    last_one_to_one: datetime | None
    due: datetime | None


def _person(s, person_id: int) -> Person:
    person = s.get(Person, person_id)
    if person is None:
        raise BadInput(f"no person with id {person_id}")
    return person


def log_one_to_one(
    ws: Workspace,
    person_id: int,
    at: datetime,
    channel: str,
    agenda_set_by: str,
    notes: str = "",
    follow_ups: list[tuple[str, datetime | None]] = (),
) -> int:
    """Record a 1:1 with its follow-up actions; returns its id."""
    channel = (channel or "").strip()
    if not channel:
        raise BadInput("say how the 1:1 happened (call, video, coffee, chat …)")
    if agenda_set_by not in AGENDA_SET_BY:
        raise BadInput(f"who set the agenda must be one of {', '.join(AGENDA_SET_BY)}")
    cleaned = []
    for text, due in follow_ups:
        text = (text or "").strip()
        if not text:
            raise BadInput("a follow-up needs some text")
        cleaned.append((text, due))
    with ws.transaction() as s:
        _person(s, person_id)
        meeting = OneToOne(person_id=person_id, at=at, channel=channel[:64],
                           agenda_set_by=agenda_set_by, notes=(notes or "").strip() or None,
                           recorded_by=ws.actor)
        s.add(meeting)
        s.flush()
        for text, due in cleaned:
            s.add(FollowUp(one_to_one_id=meeting.id, text=text, due=due))
        return meeting.id


def add_follow_up(ws: Workspace, one_to_one_id: int, text: str, due: datetime | None) -> int:
    text = (text or "").strip()
    if not text:
        raise BadInput("a follow-up needs some text")
    with ws.transaction() as s:
        if s.get(OneToOne, one_to_one_id) is None:
            raise BadInput(f"no 1:1 with id {one_to_one_id}")
        item = FollowUp(one_to_one_id=one_to_one_id, text=text, due=due)
        s.add(item)
        s.flush()
        return item.id


def complete_follow_up(ws: Workspace, follow_up_id: int, done: bool = True) -> None:
    """Tick a follow-up off (or reopen it)."""
    with ws.transaction() as s:
        item = s.get(FollowUp, follow_up_id)
        if item is None:
            raise BadInput(f"no follow-up with id {follow_up_id}")
        item.done_at = clock.now() if done else None


def set_cadence(ws: Workspace, person_id: int, every_days: int | None) -> None:
    """How often this person should have a 1:1 (None: no cadence)."""
    if every_days is not None and not 1 <= every_days <= 366:
        raise BadInput("a cadence is between 1 and 366 days")
    with ws.transaction() as s:
        _person(s, person_id)
        current = s.get(Cadence, person_id)
        if every_days is None:
            if current is not None:
                s.delete(current)
        elif current is None:
            s.add(Cadence(person_id=person_id, every_days=every_days))
        else:
            current.every_days = every_days


def cadence_of(ws: Workspace, person_id: int) -> int | None:
    with ws.session() as s:
        row = s.get(Cadence, person_id)
        return row.every_days if row else None


def one_to_ones(ws: Workspace, person_id: int | None = None, limit: int = 500,
                now: datetime | None = None) -> list[OneToOneRecord]:
    """Logged 1:1s, newest first, with their follow-ups; one person's when given."""
    now = now or clock.now()
    with ws.session() as s:
        query = (select(OneToOne, Person.display_name)
                 .join(Person, Person.id == OneToOne.person_id)
                 .order_by(OneToOne.at.desc(), OneToOne.id.desc()).limit(limit))
        if person_id is not None:
            query = query.where(OneToOne.person_id == person_id)
        meetings = s.execute(query).all()
        ids = [m.id for m, _ in meetings]
        items: dict[int, list[FollowUpRow]] = {}
        names = {m.id: (m.person_id, name) for m, name in meetings}
        for f in s.scalars(select(FollowUp).where(FollowUp.one_to_one_id.in_(ids))
                           .order_by(FollowUp.id)):
            pid, name = names[f.one_to_one_id]
            items.setdefault(f.one_to_one_id, []).append(_row(f, pid, name, now))
    return [
        OneToOneRecord(m.id, m.person_id, name, m.at, m.channel, m.agenda_set_by,
                       m.notes or "", m.recorded_by, items.get(m.id, []))
        for m, name in meetings
    ]


def _row(f: FollowUp, person_id: int, name: str, now: datetime) -> FollowUpRow:
    overdue = f.done_at is None and f.due is not None and f.due < now
    return FollowUpRow(f.id, f.one_to_one_id, person_id, name, f.text, f.due, f.done_at,
                       overdue)


def follow_ups_due(ws: Workspace, within_days: int = 7,
                   now: datetime | None = None) -> list[FollowUpRow]:
    """Open follow-ups that are overdue or due within `within_days`, soonest first."""
    now = now or clock.now()
    with ws.session() as s:
        rows = s.execute(
            select(FollowUp, OneToOne.person_id, Person.display_name)
            .join(OneToOne, OneToOne.id == FollowUp.one_to_one_id)
            .join(Person, Person.id == OneToOne.person_id)
            .where(FollowUp.done_at.is_(None), FollowUp.due.is_not(None),
                   FollowUp.due <= now + timedelta(days=within_days))
            .order_by(FollowUp.due, FollowUp.id)
        ).all()
    return [_row(f, pid, name, now) for f, pid, name in rows]


def due_by_cadence(ws: Workspace, now: datetime | None = None) -> list[PersonToContact]:
    """People whose cadence says a 1:1 is due (never had one, or the last is too long ago)."""
    now = now or clock.now()
    with ws.session() as s:
        last = (select(OneToOne.person_id, func.max(OneToOne.at).label("last"))
                .group_by(OneToOne.person_id).subquery())
        rows = s.execute(
            select(Cadence.person_id, Cadence.every_days, Person.display_name, last.c.last)
            .join(Person, Person.id == Cadence.person_id)
            .outerjoin(last, last.c.person_id == Cadence.person_id)
        ).all()
    out = []
    for pid, every, name, last_at in rows:
        last_at = _as_dt(last_at)
        due = last_at + timedelta(days=every) if last_at else None
        if due is None or due <= now:
            reason = (f"every {every} days; last 1:1 {(now - last_at).days} days ago"
                      if last_at else f"every {every} days; no 1:1 yet")
            out.append(PersonToContact(pid, name, reason, last_at, due))
    return sorted(out, key=lambda p: (p.due or datetime.min, p.name))


def never_had_one_to_one(ws: Workspace, active_days: int = 90, limit: int = 200,
                         now: datetime | None = None) -> list[PersonToContact]:
    """Members active in the last `active_days` who never had a 1:1, most active first."""
    return _without_connection(ws, active_days, limit, now, newcomers_only=False)


def newcomers_without_connection(ws: Workspace, within_days: int = 30, limit: int = 200,
                                 now: datetime | None = None) -> list[PersonToContact]:
    """People whose first message was in the last `within_days` days and who had no 1:1."""
    return _without_connection(ws, within_days, limit, now, newcomers_only=True)


def _without_connection(ws, days, limit, now, newcomers_only) -> list[PersonToContact]:
    import numpy as np

    from steward.engagement.activity import load_activity, reduce_at

    now = now or clock.now()
    table = load_activity(ws)
    cutoff = int((now - timedelta(days=days) - datetime(1970, 1, 1)).total_seconds())
    end = int((now - datetime(1970, 1, 1)).total_seconds())
    member = ~table.is_bot & ~table.is_staff & (table.ts < end)
    person, ts = table.person[member], table.ts[member]
    recent = ts >= cutoff
    counts = np.bincount(person[recent]) if recent.any() else np.zeros(0, dtype=np.int64)
    candidates = np.flatnonzero(counts)
    if newcomers_only and len(candidates):
        first = np.full(int(person.max()) + 1, np.iinfo(np.int64).max, dtype=np.int64)
        reduce_at(np.minimum, first, person, ts)
        candidates = candidates[first[candidates] >= cutoff]
    with ws.session() as s:
        met = np.fromiter(s.scalars(select(OneToOne.person_id).distinct()), dtype=np.int64)
        candidates = candidates[~np.isin(candidates, met)]
        # the most active first, then by id (stable); in numpy: a loop over the candidates
        # held the GIL ~100 ms on the 2M-message demo while the page was drawn
        order = np.argsort(-counts[candidates], kind="stable")[:limit]
        keep = [int(p) for p in candidates[order]]
        names = dict(s.execute(select(Person.id, Person.display_name)
                               .where(Person.id.in_(keep))).all())
    lead = f"new in the last {days} days" if newcomers_only else f"active in the last {days} days"
    return [
        PersonToContact(p, names.get(p, ""), f"{lead} ({int(counts[p])} messages); no 1:1 yet",
                        None, None)
        for p in keep
    ]


@dataclass(frozen=True)
class PersonChoice:
    id: int
    name: str


def find_people(ws: Workspace, text: str, limit: int = 50) -> list[PersonChoice]:
    """People whose name contains `text` (case-insensitive), for pickers."""
    text = (text or "").strip()
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with ws.session() as s:
        rows = s.execute(
            select(Person.id, Person.display_name)
            .where(Person.display_name.ilike(pattern, escape="\\"), Person.erased_at.is_(None),
                   Person.is_bot.is_(False))
            .order_by(Person.display_name, Person.id).limit(limit)
        ).all()
    return [PersonChoice(*row) for row in rows]


def _as_dt(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
