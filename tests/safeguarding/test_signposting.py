"""Helplines (UK defaults, editable per workspace) and reply templates."""

from __future__ import annotations

import pytest

from steward.errors import AccessDenied, BadInput
from steward.safeguarding import signposting


def test_uk_defaults_and_templates():
    numbers = {h["name"]: h["number"] for h in signposting.default_helplines()}
    assert numbers["Samaritans"] == "116 123"
    assert numbers["Childline"] == "0800 1111"
    assert numbers["NSPCC helpline"] == "0808 800 5000"
    assert numbers["Emergency services"] == "999"
    assert signposting.shows_signposting("self_harm") and signposting.shows_signposting("abuse")
    assert not signposting.shows_signposting("contact_details")
    titles = [t.title for t in signposting.reply_templates("self_harm")]
    assert titles and all("{name}" in t.text for t in signposting.reply_templates("abuse"))
    assert not any("Bullying" in t for t in titles)


def test_workspace_helplines_round_trip_and_bad_lines(open_as):
    lead = open_as("lead")
    text = signposting.helplines_as_text(signposting.current_helplines(lead))
    edited = text + "\nLocal carers' line | 0113 496 0000 | Weekdays 9-5 | self_harm, abuse"
    signposting.save_helplines(lead, signposting.helplines_from_text(edited))
    with lead.session() as s:
        names = [h["name"] for h in signposting.helplines_for(s, "self_harm")]
        assert "Local carers' line" in names
        assert "Local carers' line" not in [h["name"] for h in
                                             signposting.helplines_for(s, "radicalisation")]
    with pytest.raises(BadInput, match="line 2"):
        signposting.helplines_from_text("Samaritans | 116 123\nno number here")
    with pytest.raises(BadInput):
        signposting.check_helplines([])
    with pytest.raises(AccessDenied):
        signposting.save_helplines(open_as("steward"), signposting.default_helplines())
