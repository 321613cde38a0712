"""Run a `steward` command in this process, then report this process's own peak memory.

    python -m benchmarks.peak OUTFILE steward-args…
"""

import sys
from pathlib import Path

from steward.cli import main

if __name__ == "__main__":
    out, argv = sys.argv[1], sys.argv[2:]
    code = main(argv)
    # VmHWM is this process's own high-water mark (ru_maxrss can carry the parent's over exec).
    status = Path("/proc/self/status").read_text()
    hwm_kib = next(int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmHWM:"))
    Path(out).write_text(str(hwm_kib * 1024))
    sys.exit(code)
