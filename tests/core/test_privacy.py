"""Privacy and robustness: logs carry ids and counts, never a member's name, email or words;
exports leave nothing half-written or in the system temp folder; every connection keeps its
temporary tables in memory."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pytest

from steward import demo
from steward.connectors.demo_exports import write_all
from steward.errors import StewardError
from steward.hygiene.export import ExportRequest, export_members
from steward.jobs import run_to_end
from steward.moderation.scan import scan_job
from steward.safe_write import replaced_when_done
from steward.safeguarding import record
from steward.safeguarding.detectors import Detector
from steward.workspace import Workspace
from tests.conftest import DEMO_NOW, PASSPHRASE
from tests.connectors.helpers import run_import


def _personal_values(ws) -> set[str]:
    """Every display name, handle and email the workspace holds (long enough to be telling)."""
    with ws.session() as s:
        db = s.connection()
        values = {v for (v,) in db.exec_driver_sql("SELECT display_name FROM persons")}
        for row in db.exec_driver_sql("SELECT display_name, handle, email FROM identities"):
            values.update(row)
    return {v for v in values if v and len(v) >= 5}


def _logged(caplog) -> str:
    return "\n".join([caplog.text, *(r.getMessage() for r in caplog.records)])


def test_logs_carry_no_personal_data(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # the root logger: every library and every module
    source, _ = Workspace.create(tmp_path / "demo", "Riverside", PASSPHRASE)
    run_to_end(demo.generate(source, members=120, messages=1500, seed=5, now=DEMO_NOW))
    exports = tmp_path / "exports"
    write_all(source, exports)
    personal = _personal_values(source)
    source.lock()

    ws, _ = Workspace.create(tmp_path / "ws", "Riverside", PASSPHRASE)
    try:
        run_import(ws, "slack-export", sorted(exports.glob("*Slack export.zip")))
        run_import(ws, "mbox", [exports / "announce.mbox"])
        run_import(ws, "telegram", [exports / "Telegram ChatExport" / "result.json"])
        run_import(ws, "members-csv", [exports / "members_export_riverside.zip"])
        with pytest.raises(StewardError):  # a bad file on the way: its error is not logged
            run_import(ws, "whatsapp", [exports / "announce.mbox"])
        run_to_end(scan_job(ws))
        export_members(ws, ExportRequest("steward", "csv", tmp_path / "out.csv", "test"))
        assert personal & _personal_values(ws), "the flow imported no one: nothing was tested"
    finally:
        ws.lock()
    assert caplog.records, "nothing was logged at DEBUG: the capture is not working"
    logged = _logged(caplog)
    leaked = sorted(v for v in personal if v in logged)
    assert not leaked, f"personal data in the logs: {leaked[:5]}"


def test_a_failing_safeguarding_batch_logs_ids_not_text(demo_ws, caplog, monkeypatch):
    """A detector error that quotes a message must not carry the quote into the log."""
    def quoting_failure(self, texts, settings):
        raise ValueError(f"cannot read {texts[0]!r}")

    monkeypatch.setattr(Detector, "detect_many", quoting_failure)
    caplog.set_level(logging.DEBUG)
    with demo_ws.session() as s:
        texts = [t for (t,) in s.connection().exec_driver_sql(
            "SELECT text FROM messages WHERE length(text) > 20 ORDER BY id LIMIT 50")]
    run_to_end(scan_job(demo_ws))
    logged = _logged(caplog)
    assert "skipped message" in logged
    assert not [t for t in texts if t in logged]


def test_a_failed_export_leaves_no_file_behind(tmp_path):
    target = tmp_path / "report.pdf"
    with pytest.raises(RuntimeError), replaced_when_done(target) as tmp:
        assert tmp.parent == tmp_path  # beside the target, never in the system temp folder
        tmp.write_text("half a report")
        raise RuntimeError("the writer broke")
    assert list(tmp_path.iterdir()) == []
    target.write_text("the old one")
    with replaced_when_done(target) as tmp:
        tmp.write_text("the new one")
    assert target.read_text() == "the new one" and list(tmp_path.iterdir()) == [target]


def test_a_case_record_that_fails_midway_leaves_nothing(demo_ws, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    private_tmp = tmp_path / "tmp"  # not the shared /tmp, where other programs come and go
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    with demo_ws.session() as s:
        flag_id = s.connection().exec_driver_sql("SELECT min(id) FROM flags").scalar()
    if flag_id is None:
        run_to_end(scan_job(demo_ws))
        with demo_ws.session() as s:
            flag_id = s.connection().exec_driver_sql("SELECT min(id) FROM flags").scalar()

    def broken_writer(rec, path):
        Path(path).write_text(rec.title)  # some of the record is on disk ...
        raise OSError(28, "No space left on device")  # ... when the disk fills up

    with pytest.raises(StewardError, match="No space left"):
        record.export_case_record(demo_ws, out / "case.pdf", flag_id=flag_id,
                                  writer=broken_writer)
    assert list(out.iterdir()) == []
    assert list(private_tmp.iterdir()) == []
    record.export_case_record(demo_ws, out / "case.pdf", flag_id=flag_id)
    assert (out / "case.pdf").read_bytes().startswith(b"%PDF")
    assert [p.name for p in out.iterdir()] == ["case.pdf"]


def test_every_pooled_connection_keeps_temp_storage_in_memory(demo_ws):
    engine = demo_ws.engine
    connections = [engine.connect() for _ in range(6)]  # beyond the pool's core size
    try:
        assert [c.exec_driver_sql("PRAGMA temp_store").scalar() for c in connections] == [2] * 6
    finally:
        for c in connections:
            c.close()


def test_no_personal_data_in_the_workspace_file(demo_path):
    meta = (demo_path / "workspace.json").read_text(encoding="utf-8")
    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    try:
        personal = _personal_values(ws)
    finally:
        ws.lock()
    assert personal and not [v for v in personal if v in meta]
    assert all(name == "workspace.json" or name.startswith(("steward.db", "volunteer.db"))
               for name in os.listdir(demo_path))
    # the volunteer store is SQLCipher too: no plaintext SQLite header, no names
    store = (demo_path / "volunteer.db").read_bytes()
    assert not store.startswith(b"SQLite format 3")
    assert not [v for v in personal if v.encode() in store]


def test_a_damaged_database_is_one_line_on_stderr(demo_path, capfd, monkeypatch):
    """SQLCipher's own stderr log stays quiet: the person sees our one clear line."""
    from steward.cli import main

    (demo_path / "steward.db").write_bytes(os.urandom(8192))
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["stats", "--json", "--workspace", str(demo_path)]) == 1
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "damaged" in err, err
