"""No training file, tuning set, lexicon or benign list holds a line within 0.8 similarity
(rapidfuzz ratio on normalised text) of any line of an evaluation set, and the evaluation sets
are unchanged since they were written (their hashes are pinned)."""

from __future__ import annotations

import hashlib

import pytest

from steward.safeguarding import train_model
from tests.safeguarding.eval_sets import (
    EVAL_ROOT,
    eval_files,
    near_eval,
    read_eval,
    training_lines,
)


def test_there_are_evaluation_sets():
    assert any(p.parent.name == "safeguarding_fresh" for p in eval_files())
    for path in eval_files():
        assert (path.parent / "SOURCE.md").exists(), path
        assert len(read_eval(path)) >= 200, path


def test_no_training_or_lexicon_line_is_near_an_evaluation_line():
    near = near_eval()
    # only where, never what: printing the evaluation line would invite tuning on it
    assert not near, [f"{p.name}:{n}" for p, n in near]


def test_the_check_would_catch_a_leak(tmp_path, monkeypatch):
    """A training line copied from an evaluation set, with a typo and different case."""
    from tests.safeguarding import eval_sets

    text = read_eval(eval_files()[0])[5].text
    leaked = tmp_path / "leak.tsv"
    leaked.write_text("self_harm\t" + text.upper().replace(" ", "  ", 1)[:-1] + "\n",
                      encoding="utf-8")
    # every 25th line (training lines, and lexicon lines of many variants) before the leak:
    # the whole comparison is the test above's
    some = eval_sets.training_lines()[::25]
    assert {p.suffix for p, _n, _t in some} == {".tsv", ".txt"}
    assert max(len(texts) for _p, _n, texts in some) > 1
    monkeypatch.setattr(eval_sets, "training_lines",
                        lambda: [*some, (leaked, 1, [leaked.read_text().split("\t")[1]])])
    assert near_eval() == [(leaked, 1)]


def test_training_reads_every_file_the_check_covers():
    checked = {p for p, _n, _t in training_lines() if p.suffix == ".tsv"}
    used = {*train_model.TUNING_SETS, *train_model.SYNTHETIC, *train_model.PUBLIC}
    assert used <= checked
    assert not [p for p in used if EVAL_ROOT in p.parents]


@pytest.mark.parametrize("manifest", sorted(EVAL_ROOT.rglob("MANIFEST.sha256")),
                         ids=lambda p: str(p.relative_to(EVAL_ROOT)))
def test_evaluation_files_match_their_manifest(manifest):
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        digest, name = line.split(maxsplit=1)
        path = manifest.parent / name.strip().lstrip("*")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path
