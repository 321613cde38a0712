"""WhatsApp's "This message was deleted" lines: kept as posted, but no activity, no
conversation and no response. "<Media omitted>" is a real message (a photo was posted)."""

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from steward.cli import main
from steward.engagement.activity import load_activity
from steward.engagement.deleted import is_deletion_placeholder
from steward.engagement.drilldown import day_messages
from steward.engagement.metrics import Period, Scope, engagement_report
from steward.store.models import Message
from tests.conftest import PASSPHRASE

# Worked out by hand, with the default 60-minute gap. 10:00 Ann asks; Ben's only line, five
# minutes later, is a deleted message: no answer, so Ann's conversation is still waiting.
# 14:00 Cara posts a photo (media omitted from the export) and Dan answers it at 14:10.
# Eve's only line is her own deleted message: she never took part. Activity: Ann, Cara (her
# photo counts), Dan; three messages; two conversations, one without a response.
CHAT = """\
13/03/2026, 09:00 - Ann Lee created group "Hall users"
13/03/2026, 10:00 - Ann Lee: Is the hall open on Saturday?
13/03/2026, 10:05 - Ben Cole: This message was deleted
13/03/2026, 14:00 - Cara Diaz: <Media omitted>
13/03/2026, 14:10 - Dan Eze: Lovely photo!
13/03/2026, 16:00 - Eve Ford: You deleted this message
"""


@pytest.fixture
def imported(workspace, monkeypatch, tmp_path):
    export = tmp_path / "WhatsApp Chat with Hall users.txt"
    export.write_text(CHAT, encoding="utf-8")
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    path = workspace.path
    workspace.lock()
    assert main(["import", "whatsapp", str(export), "--space", "Hall users", "--timezone",
                 "UTC", "--workspace", str(path)]) == 0
    return path


def _engagement(path, capsys) -> dict:
    capsys.readouterr()
    assert main(["engagement", "--json", "--since", "2026-03-13", "--until", "2026-03-13",
                 "--timezone", "UTC", "--workspace", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_deleted_message_is_kept_but_is_neither_activity_nor_a_response(imported, capsys):
    data = _engagement(imported, capsys)
    assert (data["conversations_started"], data["conversations_without_response"]) == (2, 1)
    assert data["time_to_first_response_hours"]["median"] == round(10 / 60, 2)
    assert data["messages"] == 3
    assert data["members_taking_part"] == 3
    assert data["new_contributors"] == 3
    waiting = {n["name"] for n in data["newcomers_to_welcome"]}
    assert waiting == {"Ann Lee"}  # not Ben or Eve, who only deleted; Cara was answered
    assert data["daily"][0]["messages"] == 3


def test_the_deleted_lines_stay_in_the_store_and_out_of_a_chart_day(imported):
    from steward.workspace import Workspace

    ws = Workspace.unlock(imported, passphrase=PASSPHRASE)
    try:
        with ws.session() as s:
            texts = [t for (t,) in s.execute(select(Message.text).where(
                Message.kind == "message").order_by(Message.id))]
        assert "This message was deleted" in texts and "You deleted this message" in texts
        shown = [m.text for m in day_messages(ws, date(2026, 3, 13), Scope(), "UTC")]
        assert sorted(shown) == sorted(["Is the hall open on Saturday?", "", "Lovely photo!"])
        # A message edited into a placeholder leaves the figures at once (and back again).
        with ws.transaction() as s:
            ann = s.scalar(select(Message).where(Message.text.like("Is the hall%")))
            ann.text = "This message was deleted"
        period = Period(date(2026, 3, 13), date(2026, 3, 13))
        now = datetime(2026, 3, 14)
        assert engagement_report(ws, period, now=now).messages == 2
        assert len(load_activity(ws)) == 2
        with ws.transaction() as s:
            ann = s.scalar(select(Message).where(Message.text == "This message was deleted",
                                                 Message.space_id.is_not(None))
                           .order_by(Message.id))
            ann.text = "Is the hall open on Saturday?"
        assert engagement_report(ws, period, now=now).messages == 3
    finally:
        ws.lock()


@pytest.mark.parametrize(("text", "placeholder"), [
    ("This message was deleted", True), ("This message was deleted.", True),
    ("You deleted this message", True), ("You deleted this message.", True),
    ("This message was deleted by admin Jo Evans", True),
    ("<Media omitted>", False), (None, False), ("", False),
    ("This message was deleted by mistake, sorry! " + "x" * 120, False),
    ("Was this message deleted?", False),
])
def test_what_counts_as_a_deletion_placeholder(text, placeholder):
    assert is_deletion_placeholder(text) is placeholder
