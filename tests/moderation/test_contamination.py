"""No line the spam model trains or is tuned on lies within 0.8 similarity (rapidfuzz ratio on
lower-cased, space-folded text) of a line of the spam evaluation set (tests/eval/spam/), and
the check would catch a copied line. Failures name only the training file and line, never the
evaluation text (printing it would invite tuning on it)."""

from __future__ import annotations

import csv
from pathlib import Path

from steward.moderation import corpora

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "tests" / "eval" / "spam" / "comments.tsv"
TUNING = Path(__file__).parent / "data" / "community_posts.csv"
SIMILAR = 80


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _eval_texts() -> list[str]:
    out = []
    for line in EVAL.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            out.append(_norm(line.split("\t", 1)[1]))
    return out


def training_lines() -> list[tuple[str, int, str]]:
    """(file, line number, text) for every corpus line, staged corpus line and tuning-set
    post."""
    out = []
    for source in corpora.SOURCES:
        path = corpora.corpora_dir() / f"{source.name}.tsv"
        for number, (_label, text) in enumerate(corpora.load(source.name), 1):
            out.append((path.name, number, text))
    for source in corpora.STAGED:  # prepared for a later retrain: checked already
        path = corpora.staged_dir() / f"{source.name}.tsv"
        for number, (_label, text) in enumerate(corpora.load(source.name), 1):
            out.append((path.name, number, text))
    with TUNING.open(encoding="utf-8") as f:
        for number, row in enumerate(csv.DictReader(f), 2):
            out.append((TUNING.name, number, row["text"]))
    return out


def near_eval(lines: list[tuple[str, int, str]]) -> list[str]:
    from rapidfuzz import fuzz, process

    evals = _eval_texts()
    longest = max(len(t) for t in evals)
    # A ratio of 0.8 needs lengths within a factor of 1.5: longer training texts cannot match.
    short = [(f, n, _norm(t)) for f, n, t in lines if len(_norm(t)) <= longest * 1.5]
    scores = process.cdist([t for _, _, t in short], evals, scorer=fuzz.ratio,
                           score_cutoff=SIMILAR, workers=1, dtype="uint8")
    return [f"{short[i][0]}:{short[i][1]}" for i in scores.max(axis=1).nonzero()[0]]


def test_the_evaluation_set_is_there():
    assert len(_eval_texts()) >= 200


def test_no_training_or_tuning_line_is_near_an_evaluation_line():
    assert not near_eval(training_lines())


def test_the_check_would_catch_a_leak():
    leaked = _eval_texts()[7].upper().replace(" ", "  ", 1)[:-1]
    assert near_eval([*training_lines()[:50], ("leak.tsv", 1, leaked)]) == ["leak.tsv:1"]
