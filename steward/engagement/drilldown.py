"""The messages behind a chart point: one local day's messages in the chosen scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy import text as sql_text

from steward.engagement.deleted import placeholder_sql
from steward.engagement.metrics import Scope, local_day_bounds_utc
from steward.store.models import Identity, Message, Person, Source, Space
from steward.workspace import Workspace

SORT_KEYS = {"at": Message.created_at, "space": Space.name, "author": Person.display_name}


@dataclass(frozen=True)
class DayMessage:
    id: int
    at: datetime
    space: str
    author: str
    text: str


def _query(ws: Workspace, day: date, scope: Scope, tz: str, what):
    start, end = local_day_bounds_utc(day, tz)
    spaces = select(Space.id).join(Source, Source.id == Space.source_id)
    if scope.space_ids:
        spaces = spaces.where(Space.id.in_(scope.space_ids))
    if scope.platforms:
        spaces = spaces.where(Source.platform.in_(scope.platforms))
    query = (
        select(*what)
        .select_from(Message)
        .join(Space, Space.id == Message.space_id)
        .join(Identity, Identity.id == Message.identity_id)
        .join(Person, Person.id == Identity.person_id)
        .where(Message.space_id.in_(spaces), Message.created_at >= start,
               Message.created_at < end, Message.kind == "message",
               Message.deleted.is_(False), Identity.is_bot.is_(False),
               Person.is_bot.is_(False),
               sql_text("NOT " + placeholder_sql("messages.text")))
    )
    if not scope.include_staff:
        query = query.where(Person.is_staff.is_(False))
    if scope.person_ids is not None:
        query = query.where(Person.id.in_(scope.person_ids))
    return query


def day_messages(ws: Workspace, day: date, scope: Scope, tz: str, offset: int = 0,
                 limit: int = 200, sort_key: str | None = None,
                 descending: bool = False) -> list[DayMessage]:
    """Members' messages on a local calendar day (the ones a chart point counts)."""
    order = SORT_KEYS.get(sort_key or "at", Message.created_at)
    query = _query(ws, day, scope, tz, (Message.id, Message.created_at, Space.name,
                                         Person.display_name, Message.text))
    query = query.order_by(order.desc() if descending else order, Message.id)
    with ws.session() as s:
        rows = s.execute(query.offset(offset).limit(limit)).all()
    return [DayMessage(i, at, sp, who, (text or "")[:300]) for i, at, sp, who, text in rows]


def day_message_count(ws: Workspace, day: date, scope: Scope, tz: str) -> int:
    with ws.session() as s:
        return int(s.scalar(_query(ws, day, scope, tz, (func.count(),))))
