"""Detection quality on the committed labelled sets: recall per category and the share of
benign look-alikes that raise a high or critical flag, in a young people's space (the
strictest setting, where severities are raised).

`labelled_messages.tsv`, `round2_messages.tsv` and `round3_messages.tsv` were used to write the
lexicons. `fresh_messages.tsv`, written by someone who has not seen the lexicons, was not: its
figures are the honest estimate on new wording. They fall short of the tuning sets' (self-harm
recall about 0.5, not 0.9), so the test prints them and guards against them getting worse."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from steward.safeguarding.detectors import Detector
from steward.safeguarding.lexicon import shipped_lexicons
from steward.safeguarding.policy import severity_rank
from steward.safeguarding.signposting import default_helplines

HERE = Path(__file__).parent
TUNING = ("labelled_messages.tsv", "round2_messages.tsv", "round3_messages.tsv")
FRESH = ("fresh_messages.tsv",)


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


def test_labelled_set_is_big_enough():
    rows = labelled(TUNING)
    assert len(rows) >= 300
    assert sum(1 for labels, _ in rows if not labels) >= 100


def test_recall_and_benign_share():
    recall, totals, loud, benign, quiet = evaluate()
    share = _report("tuning sets (labelled, round 2, round 3)", recall, totals, loud, benign, quiet)
    assert recall["self_harm"] >= 0.9
    assert recall["contact_details"] >= 0.9
    for category in ("abuse", "grooming", "bullying", "radicalisation", "sexual_content"):
        assert recall[category] >= 0.8, category
    assert share <= 0.05, loud


def test_fresh_held_out_set():
    recall, totals, loud, benign, quiet = evaluate(FRESH)
    share = _report("fresh held-out set (never used for tuning)", recall, totals, loud, benign,
                    quiet)
    # Measured with the model retrained on wider data (2026-11-21): self-harm 0.62, abuse 0.67,
    # grooming 0.90, bullying 0.45, radicalisation 0.82, sexual content 0.92, contact details
    # 0.85; 7 of 99 look-alikes high. A floor against regressions, not a target.
    floors = {"self_harm": 0.6, "abuse": 0.6, "grooming": 0.85, "bullying": 0.4,
              "radicalisation": 0.8, "sexual_content": 0.9, "contact_details": 0.8}
    for category, floor in floors.items():
        assert recall[category] >= floor, (category, recall[category])
    assert share <= 0.08, loud
