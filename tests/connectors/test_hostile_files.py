"""Faults found when the importers met real and hostile files (issue 11): each file is made here,
written to disk and imported for real; a refusal is one BadInput naming the file (and the member
or message), exit 2 from the command line, and the workspace unchanged."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from steward.cli import main
from steward.connectors import files
from steward.errors import BadInput
from tests.conftest import PASSPHRASE
from tests.connectors.helpers import discord_channel as _channel
from tests.connectors.helpers import run_import, snapshot

DEEP = 100_000


def _refused(ws, kind, path: Path, *needles: str) -> str:
    before = snapshot(ws)
    with pytest.raises(BadInput) as err:
        run_import(ws, kind, [path])
    text = str(err.value)
    for needle in (path.name, *needles):
        assert needle in text, (needle, text)
    assert snapshot(ws) == before
    return text


def _zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _lie(path: Path, member: str, how: str) -> Path:
    """Alter one entry's header, in the local header and the central directory alike: a wrong
    CRC, or an uncompressed size smaller than the truth."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, crc_at, size_at in ((b"PK\x03\x04", 14, 22), (b"PK\x01\x02", 16, 24)):
        start = 0
        while True:
            i = data.find(signature, start)
            assert i >= 0, "entry not found"
            if data.find(name, i, i + 46 + len(name) + 4) > 0:
                break
            start = i + 4
        if how == "crc":
            data[i + crc_at:i + crc_at + 4] = b"\x01\x02\x03\x04"
        else:
            real = struct.unpack("<I", data[i + size_at:i + size_at + 4])[0]
            data[i + size_at:i + size_at + 4] = struct.pack("<I", real - 100)
    path.write_bytes(bytes(data))
    return path


# --- a damaged entry inside a ZIP ---------------------------------------------------------

MEMBERS_CSV = "subscribed_members_export_x.csv"
FB_POSTS = "your_facebook_activity/groups/your_posts_and_comments_in_groups.json"
SLACK_DAY = "general/2026-01-01.json"


def _damaged_exports(tmp_path: Path) -> list[tuple[str, Path, str]]:
    rows = "Email Address,First Name\n" + "".join(f"p{i}@example.org,P{i}\n" for i in range(300))
    posts = json.dumps({"group_posts_v2": [{"timestamp": 1763700000 + i, "title": "Sam posted "
                        "in Carers Café.", "data": [{"post": f"post {i}"}]} for i in range(200)]})
    day = json.dumps([{"type": "message", "user": "U1", "ts": f"1767225{i:03d}.000100",
                       "text": f"hello {i}"} for i in range(200)])
    chat = "".join(f"21/11/2026, 10:{i % 60:02d} - Sam: line {i}\n" for i in range(300))
    box = "".join(f"From sam@example.org Sat Nov 21 10:00:00 2026\nFrom: Sam <sam@example.org>\n"
                  f"Date: Sat, 21 Nov 2026 10:00:{i % 60:02d} +0000\nMessage-ID: <m{i}@x>\n"
                  f"Subject: s{i}\n\nbody {i}\n\n" for i in range(100))
    made = [
        ("members-csv", _zip(tmp_path / "members_export_x.zip", {MEMBERS_CSV: rows}), MEMBERS_CSV),
        ("facebook-group", _zip(tmp_path / "facebook-sam.zip", {FB_POSTS: posts}), FB_POSTS),
        ("slack-export", _zip(tmp_path / "Crc Slack export.zip", {
            "users.json": json.dumps([{"id": "U1", "name": "sam"}]),
            "channels.json": json.dumps([{"id": "C1", "name": "general"}]), SLACK_DAY: day}),
         SLACK_DAY),
        ("whatsapp", _zip(tmp_path / "WhatsApp Chat with Crc.zip", {"_chat.txt": chat}),
         "_chat.txt"),
        ("mbox", _zip(tmp_path / "list-archive.zip", {"messages.mbox": box}), "messages.mbox"),
    ]
    return made


@pytest.mark.parametrize("how", ["crc", "size"])
def test_a_damaged_zip_entry_is_bad_input_naming_file_and_member(workspace, tmp_path, how):
    for kind, path, member in _damaged_exports(tmp_path):
        _lie(path, member, how)
        options = {"timezone": files.parse_timezone("UTC")} if kind == "whatsapp" else {}
        before = snapshot(workspace)
        with pytest.raises(BadInput) as err:
            run_import(workspace, kind, [path], **options)
        assert path.name in str(err.value) and member in str(err.value), (kind, err.value)
        assert "damaged" in str(err.value)
        assert snapshot(workspace) == before


