"""What needs attention today: workspace counts and each space's latest activity."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from steward.workspace import Workspace

OPEN_FLAG_STATUSES = ("new", "triaged", "referred", "monitoring")


def unscanned_messages(ws: Workspace) -> dict[str, int]:
    """How many messages each scan has not read yet: {"moderation": n, "safeguarding": n}
    (nothing to scan in a volunteer's store, which holds no messages)."""
    if getattr(ws, "tier", "staff") == "volunteer":
        return {"moderation": 0, "safeguarding": 0}
    from steward.moderation.scan import unscanned_count as moderation_unscanned
    from steward.safeguarding.scan import unscanned_count as safeguarding_unscanned

    return {"moderation": moderation_unscanned(ws), "safeguarding": safeguarding_unscanned(ws)}


def describe_unscanned(counts: dict[str, int]) -> str:
    """The unscanned counts in one sentence ('' when every message has been checked)."""
    moderation, safeguarding = counts.get("moderation", 0), counts.get("safeguarding", 0)
    if not moderation and not safeguarding:
        return ""

    def n(count: int) -> str:
        return f"{count:,} message{'' if count == 1 else 's'}"

    if moderation == safeguarding:
        return (f"{n(moderation)} not yet checked by the moderation and safeguarding scans: "
                "the counts below do not include them yet.")
    parts = [f"{n(c)} by the {name} scan" for name, c in
             (("moderation", moderation), ("safeguarding", safeguarding)) if c]
    return (f"Not yet checked: {' and '.join(parts)}. The counts below do not include them "
            "yet.")


# One statement, plain SQL on the DB-API connection: `steward stats` imports no ORM for it.
_COUNTS_SQL = (
    "SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM identities), "
    "(SELECT count(*) FROM messages), (SELECT count(*) FROM spaces), "
    "(SELECT count(*) FROM sources), "
    "(SELECT count(*) FROM queue_items WHERE status = 'open'), "
    f"(SELECT count(*) FROM flags WHERE status IN ({', '.join('?' * len(OPEN_FLAG_STATUSES))}))"
)
_COUNT_NAMES = ("persons", "identities", "messages", "spaces", "sources", "queue_open",
                "flags_open")


def workspace_stats(ws: Workspace) -> dict[str, int]:
    """Counts for `steward stats --json` and the Overview. Cheap on millions of messages:
    each count walks the smallest index of its table."""
    with ws.read() as conn:
        counts = dict(zip(_COUNT_NAMES, conn.execute(_COUNTS_SQL, OPEN_FLAG_STATUSES)
                          .fetchone(), strict=True))
        if getattr(ws, "tier", "staff") == "volunteer":  # the volunteer store: counts kept
            kept = conn.execute(
                "SELECT value FROM settings WHERE key = 'projection.counts'").fetchone()
            counts |= (json.loads(kept[0]) if kept and kept[0] else None) or {}
    return counts


@dataclass(frozen=True)
class SpaceActivity:
    space_id: int
    source: str
    platform: str
    name: str
    audience: str
    messages: int
    first_activity: datetime | None
    last_activity: datetime | None


def space_activity(ws: Workspace) -> list[SpaceActivity]:
    """Every space with its platform, message count and first and last activity."""
    from sqlalchemy import func, select

    from steward.store.models import Message, Source, Space

    with ws.session() as s:
        per_space = (
            select(
                Message.space_id,
                func.count().label("n"),
                func.min(Message.created_at).label("first"),
                func.max(Message.created_at).label("last"),
            )
            .group_by(Message.space_id)
            .subquery()
        )
        rows = s.execute(
            select(Space, Source.name, Source.platform, per_space.c.n, per_space.c.first,
                   per_space.c.last)
            .join(Source, Source.id == Space.source_id)
            .outerjoin(per_space, per_space.c.space_id == Space.id)
            .order_by(Source.name, Space.name)
        ).all()
    return [
        SpaceActivity(sp.id, src, platform, sp.name, sp.audience, n or 0,
                      _as_dt(first), _as_dt(last))
        for sp, src, platform, n, first, last in rows
    ]


def _as_dt(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
