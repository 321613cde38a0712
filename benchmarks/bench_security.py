"""Security: unlock per role (the passphrase key derivation beside it), and rotating the
safeguarding key over 10,000 flags and 50,000 case entries (time and progress reports)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import PASSPHRASE, Figure, best_of


def _team(path: Path):
    from steward.workspace import Workspace

    ws, _ = Workspace.create(path, "bench", PASSPHRASE)
    for name, role in (("stew", "steward"), ("dsl", "safeguarding-lead"),
                       ("vol", "volunteer")):
        ws.add_profile(name, role, PASSPHRASE)
    return ws


def bench_unlock_per_role():
    from steward import crypto
    from steward.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        _team(Path(tmp) / "ws").lock()
        kdf = best_of(lambda: crypto.derive_kek(PASSPHRASE, os.urandom(16)), 5)
        for name, role in (("admin", "admin"), ("dsl", "safeguarding-lead"),
                           ("stew", "steward"), ("vol", "volunteer")):
            seconds = best_of(
                lambda n=name: Workspace.unlock(Path(tmp) / "ws", n, PASSPHRASE).lock(), 5)
            yield Figure(f"unlock as {role} (keys checked, audit head, volunteer store)",
                         seconds * 1000, "ms", "Argon2id key derivation alone", kdf * 1000,
                         "ms", "< 300 ms", seconds < 0.3)


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
    yield from bench_unlock_per_role()
    yield bench_rotation(int(10_000 * scale), int(50_000 * scale))
