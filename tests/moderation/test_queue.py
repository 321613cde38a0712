"""Queue decisions: reasons, audit entries, outbox actions, escalation, undo, bulk, notes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from steward import clock
from steward.errors import AccessDenied, BadInput
from steward.jobs import run_to_end
from steward.moderation import queue, scan, triage
from steward.moderation.queue import QueueFilters
from steward.store import audit
from steward.store.models import (
    AuditEvent,
    Decision,
    Flag,
    Identity,
    Message,
    OutboxAction,
    QueueItem,
)
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE


@pytest.fixture
def scanned(demo_path):
    """The small demo, scanned, unlocked as the steward profile."""
    ws = Workspace.unlock(demo_path, "steward", PASSPHRASE)
    run_to_end(scan.scan_messages_job(ws))
    scan.queue_platform_reports(ws)
    scan.queue_membership_requests(ws)
    yield ws
    ws.lock()


def _first(ws, **filters) -> queue.QueueRow:
    return queue.list_items(ws, QueueFilters(**filters), limit=1)[0]


def _audit(ws, action: str) -> list[AuditEvent]:
    with ws.session() as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _outbox(ws, item_id: int) -> list[OutboxAction]:
    with ws.session() as s:
        return s.scalars(select(OutboxAction).join(Decision, Decision.id ==
                                                   OutboxAction.decision_id)
                         .where(Decision.queue_item_id == item_id)).all()


def test_filters_and_order(scanned):
    rows = queue.list_items(scanned, limit=1000)
    assert len(rows) == queue.count_items(scanned)
    keys = [(r.priority, r.score) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert {r.kind for r in rows} <= set(queue.QUEUE_KINDS)
    forum = queue.list_items(scanned, QueueFilters(platform="discourse"), limit=1000)
    assert forum and all(r.platform == "discourse" for r in forum)
    assert queue.count_items(scanned, QueueFilters(kind="membership")) == 4
    with pytest.raises(BadInput, match="unknown kind"):
        queue.count_items(scanned, QueueFilters(kind="nonsense"))


def test_decision_needs_a_reason_and_is_audited_without_text(scanned):
    row = _first(scanned, kind="spam")
    with pytest.raises(BadInput, match="needs a reason"):
        triage.decide(scanned, [row.id], "remove", "  ")
    triage.decide(scanned, [row.id], "remove", triage.common_reason("1"))
    events = _audit(scanned, "moderation.remove")
    assert [e.subject_id for e in events] == [row.id]
    assert events[0].actor == "steward"
    assert set(events[0].details) <= {"decision_id", "decision", "common_reason", "outbox_ids"}
    with scanned.session() as s:
        assert audit.verify(s).ok
    assert queue.count_items(scanned, QueueFilters(status="removed")) == 1


def test_discourse_becomes_api_actions_others_a_checklist(scanned):
    forum = _first(scanned, platform="discourse", kind="spam")
    triage.decide(scanned, [forum.id], "remove", "Spam")
    actions = {(a.action, a.mode) for a in _outbox(scanned, forum.id)}
    assert ("hide_post", "api") in actions and ("silence_user", "api") in actions
    targets = {a.target for a in _outbox(scanned, forum.id) if a.action == "hide_post"}
    assert targets == {forum.message_platform_id}

    other = next(r for r in queue.list_items(scanned, QueueFilters(kind="spam"), limit=500)
                 if r.platform != "discourse")
    triage.decide(scanned, [other.id], "remove", "Breaks the group rules")
    assert [(a.action, a.mode, a.target) for a in _outbox(scanned, other.id)] == [
        ("delete_post", "checklist", other.message_platform_id)]

    report = _first(scanned, kind="report")
    triage.decide(scanned, [report.id], "approve", "Fine as it is")
    assert [(a.action, a.mode) for a in _outbox(scanned, report.id)] == [
        ("approve_reviewable", "api")]
    assert any(r.startswith("Reported on Discourse") for r in report.reasons)

    member = _first(scanned, kind="membership")
    triage.decide(scanned, [member.id], "approve", "Meets the entry requirements")
    assert [a.action for a in _outbox(scanned, member.id)] == ["approve_member"]


def test_escalation_hands_over_and_reads_as_kept(scanned):
    row = _first(scanned, kind="spam")
    open_before = queue.count_items(scanned)
    triage.decide(scanned, [row.id], "escalate", "Needs a safeguarding lead")
    with scanned.session() as s:
        # the newest flag; which message it is about is sealed from the steward who raised it
        flag = s.scalars(select(Flag).order_by(Flag.id.desc())).first()
        assert flag is not None and flag.status == "new" and flag.message_id is None
        # in plain view the item was kept: nothing tells it went to the leads
        assert s.get(QueueItem, row.id).status == "approved"
        decision = s.scalars(select(Decision).where(Decision.queue_item_id == row.id)).one()
        assert (decision.action, decision.reason) == ("approve", "Fine as it is")
    assert queue.count_items(scanned) == open_before - 1
    assert _audit(scanned, "moderation.escalate") == []
    assert _audit(scanned, "safeguarding.handover") == []
    event = _audit(scanned, "moderation.approve")[-1]
    assert event.subject_id == row.id and "flag_id" not in event.details
    # The steward cannot read the flag's sealed details back.
    with pytest.raises(AccessDenied):
        scanned.field_cipher()


def test_bulk_decision_and_undo_of_the_last_decisions(scanned):
    rows = queue.list_items(scanned, QueueFilters(kind="spam"), limit=3)
    open_before = queue.count_items(scanned)
    triage.decide(scanned, [r.id for r in rows], "remove", "Spam")
    assert queue.count_items(scanned) == open_before - 3
    pending = [a for r in rows for a in _outbox(scanned, r.id)]
    assert pending and all(a.status == "pending" for a in pending)

    reopened = triage.undo_last(scanned, count=2)
    assert sorted(reopened) == sorted(r.id for r in rows[1:])
    assert queue.count_items(scanned) == open_before - 1
    with scanned.session() as s:
        undos = s.scalars(select(Decision).where(Decision.action == "undo")).all()
        assert len(undos) == 2 and all(u.undoes_id for u in undos)
        statuses = {a.id: a.status for a in s.scalars(select(OutboxAction))}
    assert [statuses[a.id] for r in rows[1:] for a in _outbox(scanned, r.id)
            if a.decision_id not in {u.id for u in undos}].count("cancelled") >= 2
    assert len(_audit(scanned, "moderation.undo")) == 2
    triage.undo_last(scanned)
    with pytest.raises(BadInput, match="no decision of yours"):
        triage.undo_last(scanned)


def test_snooze_hides_until_the_time_comes(scanned):
    row = _first(scanned)
    triage.decide(scanned, [row.id], "snooze", "Waiting for more context", snooze_days=2)
    assert row.id not in {r.id for r in queue.list_items(scanned, limit=5000)}
    assert [r.id for r in queue.list_items(scanned, QueueFilters(status="snoozed"))] == [row.id]
    with scanned.transaction() as s:
        item = s.get(QueueItem, row.id)
        item.snoozed_until = clock.now().replace(year=2000)
    assert row.id in {r.id for r in queue.list_items(scanned, limit=5000)}


def test_claim_assign_and_notes(scanned):
    rows = queue.list_items(scanned, limit=2)
    triage.claim(scanned, [rows[0].id])
    mine = queue.list_items(scanned, QueueFilters(assignee="steward"))
    assert [r.id for r in mine] == [rows[0].id]
    triage.assign(scanned, [rows[1].id], "lead")
    with pytest.raises(BadInput, match="no profile"):
        triage.assign(scanned, [rows[1].id], "nobody")
    triage.add_note(scanned, "queue_item", rows[0].id, "Checked their other posts")
    detail = queue.item_detail(scanned, rows[0].id)
    assert [n.text for n in detail.notes] == ["Checked their other posts"]
    if detail.author is not None:
        triage.add_note(scanned, "person", detail.author.person_id, "Known to the team")
        assert [n.text for n in queue.item_detail(scanned, rows[0].id).author.notes] == [
            "Known to the team"]
    with pytest.raises(BadInput):
        triage.add_note(scanned, "queue_item", rows[0].id, "")
    assert _audit(scanned, "moderation.note")
    assert all(set(e.details) == {"note_id"} for e in _audit(scanned, "moderation.note"))


def test_detail_shows_thread_author_history_and_reasons(scanned):
    row = _first(scanned, kind="spam")
    triage.decide(scanned, [row.id], "remove", "Spam")
    triage.undo_last(scanned)
    detail = queue.item_detail(scanned, row.id)
    assert detail.row.reasons
    assert any(m.is_item and m.id == row.message_id for m in detail.thread)
    assert detail.author is not None and detail.author.accounts
    assert {d.action for d in detail.author.decisions} == {"remove", "undo"}
    assert any(d.undone for d in detail.decisions if d.action == "remove")


def test_author_history_shows_the_newest_ten_posts_of_every_account(scanned):
    """The ten newest are found on the (author, time) index before any post is read: they
    are the newest ten of all the person's posts, newest first."""
    with scanned.session() as s:
        person_id, _n = s.execute(
            select(Identity.person_id, func.count()).join(
                Message, Message.identity_id == Identity.id)
            .group_by(Identity.person_id).order_by(func.count().desc()).limit(1)).one()
        posts = s.execute(
            select(Message.id, Message.created_at).join(
                Identity, Identity.id == Message.identity_id)
            .where(Identity.person_id == person_id).order_by(Message.created_at.desc())).all()
        recent = queue._author_history(s.connection(), person_id).recent
    assert len(posts) > 10 and len(recent) == 10
    assert [m.at for m in recent] == [at for _id, at in posts[:10]]
    assert {m.id for m in recent} <= {i for i, _at in posts}


