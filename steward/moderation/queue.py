"""The moderation queue: one list for every platform, explained, decided by a human.

Every function opens its own session and returns plain values, so the desktop and the command
line share it. Decisions are recorded (`Decision`), audited (ids only), and turned into outbox
actions: API actions for Discourse (sent by `steward sync`), "do this on the platform" checklist
items elsewhere. Steward itself never removes, bans or messages anyone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import and_, func, or_, select, union_all

from steward import clock
from steward.errors import AccessDenied, BadInput
from steward.language import N_
from steward.moderation import text as textfacts
from steward.moderation.vocabulary import KINDS, QUEUE_KINDS, SORT_KEYS, STATUSES
from steward.safeguarding.flags import flagged_message_ids
from steward.store.models import (
    QueueItem,
    Source,
    Space,
)

# Reasons a moderator picks with one key (1-6); any other text is allowed too.
COMMON_REASONS = (  # recorded in English; shown through moderation.reasons.shown
    N_("Spam"),
    N_("Breaks the group rules"),
    N_("Fine as it is"),
    N_("Off-topic"),
    N_("Duplicate post"),
    N_("Needs a safeguarding lead"),
)
SORTS = {
    "priority": (QueueItem.priority, QueueItem.score, QueueItem.id),
    "score": (QueueItem.score, QueueItem.priority, QueueItem.id),
    "created": (QueueItem.created_at, QueueItem.id),
    "kind": (QueueItem.kind, QueueItem.priority, QueueItem.id),
    "label": (QueueItem.label, QueueItem.id),
    "assignee": (QueueItem.assignee, QueueItem.id),
}
assert tuple(SORTS) == SORT_KEYS
# What an escalation leaves in plain view (queue, decisions, audit chain): a kept message.
ESCALATION_SHOWS_AS = ("approve", "Fine as it is")
_DISTRESS = ("suicid", "kill myself", "self harm", "self-harm", "hurt myself", "cutting",
             "abuse", "hits me", "scared to go home", "want to die", "end it all")


@dataclass(frozen=True)
class QueueFilters:
    """Which items to show. `kind=None` means every kind except the welcome list."""

    platform: str | None = None
    space_id: int | None = None
    kind: str | None = None
    status: str = "open"
    assignee: str | None = None  # a profile name, or "" for unassigned

    def check(self) -> QueueFilters:
        if self.kind is not None and self.kind not in KINDS:
            raise BadInput(f"unknown kind {self.kind!r}: choose one of {', '.join(KINDS)}")
        if self.status not in STATUSES:
            raise BadInput(f"unknown status {self.status!r}: choose one of {', '.join(STATUSES)}")
        return self


@dataclass(frozen=True)
class QueueRow:
    id: int
    kind: str
    priority: int
    score: float
    label: str
    status: str
    assignee: str | None
    platform: str
    source: str
    space: str
    author: str
    message_id: int | None
    message_platform_id: str | None
    excerpt: str
    created_at: datetime
    reasons: list[str]
    sensitive: bool

    def as_json(self) -> dict:
        return {
            "id": self.id, "kind": self.kind, "priority": self.priority,
            "score": round(self.score, 3), "label": self.label, "status": self.status,
            "assignee": self.assignee, "platform": self.platform, "source": self.source,
            "space": self.space, "author": self.author,
            "message": {"id": self.message_id, "platform_id": self.message_platform_id,
                        "text_start": self.excerpt},
            "reasons": self.reasons, "created_at": self.created_at.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    author: str
    at: datetime
    text: str
    is_item: bool  # the message this queue item is about


@dataclass(frozen=True)
class NoteView:
    id: int
    author: str
    at: datetime
    text: str


@dataclass(frozen=True)
class DecisionView:
    id: int
    queue_item_id: int
    action: str
    reason: str
    actor: str
    at: datetime
    label: str = ""
    undone: bool = False


@dataclass(frozen=True)
class AuthorHistory:
    """One person across every platform: accounts, recent posts, earlier decisions, notes."""

    person_id: int
    name: str
    accounts: list[dict]  # platform, source, handle, joined_at, posts
    recent: list[ThreadMessage]
    decisions: list[DecisionView]
    notes: list[NoteView]


@dataclass(frozen=True)
class ItemDetail:
    row: QueueRow
    thread: list[ThreadMessage]
    author: AuthorHistory | None
    notes: list[NoteView]
    decisions: list[DecisionView]
    request_text: str | None = None  # a membership request's own words
    outbox: list[str] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------------


def require_moderator(ws) -> None:
    """Volunteers export lists and nothing more: the queue is for stewards, leads and admins."""
    if ws.profile.role == "volunteer":
        raise AccessDenied(f"profile {ws.profile.name} (volunteer) cannot use the moderation "
                           "queue")


# The hot reads of the queue (a page's rows, one item's detail) are plain SQL through the
# session's connection: compiling their ORM statements, once per process, was most of the time
# the queue took to open (50,000 items: ~17 statements, 114 ms on a quiet machine).
_ITEM_COLUMNS = (
    "SELECT q.id, q.kind, q.priority, q.score, q.label, q.status, q.snoozed_until, q.assignee, "
    "q.message_id, q.created_at, q.reasons, q.identity_id, m.platform_id, m.text, src.platform, "
    "src.name, sp.name, i.display_name, i.handle, mb.request_text FROM queue_items q "
    "LEFT JOIN messages m ON m.id = q.message_id LEFT JOIN spaces sp ON sp.id = q.space_id "
    "LEFT JOIN sources src ON src.id = sp.source_id "
    "LEFT JOIN identities i ON i.id = q.identity_id "
    "LEFT JOIN memberships mb ON mb.id = q.membership_id WHERE q.id IN ")


def _time(stored: str | None) -> datetime | None:
    """A stored time (naive UTC text) as the ORM reads it."""
    return None if stored is None else datetime.fromisoformat(stored)


def _item_rows(s, ids: list[int]) -> dict[int, tuple]:
    """Queue item id -> its row of `_ITEM_COLUMNS`."""
    out: dict[int, tuple] = {}
    conn = s.connection()
    for start in range(0, len(ids), 900):
        chunk = tuple(ids[start:start + 900])
        out.update((r[0], r) for r in conn.exec_driver_sql(
            _ITEM_COLUMNS + f"({','.join('?' * len(chunk))})", chunk))
    return out


def _filtered(q, filters: QueueFilters, now: datetime):
    """Apply the filters to a query over queue items (one table, so it stays on its indexes)."""
    if filters.kind is None:
        q = q.where(QueueItem.kind.in_(QUEUE_KINDS))
    elif filters.kind == "report":  # reported on the platform, whether or not also held here
        q = q.where(or_(QueueItem.kind == "report", QueueItem.report_id.is_not(None)))
    else:
        q = q.where(QueueItem.kind == filters.kind)
    if filters.status == "open":
        q = q.where(QueueItem.status.in_(("open", "snoozed")),
                    or_(QueueItem.status == "open", QueueItem.snoozed_until <= now))
    elif filters.status == "snoozed":
        q = q.where(QueueItem.status == "snoozed", QueueItem.snoozed_until > now)
    elif filters.status == "all":
        # An escalated item belongs to the safeguarding leads now: never listed here.
        q = q.where(QueueItem.status != "escalated")
    else:
        q = q.where(QueueItem.status == filters.status)
    if filters.platform:
        q = q.where(QueueItem.space_id.in_(
            select(Space.id).join(Source, Source.id == Space.source_id)
            .where(Source.platform == filters.platform)))
    if filters.space_id is not None:
        q = q.where(QueueItem.space_id == filters.space_id)
    if filters.assignee == "":
        q = q.where(QueueItem.assignee.is_(None))
    elif filters.assignee:
        q = q.where(QueueItem.assignee == filters.assignee)
    return q


def count_items(ws, filters: QueueFilters = QueueFilters()) -> int:
    """How many items the filters select."""
    require_moderator(ws)
    q = _filtered(select(func.count(QueueItem.id)), filters.check(), clock.now())
    with ws.session() as s:
        return s.scalar(q) or 0


def list_items(ws, filters: QueueFilters = QueueFilters(), offset: int = 0, limit: int = 200,
               sort: str | None = "priority", descending: bool = True) -> list[QueueRow]:
    """A page of the queue, most urgent first (priority, then score) unless sorted otherwise."""
    require_moderator(ws)
    filters.check()
    columns = SORTS.get(sort or "priority")
    if columns is None:
        raise BadInput(f"cannot sort by {sort!r}: choose one of {', '.join(SORTS)}")
    page = _page(filters, clock.now(), columns, descending, offset, limit)
    with ws.session() as s:
        ids = list(s.scalars(page))
        rows = _item_rows(s, ids)
        flagged = _flagged_messages(ws, [r[8] for r in rows.values() if r[8]])
        return [_row(rows[i], flagged) for i in ids]


def _page(filters: QueueFilters, now: datetime, columns: tuple, descending: bool, offset: int,
          limit: int):
    """The ids of one page of the queue, in order."""
    order = [c.desc() if descending else c.asc() for c in columns]
    if filters.status != "open":
        return (_filtered(select(QueueItem.id), filters, now).order_by(*order)
                .offset(offset).limit(limit))
    # Open items are two ranges of the status index (open; snoozed and due again): each is read
    # in order only as far as the page ends, and the two merged. Sorting every open item for
    # one page was most of the time the queue took to open (50,000 items: 13 ms of SQL, now 1).
    shown = replace(filters, status="all")
    wanted = tuple(dict.fromkeys((QueueItem.id, *columns)))
    parts = [
        select(_filtered(select(*wanted), shown, now).where(due).order_by(*order)
               .limit(offset + limit).subquery())
        for due in (QueueItem.status == "open",
                    and_(QueueItem.status == "snoozed", QueueItem.snoozed_until <= now))
    ]
    both = union_all(*parts).subquery()
    merged = [both.c[c.key].desc() if descending else both.c[c.key].asc() for c in columns]
    return select(both.c.id).order_by(*merged).offset(offset).limit(limit)


def _flagged_messages(ws, message_ids: list[int]) -> set[int]:
    """Messages the leads hold a flag about: known only to safeguarding-key holders (the link
    is sealed); anyone else sees `sensitive` from the text alone."""
    return flagged_message_ids(ws, message_ids)


def is_distressing(text: str | None) -> bool:
    """Text a moderator should choose to read rather than meet unawares."""
    lowered = (text or "").lower()
    return any(word in lowered for word in _DISTRESS)


def _row(r: tuple, flagged: set[int]) -> QueueRow:
    """A QueueRow from a row of `_ITEM_COLUMNS`."""
    (item_id, kind, priority, score, label, status, snoozed_until, assignee, message_id,
     created_at, reasons, _identity, mpid, text, platform, source, space, display, handle,
     request) = r
    shown = text if text is not None else request
    return QueueRow(
        id=item_id, kind=kind, priority=priority, score=score or 0.0,
        label=label, status=_status(status, _time(snoozed_until)), assignee=assignee,
        platform=platform or "", source=source or "", space=space or "",
        author=display or handle or "", message_id=message_id, message_platform_id=mpid,
        excerpt=textfacts.excerpt(shown), created_at=_time(created_at),
        reasons=list(json.loads(reasons or "null") or []),
        sensitive=message_id in flagged or is_distressing(shown),
    )


def _status(status: str, snoozed_until: datetime | None) -> str:
    if status == "snoozed" and snoozed_until and snoozed_until <= clock.now():
        return "open"
    return status


def item_ids(ws, filters: QueueFilters = QueueFilters(), sort: str = "priority",
             descending: bool = True) -> list[int]:
    """The ids of every item the filters select, in order (for bulk selection)."""
    require_moderator(ws)
    columns = SORTS.get(sort, SORTS["priority"])
    order = [c.desc() if descending else c.asc() for c in columns]
    q = _filtered(select(QueueItem.id), filters.check(), clock.now())
    with ws.session() as s:
        return list(s.scalars(q.order_by(*order)))


def item_detail(ws, item_id: int) -> ItemDetail:
    """One item with its thread, its author's history across platforms, notes and decisions."""
    require_moderator(ws)
    with ws.session() as s:
        conn = s.connection()
        r = _item_rows(s, [item_id]).get(item_id)
        if r is None:
            raise BadInput(f"no queue item {item_id}")
        status, message_id, identity_id = r[5], r[8], r[11]
        if status == "escalated":
            raise AccessDenied(f"queue item {item_id} was escalated to the safeguarding leads "
                               "and is no longer shown here")
        flagged = _flagged_messages(ws, [message_id] if message_id else [])
        row = _row(r, flagged)
        thread = _thread(conn, message_id) if message_id else []
        person_id = None
        if identity_id is not None:
            person_id = _one(conn, "SELECT person_id FROM identities WHERE id = ?", identity_id)
        elif message_id is not None:
            person_id = _one(conn, "SELECT i.person_id FROM identities i JOIN messages m "
                                   "ON m.identity_id = i.id WHERE m.id = ?", message_id)
        author = _author_history(conn, person_id) if person_id else None
        outbox = [f"{mode}: {action} {target} ({state})"
                  for mode, action, target, state in conn.exec_driver_sql(
                      "SELECT o.mode, o.action, o.target, o.status FROM outbox_actions o "
                      "JOIN decisions d ON d.id = o.decision_id WHERE d.queue_item_id = ? "
                      "ORDER BY o.id", (item_id,))]
        return ItemDetail(
            row=row, thread=thread, author=author,
            notes=_notes(conn, "queue_item", item_id),
            decisions=_decisions(conn, "q.id = ?", (item_id,)),
            request_text=r[19], outbox=outbox,
        )


