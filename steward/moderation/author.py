"""Everything from one author: every stored message by a person (all their accounts, merged
identities included, across every source and space), and one decision on all of them.

Like Discourse's "delete spammer", but Steward never removes or bans anyone on a platform
itself: each message gets a recorded decision (a queue item of its own if it had none), the
platform actions go to the outbox or the checklist, and the whole step is audited and undone
as one bulk decision (`triage.undo_last(ws, len(items))`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from steward import clock, permissions
from steward.errors import BadInput
from steward.language import N_, _
from steward.moderation import text as textfacts
from steward.moderation import triage
from steward.moderation.queue import is_distressing
from steward.safeguarding.flags import flagged_message_ids
from steward.store import audit
from steward.store.models import Identity, Message, Person, QueueItem, Source, Space

COMMAND = "queue author"  # the row of permissions.COMMANDS that decides who may do this
ACTIONS = ("remove", "approve")
# What a queue item made for this step says about itself (stored in English, like every
# label and reason; translated where it is shown).
LABEL = N_("Everything from this author")
REASON = N_("Decided with everything else from this author")
_OPEN = ("open", "snoozed")


@dataclass(frozen=True)
class AuthorMessage:
    message_id: int
    platform_id: str
    platform: str
    source: str
    space: str
    account: str  # the handle or name they posted under there
    at: datetime
    excerpt: str
    sensitive: bool  # distressing or flagged: shown blurred until the moderator asks
    item_id: int | None  # the open queue item about this message, if any
    decided: str | None  # "approved", "removed", … when a decision already stands

    def as_json(self) -> dict:
        return {"message": {"id": self.message_id, "platform_id": self.platform_id,
                            "text_start": self.excerpt},
                "platform": self.platform, "source": self.source, "space": self.space,
                "account": self.account, "at": self.at.isoformat(timespec="seconds"),
                "queue_item": self.item_id, "decided": self.decided}


@dataclass(frozen=True)
class AuthorMessages:
    person_id: int
    name: str
    accounts: int
    messages: list[AuthorMessage]  # newest first

    @property
    def spaces(self) -> int:
        return len({(m.source, m.space) for m in self.messages})

    @property
    def to_decide(self) -> list[AuthorMessage]:
        """The messages one decision would cover: those with no decision standing."""
        return [m for m in self.messages if m.decided is None]


def _check(ws) -> None:
    permissions.check_command(ws.profile.name, ws.profile.role, COMMAND)


def person_of_item(ws, item_id: int) -> int | None:
    """The person a queue item is about (its message's author, or its account's owner)."""
    _check(ws)
    if item_id is None:
        raise BadInput(_("choose a queue item first"))
    with ws.session() as s:
        item = s.get(QueueItem, item_id)
        if item is None or item.status == "escalated":
            raise BadInput(_("no queue item {id}").format(id=item_id))
        identity_id = item.identity_id
        if identity_id is None and item.message_id is not None:
            identity_id = s.scalar(select(Message.identity_id)
                                   .where(Message.id == item.message_id))
        if identity_id is None:
            return None
        return s.scalar(select(Identity.person_id).where(Identity.id == identity_id))


def messages_by_person(ws, person_id: int) -> AuthorMessages:
    """Every stored message by the person, newest first, with where each was posted and
    whether a decision already stands on it."""
    _check(ws)
    with ws.session() as s:
        person = s.get(Person, person_id)
        if person is None:
            raise BadInput(_("no person {id}").format(id=person_id))
        identities = list(s.scalars(select(Identity.id).where(Identity.person_id == person_id)))
        rows = s.execute(
            select(Message.id, Message.platform_id, Message.created_at, Message.text,
                   Source.platform, Source.name, Space.name, Identity.handle,
                   Identity.display_name)
            .join(Space, Space.id == Message.space_id)
            .join(Source, Source.id == Message.source_id)
            .join(Identity, Identity.id == Message.identity_id)
            .where(Message.identity_id.in_(identities), Message.kind == "message")
            .order_by(Message.created_at.desc(), Message.id.desc())
        ).all()
        status = _item_status(s, [r[0] for r in rows])
    flagged = flagged_message_ids(ws, [r[0] for r in rows])
    messages = []
    for mid, pid, at, text, platform, source, space, handle, display in rows:
        open_item, decided = status.get(mid, (None, None))
        messages.append(AuthorMessage(
            mid, pid, platform, source, space, handle or display or "", at,
            textfacts.excerpt(text), mid in flagged or is_distressing(text), open_item,
            None if open_item is not None else decided))
    return AuthorMessages(person_id, person.display_name or "", len(identities), messages)


def _item_status(s, message_ids: list[int]) -> dict[int, tuple[int | None, str | None]]:
    """message id → (an open item about it, else None; the status of a decided one)."""
    out: dict[int, tuple[int | None, str | None]] = {}
    for chunk in range(0, len(message_ids), 900):
        for item_id, mid, status in s.execute(
                select(QueueItem.id, QueueItem.message_id, QueueItem.status)
                .where(QueueItem.message_id.in_(message_ids[chunk:chunk + 900]),
                       QueueItem.kind != "welcome")
                .order_by(QueueItem.id)):
            open_item, decided = out.get(mid, (None, None))
            if status in _OPEN:
                open_item = open_item or item_id
            else:  # an escalation reads as kept, as it does everywhere outside the leads' page
                decided = "approved" if status == "escalated" else status
            out[mid] = (open_item, decided)
    return out


def decide_everything(ws, person_id: int, action: str, reason: str) -> list[int]:
    """Decide every message of the person that has no decision standing, in one step; returns
    the queue items decided (one per message; made for the messages that had none).

    One transaction: all or nothing. Audited as one `moderation.everything_from_author` event
    beside each item's own decision, and undone as one bulk decision.
    """
    _check(ws)
    if action not in ACTIONS:
        raise BadInput(_("everything from an author can be removed or kept, not {action}").format(
            action=repr(action)))
    reason = (reason or "").strip()
    if not reason:
        raise BadInput(_("a decision needs a reason"))
    found = messages_by_person(ws, person_id)
    wanted = found.to_decide
    if not wanted:
        raise BadInput(_("every message by this author already has a decision"))
    now = clock.now()
    with ws.transaction() as s:
        spaces = dict(s.execute(select(Message.id, Message.space_id).where(
            Message.id.in_([m.message_id for m in wanted if m.item_id is None]))).all())
        items, made = [], 0
        for m in reversed(wanted):  # oldest first, so the newest is decided (and undone) last
            if m.item_id is not None:
                items.append(m.item_id)
                continue
            item = QueueItem(kind="spam", message_id=m.message_id, space_id=spaces[m.message_id],
                             priority=0, score=0.0, label=LABEL, reasons=[REASON], status="open",
                             created_at=now)
            s.add(item)
            s.flush()
            items.append(item.id)
            made += 1
        audit.record(s, ws.actor, "moderation.everything_from_author", "person", person_id,
                     decision=action, items=len(items), items_made=made)
        triage.decide_in(ws, s, items, action, reason)
    return items
