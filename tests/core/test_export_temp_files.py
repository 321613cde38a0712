"""No plaintext outside the workspace (issue 12, finding 8): a member export killed with SIGKILL
or SIGTERM leaves no readable member data in the temp folder or beside the target."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]

# A real `steward export` in its own process; each row is slowed down so the signal lands while
# rows are being written (the moment a constant_memory XlsxWriter has its temp files open).
SLOW_EXPORT = """
import sys, time
from steward import crypto
crypto.KDF_FLOOR = {"memory_kib": 8192, "iterations": 1}  # the test workspaces' fast KDF
import steward.hygiene.export as ex
real = ex.neutralise
def slow(value):
    if not slow.writing:
        slow.writing = True
        sys.stdout.write("writing rows\\n"); sys.stdout.flush()
    time.sleep(0.0005)
    return real(value)
slow.writing = False
ex.neutralise = slow
from steward.cli import main
sys.stdout.write("started\\n"); sys.stdout.flush()
raise SystemExit(main(sys.argv[1:]))
"""


def _run_and_signal(demo_path: Path, tmp_path: Path, fmt: str, sig: int):
    temp = tmp_path / "tmpdir"
    temp.mkdir()
    outdir = tmp_path / "out"
    outdir.mkdir()
    env = dict(os.environ, STEWARD_PASSPHRASE=PASSPHRASE, TMPDIR=str(temp), TEMP=str(temp),
               PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_EXPORT, "export", "members", "--preset", "steward",
         "--format", fmt, "--out", str(outdir / f"members.{fmt}"), "--purpose", "test",
         "--workspace", str(demo_path)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    assert proc.stdout.readline().strip() == b"started"
    assert proc.stdout.readline().strip() == b"writing rows"  # unlocked, querying, writing
    time.sleep(0.2)  # some rows written (each one slowed down)
    assert proc.poll() is None, "the export finished before it could be interrupted"
    proc.send_signal(sig)
    proc.wait(timeout=30)
    err = proc.stderr.read().decode()
    proc.stdout.close()
    proc.stderr.close()
    return proc.returncode, err, temp, outdir


def _emails(demo_path: Path) -> list[str]:
    from steward.workspace import Workspace

    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    with ws.engine.connect() as conn:
        emails = [r[0] for r in conn.exec_driver_sql(
            "SELECT email FROM identities WHERE email IS NOT NULL LIMIT 50")]
    ws.lock()
    return emails


def _readable_member_data(folder: Path, emails: list[str]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(e.encode() in data for e in emails) or data.startswith(b"PK"):
                found.append(str(path))
    return found


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_sigkill_leaves_nothing_readable(demo_path, tmp_path, fmt):
    emails = _emails(demo_path)
    code, _err, temp, outdir = _run_and_signal(demo_path, tmp_path, fmt, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert list(temp.iterdir()) == [], "files left in the temp folder"
    assert list(outdir.iterdir()) == [], "files left beside the target"
    assert _readable_member_data(tmp_path / "tmpdir", emails) == []


def test_sigterm_unwinds_and_removes_everything(demo_path, tmp_path):
    code, err, temp, outdir = _run_and_signal(demo_path, tmp_path, "xlsx", signal.SIGTERM)
    assert code == 130 and "interrupted" in err
    assert list(temp.iterdir()) == [] and list(outdir.iterdir()) == []


def test_xlsx_export_uses_no_temp_files(demo_ws, tmp_path, monkeypatch):
    import tempfile

    from steward.hygiene.export import ExportRequest, export_members

    made = []
    real = tempfile.mkstemp

    def spy(*args, **kwargs):
        made.append(str(kwargs.get("dir")))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    out = tmp_path / "m.xlsx"
    export_members(demo_ws, ExportRequest("steward", "xlsx", out, "test"))
    assert out.exists() and made == [str(tmp_path)]  # only the finished file's temp name
