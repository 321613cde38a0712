"""Team workspace at scale (issue 19), run directly:

    PYTHONPATH=. python -m benchmarks.bench_team_scale --members 10000 --messages 200000

Through a throwaway PostgreSQL cluster (tests/team/pgcluster.py):
1. `team create` (the snapshot streamed in bounded batches) and the first sync of a new laptop
   (`team join`), beside a plain COPY of the same rows (every snapshot table) into PostgreSQL,
   with the server's size beside the plain tables' size;
2. an incremental sync of 1,000 queue decisions, beside a plain INSERT of 1,000 rows of the
   same size into PostgreSQL;
3. three staff laptops (admin, lead, steward) converging after 10,000 offline decisions each
   (on the same queue items, so most are conflicts), checked by equal state digests.
Prints one line per figure; peak memory is this process's (ru_maxrss). Not part of
`benchmarks.run` (`make bench`): at this size it takes from ten minutes to an hour."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
from pathlib import Path

from benchmarks.common import PASSPHRASE, Figure, Timer, demo_workspace, run_steward, unlock


def _size(conn, tables) -> int:
    return sum(int(conn.execute(f"SELECT pg_total_relation_size('{t}')").fetchone()[0])
               for t in tables)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _plain_copy(conn, ws) -> tuple[float, int, int]:
    """COPY every snapshot table's rows, as text, into plain PostgreSQL tables."""
    from steward.team import ops

    tables = []
    rows_total = 0
    with Timer() as t, ws.engine.connect() as local:
        conn_raw = local.connection.dbapi_connection
        for table in ops.snapshot_tables(local):
            cols = [r[1] for r in conn_raw.execute(f'PRAGMA table_info("{table}")')]
            name = f"plain_{table}"
            conn.execute(f'CREATE TABLE "{name}" ('
                         + ", ".join(f'"{c}" text' for c in cols) + ")")
            cur = conn_raw.execute(f'SELECT * FROM "{table}"')
            with conn.cursor().copy(f'COPY "{name}" FROM STDIN') as cp:
                while True:
                    chunk = cur.fetchmany(5000)
                    if not chunk:
                        break
                    for r in chunk:
                        cp.write_row([None if v is None else
                                      (v.hex() if isinstance(v, bytes) else str(v))
                                      for v in r])
                    rows_total += len(chunk)
            tables.append(name)
    return t.seconds, _size(conn, tables), rows_total


