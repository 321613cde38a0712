"""Connectors: import of the demo exports per format, re-import, and incremental Discourse sync.

Each format's import rate (CPU seconds, best of two, interleaved) is printed beside the honest
floor measured in the same run: `orjson` parsing the same people and messages from JSON lines,
building the rows (ids, space and author lookups, threads) and inserting them into a fresh
SQLCipher file with the same tables and indexes, in batches as the import does, with what the
import must also write: a person and an identity for each person, the memberships and platform
reports (a Slack export's channel members and content flags), each thread's reply count and the
activity rows the engagement metrics read. It writes through the import's own statements
and row shapes (`ingest.insert_people`, `ingest.insert_messages`: no None bound, 0 or a lone NUL
and `nullif` instead) with the import's settings (page cache, collector steps, secondary indexes
built at the end), so the import has no trick the floor lacks. Two older anchors stay as
secondary lines: the same floor writing the messages only (the people written before its clock
starts; the floor until the fifth session of 2026-12-02), and stdlib sqlite3 inserting the rows
pre-parsed into an unencrypted file."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
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


def _floor_input(ws, tmp: Path) -> tuple[Path, list[tuple[str, str]], list[tuple], int]:
    """What the import wrote, as the JSON lines a perfect export would be: one line per person
    of the source (platform id, name, handle, email and phone with their normalised forms,
    joined, bot), then one per message; plus the schema (tables and indexes by name, no
    triggers) and the rows of the tables messages refer to."""
    import orjson

    with ws.session() as s:
        db = s.connection().connection.driver_connection
        source_id = db.execute("SELECT max(id) FROM sources").fetchone()[0]
        users = db.execute(
            "SELECT platform_id, display_name, handle, email, email_normalised, phone, "
            "phone_e164, joined_at, is_bot FROM identities WHERE source_id = ? ORDER BY id",
            (source_id,)).fetchall()
        rows = db.execute(
            "SELECT sp.platform_id, m.platform_id, m.created_at, i.platform_id, m.text, "
            "p.platform_id, m.kind, m.edited_at, m.deleted, m.reaction_count, "
            "m.attachment_count FROM messages m JOIN spaces sp ON sp.id = m.space_id "
            "LEFT JOIN identities i ON i.id = m.identity_id "
            "LEFT JOIN messages p ON p.id = m.parent_id ORDER BY m.id").fetchall()
        memberships = db.execute(
            "SELECT i.platform_id, sp.platform_id, m.role, m.status, m.joined_at, m.left_at "
            "FROM memberships m JOIN identities i ON i.id = m.identity_id JOIN spaces sp ON "
            "sp.id = m.space_id WHERE sp.source_id = ? ORDER BY m.id", (source_id,)).fetchall()
        reports = db.execute(
            "SELECT r.platform_id, m.platform_id, i.platform_id, r.reason, r.status, "
            "r.created_at, r.payload FROM platform_reports r LEFT JOIN messages m ON "
            "m.id = r.message_id LEFT JOIN identities i ON i.id = r.identity_id WHERE "
            "r.source_id = ? ORDER BY r.id", (source_id,)).fetchall()
        ddl = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS "
            "NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC").fetchall()
        parents = []
        for table in ("sources", "persons", "identities", "spaces"):
            parents.append((table, db.execute(f"SELECT * FROM {table}").fetchall()))
    person_keys = ("person", "name", "handle", "email", "email_normalised", "phone",
                   "phone_e164", "joined", "bot")
    keys = ("space", "id", "ts", "user", "text", "parent", "kind", "edited", "deleted",
            "reactions", "attachments")
    path = tmp / "floor.jsonl"
    with open(path, "wb") as f:
        for user in users:
            f.write(orjson.dumps(dict(zip(person_keys, user, strict=True))) + b"\n")
        for r in rows:
            f.write(orjson.dumps(dict(zip(keys, r, strict=True))) + b"\n")
        for r in memberships:
            f.write(orjson.dumps(dict(zip(("member", "space", "role", "status", "joined",
                                           "left"), r, strict=True))) + b"\n")
        for r in reports:
            f.write(orjson.dumps(dict(zip(("report", "message", "user", "reason", "status",
                                           "at", "payload"), r, strict=True))) + b"\n")
    return path, ddl, parents, source_id


def _floor_seconds(tmp: Path, data: tuple, run: int, people: bool = True) -> tuple[float, int]:
    """CPU seconds of the honest floor: orjson parse, build the rows, insert them into
    SQLCipher with the same tables and indexes, in batches of 5,000 in one transaction.

    It writes with the import's own statements and row shapes (`ingest.insert_people`,
    `ingest.insert_messages`, `ingest.ADD_REPLIES_SQL`: nothing bound is None) and the import's
    settings (its page cache, its garbage-collector steps, and the secondary indexes of
    messages built once at the end), so no trick of the import is one the floor lacks.
    With `people` (the floor the import is measured against), it writes what the import
    writes: a person and an identity per person line, the messages, the memberships and
    platform reports (one INSERT each, at the end), each thread's reply count (one UPDATE per
    thread with replies, at the end) and the activity rows (one INSERT ...
    SELECT over the new messages, `steward.engagement.activity.CATCH_UP_SQL`). Without it (the
    floor of the fourth session, kept as a secondary line), the people are written before the
    clock starts, and no memberships, reports, reply counts or activity rows are written."""
    import orjson

    from steward.connectors.ingest import (
        ADD_REPLIES_SQL,
        BATCH,
        DEFERRED_INDEXES,
        IMPORT_PAGE_CACHE_KIB,
        MISSING,
        identity_row,
        insert_messages,
    )
    from steward.engagement.activity import CATCH_UP_SQL
    from steward.jobs import collector_steps
    from steward.store.engine import connect_raw

    path, ddl, parents, source_id = data
    db_path = tmp / f"floor-{run}.db"
    conn = connect_raw(db_path, os.urandom(32))
    conn.execute("PRAGMA foreign_keys = OFF")
    for name, statement in ddl:
        if name not in DEFERRED_INDEXES:
            conn.execute(statement)
    for table, rows in parents:
        if rows and not (people and table in ("persons", "identities")):
            conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[0]))})",
                             rows)
    conn.commit()
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA cache_size = -{IMPORT_PAGE_CACHE_KIB}")
    spaces = dict(conn.execute("SELECT platform_id, id FROM spaces WHERE source_id = ?",
                               (source_id,)).fetchall())
    authors = {} if people else dict(conn.execute(
        "SELECT platform_id, id FROM identities WHERE source_id = ?", (source_id,)).fetchall())
    next_person = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM persons").fetchone()[0]
    next_identity = conn.execute(
        "SELECT coalesce(max(id), 0) + 1 FROM identities").fetchone()[0]
    now = "2026-12-02 12:00:00.000000"
    start = time.process_time()
    threads: dict[str, tuple[int, int]] = {}
    replies: dict[int, int] = {}
    batch: list[tuple] = []
    memberships: list[dict] = []
    reports: list[dict] = []
    persons: list[tuple] = []
    identities: list[tuple] = []
    mid = 0
    with open(path, "rb") as f, collector_steps() as step:
        conn.execute("BEGIN")
        for line in f:
            m = orjson.loads(line)
            if "person" in m:
                if people:
                    user, name, bot = m["person"], m["name"], m["bot"]
                    persons.append((next_person, name or m["handle"] or user, bot))
                    identities.append(identity_row(
                        next_identity, next_person, user, m["handle"], name, m["email"],
                        m["email_normalised"], m["phone"], m["phone_e164"], bot, m["joined"]))
                    authors[user] = next_identity
                    next_person += 1
                    next_identity += 1
                continue
            if "member" in m or "report" in m:
                if people:
                    (memberships if "member" in m else reports).append(m)
                continue
            mid += 1
            parent_id, thread_id = 0, mid
            if m["parent"] is not None:
                parent_id, thread_id = threads.get(m["parent"], (0, mid))
                if parent_id:
                    replies[thread_id] = replies.get(thread_id, 0) + 1
            threads[m["id"]] = (mid, thread_id)
            user, edited, text = m["user"], m["edited"], m["text"]
            batch.append((mid, spaces[m["space"]], authors[user] if user is not None else 0,
                          m["id"], thread_id, parent_id, m["kind"], m["ts"],
                          MISSING if edited is None else edited, m["deleted"],
                          MISSING if text is None else text, m["reactions"], m["attachments"]))
            if len(batch) >= BATCH:
                _floor_people(conn, source_id, persons, identities, now)
                insert_messages(conn, source_id, batch)
                batch.clear()
                step()
        _floor_people(conn, source_id, persons, identities, now)
        insert_messages(conn, source_id, batch)
        if people:
            _floor_memberships_and_reports(conn, source_id, memberships, reports, spaces,
                                           authors, threads)
            conn.executemany(ADD_REPLIES_SQL, [(n, tid) for tid, n in replies.items()])
        for name, statement in ddl:  # in the import's order: replies, indexes, activity
            if name in DEFERRED_INDEXES:
                conn.execute(statement)
        if people:
            conn.execute(CATCH_UP_SQL, (0,))
        conn.commit()
    seconds = time.process_time() - start
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return seconds, mid


def _floor_memberships_and_reports(conn, source_id: int, memberships: list[dict],
                                   reports: list[dict], spaces: dict, authors: dict,
                                   threads: dict) -> None:
    """The memberships and platform reports the import writes (a Slack export's channel
    members and content flags), in one statement each, as `ingest` writes them."""
    conn.executemany(
        "INSERT OR IGNORE INTO memberships (identity_id, space_id, role, status, joined_at, "
        "left_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(authors[m["member"]], spaces[m["space"]], m["role"], m["status"], m["joined"],
          m["left"]) for m in memberships])
    conn.executemany(
        "INSERT OR IGNORE INTO platform_reports (source_id, platform_id, message_id, "
        "identity_id, reason, status, created_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(source_id, r["report"], threads[r["message"]][0] if r["message"] else None,
          authors[r["user"]] if r["user"] else None, r["reason"], r["status"], r["at"],
          r["payload"]) for r in reports])


def _floor_people(conn, source_id: int, persons: list[tuple], identities: list[tuple],
                  now: str) -> None:
    if persons:
        from steward.connectors.ingest import insert_people

        insert_people(conn, source_id, persons, identities, now)
        persons.clear()
        identities.clear()


def _steward_seconds(tmp: Path, name: str, kind: str, paths: list[Path], opts):
    from steward.connectors.ingest import import_files
    from steward.jobs import run_to_end

    ws = _fresh(tmp, name)
    start, wall = time.process_time(), time.perf_counter()
    summary = run_to_end(import_files(ws, kind, paths, opts))
    return ws, summary, time.process_time() - start, time.perf_counter() - wall


def bench_format(kind: str, paths: list[Path], options: list[str]) -> list[Figure]:
    from steward.connectors.base import ImportOptions
    from steward.connectors.files import parse_timezone
    from steward.connectors.ingest import import_files
    from steward.jobs import run_to_end

    opts = ImportOptions(timezone=parse_timezone(options[1]) if options else None)
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ws, summary, cpu, wall = _steward_seconds(tmp, "a", kind, paths, opts)
        with Timer() as second:
            again = run_to_end(import_files(ws, kind, paths, opts))
        anchor_rate, rows = _sqlite_rate(ws, tmp)
        floor_data = _floor_input(ws, tmp) if rows else None
        ws.lock()
        if rows:  # the floors and the second import interleaved, each the best of two
            floor, _ = _floor_seconds(tmp, floor_data, 0)
            bare = _floor_seconds(tmp, floor_data, 1, people=False)[0]
            again_ws, _, cpu2, _ = _steward_seconds(tmp, "c", kind, paths, opts)
            again_ws.lock()
            floor = min(floor, _floor_seconds(tmp, floor_data, 2)[0])
            bare = min(bare, _floor_seconds(tmp, floor_data, 3, people=False)[0])
            cpu = min(cpu, cpu2)
            rate, floor_rate = summary.messages / cpu, rows / floor
            ratio = rate / floor_rate
            figures.append(Figure(
                f"import {kind}: {summary.messages:,} messages (CPU s, best of 2)", rate,
                "messages/s", "orjson parse + build rows + SQLCipher insert of the same "
                "people, messages, memberships, reports, reply counts and activity rows, same "
                "indexes, through the import's statements and settings",
                floor_rate, "rows/s", ">= 0.8 of the floor", ratio >= 0.8, ratio))
            figures.append(Figure(
                f"  import {kind} (CPU s)", rate, "messages/s",
                "the same floor writing messages only, people written beforehand (secondary)",
                rows / bare, "rows/s", "(no target)", None, rate * bare / rows))
            figures.append(Figure(
                f"  import {kind} (wall, first run)", summary.messages / wall, "messages/s",
                "stdlib sqlite3 inserting the same rows pre-parsed (secondary)", anchor_rate,
                "rows/s", ">= 0.4 of the anchor", summary.messages / wall / anchor_rate >= 0.4,
                summary.messages / wall / anchor_rate))
        else:
            rate = summary.people / cpu
            figures.append(Figure(f"import {kind}: {summary.people:,} people", rate, "people/s",
                                  "first import time (CPU)", cpu, "s", "(no target)", None))
        speedup = wall / max(second.seconds, 1e-6)
        nothing = again.messages == again.people == again.spaces == 0
        figures.append(Figure(f"  re-import {kind} adds nothing", second.seconds, "s",
                              "first import", wall, "s", ">= 3x faster, adds nothing",
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
