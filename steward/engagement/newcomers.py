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

WELCOME_DAYS_SETTING = "moderation.welcome_days"  # the workspace's window, if it set one
WELCOME_DAYS = 7  # newcomers whose first post is this recent


def welcome_window(ws: Workspace) -> int:
    """How many days back a first post still counts as new: one window for the Overview tile,
    the Engagement page and the Moderation welcome list, so their counts agree."""
    return int(ws.get_setting(WELCOME_DAYS_SETTING, WELCOME_DAYS) or WELCOME_DAYS)


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
    ws: Workspace, within_days: int | None = None, now: datetime | None = None
) -> list[Newcomer]:
    """Newcomers whose first-ever message (in the last `within_days` days, by default the
    workspace's `welcome_window`) nobody answered.

    Longest waiting first. Bots and staff are never newcomers; replies by bots or by the
    newcomer themselves are not answers.
    """
    if within_days is None:
        within_days = welcome_window(ws)
    if within_days < 1:
        raise ValueError("within_days must be at least 1")
    import numpy as np

    from steward.engagement.activity import load_activity

    now = now or clock.now()
    since = now - timedelta(days=within_days)
    epoch = datetime(1970, 1, 1)
    since_ts = int((since - epoch).total_seconds())
    now_ts = int((now - epoch).total_seconds())
    # From the activity table (kept in memory and in the store), not a scan of the messages.
    t = load_activity(ws)
    human = t.derived("human", lambda: ~t.is_bot & ~t.is_staff)
    recent = np.flatnonzero(human & (t.ts >= since_ts) & (t.ts <= now_ts))
    if len(recent) == 0:
        return []
    # Their first message: earliest, then in export order.
    recent = recent[np.lexsort((t.msg[recent], t.ts[recent]))]
    people, at = np.unique(t.person[recent], return_index=True)
    firsts = recent[at]
    # Anyone who posted before the window is not new.
    keep = t.first_ts_by_person()[people] >= since_ts
    first_row = {int(p): int(r) for p, r in zip(people[keep], firsts[keep], strict=True)}
    if not first_row:
        return []
    with ws.session() as s:
        space_names = dict(s.execute(select(Space.id, Space.name)).all())
        candidates = list(first_row)
        rows = s.execute(select(Person.id, Person.display_name, Person.erased_at)
                         .where(Person.id.in_(candidates))).all()
        names = {pid: name for pid, name, erased in rows if erased is None}
        candidates = [p for p in candidates if p in names]
        identities = s.execute(
            select(Identity.id, Identity.person_id).where(Identity.person_id.in_(candidates))
        ).all()
        person_of = {iid: pid for iid, pid in identities}
        spam = _suspected_spam_persons(s, candidates, person_of)
        candidates = [p for p in candidates if p not in spam]
    answered = _answered(t, {p: int(t.msg[first_row[p]]) for p in candidates}, now)
    first = {p: _First(int(t.msg[first_row[p]]), int(t.space[first_row[p]]),
                       epoch + timedelta(seconds=int(t.ts[first_row[p]]))) for p in candidates}
    waiting = [
        Newcomer(
            person_id=p,
            display_name=names[p],
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


@dataclass(frozen=True)
class _First:
    id: int
    space_id: int
    created_at: datetime


def _answered(t, first_message: dict[int, int], now: datetime) -> set[int]:
    """The people whose first message someone else (not a bot) followed in its conversation
    by `now`, or (chat) who were themselves answering someone in it."""
    import numpy as np

    from steward.engagement.metrics import member_of

    if not first_message:
        return set()
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
    rows = np.flatnonzero(member_of(t.conv, conv) & ~t.is_bot & (t.ts <= now_ts))
    answered: set[int] = set()
    if len(rows) == 0:
        return answered
    lo = np.searchsorted(conv, t.conv[rows], side="left")
    hi = np.searchsorted(conv, t.conv[rows], side="right")
    # Every (message, newcomer) pair sharing a conversation, without a Python loop: each row
    # repeated once per newcomer whose first message is in its conversation.
    counts = hi - lo
    row = np.repeat(rows, counts)
    k = np.repeat(lo, counts) + (np.arange(int(counts.sum())) - np.repeat(
        np.cumsum(counts) - counts, counts))
    ts, first_ts = t.ts[row], t.ts[pos[k]]
    after = (ts > first_ts) | ((ts == first_ts) & (t.msg[row] > firsts[k]))
    hit = (t.person[row] != people[k]) & (after | in_chat[k])
    answered.update(people[k[hit]].tolist())
    return answered


def _suspected_spam_persons(s, candidates: list[int], person_of: dict[int, int]) -> set[int]:
    """People with a message waiting in the queue as spam, or removed as spam.

    An item names its author itself, except one queued by "everything from this author",
    whose author is its message's: only those are joined to their messages (looking up each
    item's message reads and decrypts a page of the messages table: 0.17 s for the 7,511 spam
    items of the 2M-message demo)."""
    if not candidates:
        return set()
    removed = select(Decision.id).where(Decision.queue_item_id == QueueItem.id,
                                        Decision.action == "remove").exists()
    suspected = and_(QueueItem.kind == "spam", (QueueItem.status == "open") | removed)
    named = select(QueueItem.identity_id).where(suspected, QueueItem.identity_id.is_not(None))
    by_message = (select(Message.identity_id)
                  .join(QueueItem, QueueItem.message_id == Message.id)
                  .where(suspected, QueueItem.identity_id.is_(None)))
    flagged = set(s.scalars(named)) | set(s.scalars(by_message))
    return {person_of[iid] for iid in flagged if iid in person_of}
