"""Silence thresholds: after how many quiet days a space turns amber, then red."""

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
