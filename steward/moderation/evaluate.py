"""Aggregate spam figures on a labelled file, for evaluation sets nobody tunes on.

    python -m steward.moderation.evaluate FILE.tsv     (lines: spam|ham<TAB>text)

Prints only counts, precision and recall per sensitivity (each text scored as a new member's
post) — never a text — so running it does not show the set to whoever tunes the model.
"""

from __future__ import annotations

import sys
from pathlib import Path

from steward.moderation import heuristics as h
from steward.moderation import quality


def read(path: Path) -> list[tuple[int, str]]:
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        label = label.strip().lower()
        if number == 1 and label == "label":  # a header
            continue
        if label not in ("spam", "ham") or not text.strip():
            raise ValueError(f"{path}, line {number}: expected spam or ham, a tab, then text")
        rows.append((1 if label == "spam" else 0, text))
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m steward.moderation.evaluate FILE.tsv", file=sys.stderr)
        return 2
    try:
        rows = read(Path(argv[0]))
    except (OSError, ValueError) as err:
        print(f"evaluate: {err}", file=sys.stderr)
        return 2
    print(f"{argv[0]}: {sum(y for y, _ in rows)} spam, {sum(1 - y for y, _ in rows)} ham")
    for name, at in h.SENSITIVITIES.items():
        f = quality.figures(rows, queue_at=at)
        mark = " (default)" if name == h.DEFAULT_SENSITIVITY else ""
        print(f"{name}{mark} (queue at {at}): precision {f.precision:.3f}, recall "
              f"{f.recall:.3f}, legitimate queued {f.queued_ham}, at high priority "
              f"{f.high_priority_ham}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
