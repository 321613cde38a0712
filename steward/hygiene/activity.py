"""Lapsed and drifting members: who to ping before they are gone for good."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text

from steward import clock
from steward.errors import BadInput
from steward.hygiene.people import LAPSED_DAYS, _parse_time
from steward.store.bulk import sql_time
from steward.workspace import Workspace

# Latest message and message count per person, from the (identity_id, created_at) index.
_PER_PERSON = (
    "SELECT i.person_id AS person_id, max(a.last) AS last, sum(a.n) AS n FROM "
    "(SELECT identity_id, max(created_at) AS last, count(*) AS n FROM messages "
    " WHERE identity_id IS NOT NULL GROUP BY identity_id) a "
    "JOIN identities i ON i.id = a.identity_id GROUP BY i.person_id"
)


@dataclass(frozen=True)
class QuietMember:
    person_id: int
    display_name: str
    last_active: datetime | None
    messages: int  # all time
    before: int = 0  # messages in the earlier window (drifting only)
    recent: int = 0  # messages in the recent window (drifting only)


def lapsed_members(
    ws: Workspace, days: int = LAPSED_DAYS, now: datetime | None = None
) -> list[QuietMember]:
    """People who were active once but have posted nothing for `days` days, quietest first."""
    if days < 1:
        raise BadInput("lapsed means at least 1 day without activity")
    cutoff = (now or clock.now()) - timedelta(days=days)
    sql = (
        f"SELECT p.id, p.display_name, a.last, a.n FROM ({_PER_PERSON}) a "
        "JOIN persons p ON p.id = a.person_id "
        "WHERE p.erased_at IS NULL AND p.is_bot = 0 AND p.is_staff = 0 AND a.last < :cutoff "
        "ORDER BY a.last, p.id"
    )
    with ws.session() as s:
        rows = s.execute(text(sql), {"cutoff": sql_time(cutoff)}).all()
    return [QuietMember(r[0], r[1], _parse_time(r[2]), r[3]) for r in rows]


def drifting_members(
    ws: Workspace,
    window_days: int = 90,
    drop: float = 0.5,
    min_before: int = 4,
    now: datetime | None = None,
) -> list[QuietMember]:
    """People still around whose activity fell: in the last `window_days` they posted less
    than `drop` times what they posted in the window before (which had at least `min_before`).
    """
    if window_days < 7 or not 0 < drop < 1 or min_before < 1:
        raise BadInput("drifting needs a window of at least 7 days, a drop between 0 and 1 "
                       "and at least 1 earlier message")
    now = now or clock.now()
    mid, start = now - timedelta(days=window_days), now - timedelta(days=2 * window_days)
    sql = (
        "SELECT p.id, p.display_name, max(m.created_at) AS last, count(*) AS n, "
        " sum(m.created_at < :mid) AS before, sum(m.created_at >= :mid) AS recent "
        "FROM messages m JOIN identities i ON i.id = m.identity_id "
        "JOIN persons p ON p.id = i.person_id "
        "WHERE m.created_at >= :start AND m.created_at < :now AND p.erased_at IS NULL "
        "AND p.is_bot = 0 GROUP BY p.id "
        "HAVING before >= :min_before AND recent > 0 AND recent < :drop * before "
        "ORDER BY (1.0 * recent / before), p.id"
    )
    params = {"mid": sql_time(mid), "start": sql_time(start), "now": sql_time(now),
              "min_before": min_before, "drop": drop}
    with ws.session() as s:
        rows = s.execute(text(sql), params).all()
    return [QuietMember(r[0], r[1], _parse_time(r[2]), r[3], r[4], r[5]) for r in rows]
