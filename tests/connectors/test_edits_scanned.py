"""A message edited on the platform after it was scanned: both scans read its new text once,
at their next run, without reading the whole history again."""

from __future__ import annotations

import pytest

from steward.jobs import run_to_end
from steward.moderation.queue import list_items
from steward.moderation.scan import scan_job
from steward.moderation.triage import decide
from steward.safeguarding import flags
from tests.connectors.helpers import discord_channel, run_import

IDS = list(range(101, 141))
SAY = "Lovely to see everyone at the walk this morning, same time next week? ({})"
DISCLOSURE = "honestly i cant go on anymore, i have been cutting myself again every night"
SPAM = ("Earn $500 a day from home!! Crypto investment, guaranteed returns, DM me on whatsapp "
        "https://bit.ly/cash-now https://bit.ly/cash-more")


def _import(ws, path, edits=None, ids=IDS):
    """The channel again, its posts an hour apart (no flooding), some edited since."""
    return run_import(ws, "discord-export",
                      [discord_channel(path, ids, edits=edits, apart=3600, say=SAY)])


def _scan(ws) -> dict:
    return run_to_end(scan_job(ws))


def _flags(ws, platform_id: str) -> list:
    return [f for f in flags.list_flags(ws, statuses=None) if f.message_platform_id == platform_id]


def _queued(ws, platform_id: str) -> list:
    return [i for i in list_items(ws) if i.message_platform_id == platform_id]


def test_a_message_edited_after_its_scan_is_scanned_again_once(workspace, tmp_path):
    _import(workspace, tmp_path / "v1.json")
    first = _scan(workspace)
    assert first["moderation"]["messages"] == len(IDS)
    assert first["safeguarding"]["flags"] == 0 and _queued(workspace, "120") == []

    edited = {110: (DISCLOSURE, "2026-11-25T09:00:00+00:00"),
              120: (SPAM, "2026-11-25T09:00:00+00:00")}
    summary = _import(workspace, tmp_path / "v2.json", edited)
    assert summary.edited == 2 and summary.messages == 0
    second = _scan(workspace)
    raised = _flags(workspace, "110")
    assert raised and all("Edited on the platform on 2026-11-25 09:00" in
                          flags.flag_detail(workspace, f.id).reasons[0] for f in raised)
    queued = _queued(workspace, "120")
    assert len(queued) == 1 and "Edited on the platform" in queued[0].reasons[0]
    assert second["moderation"]["edited"] == 2 and second["safeguarding"]["edited"] == 2
    assert second["moderation"]["messages"] == 0  # the history is not read again

    third = _scan(workspace)  # each edit is scanned once
    assert third["moderation"]["edited"] == third["safeguarding"]["edited"] == 0
    assert len(_flags(workspace, "110")) == len(raised) and len(_queued(workspace, "120")) == 1

    # 110 edited again into something harmless: the flag stays, nothing new is raised. 120,
    # approved as it read, edited into spam again: queued again, the decision was on the
    # earlier text. And a new post: each scanner has read every edit after that scan too.
    decide(workspace, [queued[0].id], "approve", "fine")
    _import(workspace, tmp_path / "v3.json",
            {110: ("sorry, wrong channel!", "2026-11-26T09:00:00+00:00"),
             120: (SPAM.replace("$500", "$900"), "2026-11-26T09:00:00+00:00")}, IDS + [141])
    fourth = _scan(workspace)
    assert fourth["safeguarding"]["edited"] == 2 and fourth["safeguarding"]["flags"] == 0
    assert fourth["moderation"]["messages"] == 1 and fourth["moderation"]["spam"] == 1
    assert len(_queued(workspace, "120")) == 1
    assert [f.id for f in _flags(workspace, "110")] == [f.id for f in raised]
    with workspace.session() as s:
        assert s.connection().exec_driver_sql(
            "SELECT scanner, last_edit_seq FROM scan_state ORDER BY scanner").all() == [
            ("moderation", 4), ("safeguarding", 4)]


def test_a_scan_that_fails_after_an_edit_loses_it_not_and_scans_it_once(workspace, tmp_path,
                                                                         monkeypatch):
    from steward.safeguarding import scan as safeguarding_scan

    _import(workspace, tmp_path / "v1.json", ids=IDS[:10])
    _scan(workspace)
    _import(workspace, tmp_path / "v2.json", {105: (DISCLOSURE, "2026-11-25T09:00:00+00:00"),
                                              106: (SPAM, "2026-11-25T09:00:00+00:00")},
            ids=IDS[:10])

    def crash(*args):
        raise OSError("the laptop's lid closed")

    with monkeypatch.context() as patched:  # moderation's pass is written, then it fails
        patched.setattr(safeguarding_scan, "_raise_flags", crash)
        with pytest.raises(OSError):
            _scan(workspace)
    assert _flags(workspace, "105") == [] and len(_queued(workspace, "106")) == 1
    again = _scan(workspace)
    assert again["moderation"]["edited"] == 0 and again["safeguarding"]["edited"] == 2
    assert len(_flags(workspace, "105")) >= 1 and len(_queued(workspace, "106")) == 1
