"""Run every benchmark and print each figure beside its anchor.

    python -m benchmarks.run                 # everything, at full scale
    python -m benchmarks.run --scale small   # a quick pass at a tenth of the size
    python -m benchmarks.run --only store    # modules whose name contains "store"
    python -m benchmarks.run --growth        # scan and duplicates at three sizes (growth.py)
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["full", "small"], default="full")
    parser.add_argument("--only", default="")
    parser.add_argument("--growth", action="store_true",
                        help="only the growth table: scan and duplicates at three sizes")
    args = parser.parse_args()
    if args.growth:
        from benchmarks.growth import table

        table()
        return 0
    scale = 1.0 if args.scale == "full" else 0.1
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_") and args.only in m.name
        and m.name != "bench_team_scale"  # run directly (its docstring)
    )
    failed = False
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n== {name[6:]} ==", flush=True)
        try:
            for figure in module.run(scale):
                print(figure.line(), flush=True)
        except Exception:
            failed = True
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
