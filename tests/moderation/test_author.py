"""Everything from one author (issue 17): every stored message by a person across spaces,
sources and merged identities, decided in one audited step and undone as one."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from steward.cli import main
from steward.errors import AccessDenied, BadInput
from steward.hygiene.merge import merge
from steward.jobs import run_to_end
from steward.moderation import author, queue, scan, triage
from steward.moderation.queue import QueueFilters
from steward.store import audit
from steward.store.models import AuditEvent, Identity, Message, OutboxAction, QueueItem
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE


@pytest.fixture
def scanned(demo_path):
    ws = Workspace.unlock(demo_path, "steward", PASSPHRASE)
    run_to_end(scan.scan_messages_job(ws))
    yield ws
    ws.lock()


def _spammer(ws) -> tuple[queue.QueueRow, int]:
    """A spam item whose author posted in more than one space, not all of it queued."""
    for row in queue.list_items(ws, QueueFilters(kind="spam"), limit=500):
        person = author.person_of_item(ws, row.id)
        found = author.messages_by_person(ws, person) if person is not None else None
        if found and found.spaces > 1 and any(m.item_id is None for m in found.messages):
            return row, person
    raise AssertionError("the demo has no spammer posting in two spaces")


def _someone_else(ws, person_id: int) -> int:
    with ws.session() as s:
        return s.scalar(select(Identity.person_id).join(Message, Message.identity_id ==
                                                        Identity.id)
                        .where(Identity.person_id != person_id).limit(1))


def _stored(ws, person_id: int) -> set[int]:
    with ws.session() as s:
        return set(s.scalars(select(Message.id).join(Identity, Identity.id ==
                                                     Message.identity_id)
                             .where(Identity.person_id == person_id,
                                    Message.kind == "message")))


def test_every_message_across_spaces_and_merged_identities(scanned):
    row, person = _spammer(scanned)
    found = author.messages_by_person(scanned, person)
    assert {m.message_id for m in found.messages} == _stored(scanned, person)
    assert row.message_id in {m.message_id for m in found.messages}
    assert found.spaces > 1 and len(found.to_decide) == len(found.messages)
    times = [m.at for m in found.messages]
    assert times == sorted(times, reverse=True)
    theirs = next(m for m in found.messages if m.message_id == row.message_id)
    assert theirs.item_id == row.id and theirs.decided is None
    # An account merged into the person afterwards brings its messages along.
    other = _someone_else(scanned, person)
    before, extra = len(found.messages), _stored(scanned, other)
    admin = Workspace.unlock(scanned.path, "admin", PASSPHRASE)
    merge(admin, person, person_ids=[other])
    admin.lock()
    found = author.messages_by_person(scanned, person)
    assert len(found.messages) == before + len(extra)
    assert extra <= {m.message_id for m in found.messages}


def test_decided_in_one_step_audited_and_undone_as_one(scanned):
    row, person = _spammer(scanned)
    found = author.messages_by_person(scanned, person)
    n = len(found.to_decide)
    without = sum(1 for m in found.to_decide if m.item_id is None)
    with pytest.raises(BadInput, match="needs a reason"):
        author.decide_everything(scanned, person, "remove", " ")
    with pytest.raises(BadInput, match="removed or kept"):
        author.decide_everything(scanned, person, "escalate", "Spam")
    items = author.decide_everything(scanned, person, "remove", "Spam")
    assert len(items) == n and row.id in items
    after = author.messages_by_person(scanned, person)
    assert after.to_decide == [] and {m.decided for m in after.messages} == {"removed"}
    with scanned.session() as s:
        sweep = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "moderation.everything_from_author")).all()
        removed = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "moderation.remove"))
        silenced = s.scalars(select(OutboxAction.target).where(
            OutboxAction.action == "silence_user")).all()
        made = s.scalars(select(QueueItem).where(QueueItem.label == author.LABEL)).all()
        assert audit.verify(s).ok
    assert [(e.subject_type, e.subject_id) for e in sweep] == [("person", person)]
    assert sweep[0].details == {"decision": "remove", "items": n, "items_made": without}
    assert removed == n and len(made) == without
    assert len(silenced) == len(set(silenced)), "one 'silence' per account, not per message"
    with pytest.raises(BadInput, match="already has a decision"):
        author.decide_everything(scanned, person, "remove", "Spam")
    # The page's U (and `queue undo --count N`) undoes the whole step.
    reopened = triage.undo_last(scanned, len(items))
    assert sorted(reopened) == sorted(items)
    assert len(author.messages_by_person(scanned, person).to_decide) == n


def test_volunteers_may_not_and_the_table_says_so(demo_path):
    assert "volunteer" not in author.permissions.COMMANDS[author.COMMAND]
    ws = Workspace.unlock(demo_path, "volunteer", PASSPHRASE)
    try:
        with pytest.raises(AccessDenied):
            author.messages_by_person(ws, 1)
        with pytest.raises(AccessDenied):
            author.decide_everything(ws, 1, "remove", "Spam")
    finally:
        ws.lock()


def test_command_line_lists_and_decides(scanned, monkeypatch, capsys):
    row, person = _spammer(scanned)
    n = len(author.messages_by_person(scanned, person).to_decide)
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    where = ["--workspace", str(scanned.path), "--profile", "steward"]
    assert main(["queue", "author", str(row.id), "--json", *where]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["person_id"] == person and listed["to_decide"] == n
    assert row.message_platform_id in {m["message"]["platform_id"]
                                       for m in listed["messages"]}
    assert main(["queue", "author", str(row.id), "--decide", "remove", *where]) == 2
    assert "needs a reason" in capsys.readouterr().err
    assert main(["queue", "author", str(person), "--person", "--decide", "remove",
                 "--reason-key", "1", *where]) == 0
    assert f"{n} item(s) decided" in capsys.readouterr().out
    assert main(["queue", "undo", "--count", str(n), *where]) == 0
    assert len(author.messages_by_person(scanned, person).to_decide) == n
