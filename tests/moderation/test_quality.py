"""Quality of spam detection, measured on texts the shipped model never trained on.

- The held-out fifth of each corpus in resources/moderation/corpora/ (every fifth line): the
  model never saw these lines (nor any text equal to one), and their hashes are committed in
  tests/moderation/data/held_out_hashes.json, so they cannot change unnoticed.
- Floors come from tests/moderation/quality_baseline.json; a change may raise a floor, never
  lower one (checked against every committed version of the file).
- `test_regression_*` tests run on tuning sets (texts that shaped the signals or the model):
  they guard against breaking what was built and are not quality figures.

Run with `-s` to see the figures.
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from steward.moderation import corpora, quality
from steward.moderation import heuristics as h
from steward.moderation.model import SEED_FILE
from steward.moderation.train import MANIFEST, sha256
from steward.resources import resource_path

DATA = Path(__file__).parent / "data"
BASELINE = Path(__file__).parent / "quality_baseline.json"
HASHES = DATA / "held_out_hashes.json"
POSTS = DATA / "community_posts.csv"
SMS_HELD_OUT = DATA / "sms_held_out.tsv"  # CC BY 4.0: see data/README.md
REPO = Path(__file__).resolve().parents[2]


def _baseline() -> dict:
    return json.loads(BASELINE.read_text(encoding="utf-8"))


def _held_out_digest(rows) -> str:
    lines = "".join(f"{'spam' if y else 'ham'}\t{t}\n" for y, t in rows)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def test_held_out_lines_are_the_committed_ones():
    committed = json.loads(HASHES.read_text(encoding="utf-8"))
    parts = corpora.load_all()
    assert set(committed) == set(parts)
    for name, (_train, held) in parts.items():
        assert committed[name] == {"lines": len(held), "sha256": _held_out_digest(held)}, name


def test_sms_held_out_is_the_fifth_never_trained_on():
    rows = []
    for line in SMS_HELD_OUT.read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        if label == "Label":  # the header
            continue
        rows.append((1 if label == "spam" else 0, text))
    assert corpora.load_all()["sms"][1] == rows


def test_no_training_text_is_a_held_out_text():
    parts = corpora.load_all()
    held = {" ".join(t.lower().split()) for _, part in parts.values() for _, t in part}
    for name, (train, _) in parts.items():
        assert not [t for _, t in train if " ".join(t.lower().split()) in held], name


def test_shipped_model_was_trained_from_the_shipped_corpora():
    manifest = json.loads(resource_path(*MANIFEST).read_text(encoding="utf-8"))
    for name, digest in manifest["corpora"].items():
        assert sha256(corpora.corpora_dir() / f"{name}.tsv") == digest, name
    assert sha256(resource_path(*SEED_FILE)) == manifest["model"]


@pytest.mark.parametrize("source", [s.name for s in corpora.SOURCES])
def test_held_out_precision_recall(source):
    _train, held = corpora.load_all()[source]
    got = quality.figures(held)
    floor = _baseline()["held_out"][source]
    print(f"\n{source} held out ({got.spam} spam, {got.ham} ham): precision "
          f"{got.precision:.3f}, recall {got.recall:.3f}, {got.high_priority_ham} legitimate "
          "at high priority")
    assert got.precision >= floor["precision"]
    assert got.recall >= floor["recall"]
    assert got.high_priority_ham <= floor["high_priority_ham_at_most"]


def test_evaluation_set_precision_recall():
    """tests/eval/spam/comments.tsv: community comments written by someone else, never trained
    or tuned on; only the aggregate figures are printed."""
    from steward.moderation.evaluate import read

    got = quality.figures(read(REPO / "tests" / "eval" / "spam" / "comments.tsv"))
    floor = _baseline()["eval"]["comments"]
    print(f"\nevaluation set ({got.spam} spam, {got.ham} ham): precision {got.precision:.3f}, "
          f"recall {got.recall:.3f}, {got.high_priority_ham} legitimate at high priority")
    assert got.precision >= floor["precision"]
    assert got.recall >= floor["recall"]
    assert got.high_priority_ham <= floor["high_priority_ham_at_most"]


def test_no_legitimate_community_post_is_high_priority():
    _train, held = corpora.load_all()["community"]
    assert quality.figures(held).high_priority_ham == 0


def _community_posts():
    rows = list(csv.DictReader(POSTS.open(encoding="utf-8")))
    from steward.moderation.model import seed_model

    probs = seed_model().probabilities([r["text"] for r in rows])
    blocked = h.blocked_domains()
    out = []
    for row, p in zip(rows, probs, strict=True):
        post = h.PostFacts.of(row["text"], float(row["account_age_days"]),
                              int(row["prior_posts"]),
                              same_text_spaces=int(row["same_text_spaces"]))
        out.append((row, h.combine(float(p), post, blocked)))
    return out


def test_regression_community_posts_set_shape():
    rows = list(csv.DictReader(POSTS.open(encoding="utf-8")))
    kinds = {r["kind"] for r in rows if r["label"] == "ham"}
    assert {"volunteer link", "event with phone", "fundraising", "newcomer link"} <= kinds
    assert sum(r["label"] == "spam" for r in rows) >= 40
    assert sum(r["label"] == "ham" for r in rows) >= 50


def test_regression_community_posts():
    """A tuning set: the heuristics were retuned on it when it was written."""
    scored = _community_posts()
    spam = [(s.priority > 0, r["label"] == "spam") for r, s in scored]
    tp = sum(1 for q, y in spam if q and y)
    precision = tp / max(1, sum(1 for q, _ in spam if q))
    recall = tp / max(1, sum(1 for _, y in spam if y))
    floor = _baseline()["regression"]["community_posts"]
    print(f"\ncommunity_posts (tuning set, {len(scored)} posts): precision {precision:.2f}, "
          f"recall {recall:.2f}")
    assert precision >= floor["precision"]
    assert recall >= floor["recall"]
    for row, score in scored:
        if row["label"] == "ham":
            assert score.priority < h.PRIORITY_MEDIUM, (row["text"], score)
    assert all(score.reasons for _, score in scored if score.priority)


def _numbers(tree, prefix=()):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _numbers(value, (*prefix, key))
    elif isinstance(tree, int | float):
        yield prefix, tree


def test_baseline_floors_are_never_lowered():
    """Every floor is at least what every earlier committed baseline said (allowances, named
    `..._at_most`, are never raised)."""
    try:
        log = subprocess.run(
            ["git", "-C", str(REPO), "log", "--format=%H", "--",
             str(BASELINE.relative_to(REPO))],
            capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("no git history here")
    now = dict(_numbers(_baseline()))
    for commit in log:
        shown = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{commit}:{BASELINE.relative_to(REPO)}"],
            capture_output=True, text=True)
        if shown.returncode:
            continue
        for key, value in _numbers(json.loads(shown.stdout)):
            assert key in now, f"floor {'.'.join(key)} was removed (it was in {commit[:8]})"
            if key[-1].endswith("_at_most"):
                assert now[key] <= value, f"{'.'.join(key)} raised above {commit[:8]}'s"
            else:
                assert now[key] >= value, f"floor {'.'.join(key)} lowered below {commit[:8]}'s"
