"""Backup, restore, and damage noticed: one encrypted file, checked before anything is replaced."""

from __future__ import annotations

import json
import zipfile

import pytest

from steward import backup
from steward.cli import main
from steward.errors import AccessDenied, BadInput, StewardError
from steward.jobs import run_to_end
from steward.overview import workspace_stats
from tests.conftest import PASSPHRASE


def _counts(path, profile="admin"):
    from steward.workspace import Workspace

    ws = Workspace.unlock(path, profile, PASSPHRASE)
    try:
        return workspace_stats(ws)
    finally:
        ws.lock()


def test_backup_verify_and_restore_round_trip(demo_ws, demo_path, tmp_path):
    before = workspace_stats(demo_ws)
    out = run_to_end(backup.write_backup(demo_ws, tmp_path / "charity.zip"))
    assert out.exists() and not list(tmp_path.glob(".charity.zip*"))  # nothing half-written
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == sorted(backup.MEMBERS)
        # Still encrypted: no SQLite header, no member's text in the clear.
        assert not z.read(backup.DB_FILE).startswith(b"SQLite format 3")
    assert backup.backup_age_days(demo_ws) == 0 and not backup.backup_overdue(demo_ws)

    check = backup.verify_backup(out, "admin", PASSPHRASE)
    assert check.workspace_id == demo_ws.id and check.audit_events > 0

    # Restore onto "a new laptop" (a folder that does not exist yet) while the original is open.
    target = tmp_path / "new-laptop" / "Charity"
    target.parent.mkdir()
    restored, aside = backup.restore_backup(out, target, "admin", PASSPHRASE)
    assert aside is None and restored.workspace_id == demo_ws.id
    after = _counts(target)
    assert {k: after[k] for k in ("persons", "messages", "spaces")} == {
        k: before[k] for k in ("persons", "messages", "spaces")}
    assert _counts(target, "lead")["messages"] == before["messages"]  # every profile travels


def test_restore_over_a_workspace_keeps_the_old_one(demo_ws, demo_path, tmp_path):
    out = run_to_end(backup.write_backup(demo_ws, tmp_path / "b.zip"))
    demo_ws.lock()
    _, aside = backup.restore_backup(out, demo_path, "admin", PASSPHRASE)
    assert aside is not None and (aside / "steward.db").exists()
    assert _counts(demo_path)["messages"] == _counts(aside)["messages"]


def test_damaged_backups_are_refused_and_nothing_is_replaced(demo_ws, demo_path, tmp_path):
    good = run_to_end(backup.write_backup(demo_ws, tmp_path / "good.zip"))
    demo_ws.lock()
    before = (demo_path / "steward.db").read_bytes()

    flipped = tmp_path / "flipped.zip"  # one byte changed inside the database
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo(backup.DB_FILE)
    middle = info.header_offset + 100 + info.compress_size // 2
    data[middle] ^= 0xFF
    flipped.write_bytes(bytes(data))
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: len(data) // 2])
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("../../etc/passwd", "x")
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello")

    for bad in (flipped, truncated, foreign, not_zip):
        with pytest.raises(BadInput) as err:
            backup.restore_backup(bad, demo_path, "admin", PASSPHRASE)
        assert bad.name in str(err.value), err.value
        assert (demo_path / "steward.db").read_bytes() == before
        assert not list(tmp_path.glob(".*restoring*")) and not list(
            demo_path.parent.glob("*.before-restore-*"))


def test_restore_needs_an_admin_and_the_right_passphrase(demo_ws, tmp_path):
    out = run_to_end(backup.write_backup(demo_ws, tmp_path / "b.zip"))
    target = tmp_path / "elsewhere"
    with pytest.raises(AccessDenied):
        backup.restore_backup(out, target, "volunteer", PASSPHRASE)
    with pytest.raises(StewardError, match="wrong passphrase"):
        backup.restore_backup(out, target, "admin", "not it at all")
    assert not target.exists()


def test_backup_is_refused_inside_the_workspace(demo_ws):
    with pytest.raises(BadInput, match="outside the workspace"):
        run_to_end(backup.write_backup(demo_ws, demo_ws.path / "b.zip"))


def test_backup_reminder_after_the_set_days(demo_ws, tmp_path):
    from datetime import timedelta

    from steward import clock

    assert backup.backup_overdue(demo_ws)  # never backed up
    run_to_end(backup.write_backup(demo_ws, tmp_path / "b.zip"))
    demo_ws.set_setting(backup.REMIND_DAYS_SETTING, 3)
    assert not backup.backup_overdue(demo_ws)
    earlier = (clock.now() - timedelta(days=4)).isoformat(timespec="seconds")
    demo_ws.set_setting(backup.LAST_BACKUP_SETTING, earlier)
    assert backup.backup_age_days(demo_ws) == 4 and backup.backup_overdue(demo_ws)


def test_command_line_backup_verify_restore(demo_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "b.zip"
    ws = ["--workspace", str(demo_path)]
    assert main(["backup", "--out", str(out), *ws, "--profile", "volunteer"]) == 1
    assert "may not run `steward backup`" in capsys.readouterr().err
    assert main(["backup", "--out", str(out), *ws]) == 0
    assert "Backup written" in capsys.readouterr().out
    assert main(["backup", "--verify", str(out)]) == 0
    assert "every link intact" in capsys.readouterr().out
    target = tmp_path / "restored"
    assert main(["restore", str(out), "--workspace", str(target)]) == 0
    assert "Restored" in capsys.readouterr().out
    assert main(["audit", "verify", "--workspace", str(target)]) == 0
    assert "database: sound" in capsys.readouterr().out
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really")
    assert main(["backup", "--verify", str(junk)]) == 2
    err = capsys.readouterr().err
    assert "junk.zip" in err and len(err.strip().splitlines()) == 1


def test_a_damaged_database_is_named_at_unlock(demo_path):
    from steward.workspace import Workspace

    db = demo_path / "steward.db"
    data = bytearray(db.read_bytes())
    page = 4096
    for at in range(20 * page, 24 * page):  # a few pages in the middle, scrambled
        data[at] ^= 0x5A
    db.write_bytes(bytes(data))
    with pytest.raises(StewardError, match="restore it from your last backup"):
        Workspace.unlock(demo_path, "admin", PASSPHRASE)


def test_manifest_of_another_format_is_refused(demo_ws, tmp_path):
    good = run_to_end(backup.write_backup(demo_ws, tmp_path / "b.zip"))
    odd = tmp_path / "odd.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(odd, "w") as dst:
        for name in src.namelist():
            body = src.read(name)
            if name == backup.MANIFEST:
                body = json.dumps(dict(json.loads(body), format=99)).encode()
            dst.writestr(name, body)
    with pytest.raises(BadInput, match="format"):
        backup.verify_backup(odd, "admin", PASSPHRASE)


def test_a_big_workspace_is_checked_after_unlock(demo_path, monkeypatch):
    """Above the size checked at unlock, the app runs the same quick check in the background."""
    from steward.store import engine
    from steward.workspace import Workspace

    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    monkeypatch.setattr(engine, "QUICK_CHECK_AT_UNLOCK_BYTES", 0)
    assert backup.health_problem(ws) is None
    ws.lock()
    db = demo_path / "steward.db"
    data = bytearray(db.read_bytes())
    for at in range(len(data) - 12 * 4096, len(data) - 8 * 4096):  # pages near the end
        data[at] ^= 0x5A
    db.write_bytes(bytes(data))
    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)  # not checked at unlock: too big
    try:
        assert "restore it from your last backup" in backup.health_problem(ws)
    finally:
        ws.lock()
