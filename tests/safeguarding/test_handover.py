from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from steward.errors import AccessDenied, BadInput
from steward.safeguarding.flags import metadata as flags_metadata
from steward.safeguarding.handover import hand_over
from steward.store.models import AuditEvent, Flag, Message


def test_steward_hands_over_and_cannot_read_back(demo_ws, open_as):
    steward = open_as("steward")
    with steward.session() as s:
        message_id = s.scalar(select(Message.id).order_by(Message.id).limit(1))
    with steward.transaction() as s:
        flag_id = hand_over(steward, s, message_id=message_id, person_id=None,
                            note="worried about this one", actor=steward.actor)
    with steward.session() as s:
        flag = s.get(Flag, flag_id)
        # who and what the flag is about is sealed: the steward's own columns say nothing
        assert (flag.status, flag.category, flag.person_id, flag.message_id) == (
            "new", "", None, None)
        meta = flags_metadata(demo_ws)[flag_id]
        assert (meta.category, meta.severity) == ("escalated", "high")
        assert meta.person_id is not None and meta.space_id is not None
        assert (meta.due_at - meta.raised_at).total_seconds() == 4 * 3600
        assert flag.created_at == meta.raised_at.replace(hour=0, minute=0, second=0,
                                                         microsecond=0)
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.subject_id, event.details) == (
            "safeguarding.handover", flag_id, {})
        assert b"worried" not in flag.details_enc
    with pytest.raises(AccessDenied):
        steward.field_cipher()
    details = json.loads(demo_ws.field_cipher().open_dropbox(
        flag.details_enc, demo_ws.row_field("flags", flag.id, "details_enc")))
    assert details["note"] == "worried about this one"


def test_handover_rolls_back_with_the_callers_transaction(demo_ws):
    with pytest.raises(RuntimeError), demo_ws.transaction() as s:
        hand_over(demo_ws, s, message_id=None, person_id=None, note="x", actor="admin")
        raise RuntimeError("caller failed")
    with demo_ws.session() as s:
        assert s.scalars(select(Flag)).first() is None


def test_handover_refuses_unknown_severity(demo_ws):
    with pytest.raises(BadInput), demo_ws.transaction() as s:
        hand_over(demo_ws, s, message_id=None, person_id=None, note="x", actor="admin",
                  severity="urgent")
