"""Bad input: one clear error naming the file (and line where it helps), exit 2 from the
command line, and the workspace exactly as before."""

from __future__ import annotations

import json
import zipfile

import pytest

from steward.cli import main
from steward.connectors import files
from steward.errors import BadInput
from tests.conftest import PASSPHRASE
from tests.connectors.helpers import run_import, snapshot


@pytest.fixture
def seeded(workspace, exports):
    """A workspace that already holds an import, so 'unchanged' means something."""
    run_import(workspace, "mbox", [exports / "announce.mbox"])
    return workspace


def _refused(ws, kind, path, match, **options):
    before = snapshot(ws)
    with pytest.raises(BadInput, match=match) as err:
        run_import(ws, kind, [path], **options)
    assert str(path.name) in str(err.value)
    assert snapshot(ws) == before
    return err.value


def test_truncated_zip(seeded, exports, tmp_path):
    good = (exports / "members_export_riverside.zip").read_bytes()
    bad = tmp_path / "truncated.zip"
    bad.write_bytes(good[: len(good) // 2])
    _refused(seeded, "members-csv", bad, "not a readable ZIP")


def test_corrupt_zip_member(seeded, tmp_path):
    path = tmp_path / "Broken Slack export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("users.json", "[]")
        z.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        z.writestr("general/2026-01-01.json", json.dumps([{"type": "message", "ts": "1.0",
                                                           "text": "x" * 5000}]))
    data = bytearray(path.read_bytes())
    start = data.find(b"general/2026-01-01.json") + 40
    data[start:start + 20] = b"\x00" * 20
    path.write_bytes(bytes(data))
    _refused(seeded, "slack-export", path, "damaged")


def test_zip_slip_is_refused(seeded, tmp_path):
    path = tmp_path / "slip Slack export.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("users.json", "[]")
        z.writestr("../../evil.json", "[]")
    _refused(seeded, "slack-export", path, "unsafe path")


def test_zip_bomb_is_refused(seeded, tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, \
            z.open("subscribed_members_export.csv", "w") as f:
        chunk = b"\0" * (1 << 20)
        for _ in range(8):
            f.write(chunk)
    _refused(seeded, "members-csv", path, "ZIP bomb")


def test_invalid_json(seeded, exports, tmp_path):
    path = tmp_path / "channel.json"
    text = (exports / "Youth Discord - gaming [9].json").read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2] + "}}}", encoding="utf-8")
    _refused(seeded, "discord-export", path, "not valid JSON")


def test_wrong_file_for_the_kind(seeded, exports):
    _refused(seeded, "discord-export", exports / "Telegram ChatExport" / "result.json",
             "does not look like a DiscordChatExporter")
    _refused(seeded, "whatsapp", exports / "announce.mbox", "does not look like a WhatsApp")
    _refused(seeded, "slack-export", exports / "members_export_riverside.zip",
             "does not look like a Slack export")
    _refused(seeded, "mbox", exports / "WhatsApp Chat with Parent carers.txt",
             "does not look like an mbox")


def test_telegram_html_export_gets_a_hint(seeded, tmp_path):
    folder = tmp_path / "ChatExport_2026-11-21"
    folder.mkdir()
    (folder / "messages.html").write_text("<!DOCTYPE html><html><body>hi</body></html>")
    _refused(seeded, "telegram", folder / "messages.html", "Machine-readable JSON")
    with pytest.raises(BadInput, match="HTML export"):
        run_import(seeded, "telegram", [folder])


def test_wrong_encoding(seeded, tmp_path):
    path = tmp_path / "WhatsApp Chat with Oldphone.txt"
    path.write_bytes("21/11/2026, 10:00 - José: olá\n".encode("cp1252"))
    err = _refused(seeded, "whatsapp", path, "not UTF-8")
    assert "line 1" in str(err)


def test_utf16_whatsapp_is_read(workspace, tmp_path):
    path = tmp_path / "WhatsApp Chat with Utf16.txt"
    path.write_bytes("21/11/2026, 10:00 - José: olá\n".encode("utf-16"))
    assert run_import(workspace, "whatsapp", [path], timezone=files.parse_timezone("UTC")) \
        .messages == 1


def test_empty_file(seeded, tmp_path):
    path = tmp_path / "empty.mbox"
    path.write_bytes(b"")
    _refused(seeded, "mbox", path, "is empty")


def test_a_gigabyte_single_line_is_refused_without_reading_it_all(seeded, tmp_path):
    """A sparse 1 GB file with no newline: the reader stops at the line limit."""
    path = tmp_path / "WhatsApp Chat with Huge.txt"
    with open(path, "wb") as f:
        f.write(b"21/11/2026, 10:00 - Sam: ")
        f.truncate(1 << 30)
    err = _refused(seeded, "whatsapp", path, "longer than")
    assert "line 1" in str(err)


def test_csv_long_cell(seeded, tmp_path):
    long = tmp_path / "long.csv"
    long.write_text("Email,Name\nx@example.org," + "a" * 200_000 + "\n", encoding="utf-8")
    _refused(seeded, "members-csv", long, "line 2")


def test_unknown_columns_ask_for_a_mapping(seeded, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Who,Where\nSam,Leeds\n", encoding="utf-8")
    _refused(seeded, "members-csv", path, "--map")


def test_cli_exits_2_and_names_the_file(demo_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "not-slack.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    code = main(["import", "slack-export", str(path), "--workspace", str(demo_path)])
    err = capsys.readouterr().err
    assert code == 2 and "not-slack.zip" in err and len(err.strip().splitlines()) == 1
    assert main(["import", "no-such-kind", str(path), "--workspace", str(demo_path)]) == 2


def test_member_list_with_nobody_in_it_is_refused(seeded, tmp_path):
    header_only = tmp_path / "members.csv"
    header_only.write_text("Email,Name\n", encoding="utf-8")
    _refused(seeded, "members-csv", header_only, "no member rows")
    nobody = tmp_path / "nobody.csv"
    nobody.write_text("Email,Name,Town\n,,Leeds\nnot an address,,York\n", encoding="utf-8")
    _refused(seeded, "members-csv", nobody, "no member rows")