def test_a_damaged_zip_entry_exits_2_from_the_command_line(demo_path, tmp_path, monkeypatch,
                                                           capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    for kind, path, member in _damaged_exports(tmp_path)[:2]:  # the two reported
        _lie(path, member, "crc")
        code = main(["import", kind, str(path), "--workspace", str(demo_path)])
        err = capsys.readouterr().err
        assert code == 2, err
        assert path.name in err and member in err and "unexpected" not in err
        assert len(err.strip().splitlines()) == 1


# --- JSON nested far too deep -------------------------------------------------------------

def _deep() -> str:
    return "[" * DEEP + "]" * DEEP


def _discord(path: Path, messages: list) -> Path:
    path.write_text(json.dumps({
        "guild": {"id": "1", "name": "Hostile"}, "channel": {"id": "2", "name": "general"},
        "dateRange": {"after": None, "before": None},
        "messages": messages, "messageCount": len(messages)}), encoding="utf-8")
    return path


def _discord_message(i: int, **extra) -> dict:
    return {"id": str(1000 + i), "type": "Default", "timestamp": "2026-11-21T10:00:00+00:00",
            "content": f"hello {i}", "author": {"id": "42", "name": "sam"}, **extra}


def _telegram(path: Path, messages: list) -> Path:
    path.write_text(json.dumps({"name": "Carers", "type": "private_group", "id": 77,
                                "messages": messages}), encoding="utf-8")
    return path


def _telegram_message(i: int, **extra) -> dict:
    return {"id": i, "type": "message", "date": "2026-11-21T10:00:00",
            "date_unixtime": str(1763719200 + i), "from": "Sam", "from_id": "user1",
            "text": f"hello {i}", **extra}


def _slack(path: Path, day: str) -> Path:
    return _zip(path, {"users.json": json.dumps([{"id": "U1", "name": "sam"}]),
                       "channels.json": json.dumps([{"id": "C1", "name": "general"}]),
                       SLACK_DAY: day})


def _slack_day(messages: list) -> str:
    return json.dumps(messages)


def _slack_message(i: int, **extra) -> dict:
    return {"type": "message", "user": "U1", "ts": f"1767225{i:03d}.000100", "text": f"hi {i}",
            **extra}


def _with_raw(doc: str, marker: str, raw: str) -> str:
    """The JSON text with the quoted string `marker` replaced by raw JSON text."""
    assert f'"{marker}"' in doc
    return doc.replace(f'"{marker}"', raw)


def test_json_nested_100000_deep_in_a_message_is_refused(workspace, tmp_path):
    discord = _discord(tmp_path / "deep discord.json",
                       [_discord_message(1), _discord_message(2, embeds="DEEP")])
    discord.write_text(_with_raw(discord.read_text(), "DEEP", _deep()))
    text = _refused(workspace, "discord-export", discord, "nested too deeply", "message 2")
    assert "1002" in text  # the message's id, read from the start of its text

    telegram = _telegram(tmp_path / "result.json", [_telegram_message(1, text="DEEP")])
    telegram.write_text(_with_raw(telegram.read_text(), "DEEP", _deep()))
    _refused(workspace, "telegram", telegram, "nested too deeply", "message 1")

    for big_file in (False, True):  # a day file decoded whole, and one streamed
        day = _slack_day([_slack_message(1, blocks="DEEP")])
        if big_file:
            day = _slack_day([_slack_message(i, text="x" * 1000) for i in range(100)] +
                             [_slack_message(999, blocks="DEEP")])
        slack = _slack(tmp_path / f"Deep{big_file} Slack export.zip",
                       _with_raw(day, "DEEP", _deep()))
        _refused(workspace, "slack-export", slack, "nested too deeply", SLACK_DAY)

    fb = tmp_path / "your_posts_and_comments_in_groups.json"
    fb.write_text(json.dumps({"group_posts_v2": [{"timestamp": 1, "data": "DEEP"}]}))
    fb.write_text(_with_raw(fb.read_text(), "DEEP", _deep()))
    _refused(workspace, "facebook-group", fb, "nested too deeply")


def test_deep_but_plausible_nesting_still_imports(workspace, tmp_path):
    nested = json.loads("[" * 50 + "]" * 50)
    path = _discord(tmp_path / "nested.json", [_discord_message(1, embeds=nested)])
    assert run_import(workspace, "discord-export", [path]).messages == 1


# --- one enormous message ----------------------------------------------------------------

def test_one_message_over_the_cap_is_refused_naming_it(workspace, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_MESSAGE_BYTES", 64 << 10)
    monkeypatch.setattr(files.JsonStream, "CHUNK", 16 << 10)
    big = "x" * (200 << 10)
    path = _discord(tmp_path / "big discord.json",
                    [_discord_message(1), _discord_message(2), _discord_message(3, content=big)])
    _refused(workspace, "discord-export", path, "message 3", "1003", "64 KB")

    path = _telegram(tmp_path / "result.json", [_telegram_message(1), _telegram_message(7,
                                                                                    text=big)])
    _refused(workspace, "telegram", path, "message 2", "(id 7)", "64 KB")

    # a small day file is read whole: one larger than a message can be is streamed
    slack = _slack(tmp_path / "Big Slack export.zip",
                   _slack_day([_slack_message(1), _slack_message(2, text=big)]))
    _refused(workspace, "slack-export", slack, SLACK_DAY, "message 2", "1767225002.000100")

    # under the cap, the same files import
    monkeypatch.setattr(files, "MAX_MESSAGE_BYTES", 1 << 20)
    assert run_import(workspace, "slack-export", [slack]).messages == 2


# --- ids that are falsy but real ----------------------------------------------------------

def test_telegram_author_zero_is_a_person(workspace, tmp_path):
    path = _telegram(tmp_path / "result.json", [
        _telegram_message(1, from_id=0, **{"from": "Zero"}),
        _telegram_message(2, from_id="user5", **{"from": "Five"}),
        _telegram_message(3, from_id=0, reply_to_message_id=1),
        _telegram_message(4, from_id=None, **{"from": None}),
    ])
    summary = run_import(workspace, "telegram", [path])
    assert summary.people == 2 and summary.messages == 4
    with workspace.session() as s:
        rows = s.connection().exec_driver_sql(
            "SELECT m.platform_id, i.platform_id, i.display_name, m.parent_id IS NOT NULL "
            "FROM messages m LEFT JOIN identities i ON i.id = m.identity_id "
            "ORDER BY m.id").all()
    assert rows == [("77:1", "0", "Zero", 0), ("77:2", "user5", "Five", 0),
                    ("77:3", "0", "Zero", 1), ("77:4", None, None, 0)]


# --- NUL characters -----------------------------------------------------------------------

def test_nul_characters_never_reach_the_workspace(workspace, tmp_path):
    path = _discord(tmp_path / "nul.json", [_discord_message(1, content="a\u0000b")])
    run_import(workspace, "discord-export", [path])
    chat = tmp_path / "WhatsApp Chat with Nul.txt"
    chat.write_bytes(b"21/11/2026, 10:00 - Sam\x00: c\x00d\n")
    run_import(workspace, "whatsapp", [chat], timezone=files.parse_timezone("UTC"))
    with workspace.session() as s:
        db = s.connection()
        texts = [r[0] for r in db.exec_driver_sql("SELECT text FROM messages ORDER BY id")]
        names = [r[0] for r in db.exec_driver_sql("SELECT display_name FROM persons")]
    assert texts == ["ab", "cd"] and "Sam" in names


# --- Mailman 2 archives, byte-order marks, old Mac line ends -------------------------------

def _mailman2_month(n: int = 3) -> bytes:
    """A month of a Mailman 2 (pipermail) "Gzip'd Text" archive, as it serves them: addresses
    written "name at domain", few headers."""
    out = []
    for i in range(n):
        out.append(
            f"From sam.jones at example.org  Tue Mar  4 10:0{i}:00 2025\n"
            f"From: sam.jones at example.org (Sam Jones)\n"
            f"Date: Tue, 04 Mar 2025 10:0{i}:00 +0000\n"
            f"Subject: [carers] Thursday drop-in {i}\n"
            + ("In-Reply-To: <m0@example.org>\nReferences: <m0@example.org>\n" if i else "")
            + f"Message-ID: <m{i}@example.org>\n\nSee you on Thursday ({i}).\n\n")
    return "".join(out).encode()


def test_mailman2_gzip_bom_and_cr_only_archives_import(workspace, tmp_path):
    import gzip

    month = tmp_path / "2025-March.txt.gz"
    month.write_bytes(gzip.compress(_mailman2_month()))
    summary = run_import(workspace, "mbox", [month])
    assert summary.messages == 3 and summary.people == 1 and not summary.cut_short
    assert summary.source == "Mailing list: Mailing list"
    with workspace.session() as s:
        rows = s.connection().exec_driver_sql(
            "SELECT i.email_normalised, i.display_name, count(m.parent_id) FROM messages m "
            "JOIN identities i ON i.id = m.identity_id GROUP BY i.id").all()
    assert rows == [("sam.jones@example.org", "Sam Jones", 2)]

    bom = tmp_path / "bom.mbox"
    bom.write_bytes(b"\xef\xbb\xbf" + _mailman2_month().replace(b"<m", b"<bom"))
    assert run_import(workspace, "mbox", [bom]).messages == 3
    mac = tmp_path / "mac.mbox"
    mac.write_bytes(_mailman2_month().replace(b"<m", b"<mac").replace(b"\n", b"\r"))
    summary = run_import(workspace, "mbox", [mac])
    assert summary.messages == 3 and not summary.cut_short
    with workspace.session() as s:
        texts = [r[0] for r in s.connection().exec_driver_sql(
            "SELECT text FROM messages WHERE platform_id LIKE 'mac%' ORDER BY id")]
    assert texts[0] == "[carers] Thursday drop-in 0\n\nSee you on Thursday (0)."

    broken = tmp_path / "broken.txt.gz"
    broken.write_bytes(b"\x1f\x8b" + b"\x00" * 40)
    _refused(workspace, "mbox", broken, "not a readable gzip file")


# --- downloads cut short ------------------------------------------------------------------

def test_a_download_cut_short_is_said_in_the_summary(workspace, tmp_path):
    import gzip

    whole = _mailman2_month(4)
    cut = tmp_path / "cut.mbox"
    cut.write_bytes(whole[:-30])
    summary = run_import(workspace, "mbox", [cut])
    assert summary.messages == 4 and len(summary.cut_short) == 1
    assert "cut.mbox" in summary.describe() and "cut short" in summary.describe()
    headers_only = tmp_path / "headers.mbox"
    headers_only.write_bytes(whole[:whole.rindex(b"Subject:")].replace(b"<m", b"<h"))
    assert "stops in its headers" in run_import(workspace, "mbox", [headers_only]).cut_short[0]
    gz = tmp_path / "2025-April.txt.gz"
    packed = gzip.compress(_mailman2_month(60).replace(b"<m", b"<g"))
    gz.write_bytes(packed[:len(packed) * 2 // 3])
    summary = run_import(workspace, "mbox", [gz])
    assert summary.cut_short == [f"{gz}, the gzip file stops before its end"]
    assert 0 < summary.messages < 60
    intact = tmp_path / "intact.mbox"
    intact.write_bytes(whole.replace(b"<m", b"<i"))
    assert run_import(workspace, "mbox", [intact]).cut_short == []

    utc = files.parse_timezone("UTC")
    chat = "".join(f"21/11/2026, 10:{i:02d} - Sam: message {i} café\n" for i in range(20))
    complete = tmp_path / "WhatsApp Chat with Whole.txt"
    complete.write_text(chat, encoding="utf-8")
    assert run_import(workspace, "whatsapp", [complete], timezone=utc).cut_short == []
    data = chat.encode()
    for name, body in (("Mid line", data[:-9]), ("Mid char", data[:data.rindex("é".encode()) + 1]),
                       ("Nul padded", data[:-9] + b"\x00" * 4096)):
        path = tmp_path / f"WhatsApp Chat with {name}.txt"
        path.write_bytes(body)
        summary = run_import(workspace, "whatsapp", [path], timezone=utc)
        # a line cut inside a character cannot be read: the messages before it are imported
        assert summary.messages == (19 if name == "Mid char" else 20), name
        assert len(summary.cut_short) == 1, name
        assert "line 20" in summary.cut_short[0] and path.name in summary.describe()
    # inside a ZIP the CRC proves the file whole: a chat that ends without a line break is fine
    zipped = _zip(tmp_path / "WhatsApp Chat with Zipped.zip", {"_chat.txt": chat.rstrip("\n")})
    assert run_import(workspace, "whatsapp", [zipped], timezone=utc).cut_short == []


def test_cut_short_reaches_the_command_line_summary(demo_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "cut.mbox"
    path.write_bytes(_mailman2_month(2)[:-25])
    assert main(["import", "mbox", str(path), "--workspace", str(demo_path)]) == 0
    assert "looks cut short" in capsys.readouterr().out
    assert main(["import", "mbox", str(path), "--workspace", str(demo_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cut_short"] == []  # nothing read: unchanged


# --- messages deleted on the platform ------------------------------------------------------

def _deleted(ws) -> list[str]:
    with ws.session() as s:
        return [r[0] for r in s.connection().exec_driver_sql(
            "SELECT platform_id FROM messages WHERE deleted = 1 ORDER BY id")]


def test_messages_a_newer_whole_export_lacks_are_marked_deleted(workspace, tmp_path):
    first = list(range(101, 121))
    run_import(workspace, "discord-export", [_channel(tmp_path / "v1.json", first)])
    # no messageCount (an older DiscordChatExporter, or a file cut short): nothing is proved
    without = [i for i in first if i != 105]
    assert run_import(workspace, "discord-export",
                      [_channel(tmp_path / "v2.json", without, count=False)]).marked_deleted == 0
    # a later part of the channel (a partition) says nothing about the messages before it
    run_import(workspace, "discord-export", [_channel(tmp_path / "part.json",
                                                      list(range(115, 122)))])
    assert _deleted(workspace) == []
    # a filtered export (most of the span missing) is not taken as deletions either
    filtered = _channel(tmp_path / "filtered.json", [101, 120])
    assert run_import(workspace, "discord-export", [filtered]).marked_deleted == 0
    # the whole channel again, two messages deleted on Discord since, one new
    newer = [i for i in first if i not in (105, 110)] + [121, 122]
    summary = run_import(workspace, "discord-export", [_channel(tmp_path / "v3.json", newer)])
    assert summary.marked_deleted == 2 and summary.messages == 1
    assert "2 messages deleted on the platform" in summary.describe()
    assert _deleted(workspace) == ["105", "110"]


def _text(ws, platform_id: str) -> str | None:
    with ws.session() as s:
        return s.connection().exec_driver_sql(
            "SELECT text FROM messages WHERE platform_id = ?", (platform_id,)).scalar()


def test_a_message_edited_on_the_platform_takes_its_latest_text_at_a_re_import(workspace,
                                                                               tmp_path):
    from steward.hygiene.consent import forget_person

    ids = list(range(101, 111))
    run_import(workspace, "discord-export", [_channel(tmp_path / "v1.json", ids)])
    fixed = {103: ("message 103, corrected", "2026-11-22T09:00:00+00:00")}
    summary = run_import(workspace, "discord-export",
                         [_channel(tmp_path / "v2.json", ids, edits=fixed)])
    assert summary.edited == 1 and summary.messages == 0
    assert "1 message edited on the platform since updated" in summary.describe()
    assert _text(workspace, "103") == "message 103, corrected"
    # an older export (an earlier edit) imported after it does not take the text back
    earlier = {103: ("message 103, first try", "2026-11-21T12:00:00+00:00")}
    assert run_import(workspace, "discord-export",
                      [_channel(tmp_path / "v3.json", ids, edits=earlier)]).edited == 0
    assert _text(workspace, "103") == "message 103, corrected"
    # an erased author's messages take no text back
    with workspace.session() as s:
        person = s.connection().exec_driver_sql(
            "SELECT person_id FROM identities WHERE platform_id = '42'").scalar()
    forget_person(workspace, person)
    later = {104: ("message 104, edited", "2026-11-23T09:00:00+00:00")}
    assert run_import(workspace, "discord-export",
                      [_channel(tmp_path / "v4.json", ids, edits=later)]).edited == 0
    assert _text(workspace, "104") is None


def test_a_member_list_cut_short_is_said_and_a_whole_one_is_not(workspace, tmp_path):
    rows = "".join(f"Sam{n},Carer{n},0770090{n:04d},ZZ99 {n}AB\n" for n in range(5))
    whole = "First Name,Surname,Mobile,Post code\n" + rows
    cases = {
        "short.csv": (whole + "Alex,Par", "stops after 2 of 4 columns"),
        "quoted.csv": (whole + 'Alex,Parent,07700900777,"ZZ99', "ends inside a quoted cell"),
    }
    for name, (text, words) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        summary = run_import(workspace, "members-csv", [path])
        assert len(summary.cut_short) == 1 and words in summary.cut_short[0], summary.cut_short
        assert name in summary.describe() and "cut short" in summary.describe()
    for name, text in (("whole.csv", whole.replace("Sam", "Kim")),
                       ("no-final-newline.csv", whole.replace("Sam", "Lee").rstrip("\n"))):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert run_import(workspace, "members-csv", [path]).cut_short == []
