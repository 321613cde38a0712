"""Preparing and reading the spam corpora: the staged sources and the reported-comments step."""

from __future__ import annotations

import pytest

from steward.moderation import corpora


def _csv(path, rows):
    lines = ["number,scam,msg_length,msg"]
    lines += [f'{i},{scam},{len(text)},"{text}"' for i, (scam, text) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_reported_comments_are_the_ones_beyond_the_rated_set(tmp_path):
    rated, plus = tmp_path / "rated.csv", tmp_path / "plus.csv"
    _csv(rated, [(1, "Earn $500 a day, DM me"), (0, "lovely photo")])
    _csv(plus, [(1, "Earn  $500 a day, dm me"), (0, "lovely photo"),
                (1, "RET best TOKEN in 2023"), (0, "#AXS 😂")])
    got = corpora.prepare_instagram_reported(rated, plus)
    assert got == [("spam", "RET best TOKEN in 2023"), ("ham", "#AXS 😂")]


@pytest.mark.parametrize("source", corpora.STAGED, ids=lambda s: s.name)
def test_staged_sources_read_and_are_not_trained_on(source):
    rows = corpora.load(source.name)
    assert len(rows) > 50 and {label for label, _ in rows} == {0, 1}
    assert source.name not in corpora.load_all()
    assert source.name in corpora.load_all(sources=(*corpora.SOURCES, source))
    texts = {" ".join(t.lower().split()) for _, t in rows}
    assert len(texts) == len(rows)  # no duplicates within a staged file


def test_a_bad_staged_line_names_the_file(tmp_path):
    (tmp_path / "community3.tsv").write_text("spam\tok\nmaybe\tno label\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"community3\.tsv, line 2"):
        corpora.load("community3", tmp_path)
