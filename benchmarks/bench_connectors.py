"""Connectors: import of the demo exports per format (messages/s beside stdlib sqlite3 inserting
the same rows pre-parsed, peak memory), re-import, and incremental Discourse sync."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from benchmarks.common import CACHE, PASSPHRASE, Figure, Timer, demo_workspace, run_steward, unlock

FORMATS = (  # kind, files (glob in the exports folder), extra CLI options
    ("slack-export", "*Slack export.zip", []),
    ("discord-export", "Youth Discord - *.json", []),
    ("whatsapp", "WhatsApp Chat with *.txt", ["--timezone", "Europe/London"]),
    ("telegram", "Telegram ChatExport/result.json", []),
    ("mbox", "announce.mbox", []),
    ("facebook-group", "facebook-*.zip", []),
    ("members-csv", "members_export_*.zip", []),
)
COLUMNS = ("id", "source_id", "space_id", "identity_id", "platform_id", "thread_id", "parent_id",
           "kind", "created_at", "edited_at", "deleted", "text", "reaction_count", "reply_count",
           "attachment_count")


def _exports(members: int, messages: int) -> Path:
    folder = CACHE / f"exports-{members}-{messages}"
    if not (folder / ".complete").exists():
        from steward.connectors.demo_exports import write_all

        path, _, _ = demo_workspace(members, messages)
        ws = unlock(path)
        try:
            write_all(ws, folder)
        finally:
            ws.lock()
        (folder / ".complete").write_text("ok\n")
    return folder


def _fresh(tmp: Path, name: str):
    from steward.workspace import Workspace

    ws, _ = Workspace.create(tmp / name, "bench", PASSPHRASE)
    return ws


def _sqlite_rate(ws, tmp: Path) -> tuple[float, int]:
    """stdlib sqlite3 inserting the rows the import wrote, pre-parsed, same table and indexes."""
    with ws.session() as s:
        db = s.connection()
        rows = db.exec_driver_sql(f"SELECT {', '.join(COLUMNS)} FROM messages").all()
        ddl = [r[0] for r in db.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'messages' AND sql IS NOT NULL")]
    if not rows:
        return 0.0, 0
    plain = sqlite3.connect(tmp / "plain.db")
    plain.execute("PRAGMA journal_mode = WAL")
    for statement in ddl:
        plain.execute(statement)
    sql = f"INSERT INTO messages ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    with Timer() as t:
        plain.executemany(sql, [tuple(r) for r in rows])
        plain.commit()
    plain.close()
    return len(rows) / t.seconds, len(rows)


def bench_format(kind: str, paths: list[Path], options: list[str]) -> list[Figure]:
    from steward.connectors.base import ImportOptions
    from steward.connectors.files import parse_timezone
    from steward.connectors.ingest import import_files
    from steward.jobs import run_to_end

    opts = ImportOptions(timezone=parse_timezone(options[1]) if options else None)
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ws = _fresh(tmp, "a")
        with Timer() as first:
            summary = run_to_end(import_files(ws, kind, paths, opts))
        with Timer() as second:
            again = run_to_end(import_files(ws, kind, paths, opts))
        anchor_rate, rows = _sqlite_rate(ws, tmp)
        ws.lock()
        records = summary.messages or summary.people
        rate = records / first.seconds
        if rows:
            ratio = rate / anchor_rate
            figures.append(Figure(
                f"import {kind}: {summary.messages:,} messages", rate, "messages/s",
                "stdlib sqlite3 inserting the same rows pre-parsed", anchor_rate, "rows/s",
                ">= 0.4 of the anchor", ratio >= 0.4, ratio))
        else:
            figures.append(Figure(f"import {kind}: {summary.people:,} people", rate, "people/s",
                                  "first import time", first.seconds, "s", "(no target)", None))
        speedup = first.seconds / max(second.seconds, 1e-6)
        nothing = again.messages == again.people == again.spaces == 0
        figures.append(Figure(f"  re-import {kind} adds nothing", second.seconds, "s",
                              "first import", first.seconds, "s", ">= 3x faster, adds nothing",
                              nothing and speedup >= 3, speedup))
        fresh = _fresh(tmp, "b")
        fresh.lock()
        seconds, peak = run_steward(["import", kind, *map(str, paths), *options, "--workspace",
                                     str(tmp / "b"), "--json"],
                                    env={"STEWARD_PASSPHRASE": PASSPHRASE})
        _, base = run_steward(["--help"])
        figures.append(Figure(f"  peak memory importing {kind}", peak / 2**20, "MiB",
                              "steward --help", base / 2**20, "MiB", "< 500 MiB",
                              peak < 500 * 2**20))
    return figures


def bench_discourse(exports: Path) -> Figure:
    import json

    from steward.connectors import discourse
    from steward.jobs import run_to_end
    from tests.connectors.forum_server import API_KEY, API_USER, ForumServer

    data = json.loads((exports / "discourse-forum.json").read_text(encoding="utf-8"))
    data["posts"] = data["posts"][:2000]
    ids = {p["id"] for p in data["posts"]}
    data["reviewables"] = [r for r in data["reviewables"] if r["target_id"] in ids]
    with tempfile.TemporaryDirectory() as tmp, ForumServer(data) as server:
        ws = _fresh(Path(tmp), "forum")
        discourse.add_source(ws, "Forum", server.url, API_USER, API_KEY)
        with Timer() as full:
            run_to_end(discourse.sync(ws, "Forum", API_KEY))
        server.forum.add_posts(1000)
        with Timer() as incremental:
            result = run_to_end(discourse.sync(ws, "Forum", API_KEY))
        ws.lock()
    assert result["posts"] == 1000, result
    return Figure("incremental Discourse sync of 1,000 new posts (loopback server)",
                  incremental.seconds, "s", "first sync of 2,000 posts", full.seconds, "s",
                  "< 5 s", incremental.seconds < 5)


def run(scale: float):
    import keyring

    from tests.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # the benchmark's API key touches no real keyring
    members, messages = int(100_000 * scale), int(2_000_000 * scale)
    exports = _exports(members, messages)
    for kind, pattern, options in FORMATS:
        yield from bench_format(kind, sorted(exports.glob(pattern)), options)
    yield bench_discourse(exports)
