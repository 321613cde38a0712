"""How the moderation scan and duplicate finding grow with size: three demo workspaces
(20k/200k/2M messages, 1k/10k/100k people), each job run in a fresh process on a copy, with
CPU microseconds per item and the process's peak memory (VmHWM).

    python -m benchmarks.run --growth             # the table (make bench BENCH_ARGS=--growth)
    python -m benchmarks.growth JOB WORKSPACE     # one probe: prints "items cpu_seconds peak"
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import PASSPHRASE, demo_workspace, unscanned_copy

SIZES = ((1_000, 20_000), (10_000, 200_000), (100_000, 2_000_000))
TARGET_PEAK_MIB = 300


def _peak_bytes() -> int:
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines()
                if line.startswith("VmHWM:")) * 1024


def probe(job: str, path: Path) -> tuple[int, float, int]:
    """Run one job in this process: (items, CPU seconds, peak bytes)."""
    import keyring

    from steward.jobs import run_to_end
    from steward.workspace import Workspace
    from tests.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    ws = Workspace.unlock(path, "admin", PASSPHRASE)
    try:
        if job == "scan":  # the whole history, as a first scan sees it
            with ws.transaction() as s:
                db = s.connection()
                db.exec_driver_sql("DELETE FROM scan_state WHERE scanner = 'moderation'")
                db.exec_driver_sql("DELETE FROM queue_items WHERE kind IN ('spam', 'rule')")
        # the job's modules are imported before the clock starts: importing is not its cost
        if job == "scan":
            from steward.moderation.scan import scan_messages_job as run
        else:
            from steward.hygiene.matching import find_duplicates as run
        start = time.process_time()
        result = run_to_end(run(ws))
        seconds = time.process_time() - start
        if job == "scan":
            items = result["messages"]
        else:
            from steward.overview import workspace_stats

            items = workspace_stats(ws)["persons"]
    finally:
        ws.lock()
    return items, seconds, _peak_bytes()


def _run(job: str, source: Path) -> tuple[int, float, int]:
    with tempfile.TemporaryDirectory(dir=os.environ.get("STEWARD_BENCH_CACHE")) as tmp:
        copy = unscanned_copy(source, Path(tmp) / "ws")
        out = subprocess.run([sys.executable, "-m", "benchmarks.growth", job, str(copy)],
                             check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1]), int(out[2])


def table() -> None:
    """Print the growth table (three sizes, µs per item, peak memory)."""
    print(f"load: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores", flush=True)
    print(f"{'job':<12}{'size':>22}{'items':>10}{'CPU s':>9}{'µs/item':>9}{'peak MiB':>10}"
          f"  target: flat µs/item, peak < {TARGET_PEAK_MIB} MiB", flush=True)
    for job in ("scan", "duplicates"):
        for members, messages in SIZES:
            path, _, _ = demo_workspace(members, messages)
            items, seconds, peak = _run(job, path)
            verdict = "PASS" if peak < TARGET_PEAK_MIB * 2**20 else "MISS"
            print(f"{job:<12}{f'{messages:,} msg / {members:,} people':>22}{items:>10,}"
                  f"{seconds:>9.2f}{seconds / max(items, 1) * 1e6:>9.1f}"
                  f"{peak / 2**20:>10.0f}  [{verdict}]", flush=True)


if __name__ == "__main__":
    items, seconds, peak = probe(sys.argv[1], Path(sys.argv[2]))
    print(items, seconds, peak)
