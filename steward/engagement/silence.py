"""Per-space settings for engagement: silence thresholds and the conversation gap (dormant is set
with `steward.safeguarding.spaces.set_space`, `steward space set --dormant`)."""

from __future__ import annotations

from steward.errors import BadInput
from steward.store import audit
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
        if space.conversation_gap_minutes != minutes:
            audit.record(s, ws.actor, "space.setting", "space", space_id,
                         conversation_gap_minutes_from=space.conversation_gap_minutes,
                         conversation_gap_minutes=minutes)
            space.conversation_gap_minutes = minutes


def parse_gap(text: str | int | None) -> int | None:
    """A conversation gap as typed: whole minutes, or "default" (None)."""
    from steward.engagement.conversations import MAX_GAP_MINUTES, MIN_GAP_MINUTES

    if text is None or (isinstance(text, str) and text.strip().lower() == "default"):
        return None
    try:
        minutes = int(str(text).strip())
    except ValueError:
        raise BadInput(f"--conversation-gap {text!r} is not a number of minutes (or 'default')"
                       ) from None
    if not (MIN_GAP_MINUTES <= minutes <= MAX_GAP_MINUTES):
        raise BadInput(f"a conversation gap is {MIN_GAP_MINUTES} to {MAX_GAP_MINUTES} minutes, "
                       f"not {minutes}")
    return minutes


def conversation_reading(ws: Workspace, space_id: int) -> dict:
    """How engagement reads a space: its model ("conversations" for chat platforms, "threads"
    otherwise), its gap in minutes (chat only), whether that gap is the default, and a sentence."""
    from steward.engagement.conversations import conversation_model, gap_minutes
    from steward.store.models import Source

    with ws.session() as s:
        space = s.get(Space, space_id)
        if space is None:
            raise BadInput(f"no space with id {space_id}")
        platform = s.get(Source, space.source_id).platform
        configured = space.conversation_gap_minutes
    model = conversation_model(platform)
    if model != "conversations":
        return {"conversation_model": model, "conversation_gap_minutes": None,
                "conversation_gap_is_default": configured is None,
                "description": "read as threads (a forum or list: the gap does not apply)"}
    gap = gap_minutes(configured)
    return {"conversation_model": model, "conversation_gap_minutes": gap,
            "conversation_gap_is_default": configured is None,
            "description": f"chat read as conversations: a new one after {gap} quiet minutes"
                           + (" (the default)" if configured is None else "")}
