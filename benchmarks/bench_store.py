"""Encrypted workspace: bulk insert, unlock, stats, and memory while generating the demo."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.common import (
    PASSPHRASE,
    Figure,
    Timer,
    best_of,
    demo_workspace,
    run_steward,
    unlock,
)


def _message_rows(n: int) -> list[tuple]:
    base = datetime(2025, 1, 1)
    return [
        (i, 1, 1, None, f"m-{i}", i, None, "message",
         (base + timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f"), 0,
         f"Message number {i} about the rota and the summer picnic", i % 3, 0, 0)
        for i in range(1, n + 1)
    ]


COLUMNS = ("id", "source_id", "space_id", "identity_id", "platform_id", "thread_id", "parent_id",
           "kind", "created_at", "deleted", "text", "reaction_count", "reply_count",
           "attachment_count")


def bench_insert(n: int) -> Figure:
    from steward.store.bulk import insert_rows
    from steward.workspace import Workspace

    rows = _message_rows(n)
    with tempfile.TemporaryDirectory() as tmp:
        ws, _ = Workspace.create(Path(tmp) / "ws", "bench", PASSPHRASE)
        with ws.transaction() as s:
            s.connection().exec_driver_sql(
                "INSERT INTO sources (id, platform, name, config, cursor, created_at) "
                "VALUES (1, 'slack', 'b', '{}', '{}', '2025-01-01 00:00:00.000000')")
            s.connection().exec_driver_sql(
                "INSERT INTO spaces (id, source_id, platform_id, name, kind, visibility, audience,"
                " silence_amber_days, silence_red_days) VALUES (1, 1, 'c', 'c', 'channel',"
                " 'closed', 'general', 5, 7)")
        ddl = [r[0] for r in ws.engine.connect().exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'messages' AND sql IS NOT NULL")]
        with Timer() as ours, ws.transaction() as s:
            insert_rows(s, "messages", COLUMNS, rows)
        ws.lock()

        plain = sqlite3.connect(Path(tmp) / "plain.db")
        plain.execute("PRAGMA journal_mode = WAL")
        plain.execute("PRAGMA synchronous = NORMAL")
        for statement in ddl:  # the same table and indexes; no parent tables to reference
            plain.execute(statement)
        plain.commit()
        sql = f"INSERT INTO messages ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 14)})"
        with Timer() as raw:
            plain.executemany(sql, rows)
            plain.commit()
        plain.close()
    ours_rate, raw_rate = n / ours.seconds, n / raw.seconds
    ratio = ours_rate / raw_rate
    return Figure(f"bulk insert of {n:,} messages into the encrypted store", ours_rate, "rows/s",
                  "stdlib sqlite3 executemany, plain file, same rows and indexes", raw_rate,
                  "rows/s", ">= 0.5 of the anchor", ratio >= 0.5, ratio)


def bench_unlock() -> Figure:
    from steward import crypto
    from steward.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws, _ = Workspace.create(Path(tmp) / "ws", "bench", PASSPHRASE)
        ws.lock()
        seconds = best_of(lambda: Workspace.unlock(Path(tmp) / "ws", "admin", PASSPHRASE).lock(),
                          5)
        kdf = best_of(lambda: crypto.derive_kek(PASSPHRASE, os.urandom(16)), 5)
    return Figure("unlock with a passphrase", seconds * 1000, "ms",
                  "Argon2id key derivation alone", kdf * 1000, "ms", "< 300 ms",
                  seconds < 0.3)


def run(scale: float):
    yield bench_insert(int(500_000 * scale))
    yield bench_unlock()

    members, messages = int(100_000 * scale), int(2_000_000 * scale)
    baseline = best_of(lambda: subprocess.run(
        [sys.executable, "-c", "import steward.demo"], check=True), 1)
    path, seconds, peak = demo_workspace(members, messages)
    if seconds:
        _, base_rss = run_steward(["--help"])
        yield Figure(f"peak memory generating {members:,} people / {messages:,} messages",
                     peak / 2**20, "MiB", "the same command printing --help", base_rss / 2**20,
                     "MiB", "< 1024 MiB", peak < 2**30)
        yield Figure("demo generation time", seconds, "s", "python start + import steward.demo",
                     baseline, "s", "(no target; messages/s "
                     f"{messages / seconds:,.0f})", None)

    from steward.overview import workspace_stats

    ws = unlock(path)
    inproc = best_of(lambda: workspace_stats(ws), 3)
    ws.lock()
    env = dict(os.environ, STEWARD_PASSPHRASE=PASSPHRASE)
    with Timer() as cli:
        subprocess.run([sys.executable, "-m", "steward", "stats", "--json", "--workspace",
                        str(path)], check=True, env=env, stdout=subprocess.DEVNULL)
    start = best_of(lambda: subprocess.run([sys.executable, "-c", "import steward.cli"],
                                           check=True), 1)
    yield Figure(f"`steward stats --json` on {messages:,} messages (whole command)",
                 cli.seconds, "s", "python start + import steward.cli", start, "s", "< 1 s",
                 cli.seconds < 1.0)
    yield Figure("  of which counting (in process)", inproc, "s", "whole command", cli.seconds,
                 "s", "", None)
    yield from bench_checks_and_backup(path, messages)


def bench_checks_and_backup(path: Path, messages: int):
    """quick_check (at unlock, or in the background above 256 MB), the full integrity_check of
    `audit verify`, and a backup, each beside reading the whole file once."""

    from steward import backup
    from steward.jobs import run_to_end
    from steward.store.engine import integrity_problems

    db = path / "steward.db"
    size = db.stat().st_size

    def read_file():
        with open(db, "rb") as f:
            while f.read(1 << 22):
                pass

    read = best_of(read_file, 1)
    ws = unlock(path)
    quick = best_of(lambda: integrity_problems(ws.engine), 1)
    full = best_of(lambda: integrity_problems(ws.engine, full=True), 1)
    yield Figure(f"quick_check on {messages:,} messages ({size / 2**20:,.0f} MiB)", quick, "s",
                 "reading the file once", read, "s",
                 "inline at unlock only below 256 MiB; background above", None, quick / read)
    yield Figure("integrity_check (audit verify)", full, "s", "reading the file once", read, "s",
                 "(no target)", None, full / read)
    with tempfile.TemporaryDirectory() as tmp:
        with Timer() as made:
            run_to_end(backup.write_backup(ws, Path(tmp) / "b.zip"))
        yield Figure("backup (online copy + zip)", made.seconds, "s", "reading the file once",
                     read, "s", "(no target)", None, made.seconds / read)
    ws.lock()
