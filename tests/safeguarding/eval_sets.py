"""The held-out safeguarding evaluation sets (`tests/eval/safeguarding*/messages.tsv`) and what
may never come near them.

    PYTHONPATH=. .venv/bin/python -m tests.safeguarding.eval_sets            # print figures
    PYTHONPATH=. .venv/bin/python -m tests.safeguarding.eval_sets --near     # count leaks
    PYTHONPATH=. .venv/bin/python -m tests.safeguarding.eval_sets --remove-near  # drop them

The figures are aggregates only (recall per category, the share of each category raised at
high or critical, look-alikes raised at high or above): nobody reads a set's lines to tune the
detector. `--remove-near` deletes every line of a training file, lexicon or benign list within
0.8 similarity (rapidfuzz ratio on normalised text) of any evaluation line, printing only how
many per file; retrain afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
EVAL_ROOT = ROOT / "tests" / "eval"
TUNING_ROOT = ROOT / "tests" / "safeguarding"
TUNING_SETS = [TUNING_ROOT / f"{name}_messages.tsv"
               for name in ("labelled", "round2", "round3", "dev4", "dev5", "dev6", "dev7")]
CATEGORIES = ("self_harm", "abuse", "grooming", "bullying", "radicalisation", "sexual_content",
              "contact_details")
SIMILAR = 80  # rapidfuzz ratio (0-100): 0.8 similarity
AUDIENCES = ("general", "young_people")


@dataclass(frozen=True)
class EvalLine:
    labels: frozenset[str]
    urgency: str | None  # the writer's urgency (critical … none), when the set has one
    text: str


def eval_files() -> list[Path]:
    """Every safeguarding evaluation set in the repository."""
    return sorted(EVAL_ROOT.glob("safeguarding*/messages.tsv"))


def read_eval(path: Path) -> list[EvalLine]:
    """LABELS<TAB>TEXT or LABELS<TAB>URGENCY<TAB>TEXT, '#' lines are comments."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) == 2:
            labels, urgency, text = parts[0], None, parts[1]
        elif len(parts) == 3:
            labels, urgency, text = parts
        else:
            raise ValueError(f"{path}:{number}: expected 2 or 3 tab-separated fields")
        rows.append(EvalLine(frozenset() if labels == "benign" else frozenset(labels.split(",")),
                             urgency, text))
    return rows


@dataclass
class Figures:
    """Aggregate figures of one set in one kind of space."""

    totals: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    high: Counter = field(default_factory=Counter)  # found in its category at high or critical
    lookalikes: int = 0  # benign lines (but those a set marks as ordinary chat)
    lookalikes_flagged: int = 0
    lookalikes_high: int = 0

    def recall(self, category: str) -> float:
        return self.found[category] / self.totals[category] if self.totals[category] else 0.0

    def high_share(self, category: str) -> float:
        return self.high[category] / self.totals[category] if self.totals[category] else 0.0

    def lookalike_high_share(self) -> float:
        return self.lookalikes_high / self.lookalikes if self.lookalikes else 0.0

    def as_dict(self) -> dict:
        present = [c for c in CATEGORIES if self.totals[c]]
        return {"n": {c: self.totals[c] for c in present},
                "recall": {c: round(self.recall(c), 3) for c in present},
                "high_share": {c: round(self.high_share(c), 3) for c in present},
                "lookalikes": self.lookalikes, "lookalikes_flagged": self.lookalikes_flagged,
                "lookalikes_high": self.lookalikes_high,
                "lookalikes_high_share": round(self.lookalike_high_share(), 4)}


def evaluate(path: Path, audience: str = "general", detector=None) -> Figures:
    from steward.safeguarding.detectors import Detector
    from steward.safeguarding.lexicon import shipped_lexicons
    from steward.safeguarding.policy import severity_rank
    from steward.safeguarding.signposting import default_helplines

    if detector is None:
        detector = Detector(shipped_lexicons(), ["GB"],
                            [h["number"] for h in default_helplines()])
    rows = read_eval(path)
    found_all = detector.detect_many([r.text for r in rows],
                                     [(audience, "closed", True)] * len(rows))
    figures = Figures()
    high = severity_rank("high")
    for i, row in enumerate(rows):
        found = {f.category: severity_rank(f.severity) for f in found_all.get(i, [])}
        for category in row.labels:
            figures.totals[category] += 1
            figures.found[category] += category in found
            figures.high[category] += found.get(category, -1) >= high
        if not row.labels and row.urgency != "none":  # "none": ordinary chat, not a look-alike
            figures.lookalikes += 1
            figures.lookalikes_flagged += bool(found)
            figures.lookalikes_high += any(rank >= high for rank in found.values())
    return figures


