"""The demo's planted messages raise the right flags; other profiles cannot read them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from steward.errors import AccessDenied
from steward.jobs import run_to_end
from steward.safeguarding.policy import severity_rank
from steward.safeguarding.scan import scan_job
from steward.store.models import Flag

EXPECTED = {  # category -> lowest acceptable severity in the demo's young people's spaces
    "self_harm": "critical",
    "abuse": "critical",
    "grooming": "critical",
    "bullying": "high",
    "contact_details": "high",
}


def _flags(ws):
    from steward.safeguarding.flags import metadata  # who and what is sealed: leads decrypt

    return {(m.message_id, m.category): m.severity for m in metadata(ws).values()}


def test_planted_messages_raise_the_right_flags(demo_ws, monkeypatch):
    counts = run_to_end(scan_job(demo_ws))
    truth = demo_ws.get_setting("demo.truth")
    flags = _flags(demo_ws)
    for category, ids in truth["safeguarding_messages"].items():
        assert ids
        for message_id in ids:
            severity = flags.get((message_id, category))
            assert severity is not None, (category, message_id)
            assert severity_rank(severity) >= severity_rank(EXPECTED[category]), (category,)
    for message_id in truth["benign_lookalikes"]:
        assert not [c for (m, c) in flags if m == message_id]
    assert counts["flags"] == len(flags)
    # a second scan finds nothing new: the watermark moved past every message, and with
    # nothing to read it builds no detector (seconds of word lists on a big workspace)
    from steward.safeguarding import scan

    def no_detector(_session):
        raise AssertionError("a detector built with nothing to scan")

    monkeypatch.setattr(scan, "workspace_detector", no_detector)
    assert run_to_end(scan_job(demo_ws))["messages"] == 0
    assert _flags(demo_ws) == flags


def test_scan_under_steward_profile_is_unreadable_to_it(open_as):
    steward = open_as("steward")
    counts = run_to_end(scan_job(steward))
    assert counts["flags"] >= 11
    with pytest.raises(AccessDenied):
        steward.field_cipher()
    volunteer = open_as("volunteer")
    with pytest.raises(AccessDenied):
        volunteer.field_cipher()
    lead = open_as("lead")
    with lead.session() as s:
        flag = s.scalars(select(Flag)).first()
    assert "reasons" in lead.field_cipher().open_dropbox(
        flag.details_enc, lead.row_field("flags", flag.id, "details_enc"))