def _decide(ws, count: int, reason: str) -> int:
    from steward.moderation import triage

    with ws.engine.connect() as conn:
        items = [r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM queue_items WHERE status != 'escalated' ORDER BY id").all()]
    if not items:
        return 0
    made, turn = 0, 0
    while made < count:
        chunk = items[:count - made]
        triage.decide(ws, chunk, ("approve", "remove", "snooze")[turn % 3], f"{reason} {turn}")
        made += len(chunk)
        turn += 1
    return made


def _decide_directly(ws, count: int, reason: str) -> int:
    """`count` decisions written straight into the store, as `triage.decide` writes them but
    without its audit event and platform outbox (37 ms a decision on this machine would
    dominate): what a sync reads is the same."""
    from steward import clock

    now = str(clock.now())
    with ws.transaction() as s:
        conn = s.connection()
        items = [r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM queue_items WHERE status != 'escalated' ORDER BY id").all()]
        if not items:
            return 0
        rows, statuses = [], {}
        for n in range(count):
            action = ("approve", "remove", "snooze")[(n // len(items)) % 3]
            item = items[n % len(items)]
            rows.append((item, action, f"{reason} {n}", ws.actor, now))
            statuses[item] = {"approve": "approved", "remove": "removed",
                              "snooze": "snoozed"}[action]
        conn.exec_driver_sql("INSERT INTO decisions (queue_item_id, action, reason, actor, at) "
                             "VALUES (?, ?, ?, ?, ?)", rows)
        conn.exec_driver_sql("UPDATE queue_items SET status = ? WHERE id = ?",
                             [(st, i) for i, st in statuses.items()])
    return count


def _erasure(admin_path, url) -> Figure:
    """The person with the most messages erased on the admin's laptop, then its sync: the
    erasure pushed and every envelope naming them sealed again on the server (erasure.py),
    beside reading every envelope's body back with a plain SELECT."""
    import psycopg

    from steward.hygiene.consent import forget_person
    from steward.jobs import run_to_end
    from steward.team import sync as team
    from tests.team.pgcluster import PASSWORD

    ws = unlock(admin_path)
    with ws.engine.connect() as conn:
        person = conn.exec_driver_sql(
            "SELECT i.person_id FROM messages m JOIN identities i ON i.id = m.identity_id "
            "GROUP BY i.person_id ORDER BY count(*) DESC LIMIT 1").scalar()
    forget_person(ws, person)
    with Timer() as erase:
        result = run_to_end(team.sync(ws, PASSWORD))
    ws.lock()
    with psycopg.connect(url, password=PASSWORD) as conn, Timer() as read:
        count = len(conn.execute("SELECT body FROM steward_envelopes").fetchall())
    return Figure(f"an erasure: the sync that rewrites the {result.redacted} envelopes naming "
                  f"the person (of {count})", erase.seconds, "s",
                  "plain SELECT of every envelope body", read.seconds, "s", "----", None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--decisions", type=int, default=10_000,
                        help="offline decisions per laptop for the convergence run (0: skip)")
    parser.add_argument("--first-sync-only", action="store_true",
                        help="only `team create`, one `team join` and the plain COPY (the "
                             "100,000-member demo: the rest would take an hour more)")
    args = parser.parse_args()
    for figure in measure(args.members, args.messages, args.decisions, args.first_sync_only):
        print(figure.line(), flush=True)


def measure(members: int, messages: int, decisions: int = 10_000,
            first_sync_only: bool = False):
    import psycopg

    from steward.jobs import run_to_end
    from steward.team import sync as team
    from tests.team.pgcluster import PASSWORD, Cluster, bin_dir

    found = bin_dir()
    if found is None:
        print("PostgreSQL server binaries not installed: team benchmark skipped")
        return
    source, _, _ = demo_workspace(members, messages)
    cluster = Cluster(found)
    tmp = Path(tempfile.mkdtemp(prefix="steward-bench-team-scale-"))
    try:
        with cluster.admin() as admin_conn:
            admin_conn.execute("CREATE DATABASE bench")
        url = cluster.url("bench")
        admin_path = tmp / "admin"
        # Only the workspace itself (not the copies a migration kept beside the database).
        shutil.copytree(source, admin_path, ignore=shutil.ignore_patterns("*.before-*"))
        with Timer() as scan:
            run_steward(["scan", "--workspace", str(admin_path), "--json"],
                        env={"STEWARD_PASSPHRASE": PASSPHRASE})
        print(f"(scan of the copy: {scan.seconds:.1f} s)", flush=True)
        ws = unlock(admin_path)
        with Timer() as create:
            run_to_end(team.create_team(ws, url, PASSWORD))
        invites = {}
        for name, role in (("lead", "safeguarding-lead"), ("steward", "steward")):
            invitation, code = team.invite(ws, name, role, PASSWORD)
            (tmp / f"{name}.invitation").write_text(json.dumps(invitation))
            invites[name] = code
        with ws.engine.connect() as local:
            n_messages = local.exec_driver_sql("SELECT count(*) FROM messages").scalar()
        ws.lock()
        print(f"(team create: {create.seconds:.1f} s)", flush=True)
        with Timer() as join:
            run_to_end(team.join(tmp / "lead.invitation", invites["lead"], tmp / "lead",
                                 PASSPHRASE, PASSWORD))
        print(f"(team join: {join.seconds:.1f} s)", flush=True)
        if not first_sync_only:
            run_to_end(team.join(tmp / "steward.invitation", invites["steward"],
                                 tmp / "steward", PASSPHRASE, PASSWORD))
        with psycopg.connect(url, password=PASSWORD, autocommit=True) as conn:
            server_bytes = _size(conn, ["steward_envelopes"])
            ws = unlock(admin_path)
            copy_s, plain_bytes, plain_rows = _plain_copy(conn, ws)
            ws.lock()
        label = f"{members:,} members, {n_messages:,} messages, {plain_rows:,} rows"
        yield Figure(f"team create: snapshot streamed and pushed ({label})", create.seconds,
                     "s", "plain COPY of the same rows", copy_s, "s", "----", None,
                     create.seconds / max(copy_s, 1e-9))
        yield Figure(f"first sync of a new laptop, team join ({label})", join.seconds, "s",
                     "plain COPY of the same rows", copy_s, "s", "----", None,
                     join.seconds / max(copy_s, 1e-9))
        yield Figure("server size after the first sync", server_bytes / 2**20, "MiB",
                     "the same rows as plain tables", plain_bytes / 2**20, "MiB", "----", None,
                     server_bytes / max(plain_bytes, 1))
        print(f"(peak memory of this process so far: {_peak_mib():.0f} MiB)", flush=True)
        if first_sync_only:
            return

        ws = unlock(admin_path)
        made = _decide(ws, 1000, "Benchmark decision")
        with Timer() as push:
            run_to_end(team.sync(ws, PASSWORD))
        ws.lock()
        lead = unlock(tmp / "lead", "lead")
        with Timer() as pull:
            result = run_to_end(team.sync(lead, PASSWORD))
        lead.lock()
        with psycopg.connect(url, password=PASSWORD, autocommit=True) as conn:
            conn.execute("CREATE TABLE plain_inserted (id bigint, body bytea)")
            with Timer() as plain, conn.transaction():
                conn.cursor().executemany("INSERT INTO plain_inserted VALUES (%s, %s)",
                                          [(i, b"x" * 300) for i in range(made)])
        yield Figure(f"incremental sync of {made} decisions: send", push.seconds, "s",
                     f"plain INSERT of {made} rows", plain.seconds, "s", "under 10 s",
                     push.seconds < 10)
        yield Figure(f"incremental sync of {made} decisions: receive ({result.applied} "
                     "applied)", pull.seconds, "s", f"plain INSERT of {made} rows",
                     plain.seconds, "s", "under 10 s", pull.seconds < 10)
        yield _erasure(admin_path, url)
        if decisions <= 0:
            return
        steward = unlock(tmp / "steward", "steward")
        run_to_end(team.sync(steward, PASSWORD))
        steward.lock()

        laptops = {"admin": admin_path, "lead": tmp / "lead", "steward": tmp / "steward"}
        with Timer() as offline:
            for who, path in laptops.items():
                w = unlock(path, who)
                _decide_directly(w, decisions, f"Offline on {who}")
                w.lock()
        with Timer() as converge:
            conflicts = 0
            for who in ("admin", "lead", "steward", "admin", "lead"):
                w = unlock(laptops[who], who)
                conflicts += len(run_to_end(team.sync(w, PASSWORD)).conflicts)
                w.lock()
        digests = []
        for who, path in laptops.items():
            w = unlock(path, who)
            digests.append(team.digests(w)["staff"])
            w.lock()
        same = len(set(digests)) == 1
        yield Figure(f"three laptops converge after {decisions:,} offline decisions each "
                     f"({conflicts:,} conflicts shown; digests equal: {same})",
                     converge.seconds, "s", "making the decisions offline", offline.seconds,
                     "s", "digests equal", same)
        print(f"(peak memory of this process: {_peak_mib():.0f} MiB)", flush=True)
    finally:
        cluster.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
