"""Hand a concern over to the safeguarding leads from any profile (e.g. a steward escalating
an item from the moderation queue). The details are sealed so the sender cannot read them back.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from steward import clock
from steward.errors import BadInput
from steward.safeguarding import policy
from steward.safeguarding.sealed import PLAIN_COLUMNS, next_id, random_tag, seal_flag
from steward.store import audit
from steward.store.models import Flag, Identity, Message


def hand_over(
    ws,
    session: Session,
    *,
    message_id: int | None,
    person_id: int | None,
    note: str,
    actor: str,
    category: str = "escalated",
    severity: str = "high",
    quietly: bool = False,
) -> int:
    """Raise a new flag for the leads inside the caller's transaction; returns its id.

    The flag's plain creation time is the day only (the exact time is sealed), so it cannot be
    matched to the moment of a queue decision. `quietly` (a moderator's escalation) writes no
    audit event of its own: the decision's event is the plain record, and who handed it over
    and when is sealed in the flag."""
    policy.check_category(category)
    policy.check_severity(severity)
    space_id = None
    if message_id is not None:
        message = session.get(Message, message_id)
        if message is None:
            raise BadInput(f"no message with id {message_id}")
        space_id = message.space_id
        if person_id is None and message.identity_id is not None:
            person_id = session.get(Identity, message.identity_id).person_id
    now = clock.now()
    details = {"source": "handover", "by": actor, "note": note, "reasons": [],
               "at": now.isoformat()}
    flag_id = next_id(session, Flag)
    # Who and what the flag is about is sealed with its details (steward.safeguarding.sealed).
    flag = Flag(
        id=flag_id, status="new",
        created_at=now.replace(hour=0, minute=0, second=0, microsecond=0),
        scan_tag=random_tag(), **PLAIN_COLUMNS,
        details_enc=seal_flag(
            ws, flag_id, message_id=message_id, person_id=person_id, space_id=space_id,
            category=category, severity=severity,
            due_at=policy.due_at(session, severity, now), details=details),
    )
    session.add(flag)
    session.flush()
    if not quietly:
        audit.record(session, actor, "safeguarding.handover", "flag", flag.id)
    return flag.id