def report(figures: Figures, title: str) -> str:
    lines = [f"{title}:"]
    for category in CATEGORIES:
        if figures.totals[category]:
            lines.append(f"  {category:<16} recall {figures.recall(category):.2f}  "
                         f"high+ {figures.high_share(category):.2f}  "
                         f"(n={figures.totals[category]})")
    lines.append(f"  look-alikes high+ {figures.lookalikes_high}/{figures.lookalikes} = "
                 f"{figures.lookalike_high_share():.1%}; any flag {figures.lookalikes_flagged}")
    return "\n".join(lines)


# --- what may never come near an evaluation line -------------------------------------------


def _norm(text: str) -> str:
    from steward.safeguarding.lexicon import normalise

    return normalise(text).strip()


def training_lines() -> list[tuple[Path, int, list[str]]]:
    """(file, line number, texts to compare) for every line that trains or tunes detection:
    the model's training files, the training halves of the real everyday messages, the
    tuning sets, the lexicons (each pattern's variants) and the benign list."""
    from steward.resources import resource_path
    from steward.safeguarding.lexicon import _NEAR, _expand

    out = []
    tsvs = [*sorted(resource_path("safeguarding", "model").glob("*.tsv")), *TUNING_SETS]
    for path in tsvs:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip() and not line.startswith("#") and "\t" in line:
                out.append((path, number, [line.split("\t")[-1]]))
    from steward.safeguarding.train_model import REAL_ORDINARY, real_ordinary_lines

    for name in REAL_ORDINARY:  # real everyday messages: only the half the model learns
        path = resource_path("moderation", "corpora", f"{name}.tsv")
        out += [(path, number, [text]) for number, text in real_ordinary_lines(name, False)]
    for path in sorted(resource_path("safeguarding", "lexicons").rglob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith(("#", "[")):
                continue
            try:
                variants = _expand(_NEAR.sub(" ", line).replace("*", ""), f"{path}:{number}")
            except Exception:
                variants = [line]
            out.append((path, number, variants))
    return out


def near_eval(paths: list[Path] | None = None, cutoff: int = SIMILAR
              ) -> list[tuple[Path, int]]:
    """Training, lexicon and benign-list lines within `cutoff` similarity of an evaluation
    line (the lines only, never which evaluation line)."""
    from rapidfuzz import fuzz, process

    evals = sorted({_norm(r.text) for p in (paths or eval_files()) for r in read_eval(p)})
    lines = training_lines()
    flat, owner = [], []
    for k, (_path, _number, texts) in enumerate(lines):
        for text in texts:
            flat.append(_norm(text))
            owner.append(k)
    if not evals or not flat:
        return []
    scores = process.cdist(flat, evals, scorer=fuzz.ratio, score_cutoff=cutoff, workers=1,
                           dtype="uint8")
    hit = sorted({owner[i] for i in scores.max(axis=1).nonzero()[0]})
    return [(lines[k][0], lines[k][1]) for k in hit]


def remove_lines(near: list[tuple[Path, int]]) -> Counter:
    per_file: dict[Path, set[int]] = {}
    for path, number in near:
        per_file.setdefault(path, set()).add(number)
    removed = Counter()
    for path, numbers in per_file.items():
        kept = [line for n, line in enumerate(
            path.read_text(encoding="utf-8").splitlines(keepends=True), start=1)
            if n not in numbers]
        path.write_text("".join(kept), encoding="utf-8")
        removed[str(path.relative_to(ROOT))] = len(numbers)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--near", action="store_true", help="count leaked lines per file")
    parser.add_argument("--remove-near", action="store_true", help="delete leaked lines")
    parser.add_argument("--also", type=Path, action="append", default=[],
                        help="another evaluation file to keep away from (not yet committed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    paths = [*eval_files(), *args.also]
    if args.near or args.remove_near:
        near = near_eval(paths)
        counts = Counter(str(p.relative_to(ROOT)) for p, _n in near)
        if args.remove_near:
            counts = remove_lines(near)
        for name, n in sorted(counts.items()):
            print(f"{name}: {n} lines {'removed' if args.remove_near else 'near an eval line'}")
        print(f"total {sum(counts.values())}")
        return 0
    out = {}
    for path in paths:
        name = path.parent.name
        for audience in AUDIENCES:
            figures = evaluate(path, audience)
            out.setdefault(name, {})[audience] = figures.as_dict()
            if not args.json:
                print(report(figures, f"{name} ({len(read_eval(path))} messages), "
                                      f"{audience.replace('_', ' ')} space"))
    if args.json:
        json.dump(out, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