def _one(conn, sql: str, *params):
    """The first column of the first row, or None."""
    found = conn.exec_driver_sql(sql, params).fetchone()
    return found[0] if found else None


_THREAD = ("SELECT m.id, m.created_at, m.text, i.display_name, i.handle FROM messages m "
           "LEFT JOIN identities i ON i.id = m.identity_id WHERE m.{} = ? ")


def _thread(conn, message_id: int, limit: int = 40) -> list[ThreadMessage]:
    found = conn.exec_driver_sql("SELECT id, thread_id FROM messages WHERE id = ?",
                                 (message_id,)).fetchone()
    if found is None:
        return []
    root = found[1] or found[0]
    rows = conn.exec_driver_sql(_THREAD.format("thread_id") + "ORDER BY m.created_at, m.id",
                                (root,)).fetchall()
    if not any(r[0] == root for r in rows):  # a platform that leaves the root's thread empty
        rows = conn.exec_driver_sql(_THREAD.format("id"), (root,)).fetchall() + rows
    if len(rows) > limit:  # keep the start of the thread and the part around the item
        at = next(i for i, r in enumerate(rows) if r[0] == message_id)
        keep = {0, *range(max(1, at - limit // 2), min(len(rows), at + limit // 2))}
        rows = [r for i, r in enumerate(rows) if i in keep]
    return [ThreadMessage(mid, display or handle or "", _time(at), text or "", mid == message_id)
            for mid, at, text, display, handle in rows]


def _author_history(conn, person_id: int) -> AuthorHistory:
    name = _one(conn, "SELECT display_name FROM persons WHERE id = ?", person_id)
    identities = conn.exec_driver_sql(
        "SELECT i.id, src.name, src.platform, i.handle, i.display_name, i.platform_id, "
        "i.joined_at FROM identities i JOIN sources src ON src.id = i.source_id "
        "WHERE i.person_id = ?", (person_id,)).fetchall()
    identity_ids = tuple(r[0] for r in identities)
    marks = ",".join("?" * len(identity_ids))
    posts = dict(conn.exec_driver_sql(
        f"SELECT identity_id, count(*) FROM messages WHERE identity_id IN ({marks}) "
        "GROUP BY identity_id", identity_ids).fetchall()) if identity_ids else {}
    accounts = [{"platform": platform, "source": source,
                 "handle": handle or display or platform_id, "joined_at": _time(joined),
                 "posts": posts.get(iid, 0)}
                for iid, source, platform, handle, display, platform_id, joined in identities]
    # The newest ten found on the (author, time) index alone, then read: sorting the rows of
    # all their posts read (and decrypted) every one of them (10,717 posts: 150 ms, now 0.3).
    recent = [
        ThreadMessage(mid, space, _time(at), text or "", False)
        for mid, at, text, space in conn.exec_driver_sql(
            "SELECT m.id, m.created_at, m.text, sp.name FROM messages m "
            "JOIN spaces sp ON sp.id = m.space_id WHERE m.id IN (SELECT id FROM messages "
            f"WHERE identity_id IN ({marks}) ORDER BY created_at DESC LIMIT 10) "
            "ORDER BY m.created_at DESC", identity_ids)
    ] if identity_ids else []
    decisions = _decisions(
        conn, f"(q.identity_id IN ({marks}) OR q.message_id IN (SELECT id FROM messages "
              f"WHERE identity_id IN ({marks})))", identity_ids * 2)
    return AuthorHistory(person_id, name or "", accounts, recent, decisions,
                         _notes(conn, "person", person_id))


def _notes(conn, subject_type: str, subject_id: int) -> list[NoteView]:
    return [NoteView(nid, author, _time(at), text) for nid, author, at, text in
            conn.exec_driver_sql(
                "SELECT id, author, at, text FROM notes WHERE subject_type = ? AND "
                "subject_id = ? ORDER BY at", (subject_type, subject_id))]


def _decisions(conn, condition: str, params: tuple) -> list[DecisionView]:
    """The newest 50 decisions on the queue items (`q`) that meet `condition`."""
    return [DecisionView(did, item_id, action, reason, actor, _time(at), label,
                         undone is not None)
            for did, item_id, action, reason, actor, at, label, undone in conn.exec_driver_sql(
                "SELECT d.id, d.queue_item_id, d.action, d.reason, d.actor, d.at, q.label, "
                "u.id FROM decisions d JOIN queue_items q ON q.id = d.queue_item_id "
                "LEFT JOIN decisions u ON u.undoes_id = d.id "
                f"WHERE {condition} AND q.status != 'escalated' "
                "ORDER BY d.at DESC, d.id DESC LIMIT 50", params)]


# --- deciding -------------------------------------------------------------------------------


def open_counts(ws) -> dict[str, int]:
    """Open items by kind (snoozed ones whose time has come count as open)."""
    now = clock.now()
    with ws.session() as s:
        rows = s.execute(
            select(QueueItem.kind, func.count()).where(
                or_(QueueItem.status == "open",
                    and_(QueueItem.status == "snoozed", QueueItem.snoozed_until <= now)))
            .group_by(QueueItem.kind)).all()
    counts = {kind: 0 for kind in KINDS}
    counts.update(dict(rows))
    return counts


def platforms(ws) -> list[str]:
    """Platforms with at least one source, for the filter."""
    with ws.session() as s:
        return sorted(set(s.scalars(select(Source.platform))))


def spaces(ws) -> list[tuple[int, str]]:
    """(space id, "Space (source)") for the filter."""
    with ws.session() as s:
        return [(sid, f"{name} ({source})") for sid, name, source in s.execute(
            select(Space.id, Space.name, Source.name).join(Source, Source.id == Space.source_id)
            .order_by(Source.name, Space.name))]
