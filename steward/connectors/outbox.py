"""Decisions carried out on the platform: API actions sent at the next sync, and "do this on
the platform" checklist items for export-only platforms.

The moderation service writes `OutboxAction` rows; this module lists them and sends the pending
API ones. Sending is idempotent: each action checks the platform's state first, so a retry after
a lost answer never acts twice. Status goes pending → done, or failed with the reason (retried at
the next sync until it has failed `MAX_ATTEMPTS` times).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from steward import clock
from steward.errors import StewardError
from steward.store import audit
from steward.store.models import OutboxAction, Source

MAX_ATTEMPTS = 5
ACTION_WORDS = {
    "approve_reviewable": "Approve review item", "reject_reviewable": "Reject review item",
    "hide_post": "Hide post", "delete_post": "Delete post", "silence_user": "Silence user",
}


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    source: str
    platform: str
    action: str
    target: str
    mode: str  # api | checklist
    status: str  # pending | done | failed
    error: str | None
    attempts: int
    created_at: datetime
    done_at: datetime | None

    @property
    def description(self) -> str:
        """What to do, in words: "Delete post 1234 on Riverside forum"."""
        words = ACTION_WORDS.get(self.action, self.action.replace("_", " ").capitalize())
        return f"{words} {self.target} on {self.source}"


def list_outbox(ws, source: str | None = None, status: str | None = None,
                mode: str | None = None, limit: int = 500) -> list[OutboxEntry]:
    """Outbox actions, newest first, optionally for one source / status / mode."""
    query = (select(OutboxAction, Source.name, Source.platform)
             .join(Source, Source.id == OutboxAction.source_id)
             .order_by(OutboxAction.id.desc()).limit(limit))
    if source is not None:
        query = query.where(Source.name == source)
    if status is not None:
        query = query.where(OutboxAction.status == status)
    if mode is not None:
        query = query.where(OutboxAction.mode == mode)
    with ws.session() as s:
        return [OutboxEntry(a.id, name, platform, a.action, a.target, a.mode, a.status, a.error,
                            a.attempts, a.created_at, a.done_at)
                for a, name, platform in s.execute(query)]


def mark_checklist_done(ws, action_id: int) -> None:
    """A person says they did this checklist item on the platform themselves."""
    with ws.transaction() as s:
        action = s.get(OutboxAction, action_id)
        if action is None or action.mode != "checklist":
            raise StewardError(f"no checklist item {action_id}")
        if action.status != "done":
            action.status, action.done_at = "done", clock.now()
            audit.record(s, ws.actor, "outbox.checklist_done", "outbox_action", action_id)


def send_pending(ws, source_id: int, perform: Callable[[str, str, dict], None],
                 token=None) -> tuple[int, int]:
    """Send every pending (or failed, not yet given up) API action of a source, each in its
    own transaction. `perform(action, target, payload)` raises to fail. Returns (done, failed)."""
    with ws.session() as s:
        ids = s.scalars(select(OutboxAction.id).where(
            OutboxAction.source_id == source_id, OutboxAction.mode == "api",
            OutboxAction.status.in_(("pending", "failed")),
            OutboxAction.attempts < MAX_ATTEMPTS).order_by(OutboxAction.id)).all()
    done = failed = 0
    for action_id in ids:
        if token is not None:
            token.check()
        with ws.session() as s:
            a = s.get(OutboxAction, action_id)
            action, target, payload = a.action, a.target, dict(a.payload or {})
        error = None
        try:
            perform(action, target, payload)
        except StewardError as err:
            error = str(err)
        with ws.transaction() as s:
            a = s.get(OutboxAction, action_id)
            a.attempts += 1
            if error is None:
                a.status, a.error, a.done_at = "done", None, clock.now()
                done += 1
            else:
                a.status, a.error = "failed", error[:500]
                failed += 1
            audit.record(s, ws.actor, "outbox.sent" if error is None else "outbox.failed",
                         "outbox_action", action_id, attempts=a.attempts)
    return done, failed
