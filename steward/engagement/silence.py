"""Per-space settings for engagement: silence thresholds and the conversation gap (dormant is set
with `steward.safeguarding.spaces.set_space`, `steward space set --dormant`)."""

from __future__ import annotations

from steward.errors import BadInput
from steward.store.models import Space
from steward.workspace import Workspace


def set_silence_thresholds(ws: Workspace, space_id: int, amber_days: int, red_days: int) -> None:
    """Change one space's thresholds (amber must come before red; both at least one day)."""
    if not (1 <= amber_days < red_days):
        raise BadInput(f"silence thresholds need 1 <= amber ({amber_days}) < red ({red_days})")
    with ws.transaction() as s:
        space = s.get(Space, space_id)
        if space is None:
            raise BadInput(f"no space with id {space_id}")
        space.silence_amber_days = amber_days
        space.silence_red_days = red_days


def set_conversation_gap(ws: Workspace, space_id: int, minutes: int | None) -> None:
    """Minutes of quiet after which a chat space's next message starts a new conversation
    (None: the default)."""
    from steward.engagement.conversations import MAX_GAP_MINUTES, MIN_GAP_MINUTES

    if minutes is not None and not (MIN_GAP_MINUTES <= minutes <= MAX_GAP_MINUTES):
        raise BadInput(f"a conversation gap is {MIN_GAP_MINUTES} to {MAX_GAP_MINUTES} minutes, "
                       f"not {minutes}")
    with ws.transaction() as s:
        space = s.get(Space, space_id)
        if space is None:
            raise BadInput(f"no space with id {space_id}")
        space.conversation_gap_minutes = minutes
