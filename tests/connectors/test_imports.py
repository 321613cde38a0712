"""Every format imports its demo export: each person, message and thread arrives once, and a
re-import adds nothing."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from steward.connectors import registry
from steward.connectors.base import ImportOptions
from steward.connectors.ingest import preview_files
from steward.jobs import run_to_end
from tests.connectors.helpers import run_import

LONDON = ZoneInfo("Europe/London")


def _counts(ws, source: str) -> dict:
    with ws.session() as s:
        row = s.connection().exec_driver_sql(
            "SELECT count(*), count(m.parent_id), count(DISTINCT m.identity_id), "
            "sum(m.reply_count), count(DISTINCT m.platform_id) FROM messages m "
            "JOIN sources s ON s.id = m.source_id WHERE s.name = ?", (source,)).one()
    return dict(zip(("messages", "replies", "authors", "reply_counts", "ids"), row, strict=True))


def test_registry_lists_every_kind_through_entry_points():
    assert registry.import_kinds() == sorted([
        "slack-export", "discord-export", "whatsapp", "telegram", "mbox", "facebook-group",
        "members-csv"])
    assert registry.live_platforms() == ["discourse"]


@pytest.mark.parametrize("kind, pattern, platform", [
    ("slack-export", "*Slack export.zip", "slack"),
    ("discord-export", "Youth Discord - *.json", "discord"),
    ("mbox", "announce.mbox", "mbox"),
])
def test_threaded_exports_arrive_once(workspace, exports, truth, kind, pattern, platform):
    paths = sorted(exports.glob(pattern))
    summary = run_import(workspace, kind, paths)
    got = _counts(workspace, summary.source)
    want = truth[platform]
    assert got["messages"] == got["ids"] == want["messages"] == summary.messages
    assert got["replies"] == want["replies"] == got["reply_counts"]
    assert got["authors"] == want["authors"]
    again = run_import(workspace, kind, paths)
    assert again.messages == again.people == again.spaces == 0
    assert again.parts_skipped >= 1
    assert _counts(workspace, summary.source) == got


def test_slack_users_emails_memberships_and_content_flags(workspace, exports):
    summary = run_import(workspace, "slack-export", list(exports.glob("*Slack export.zip")))
    with workspace.session() as s:
        db = s.connection()
        emails = db.exec_driver_sql("SELECT count(*) FROM identities WHERE email_normalised "
                                    "IS NOT NULL").scalar()
        bots = db.exec_driver_sql("SELECT count(*) FROM identities WHERE is_bot").scalar()
        flagged = db.exec_driver_sql("SELECT count(*), count(message_id) FROM "
                                     "platform_reports").one()
    assert summary.memberships > 0 and emails > 0 and bots == 1
    assert flagged[0] == flagged[1] == summary.reports


def test_whatsapp_android_and_iphone_give_the_same_messages(workspace, exports, truth):
    android = exports / "WhatsApp Chat with Parent carers.txt"
    iphone = exports / "WhatsApp Chat - Parent carers.zip"
    first = run_import(workspace, "whatsapp", [android], timezone=LONDON)
    # every demo message, plus the encryption notice as a system line
    assert first.messages == truth["whatsapp"]["messages"] + 1
    second = run_import(workspace, "whatsapp", [iphone], timezone=LONDON)
    assert second.messages <= 1 and second.already_there >= truth["whatsapp"]["messages"]
    with workspace.session() as s:
        kinds = dict(s.connection().exec_driver_sql(
            "SELECT kind, count(*) FROM messages GROUP BY kind").all())
        media = s.connection().exec_driver_sql(
            "SELECT count(*) FROM messages WHERE attachment_count > 0").scalar()
    assert kinds["system"] >= 1 and media > 0


def test_whatsapp_time_zone_is_applied(workspace, tmp_path):
    chat = tmp_path / "WhatsApp Chat with Test.txt"
    chat.write_text("21/07/2026, 14:05 - Sam: summer\n21/12/2026, 14:05 - Sam: winter\n"
                    "still winter\n", encoding="utf-8")
    run_import(workspace, "whatsapp", [chat], timezone=LONDON)
    with workspace.session() as s:
        rows = s.connection().exec_driver_sql(
            "SELECT created_at, text FROM messages ORDER BY created_at").all()
    assert [r[0][:16] for r in rows] == ["2026-07-21 13:05", "2026-12-21 14:05"]
    assert rows[1][1] == "winter\nstill winter"


def test_whatsapp_ambiguous_dates_need_an_answer(workspace, tmp_path):
    chat = tmp_path / "WhatsApp Chat with Test.txt"
    chat.write_text("[03/04/2026, 9:15:00\u202fAM] Sam: hello\n"
                    "[03/04/2026, 9:16:00\u202fPM] \u200eAlex: \u200e<attached: 1-PHOTO.jpg>\n",
                    encoding="utf-8")
    preview = run_to_end(preview_files("whatsapp", [chat], ImportOptions(timezone=LONDON)))
    assert preview.ambiguous_date_order and preview.needs_timezone and preview.messages == 2
    from steward.errors import BadInput

    with pytest.raises(BadInput, match="day/month or month/day"):
        run_import(workspace, "whatsapp", [chat], timezone=LONDON)
    run_import(workspace, "whatsapp", [chat], timezone=LONDON, date_order="mdy")
    with workspace.session() as s:
        rows = s.connection().exec_driver_sql(
            "SELECT created_at, attachment_count FROM messages ORDER BY id").all()
    assert rows[0][0].startswith("2026-03-04 09:15") and rows[1][0].startswith("2026-03-04 21:16")
    assert rows[1][1] == 1


def test_telegram_replies_links_and_reactions(workspace, exports, truth):
    summary = run_import(workspace, "telegram", [exports / "Telegram ChatExport" / "result.json"])
    got = _counts(workspace, summary.source)
    assert (got["messages"], got["replies"]) == tuple(truth["homework"])
    with workspace.session() as s:
        linked = s.connection().exec_driver_sql(
            "SELECT count(*) FROM messages WHERE text LIKE '%http%'").scalar()
    assert linked > 0


def test_facebook_fixes_mojibake(workspace, tmp_path):
    import json
    import zipfile

    text = "Café on Thursday — bring a friend 😊"
    bad = text.encode("utf-8").decode("latin-1")
    path = tmp_path / "facebook.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("your_facebook_activity/groups/your_posts_and_comments_in_groups.json",
                   json.dumps({"group_posts_v2": [{
                       "timestamp": 1763700000, "title": "Zoë Adé posted in Carers Café.",
                       "data": [{"post": bad}]}]}))
    run_import(workspace, "facebook-group", [path])
    with workspace.session() as s:
        row = s.connection().exec_driver_sql(
            "SELECT m.text, sp.name, i.display_name FROM messages m JOIN spaces sp ON "
            "sp.id = m.space_id JOIN identities i ON i.id = m.identity_id").one()
    assert row == (text, "Carers Café", "Zoë Adé")


def test_facebook_demo_download(workspace, exports):
    summary = run_import(workspace, "facebook-group", [exports / "facebook-riverside-download.zip"])
    assert summary.messages > 0 and summary.people == 1 and summary.memberships >= 1


def test_mailchimp_keeps_consent_and_bounces(workspace, exports):
    summary = run_import(workspace, "members-csv", [exports / "members_export_riverside.zip"])
    with workspace.session() as s:
        db = s.connection()
        statuses = dict(db.exec_driver_sql(
            "SELECT status, count(*) FROM email_statuses GROUP BY status").all())
        consents = dict(db.exec_driver_sql(
            "SELECT state, count(*) FROM consents GROUP BY state").all())
        left = db.exec_driver_sql("SELECT count(*) FROM memberships WHERE status = 'left'").scalar()
    assert statuses.get("subscribed", 0) > 0 and statuses.get("cleaned", 0) > 0
    assert consents["given"] == summary.people and consents.get("withdrawn", 0) > 0
    assert left == statuses["cleaned"] + statuses.get("unsubscribed", 0)
    again = run_import(workspace, "members-csv", [exports / "members_export_riverside.zip"])
    assert again.people == again.consents == again.email_statuses == 0


def test_eventbrite_and_custom_mapping(workspace, exports, tmp_path):
    summary = run_import(workspace, "members-csv",
                         [exports / "eventbrite-attendees-summer-picnic.csv"])
    assert summary.people > 0 and summary.spaces == 1
    custom = tmp_path / "helpers.csv"
    custom.write_text("Full name,E-mail,Mobile\nAsha Patel,ASHA@example.org,07700 900123\n",
                      encoding="utf-8")
    run_import(workspace, "members-csv", [custom],
               column_map={"name": "Full name", "email": "E-mail", "phone": "Mobile"})
    with workspace.session() as s:
        row = s.connection().exec_driver_sql(
            "SELECT email_normalised, phone_e164, display_name FROM identities "
            "WHERE display_name = 'Asha Patel'").one()
    assert row == ("asha@example.org", "+447700900123", "Asha Patel")


def test_slack_dm_thread_and_subtypes(workspace, tmp_path):
    import json
    import zipfile

    path = tmp_path / "Tiny Slack export Jan 1 2026 - Jan 2 2026.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("users.json", json.dumps([{"id": "U1", "name": "sam", "profile": {
            "real_name": "Sam", "email": "sam@example.org"}}]))
        z.writestr("org_users.json", "[]")
        z.writestr("channels.json", json.dumps([{"id": "C1", "name": "general", "created": 1,
                                                 "members": ["U1"]}]))
        z.writestr("general/2026-01-01.json", json.dumps([
            {"type": "message", "subtype": "channel_join", "user": "U1", "ts": "1767225600.000100",
             "text": "<@U1> has joined the channel"},
            {"type": "message", "user": "U1", "ts": "1767225700.000200", "text": "root",
             "thread_ts": "1767225700.000200", "reply_count": 1,
             "reactions": [{"name": "tada", "users": ["U1", "U2"], "count": 2}]},
            {"type": "message", "user": "U1", "ts": "1767225800.000300", "text": "reply",
             "thread_ts": "1767225700.000200", "files": [{"id": "F1"}]},
        ]))
    summary = run_import(workspace, "slack-export", [path])
    assert summary.source == "Slack: Tiny"
    with workspace.session() as s:
        rows = s.connection().exec_driver_sql(
            "SELECT kind, text, parent_id IS NOT NULL, reaction_count, reply_count, "
            "attachment_count, created_at FROM messages ORDER BY id").all()
    assert [r[:6] for r in rows] == [("join", "<@U1> has joined the channel", 0, 0, 0, 0),
                                     ("message", "root", 0, 2, 1, 0),
                                     ("message", "reply", 1, 0, 0, 1)]
    assert rows[0][6].startswith(str(datetime(2026, 1, 1)))


def test_demo_command_writes_every_format(tmp_path, monkeypatch):
    from steward.cli import main
    from steward.connectors.detect import guess_kind
    from tests.conftest import PASSPHRASE

    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "exports"
    assert main(["demo", "--workspace", str(tmp_path / "ws"), "--members", "30",
                 "--messages", "400", "--days", "60", "--exports", str(out), "--json"]) == 0
    kinds = {guess_kind(p) for p in out.iterdir()}
    assert set(registry.import_kinds()) <= kinds
    assert (out / "WhatsApp Chat - Parent carers.zip").exists()  # the iPhone variant too
    forum = json.loads((out / "discourse-forum.json").read_text(encoding="utf-8"))
    assert forum["posts"] and forum["users"] and forum["categories"]


def test_a_broken_plugin_is_left_out(monkeypatch):
    from importlib.metadata import EntryPoint

    broken = EntryPoint("broken", "no_such_module_anywhere:Importer", registry.GROUP)
    real = registry.entry_points

    monkeypatch.setattr(registry, "entry_points",
                        lambda group: [*real(group=group), broken])
    registry._classes.cache_clear()
    try:
        assert "broken" not in registry.import_kinds()
        assert "slack-export" in registry.import_kinds()
    finally:
        registry._classes.cache_clear()


def test_repeats_beyond_the_cache_are_still_found(workspace, tmp_path, monkeypatch):
    """Two overlapping channel exports in one import: every message once, bounded memory."""
    from steward.connectors import ingest

    monkeypatch.setattr(ingest, "CACHE_LIMIT", 50)
    monkeypatch.setattr(ingest, "BATCH", 40)
    messages = [{"id": str(1000 + i), "type": "Default", "timestamp": f"2026-01-01T10:{i // 60:02d}"
                 f":{i % 60:02d}+01:00", "content": f"m{i}", "author": {"id": "7", "name": "a"}}
                for i in range(300)]
    paths = []
    for n, part in enumerate((messages[:200], messages[100:])):
        path = tmp_path / f"part{n}.json"
        path.write_text(json.dumps({"guild": {"id": "1", "name": "G"},
                                    "channel": {"id": "2", "name": "c"}, "messages": part}))
        paths.append(path)
    summary = run_import(workspace, "discord-export", paths)
    assert summary.messages == 300 and summary.already_there == 100
