"""Interruptions (issue 11, part 5): SIGTERM ends a long command as Ctrl-C does (rolled back,
nothing half-made left), a demo killed part-way (even with SIGKILL) can be run again, and a
workspace another command is writing to gives one plain sentence. Real processes and real
connections."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from steward.cli import WORKSPACE_BUSY, main
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]

# A real `steward` in its own process, with test-strength key derivation; every step of the
# long job is announced on stdout and slowed down, so a signal lands while the job is working.
SLOW_STEWARD = """
import sys, time
from steward import crypto
crypto.KDF_FLOOR = {"memory_kib": 8192, "iterations": 1}
crypto.DEFAULT_KDF = {"alg": "argon2id", "iterations": 1, "lanes": 1, "memory_kib": 8192}
import steward.jobs as jobs
real = jobs.run_to_end
def slow(job, on_progress=None):
    def step(p):
        sys.stdout.write(f"{p.done} {p.text}\\n"); sys.stdout.flush()
        time.sleep(0.3)
    return real(job, step)
jobs.run_to_end = slow
from steward.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def _start(args: list[str], tmp_path: Path) -> subprocess.Popen:
    env = dict(os.environ, STEWARD_PASSPHRASE=PASSPHRASE, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", SLOW_STEWARD, *args], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _signal_when(proc: subprocess.Popen, ready, sig: int) -> tuple[int, str]:
    """Wait for a progress line for which `ready(done, text)` holds, then send `sig`."""
    for line in proc.stdout:
        done, _, text = line.decode().strip().partition(" ")
        if ready(int(done), text):
            break
    else:
        pytest.fail(f"the command ended before it could be interrupted: "
                    f"{proc.stderr.read().decode()}")
    assert proc.poll() is None
    proc.send_signal(sig)
    proc.wait(timeout=60)
    err = proc.stderr.read().decode()
    proc.stdout.close()
    proc.stderr.close()
    return proc.returncode, err


def _demo(path: Path, *extra: str) -> list[str]:
    return ["demo", "--workspace", str(path), "--members", "60", "--messages", "3000", *extra]


def _stats(path: Path, capsys) -> dict:
    assert main(["stats", "--json", "--workspace", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


def test_sigterm_ends_a_demo_like_ctrl_c_and_it_runs_again(tmp_path, monkeypatch, capsys):
    path = tmp_path / "demo-ws"
    proc = _start(_demo(path), tmp_path)
    # past "Creating spaces": the sources and spaces are committed, people are being written
    code, err = _signal_when(proc, lambda done, text: "spaces" not in text.lower(),
                             signal.SIGTERM)
    assert code == 130 and "interrupted" in err and "Traceback" not in err
    assert not path.exists() or list(path.iterdir()) == [], "half a demo left behind"
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(_demo(path)) == 0
    capsys.readouterr()
    assert _stats(path, capsys)["messages"] > 0


@pytest.mark.parametrize("when", ["people", "messages"])
def test_a_demo_killed_part_way_runs_again(tmp_path, monkeypatch, capsys, when):
    """SIGKILL runs no cleanup at all: the next run finds the unfinished demo and starts it
    afresh (it used to fail with `UNIQUE constraint failed: sources.id`)."""
    path = tmp_path / "demo-ws"
    proc = _start(_demo(path), tmp_path)
    ready = (lambda done, text: "spaces" not in text.lower()) if when == "people" else \
        (lambda done, text: done > 0)
    code, _err = _signal_when(proc, ready, signal.SIGKILL)
    assert code == -signal.SIGKILL and (path / "workspace.json").exists()
    monkeypatch.delenv("STEWARD_PASSPHRASE", raising=False)  # the demo's own passphrase
    assert main(_demo(path, "--json")) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["messages"] > 0
    monkeypatch.setenv("STEWARD_PASSPHRASE", "demo")
    assert not (path / ".demo-unfinished").exists()


def test_sigterm_rolls_an_import_back(demo_path, tmp_path, monkeypatch, capsys):
    chat = tmp_path / "WhatsApp Chat with Long.txt"
    chat.write_text("".join(f"21/11/2026, {i // 60 % 24:02d}:{i % 60:02d} - Person {i % 40}: "
                            f"message number {i}\n" for i in range(40_000)), encoding="utf-8")
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    before = _stats(demo_path, capsys)
    proc = _start(["import", "whatsapp", str(chat), "--timezone", "UTC",
                   "--workspace", str(demo_path)], tmp_path)
    code, err = _signal_when(proc, lambda done, text: done >= 10_000, signal.SIGTERM)
    assert code == 130 and "interrupted" in err
    assert _stats(demo_path, capsys) == before  # rolled back: not a message, not a source
    assert sorted(p.name for p in demo_path.iterdir() if "journal" in p.name) == []


def test_a_busy_workspace_is_one_plain_sentence(demo_path, tmp_path, monkeypatch, capsys):
    import sqlcipher3.dbapi2 as sqlcipher

    from steward.workspace import Workspace

    box = tmp_path / "list.mbox"
    box.write_bytes(b"From a@example.org Sat Nov 21 10:00:00 2026\nFrom: A <a@example.org>\n"
                    b"Date: Sat, 21 Nov 2026 10:00:00 +0000\nMessage-ID: <busy@x>\n\nhello\n")
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    # the driver waits 5 s (its default) for the other writer before it says busy
    real_connect = sqlcipher.connect
    monkeypatch.setattr(sqlcipher, "connect",
                        lambda *args, **kw: real_connect(*args, **kw, timeout=0.2))
    other = Workspace.unlock(demo_path, "admin", PASSPHRASE)  # another window, writing
    conn = other.engine.raw_connection()
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE spaces SET name = name")
        code = main(["import", "mbox", str(box), "--workspace", str(demo_path)])
    finally:
        conn.rollback()
        conn.close()
        other.lock()
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == f"steward: {WORKSPACE_BUSY}"
    # once the other writer has finished, the same command works
    assert main(["import", "mbox", str(box), "--workspace", str(demo_path)]) == 0


def test_busy_from_a_second_thread_is_recognised_through_sqlalchemy(demo_path):
    """The sentence is chosen from the error's chain, whichever layer raised it."""
    from sqlalchemy.exc import OperationalError

    from steward.cli import _database_locked
    from steward.workspace import Workspace

    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    holder = ws.engine.raw_connection()
    holder.execute("BEGIN IMMEDIATE")
    caught: list[BaseException] = []

    def write():
        try:
            with ws.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA busy_timeout = 100")
                conn.exec_driver_sql("UPDATE spaces SET name = name")
                conn.commit()
        except OperationalError as err:
            caught.append(err)

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(30)
    holder.rollback()
    holder.close()
    ws.lock()
    assert caught and _database_locked(caught[0])
    assert not _database_locked(ValueError("database is locked"))
