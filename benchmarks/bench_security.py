"""Security: unlock per role (the passphrase key derivation beside it), and rotating the
safeguarding key over 10,000 flags and 50,000 case entries (time and progress reports)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import PASSPHRASE, Figure


def _team(path: Path):
    from steward.workspace import Workspace

    ws, _ = Workspace.create(path, "bench", PASSPHRASE)
    for name, role in (("stew", "steward"), ("dsl", "safeguarding-lead"),
                       ("vol", "volunteer")):
        ws.add_profile(name, role, PASSPHRASE)
    return ws


def bench_unlock_per_role(members: int = 2000, messages: int = 50_000):
    """Unlock per role on a demo workspace, beside a bare Argon2id derivation with the same
    parameters, alternated so that both see the same load (median of 7 each)."""
    import statistics

    from steward import crypto, demo
    from steward.jobs import run_to_end
    from steward.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ws"
        ws = _team(path)
        run_to_end(demo.generate(ws, members=members, messages=messages, seed=3))
        ws.lock()
        params = json.loads((path / "workspace.json").read_text())["kdf"]
        for name, role in (("admin", "admin"), ("dsl", "safeguarding-lead"),
                           ("stew", "steward"), ("vol", "volunteer")):
            Workspace.unlock(path, name, PASSPHRASE).lock()  # warm: imports, page cache
            unlocks, kdfs = [], []
            for _ in range(7):
                start = time.perf_counter()
                Workspace.unlock(path, name, PASSPHRASE).lock()
                unlocks.append(time.perf_counter() - start)
                start = time.perf_counter()
                crypto.derive_kek(PASSPHRASE, os.urandom(16), params)
                kdfs.append(time.perf_counter() - start)
            seconds, kdf = statistics.median(unlocks), statistics.median(kdfs)
            yield Figure(f"unlock as {role}, {members:,} members / {messages:,} messages "
                         f"(median of 7; beyond the derivation {1000 * (seconds - kdf):.0f} ms)",
                         seconds * 1000, "ms",
                         f"bare Argon2id, {params['memory_kib'] // 1024} MiB x "
                         f"{params['iterations']} passes x {params['lanes']} lanes",
                         kdf * 1000, "ms", "< 300 ms", seconds < 0.3, ratio=seconds / kdf)


def bench_rotation(flags: int, entries: int) -> Figure:
    from steward import clock
    from steward.store.models import CaseEntry, Flag

    with tempfile.TemporaryDirectory() as tmp:
        ws = _team(Path(tmp) / "ws")
        cipher, now = ws.field_cipher(), clock.now()
        with ws.transaction() as s:
            for fid in range(1, flags + 1):
                s.add(Flag(id=fid, category="", severity="", status="new", created_at=now,
                           details_enc=ws.seal_for_safeguarding(
                               json.dumps({"category": "self_harm", "severity": "high",
                                           "reasons": ["r"], "excerpt": "x" * 80}),
                               ws.row_field("flags", fid, "details_enc"))))
            s.flush()
            for eid in range(1, entries + 1):
                s.add(CaseEntry(id=eid, flag_id=(eid % flags) + 1, kind="note", author="a",
                                at=now, body_enc=cipher.encrypt(
                                    json.dumps({"text": "y" * 120}),
                                    ws.row_field("case_entries", eid, "body_enc"))))
        reports = []
        start = time.perf_counter()
        ws.remove_profile("dsl", progress=lambda p: reports.append(time.perf_counter() - start))
        seconds = time.perf_counter() - start
        gap = max(b - a for a, b in zip(reports, reports[1:], strict=False)) if reports else 0
        ws.lock()
    return Figure(f"safeguarding key rotation: {flags:,} flags + {entries:,} case entries",
                  seconds, "s", f"longest gap between its {len(reports)} progress reports",
                  gap, "s", "progress at least every 5 s", gap < 5)


def run(scale: float):
    yield from bench_unlock_per_role(max(int(2000 * scale), 50), max(int(50_000 * scale), 500))
    yield bench_rotation(int(10_000 * scale), int(50_000 * scale))
