"""Member hygiene: duplicate candidates with blocking vs all pairs; member exports.

- Duplicate candidates over every identity of the shared demo workspace (target < 10 s at
  100,000 identities), beside an all-pairs comparison estimated from a timed random sample of
  pairs scored with the same rules, in the same run.
- `steward export members` of every person to XLSX and CSV in a fresh process: seconds and
  peak memory (VmHWM), beside writing the same number of rows of in-memory text with the same
  writer (the cost of the format alone) and the peak of `steward stats` (the process's floor).
"""

from __future__ import annotations

import csv
import random
import tempfile
from pathlib import Path

from benchmarks.common import PASSPHRASE, Figure, Timer, demo_workspace, run_steward, unlock


def bench_duplicates(path: Path, sample_pairs: int = 20_000):
    from steward.hygiene import matching
    from steward.jobs import run_to_end

    ws = unlock(path)
    try:
        with Timer() as ours:
            result = run_to_end(matching.find_duplicates(ws))
        records = matching.load_records(ws)
        identities = sum(len(r.identity_ids) for r in records)
    finally:
        ws.lock()
    rules = matching.preset(matching.DEFAULT_PRESET)
    rng = random.Random(5)
    pairs = [(rng.choice(records), rng.choice(records)) for _ in range(sample_pairs)]
    scorer = matching.Scorer(rules)
    with Timer() as sample:
        for a, b in pairs:
            scorer.score_pair(a, b)
    n = len(records)
    all_pairs = sample.seconds / sample_pairs * n * (n - 1) / 2
    yield Figure(
        f"duplicate candidates, {identities:,} identities / {n:,} people "
        f"({len(result.candidates):,} candidates, {result.pairs_compared:,} pairs scored)",
        ours.seconds, "s",
        f"all-pairs comparison, estimated from {sample_pairs:,} sampled pairs", all_pairs, "s",
        "< 10 s at 100,000 identities", ok=ours.seconds < 10 * max(identities, 1) / 100_000,
        ratio=all_pairs / ours.seconds,
    )


def _plain_rows(rows: int) -> list[list[str]]:
    return [[str(i), f"Person {i}", f"slack: person_{i}; discord: person{i}",
             f"person{i}@example.org", f"+44770090{i % 10000:04d}", "slack, discord",
             "youth", "", "given", "2026-11-01"] for i in range(rows)]


def bench_export(path: Path, people: int):
    env = {"STEWARD_PASSPHRASE": PASSPHRASE}
    _s, floor = run_steward(["stats", "--workspace", str(path)], env=env)
    plain = _plain_rows(people)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("xlsx", "csv"):
            out = Path(tmp) / f"members.{fmt}"
            seconds, peak = run_steward(
                ["export", "members", "--preset", "steward", "--format", fmt, "--out", str(out),
                 "--purpose", "benchmark", "--workspace", str(path)], env=env)
            anchor_out = Path(tmp) / f"plain.{fmt}"
            with Timer() as anchor:
                if fmt == "csv":
                    with open(anchor_out, "w", encoding="utf-8-sig", newline="") as fh:
                        csv.writer(fh).writerows(plain)
                else:
                    import xlsxwriter

                    book = xlsxwriter.Workbook(str(anchor_out), {"constant_memory": True})
                    sheet = book.add_worksheet()
                    for r, row in enumerate(plain):
                        sheet.write_row(r, 0, row)
                    book.close()
            yield Figure(f"export {people:,} people to {fmt.upper()} (steward preset)",
                         seconds, "s", f"same {fmt.upper()} writer, in-memory rows",
                         anchor.seconds, "s", "seconds, peak memory",
                         ratio=seconds / anchor.seconds)
            yield Figure(f"export {people:,} people to {fmt.upper()}: peak memory",
                         peak / 2**20, "MiB", "peak of `steward stats` (process floor)",
                         floor / 2**20, "MiB", "flat in the number of people",
                         ratio=peak / max(floor, 1))


def run(scale: float):
    members, messages = int(100_000 * scale), int(2_000_000 * scale)
    path, _seconds, _peak = demo_workspace(members, messages)
    yield from bench_duplicates(path)
    yield from bench_export(path, members)
