"""What the Sources page and `steward source list` show about each source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from steward.store.models import Message, OutboxAction, Source


@dataclass(frozen=True)
class SourceInfo:
    id: int
    name: str
    platform: str
    live: bool
    url: str | None
    api_username: str | None
    messages: int
    outbox_pending: int
    last_sync_at: datetime | None


def list_sources(ws) -> list[SourceInfo]:
    """Every source with its message count, pending outbox actions and last sync/import."""
    with ws.session() as s:
        counts = dict(s.execute(select(Message.source_id, func.count()).group_by(
            Message.source_id)).all())
        pending = dict(s.execute(select(OutboxAction.source_id, func.count()).where(
            OutboxAction.status != "done").group_by(OutboxAction.source_id)).all())
        return [SourceInfo(src.id, src.name, src.platform, src.platform == "discourse",
                           (src.config or {}).get("url"),
                           (src.config or {}).get("api_username"), counts.get(src.id, 0),
                           pending.get(src.id, 0), src.last_sync_at)
                for src in s.scalars(select(Source).order_by(Source.name))]