def test_distressing_text_is_marked_sensitive(scanned):
    assert queue.is_distressing("I want to die")
    assert not queue.is_distressing("I could murder a coffee")


def test_volunteers_cannot_use_the_queue(demo_path):
    ws = Workspace.unlock(demo_path, "volunteer", PASSPHRASE)
    try:
        with pytest.raises(AccessDenied, match="volunteer"):
            queue.list_items(ws)
        with pytest.raises(AccessDenied):
            triage.decide(ws, [1], "approve", "fine")
    finally:
        ws.lock()


def test_open_pages_merge_open_and_due_snoozed_items_in_every_order(scanned):
    """The open view reads open and snoozed-but-due items as two ordered ranges and merges
    them: every sort, both directions and every page give what one sorted query gives."""
    from sqlalchemy import func as sql_func

    from steward.moderation.queue import SORTS

    rows = queue.list_items(scanned, limit=10_000)
    assert len(rows) >= 12
    with scanned.transaction() as s:
        items = s.scalars(select(QueueItem).where(QueueItem.id.in_([r.id for r in rows]))).all()
        for n, item in enumerate(items):
            if n % 3 == 0:  # snoozed and due again: shown
                item.status, item.snoozed_until = "snoozed", clock.now().replace(year=2000)
            elif n % 5 == 0:  # snoozed until later: not shown
                item.status, item.snoozed_until = "snoozed", clock.now().replace(year=2999)
            item.priority, item.score = n % 3, (n * 37 % 4) / 4  # ties: the id decides
    now = clock.now()
    for sort, columns in SORTS.items():
        for descending in (True, False):
            order = [c.desc() if descending else c.asc() for c in columns]
            with scanned.session() as s:
                expected = list(s.scalars(
                    queue._filtered(select(QueueItem.id), QueueFilters(), now).order_by(*order)))
                assert len(expected) == s.scalar(queue._filtered(
                    select(sql_func.count(QueueItem.id)), QueueFilters(), now))
            got = [r.id for offset in range(0, len(expected) + 5, 5) for r in queue.list_items(
                scanned, offset=offset, limit=5, sort=sort, descending=descending)]
            assert got == expected, (sort, descending)
