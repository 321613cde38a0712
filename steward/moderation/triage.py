"""Acting on the moderation queue: decisions (approve, remove, escalate, snooze) and their undo,
assigning and claiming items, and notes. Reading the queue is `queue`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from steward import clock
from steward.errors import BadInput, StewardError
from steward.language import _
from steward.moderation.queue import COMMON_REASONS, ESCALATION_SHOWS_AS, require_moderator
from steward.moderation.vocabulary import ACTIONS
from steward.store import audit
from steward.store.models import (
    Decision,
    Identity,
    Message,
    Note,
    OutboxAction,
    Person,
    PlatformReport,
    QueueItem,
    Source,
    Space,
)

_DONE_STATUS = {"approve": "approved", "remove": "removed", "escalate": "escalated",
                "snooze": "snoozed"}


def common_reason(key: str) -> str:
    """The common reason for a key "1"-"6"."""
    try:
        return COMMON_REASONS[int(key) - 1]
    except (ValueError, IndexError):
        raise BadInput(f"no common reason {key!r}: use 1-{len(COMMON_REASONS)}") from None


def decide(ws, item_ids: list[int], action: str, reason: str,
           snooze_days: float = 1.0) -> list[int]:
    """Record one decision (with its reason) on each item; returns the decision ids.

    approve / remove / snooze / escalate. Escalating hands the item to the safeguarding leads
    (a flag they alone can read) and takes it out of the queue; in the queue, the decisions
    and the audit chain it reads as approved ("Fine as it is"), so no colleague can tell
    which message went to the leads (docs/security.md).
    """
    require_moderator(ws)
    if action not in ACTIONS:
        raise BadInput(_("unknown decision {action}: choose one of {actions}").format(
            action=repr(action), actions=", ".join(ACTIONS)))
    reason = (reason or "").strip()
    if not reason:
        raise BadInput(_("a decision needs a reason"))
    if not item_ids:
        raise BadInput(_("no queue items chosen"))
    if action == "snooze" and snooze_days <= 0:
        raise BadInput(_("snooze for a positive number of days"))
    with ws.transaction() as s:
        return decide_in(ws, s, item_ids, action, reason, snooze_days)


def decide_in(ws, s, item_ids: list[int], action: str, reason: str,
              snooze_days: float = 1.0) -> list[int]:
    """`decide` inside the caller's transaction (arguments already checked)."""
    now = clock.now()
    made = []
    silenced: set[tuple[int, str]] = set()  # one "silence this account" per account and call
    for item_id in dict.fromkeys(item_ids):
        item = s.get(QueueItem, item_id)
        if item is None or item.status == "escalated":
            raise BadInput(_("no queue item {id} to decide on").format(id=item_id))
        recorded, recorded_reason = action, reason
        if action == "escalate":
            # The flag is sealed for the leads; what stays in plain view reads exactly
            # as keeping the message, so other staff cannot tell it went to the leads.
            _escalate(ws, s, item, reason)
            recorded, recorded_reason = ESCALATION_SHOWS_AS
        decision = Decision(queue_item_id=item.id, action=recorded,
                            reason=recorded_reason, actor=ws.actor, at=now)
        s.add(decision)
        s.flush()
        details = {"decision_id": decision.id, "decision": recorded,
                   "common_reason": recorded_reason in COMMON_REASONS}
        outbox = _outbox(s, item, action, reason, decision.id, now, silenced)
        if outbox:
            details["outbox_ids"] = outbox
        item.status = _DONE_STATUS[recorded]
        item.snoozed_until = now + timedelta(days=snooze_days) if action == "snooze" else None
        item.updated_at = now
        audit.record(s, ws.actor, f"moderation.{recorded}", "queue_item", item.id,
                     **details)
        made.append(decision.id)
    return made


def _escalate(ws, s, item: QueueItem, reason: str) -> int:
    try:
        from steward.safeguarding.handover import hand_over
    except ModuleNotFoundError:
        raise StewardError("escalation needs the safeguarding module, which this build "
                           "does not have") from None
    person_id = None
    if item.message_id is None and item.identity_id is not None:
        person_id = s.scalar(select(Identity.person_id).where(Identity.id == item.identity_id))
    return hand_over(ws, s, message_id=item.message_id, person_id=person_id, note=reason,
                     actor=ws.actor, quietly=True)


