"""Regression tests on the tuning sets: they guard against breaking what was built, and say
nothing about quality on new wording.

`labelled_messages.tsv`, `round2_messages.tsv` and `round3_messages.tsv` wrote the lexicons and
train the text model, so their recall is high by construction. The honest figures come from
the held-out sets in `tests/eval/` (`test_eval_quality.py`); no README figure cites these."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from steward.safeguarding.detectors import Detector
from steward.safeguarding.lexicon import shipped_lexicons
from steward.safeguarding.policy import severity_rank
from steward.safeguarding.signposting import default_helplines

HERE = Path(__file__).parent
TUNING = ("labelled_messages.tsv", "round2_messages.tsv", "round3_messages.tsv")


def labelled(files=TUNING) -> list[tuple[set[str], str]]:
    rows = []
    for name in files:
        for line in (HERE / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                labels, text = line.split("\t", 1)
                rows.append((set() if labels == "benign" else set(labels.split(",")), text))
    return rows


def evaluate(files=TUNING, audience: str = "young_people"):
    detector = Detector(shipped_lexicons(), ["GB"], [h["number"] for h in default_helplines()])
    hits, totals, loud_benign, benign, quiet_flags = Counter(), Counter(), [], 0, 0
    for labels, text in labelled(files):
        found = {f.category: f.severity for f in detector.detect(text, audience, "closed")}
        for category in labels:
            totals[category] += 1
            hits[category] += category in found
        if not labels:
            benign += 1
            if any(severity_rank(s) >= severity_rank("high") for s in found.values()):
                loud_benign.append((text, found))
            elif found:
                quiet_flags += 1
    recall = {c: hits[c] / totals[c] for c in totals}
    return recall, totals, loud_benign, benign, quiet_flags


def _report(title, recall, totals, loud_benign, benign, quiet_flags) -> float:
    share = len(loud_benign) / max(benign, 1)
    print(f"\n{title}: recall per category (young people's space):")
    for category in sorted(recall):
        print(f"  {category:<16} {recall[category]:.2f}  (n={totals[category]})")
    print(f"benign look-alikes raising high/critical: {len(loud_benign)}/{benign} = {share:.1%}"
          f"; raising only low/medium: {quiet_flags}")
    return share


def test_regression_tuning_sets_are_big_enough():
    rows = labelled(TUNING)
    assert len(rows) >= 300
    assert sum(1 for labels, _ in rows if not labels) >= 100


def test_regression_tuning_sets_still_detected():
    recall, totals, loud, benign, quiet = evaluate()
    share = _report("tuning sets (labelled, round 2, round 3)", recall, totals, loud, benign, quiet)
    assert recall["self_harm"] >= 0.9
    assert recall["contact_details"] >= 0.9
    for category in ("abuse", "grooming", "bullying", "radicalisation", "sexual_content"):
        assert recall[category] >= 0.8, category
    assert share <= 0.05, loud
