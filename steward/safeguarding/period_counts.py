"""Counts of safeguarding concerns for a report to trustees: by category and outcome, never who.

Only a profile holding the safeguarding key can make them (outcomes are sealed for the leads);
nothing here names a person, a space or a message.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from steward.safeguarding.access import require_lead
from steward.safeguarding.policy import CATEGORY_TITLES
from steward.safeguarding.sealed import flag_meta
from steward.store.models import Flag

STILL_OPEN = "still open"


@dataclass(frozen=True)
class ConcernCounts:
    """Concerns raised in a period: per category title, how many ended how."""

    total: int
    by_category: dict[str, int]
    by_outcome: dict[str, int]
    table: list[tuple[str, dict[str, int]]]  # category title → outcome → count


def concerns_raised(ws, start: datetime, end: datetime) -> ConcernCounts:
    """Flags raised from `start` (included) to `end` (excluded), counted by category and
    outcome ("still open" while a flag is open)."""
    require_lead(ws)
    cipher = ws.field_cipher()
    with ws.session() as s:
        rows = s.execute(
            select(Flag).where(Flag.created_at >= start, Flag.created_at < end)
        ).all()
        rows = [(f.id, flag_meta(ws, cipher, f).category, f.status, f.outcome_enc)
                for (f,) in rows]
    cells: Counter[tuple[str, str]] = Counter()
    for flag_id, category, status, sealed in rows:
        outcome = STILL_OPEN
        if status == "closed" and sealed is not None:
            opened = cipher.open_dropbox(sealed, ws.row_field("flags", flag_id, "outcome_enc"))
            outcome = (json.loads(opened) or {}).get("outcome") or "closed" if opened else "closed"
        elif status != "new" and status != "closed":
            outcome = f"{STILL_OPEN} ({status})"
        cells[(CATEGORY_TITLES.get(category, category), outcome)] += 1
    by_category: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    for (title, outcome), n in cells.items():
        by_category[title] += n
        by_outcome[outcome] += n
    table = [(title, {o: n for (t, o), n in sorted(cells.items()) if t == title})
             for title, _ in by_category.most_common()]
    return ConcernCounts(sum(cells.values()), dict(by_category), dict(by_outcome), table)