def _outbox(s, item: QueueItem, action: str, reason: str, decision_id: int,
            now: datetime, silenced: set[tuple[int, str]]) -> list[int]:
    """What the decision asks of the platform: Discourse API actions, else a checklist item."""
    if action not in ("approve", "remove") or item.kind == "welcome":
        return []
    source = None
    message = s.get(Message, item.message_id) if item.message_id else None
    if message is not None:
        source = s.get(Source, message.source_id)
    elif item.space_id is not None:
        source = s.scalar(select(Source).join(Space, Space.source_id == Source.id)
                          .where(Space.id == item.space_id))
    if source is None:
        return []
    wanted: list[tuple[str, str, str]] = []  # (action, target, mode)
    api = source.platform == "discourse"
    if item.kind == "membership":
        identity = s.get(Identity, item.identity_id)
        verb = "approve_member" if action == "approve" else "decline_member"
        wanted.append((verb, identity.platform_id, "checklist"))
    else:
        if item.report_id is not None and api:
            report = s.get(PlatformReport, item.report_id)
            verb = "approve_reviewable" if action == "approve" else "reject_reviewable"
            wanted.append((verb, report.platform_id, "api"))
        if action == "remove" and message is not None:
            mode = "api" if api else "checklist"
            wanted.append(("hide_post" if api else "delete_post", message.platform_id, mode))
            if reason == "Spam" and message.identity_id is not None:
                author = s.get(Identity, message.identity_id)
                if (source.id, author.platform_id) not in silenced:
                    silenced.add((source.id, author.platform_id))
                    wanted.append(("silence_user", author.platform_id, mode))
    ids = []
    for verb, target, mode in wanted:
        row = OutboxAction(source_id=source.id, decision_id=decision_id, action=verb,
                           target=target, payload={"queue_item_id": item.id}, mode=mode,
                           status="pending", created_at=now)
        s.add(row)
        s.flush()
        ids.append(row.id)
    return ids


def undo_last(ws, count: int = 1) -> list[int]:
    """Undo this profile's last `count` decisions still standing; returns the items reopened.

    Undoing an escalation (it reads as an approval) reopens the item; the flag stays with
    the safeguarding leads.
    Outbox actions not yet sent are cancelled; ones already carried out stay as they are and a
    checklist item asks to reverse them on the platform.
    """
    require_moderator(ws)
    if count < 1:
        raise BadInput(_("undo at least one decision"))
    undo = aliased(Decision)
    now = clock.now()
    reopened = []
    with ws.transaction() as s:
        standing = s.scalars(
            select(Decision).outerjoin(undo, undo.undoes_id == Decision.id)
            .where(Decision.actor == ws.actor, Decision.action.in_(("approve", "remove", "snooze")),
                   undo.id.is_(None))
            .order_by(Decision.id.desc()).limit(count)
        ).all()
        if not standing:
            raise BadInput(_("there is no decision of yours to undo"))
        for decision in standing:
            item = s.get(QueueItem, decision.queue_item_id)
            back = Decision(queue_item_id=item.id, action="undo", reason="Undo",
                            actor=ws.actor, at=now, undoes_id=decision.id)
            s.add(back)
            s.flush()
            cancelled = reversed_ = 0
            for action in s.scalars(select(OutboxAction)
                                    .where(OutboxAction.decision_id == decision.id)):
                if action.status in ("pending", "failed"):
                    action.status, action.done_at = "cancelled", now
                    cancelled += 1
                else:
                    s.add(OutboxAction(
                        source_id=action.source_id, decision_id=back.id,
                        action=f"reverse_{action.action}", target=action.target,
                        payload={"queue_item_id": item.id}, mode="checklist",
                        status="pending", created_at=now))
                    reversed_ += 1
            item.status, item.snoozed_until, item.updated_at = "open", None, now
            audit.record(s, ws.actor, "moderation.undo", "queue_item", item.id,
                         decision_id=back.id, undoes_id=decision.id,
                         outbox_cancelled=cancelled, outbox_to_reverse=reversed_)
            reopened.append(item.id)
    return reopened


def assign(ws, item_ids: list[int], assignee: str | None) -> int:
    """Give items to a profile (None: unassign); returns how many changed."""
    require_moderator(ws)
    if assignee is not None and assignee not in {p.name for p in ws.profiles()}:
        raise BadInput(f"no profile named {assignee!r}")
    with ws.transaction() as s:
        items = [s.get(QueueItem, i) for i in dict.fromkeys(item_ids)]
        if any(i is None or i.status == "escalated" for i in items):
            raise BadInput("one of the chosen items does not exist")
        for item in items:
            item.assignee, item.updated_at = assignee, clock.now()
            audit.record(s, ws.actor, "moderation.assign", "queue_item", item.id,
                         assigned=assignee is not None)
    return len(items)


def claim(ws, item_ids: list[int]) -> int:
    """Take items for yourself."""
    return assign(ws, item_ids, ws.actor)


def add_note(ws, subject_type: str, subject_id: int, text: str) -> int:
    """A private staff note on a queue item or a person; returns its id."""
    require_moderator(ws)
    if subject_type not in ("queue_item", "person"):
        raise BadInput("notes go on a queue item or a person")
    text = (text or "").strip()
    if not text:
        raise BadInput(_("a note needs some text"))
    with ws.transaction() as s:
        model = QueueItem if subject_type == "queue_item" else Person
        if s.get(model, subject_id) is None:
            raise BadInput(f"no {subject_type.replace('_', ' ')} {subject_id}")
        note = Note(subject_type=subject_type, subject_id=subject_id, author=ws.actor, text=text,
                    at=clock.now())
        s.add(note)
        s.flush()
        audit.record(s, ws.actor, "moderation.note", subject_type, subject_id, note_id=note.id)
        return note.id
