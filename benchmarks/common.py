"""Shared pieces for benchmarks: figures, timing, and cached demo workspaces."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Big workloads are generated once; STEWARD_BENCH_CACHE keeps them outside the repository.
CACHE = Path(os.environ.get("STEWARD_BENCH_CACHE") or Path(__file__).parent / ".cache")
PASSPHRASE = "steward-demo"


@dataclass
class Figure:
    """One measured figure beside its anchor, measured in the same run."""

    name: str
    value: float
    unit: str
    anchor: str
    anchor_value: float
    anchor_unit: str
    target: str
    ok: bool | None = None
    ratio: float | None = None

    def line(self) -> str:
        verdict = {True: "PASS", False: "MISS", None: "----"}[self.ok]
        ratio = f" | ratio {self.ratio:.2f}" if self.ratio is not None else ""
        return (f"[{verdict}] {self.name}: {self.value:,.3f} {self.unit}"
                f" | anchor ({self.anchor}): {self.anchor_value:,.3f} {self.anchor_unit}"
                f"{ratio} | target {self.target}")


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        with Timer() as t:
            fn()
        times.append(t.seconds)
    return min(times)


def read_and_match(ws, query: str, batch: int, text_at: int, automaton) -> tuple[int, float]:
    """The real floor of a text scan: every row of `query` (a scan's own, "… WHERE id > ? …
    LIMIT ?", the id first and the text at `text_at`) read in its batches, and one
    Aho-Corasick pass over each batch's texts lower-cased and joined. Returns (messages, CPU
    seconds)."""
    cpu = time.process_time()
    messages, after, hits = 0, 0, 0
    with ws.session() as s:
        cursor = s.connection().connection.driver_connection.cursor()
        while rows := cursor.execute(query, (after, batch)).fetchall():
            joined = "\x00".join(r[text_at] or "" for r in rows).lower()
            hits += sum(1 for _ in automaton.iter(joined))
            messages += len(rows)
            after = rows[-1][0]
        cursor.close()
    return messages, time.process_time() - cpu


def run_steward(argv: list[str], env: dict | None = None) -> tuple[float, int]:
    """Run a `steward` command in a fresh process; return (seconds, that process's peak RSS)."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "benchmarks.peak", out.name, *argv], check=True,
                       env=dict(os.environ, **(env or {})), stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        return seconds, int(Path(out.name).read_text() or 0)


def demo_workspace(members: int, messages: int, days: int = 5 * 365) -> tuple[Path, float, int]:
    """A demo workspace of this size, generated once and kept in benchmarks/.cache.

    Returns its path, and the seconds and peak memory the generation took (0 when cached).
    """
    path = CACHE / f"demo-{members}-{messages}-{days}"
    done = path / ".complete"
    if done.exists():
        return path, 0.0, 0
    if path.exists():
        import shutil

        shutil.rmtree(path)
    CACHE.mkdir(parents=True, exist_ok=True)
    seconds, peak = run_steward(
        ["demo", "--workspace", str(path), "--members",
         str(members), "--messages", str(messages), "--days", str(days), "--json"],
        env={"STEWARD_PASSPHRASE": PASSPHRASE},
    )
    done.write_text(f"{seconds:.1f}s {peak}\n")
    return path, seconds, peak


def unscanned_copy(source: Path, dest: Path) -> Path:
    """A copy of a cached demo workspace that no scan has read: the scanners' watermarks are
    removed, so a scan on it reads every message even when the cached workspace was scanned
    (the app scans in the background when its window opens on a workspace)."""
    import shutil

    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("*.before-*"))
    reset_scans(dest)
    return dest


def reset_scans(path: Path) -> None:
    """Remove the scanners' watermarks: the next scan reads every message again."""
    ws = unlock(path)
    try:
        with ws.transaction() as s:
            s.connection().exec_driver_sql("DELETE FROM scan_state")
    finally:
        ws.lock()


def unlock(path: Path, profile: str = "admin"):
    from steward.workspace import Workspace

    return Workspace.unlock(path, profile, PASSPHRASE)
