"""Team workspace (issue 19) through a throwaway PostgreSQL cluster: the first sync of a demo
workspace to a new laptop (time and server size beside a plain COPY of the same messages into
PostgreSQL), and an incremental sync of 1,000 queue decisions (beside a plain INSERT of 1,000
rows of the same size). Skipped when the PostgreSQL server binaries are not installed."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from benchmarks.common import PASSPHRASE, Figure, Timer, demo_workspace, run_steward, unlock


def _size(conn, table: str) -> int:
    return int(conn.execute(f"SELECT pg_total_relation_size('{table}')").fetchone()[0])


def run(scale: float):
    import psycopg

    from steward.jobs import run_to_end
    from steward.moderation import queue, triage
    from steward.team import sync as team
    from tests.team.pgcluster import PASSWORD, Cluster, bin_dir

    found = bin_dir()
    if found is None:
        print("PostgreSQL server binaries not installed: team benchmark skipped")
        return
    members, messages = max(200, int(2000 * scale)), max(5000, int(50_000 * scale))
    source, _, _ = demo_workspace(members, messages)
    cluster = Cluster(found)
    tmp = Path(tempfile.mkdtemp(prefix="steward-bench-team-"))
    try:
        with cluster.admin() as admin_conn:
            admin_conn.execute("CREATE DATABASE bench")
        url = cluster.url("bench")
        admin_path = tmp / "admin"
        shutil.copytree(source, admin_path)
        run_steward(["scan", "--workspace", str(admin_path), "--json"],
                    env={"STEWARD_PASSPHRASE": PASSPHRASE})
        ws = unlock(admin_path)
        with Timer() as create:
            run_to_end(team.create_team(ws, url, PASSWORD))
        invitation, code = team.invite(ws, "lead", "safeguarding-lead", PASSWORD)
        ws.lock()
        (tmp / "lead.invitation").write_text(json.dumps(invitation))
        with Timer() as join:
            run_to_end(team.join(tmp / "lead.invitation", code, tmp / "lead", PASSPHRASE,
                                 PASSWORD))
        with psycopg.connect(url, password=PASSWORD, autocommit=True) as conn:
            server_bytes = _size(conn, "steward_envelopes")
            ws = unlock(admin_path)
            with ws.engine.connect() as local:
                rows = local.exec_driver_sql(
                    "SELECT id, space_id, identity_id, platform_id, created_at, text "
                    "FROM messages").all()
            ws.lock()
            conn.execute("CREATE TABLE plain_messages (id bigint, space_id bigint, "
                         "identity_id bigint, platform_id text, created_at text, text text)")
            with Timer() as copy, conn.cursor().copy(
                    "COPY plain_messages FROM STDIN") as cp:
                for r in rows:
                    cp.write_row([str(v) if v is not None else None for v in r])
            plain_bytes = _size(conn, "plain_messages")
        yield Figure(f"first sync to a new laptop ({members} members, {len(rows)} messages)",
                     join.seconds, "s", "plain COPY of the messages into PostgreSQL",
                     copy.seconds, "s", "under 60 s", join.seconds < 60,
                     join.seconds / max(copy.seconds, 1e-9))
        yield Figure("team create (snapshot pushed)", create.seconds, "s",
                     "plain COPY of the messages", copy.seconds, "s", "----", None)
        yield Figure("server size after the first sync", server_bytes / 2**20, "MiB",
                     "plain messages table", plain_bytes / 2**20, "MiB", "----", None,
                     server_bytes / max(plain_bytes, 1))

        ws = unlock(admin_path)
        items = [r.id for r in queue.list_items(ws)] or []
        made = 0
        while items and made < 1000:
            chunk = items[:1000 - made]
            triage.decide(ws, chunk, "approve", "Benchmark decision")
            made += len(chunk)
        with Timer() as push:
            run_to_end(team.sync(ws, PASSWORD))
        ws.lock()
        lead = unlock(tmp / "lead", "lead")
        with Timer() as pull:
            result = run_to_end(team.sync(lead, PASSWORD))
        lead.lock()
        with psycopg.connect(url, password=PASSWORD, autocommit=True) as conn:
            conn.execute("CREATE TABLE plain_rows (id bigint, body bytea)")
            with Timer() as plain, conn.transaction():
                conn.cursor().executemany("INSERT INTO plain_rows VALUES (%s, %s)",
                                          [(i, b"x" * 300) for i in range(made)])
        yield Figure(f"incremental sync of {made} decisions: send (capture, seal, push)",
                     push.seconds, "s", f"plain INSERT of {made} rows", plain.seconds, "s",
                     "under 10 s", push.seconds < 10)
        yield Figure(f"incremental sync of {made} decisions: receive ({result.applied} applied)",
                     pull.seconds, "s", f"plain INSERT of {made} rows", plain.seconds, "s",
                     "under 10 s", pull.seconds < 10)
    finally:
        cluster.close()
        shutil.rmtree(tmp, ignore_errors=True)
