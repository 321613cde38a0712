"""Newcomers waiting for a welcome: people whose first-ever message is recent and unanswered.

The guides say: welcome every newcomer, and quickly. A newcomer here is a person (not a bot,
not staff) whose first message anywhere in the workspace was posted in the last `within_days`
days. They are still waiting when nobody else has posted in that message's conversation since
— no reply and no welcome. A conversation is the thread on a forum and, in chat, the exchange
the message is part of (see `steward.engagement.conversations`). In chat, talking with someone
counts either way: two newcomers who talk to each other within a few minutes have both been
answered (the second was answering the first). Messages held as suspected spam do
not count as newcomers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select

from steward import clock
from steward.store.models import Decision, Identity, Message, Person, QueueItem, Space
from steward.workspace import Workspace


@dataclass(frozen=True)
class Newcomer:
    """A person whose first message is waiting for someone to answer or welcome them."""

    person_id: int
    display_name: str
    space_id: int
    space_name: str
    first_message_id: int
    first_message_at: datetime
    days_waiting: int


def unwelcomed_newcomers(
    ws: Workspace, within_days: int = 7, now: datetime | None = None
) -> list[Newcomer]:
    """Newcomers whose first-ever message (in the last `within_days` days) nobody answered.

    Longest waiting first. Bots and staff are never newcomers; replies by bots or by the
    newcomer themselves are not answers.
    """
    if within_days < 1:
        raise ValueError("within_days must be at least 1")
    now = now or clock.now()
    since = now - timedelta(days=within_days)
    with ws.session() as s:
        space_names = dict(s.execute(select(Space.id, Space.name)).all())
        # Recent messages through the (space_id, created_at) index, one range per space.
        recent = s.execute(
            select(Message.id, Message.identity_id, Identity.person_id, Message.created_at,
                   Message.thread_id, Message.space_id)
            .join(Identity, Identity.id == Message.identity_id)
            .join(Person, Person.id == Identity.person_id)
            .where(
                Message.space_id.in_(list(space_names)),
                Message.created_at >= since,
                Message.created_at <= now,
                Message.kind == "message",
                Message.deleted.is_(False),
                Identity.is_bot.is_(False),
                Person.is_bot.is_(False),
                Person.is_staff.is_(False),
                Person.erased_at.is_(None),
            )
        ).all()
        first: dict[int, tuple] = {}
        for row in recent:
            if row.person_id not in first or row.created_at < first[row.person_id].created_at:
                first[row.person_id] = row
        if not first:
            return []
        candidates = list(first)
        identities = s.execute(
            select(Identity.id, Identity.person_id).where(Identity.person_id.in_(candidates))
        ).all()
        person_of = {iid: pid for iid, pid in identities}
        earlier = {
            person_of[iid]
            for (iid,) in s.execute(
                select(Message.identity_id)
                .where(Message.identity_id.in_(list(person_of)), Message.created_at < since)
                .distinct()
            )
        }
        candidates = [p for p in candidates if p not in earlier]
        spam = _suspected_spam_persons(s, candidates, person_of)
        candidates = [p for p in candidates if p not in spam]
        answered = _answered(ws, {p: first[p].id for p in candidates}, now)
        names = dict(
            s.execute(select(Person.id, Person.display_name).where(Person.id.in_(candidates)))
            .all()
        )
    waiting = [
        Newcomer(
            person_id=p,
            display_name=names.get(p, ""),
            space_id=first[p].space_id,
            space_name=space_names.get(first[p].space_id, ""),
            first_message_id=first[p].id,
            first_message_at=first[p].created_at,
            days_waiting=(now - first[p].created_at).days,
        )
        for p in candidates
        if p not in answered
    ]
    return sorted(waiting, key=lambda n: (n.first_message_at, n.person_id))


def _answered(ws: Workspace, first_message: dict[int, int], now: datetime) -> set[int]:
    """The people whose first message someone else (not a bot) followed in its conversation
    by `now`, or (chat) who were themselves answering someone in it."""
    import numpy as np

    from steward.engagement.activity import load_activity

    if not first_message:
        return set()
    t = load_activity(ws)
    people = np.fromiter(first_message, dtype=np.int64)
    firsts = np.fromiter(first_message.values(), dtype=np.int64)
    pos = np.minimum(np.searchsorted(t.msg, firsts), max(len(t.msg) - 1, 0))
    if len(t.msg) == 0:
        return set()
    known = t.msg[pos] == firsts
    people, firsts, pos = people[known], firsts[known], pos[known]
    now_ts = int((now - datetime(1970, 1, 1)).total_seconds())
    conv = t.conv[pos]
    order = np.argsort(conv, kind="stable")
    conv, people, firsts, pos = conv[order], people[order], firsts[order], pos[order]
    chat = {sp.id for sp in t.spaces if sp.model == "conversations"}
    in_chat = np.isin(t.space[pos], np.fromiter(chat, dtype=np.int64, count=len(chat)))
    rows = np.flatnonzero(~t.is_bot & (t.ts <= now_ts) & np.isin(t.conv, conv))
    answered: set[int] = set()
    if len(rows) == 0:
        return answered
    lo = np.searchsorted(conv, t.conv[rows], side="left")
    hi = np.searchsorted(conv, t.conv[rows], side="right")
    for row, a, b in zip(rows.tolist(), lo.tolist(), hi.tolist(), strict=True):
        ts, msg, who = int(t.ts[row]), int(t.msg[row]), int(t.person[row])
        for k in range(a, b):
            first_ts = int(t.ts[pos[k]])
            after = ts > first_ts or (ts == first_ts and msg > firsts[k])
            if who != people[k] and (after or in_chat[k]):
                answered.add(int(people[k]))
    return answered


def _suspected_spam_persons(s, candidates: list[int], person_of: dict[int, int]) -> set[int]:
    """People with a message waiting in the queue as spam, or removed as spam."""
    if not candidates:
        return set()
    rows = s.execute(
        select(QueueItem.identity_id, Message.identity_id)
        .outerjoin(Message, Message.id == QueueItem.message_id)
        .outerjoin(Decision, and_(Decision.queue_item_id == QueueItem.id,
                                  Decision.action == "remove"))
        .where(
            QueueItem.kind == "spam",
            (QueueItem.status == "open") | (Decision.id.is_not(None)),
        )
    ).all()
    flagged = {iid for pair in rows for iid in pair if iid is not None}
    return {person_of[iid] for iid in flagged if iid in person_of}
