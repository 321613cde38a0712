"""Flags lifecycle, deadlines, assignment, append-only case entries, chronology, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DatabaseError

from steward import clock
from steward.errors import AccessDenied, BadInput
from steward.jobs import run_to_end
from steward.safeguarding import cases, flags, retention
from steward.safeguarding.handover import hand_over
from steward.safeguarding.scan import scan_job
from steward.store import audit
from steward.store.models import AuditEvent, CaseEntry, Flag, Message


def _actions(ws) -> list[str]:
    with ws.session() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def scanned(demo_ws):
    run_to_end(scan_job(demo_ws))
    return demo_ws


def test_overdue_first_then_severity(scanned):
    ws = scanned
    rows = flags.list_flags(ws)
    assert rows and all(r.status == "new" for r in rows)
    later = clock.now() + timedelta(hours=2)  # criticals (1 h) are now overdue
    rows = flags.list_flags(ws, now=later)
    overdue = [r.overdue for r in rows]
    assert overdue == sorted(overdue, reverse=True) and overdue[0]
    assert all(r.severity == "critical" for r in rows if r.overdue)
    assert flags.lead_summary(ws, now=later)["overdue"] == sum(overdue)
    by_due = flags.list_flags(ws, sort="due_at", descending=True, limit=3)
    assert len(by_due) == 3 and by_due[0].due_at >= by_due[-1].due_at
    assert flags.count_flags(ws) == len(rows)


def test_configurable_deadlines(demo_ws):
    demo_ws.set_setting("safeguarding.deadline_hours", {"high": 2})
    with demo_ws.transaction() as s:
        fid = hand_over(demo_ws, s, message_id=None, person_id=None, note="n", actor="admin")
    with demo_ws.session() as s:
        f = s.get(Flag, fid)
        meta = flags.metadata(demo_ws)[fid]  # the exact time is sealed; the plain one a day
        assert meta.due_at - meta.raised_at == timedelta(hours=2)
        assert f.created_at == meta.raised_at.replace(hour=0, minute=0, second=0, microsecond=0)


def test_lifecycle_with_entries_and_audit(scanned):
    ws = scanned
    fid = flags.list_flags(ws, category="self_harm")[0].id
    with pytest.raises(BadInput, match="can move to triaged"):
        flags.set_status(ws, fid, "referred")
    flags.set_status(ws, fid, "triaged", "spoke to the young person")
    flags.assign(ws, fid, "lead")
    with pytest.raises(BadInput, match="not a safeguarding lead"):
        flags.assign(ws, fid, "volunteer")
    flags.set_status(ws, fid, "referred", "MASH referral made")
    note = flags.add_note(ws, fid, "Called the family at 3pm")
    with pytest.raises(BadInput, match="needs a reason"):
        flags.close(ws, fid, "no further action")
    flags.close(ws, fid, "no further action", reason="family already supported by CAMHS")
    with pytest.raises(BadInput, match="closed"):
        flags.set_status(ws, fid, "monitoring")
    d = flags.flag_detail(ws, fid)
    assert d.row.status == "closed" and d.row.assigned_to == "lead"
    assert d.outcome == {"outcome": "no further action",
                         "reason": "family already supported by CAMHS"}
    assert [e.kind for e in d.entries] == ["status", "assignment", "status", "note", "status"]
    assert d.entries[3].id == note and d.signposting
    assert any(h["number"] == "116 123" for h in d.helplines)
    assert d.templates and "{name}" in d.templates[0].text
    with ws.session() as s:
        flag = s.get(Flag, fid)
        assert flag.retain_until - flag.closed_at == timedelta(days=6 * 365)
        raw = s.scalars(select(CaseEntry.body_enc).where(CaseEntry.flag_id == fid)).all()
    assert all(b"CAMHS" not in b and b"3pm" not in b for b in raw)
    actions = _actions(ws)
    for action in ("safeguarding.status", "safeguarding.assign", "safeguarding.note",
                   "safeguarding.close", "safeguarding.view"):
        assert action in actions


def test_entries_are_append_only_and_corrections_point_back(scanned):
    ws = scanned
    fid = flags.list_flags(ws)[0].id
    entry = flags.add_note(ws, fid, "Mum called on Tuesday")
    with pytest.raises(DatabaseError, match="append-only"), ws.transaction() as s:
        s.execute(update(CaseEntry).where(CaseEntry.id == entry).values(kind="x"))
    with pytest.raises(DatabaseError, match="retention"), ws.transaction() as s:
        s.execute(text("DELETE FROM case_entries WHERE id = :i"), {"i": entry})
    fix = cases.amend(ws, entry, "It was Wednesday, not Tuesday")
    entries = flags.flag_detail(ws, fid).entries
    original = next(e for e in entries if e.id == entry)
    correction = next(e for e in entries if e.id == fix)
    assert original.body["text"] == "Mum called on Tuesday"
    assert original.amended_by == (fix,) and correction.amends_id == entry
    assert "Wednesday" in correction.summary
    with pytest.raises(BadInput):
        cases.amend(ws, 999_999, "x")


def test_chronology_across_platforms(scanned):
    ws = scanned
    truth = ws.get_setting("demo.truth")
    # a person with flags: the grooming and contact details messages
    with ws.session() as s:
        person = next(m.person_id for m in flags.metadata(ws).values()
                      if m.category == "self_harm")
        mid = truth["safeguarding_messages"]["self_harm"][0]
        text_ = s.get(Message, mid).text
    fid = flags.list_flags(ws, person_id=person)[0].id
    flags.add_note(ws, fid, "Checked in by phone")
    cases.add_person_note(ws, person, "Known to the young carers' service")
    c = cases.chronology(ws, person)
    kinds = {i.kind for i in c.items}
    assert {"flag", "entry", "message"} <= kinds
    assert [i.at for i in c.items] == sorted(i.at for i in c.items)
    assert c.identities and any(i.platform for i in c.items if i.kind == "message")
    assert any(text_ == i.text for i in c.items if i.kind == "message") or person is None
    assert _actions(ws)[-1] == "safeguarding.chronology_view"


def test_other_profiles_are_refused(scanned, open_as):
    fid = flags.list_flags(scanned)[0].id
    for name in ("volunteer", "steward"):
        ws = open_as(name)
        assert flags.concerns_with_lead(ws) == flags.count_flags(scanned)
        for call in (lambda w: flags.list_flags(w), lambda w: flags.flag_detail(w, fid),
                     lambda w: flags.set_status(w, fid, "triaged"),
                     lambda w: cases.chronology(w, 1), lambda w: retention.due_for_review(w)):
            with pytest.raises(AccessDenied):
                call(ws)
    lead = open_as("lead")
    assert flags.flag_detail(lead, fid).row.id == fid


def test_retention_review_and_logged_purge(scanned):
    ws = scanned
    fid = flags.list_flags(ws, category="contact_details")[0].id
    flags.set_status(ws, fid, "triaged")
    flags.add_note(ws, fid, "Asked them to delete it")
    flags.close(ws, fid, "support given by the charity")
    with pytest.raises(BadInput, match="kept until"):
        retention.purge(ws, fid)
    assert retention.due_for_review(ws) == []
    # the retention period passes
    with ws.transaction() as s:
        s.get(Flag, fid).retain_until = clock.now() - timedelta(days=1)
    due = retention.due_for_review(ws)
    assert [i.flag_id for i in due] == [fid] and due[0].entries == 3
    until = retention.extend(ws, fid, 30, "referral still open")
    assert until > clock.now() and retention.due_for_review(ws) == []
    with ws.transaction() as s:
        s.get(Flag, fid).retain_until = clock.now() - timedelta(days=1)
    assert retention.purge(ws, fid) == 4
    with ws.session() as s:
        assert s.get(Flag, fid) is None
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (last.action, last.subject_id, last.details) == (
            "safeguarding.purge", fid, {"entries": 4})
        assert audit.verify(s).ok
    open_flag = flags.list_flags(ws)[0].id
    with pytest.raises(BadInput, match="not closed"):
        retention.purge(ws, open_flag)
