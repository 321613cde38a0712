"""Quality figures of the spam scoring on labelled texts, shared by the tests, the benchmarks
and the evaluation script: each text scored as a post by a new member (no join date, one
earlier post), at a sensitivity's threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from steward.moderation import heuristics as h
from steward.moderation.model import SpamModel, seed_model


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    spam: int
    ham: int
    queued_ham: int
    high_priority_ham: int


def scores(texts: Sequence[str], model: SpamModel | None = None,
           queue_at: float = h.QUEUE_AT) -> list[h.SpamScore]:
    """The spam score of each text as a new member's post."""
    model = seed_model() if model is None else model
    blocked = h.blocked_domains()
    probs = model.probabilities(list(texts))
    return [h.combine(float(p), h.PostFacts.of(t, None, 1), blocked, queue_at)
            for t, p in zip(texts, probs, strict=True)]


def figures(rows: Sequence[tuple[int, str]], model: SpamModel | None = None,
            queue_at: float = h.QUEUE_AT) -> Figures:
    """Precision and recall of queueing on (label, text) rows, label 1 for spam."""
    scored = scores([t for _, t in rows], model, queue_at)
    tp = sum(1 for (y, _), s in zip(rows, scored, strict=True) if y and s.priority)
    fp = sum(1 for (y, _), s in zip(rows, scored, strict=True) if not y and s.priority)
    high = sum(1 for (y, _), s in zip(rows, scored, strict=True)
               if not y and s.priority >= h.PRIORITY_HIGH)
    spam = sum(1 for y, _ in rows if y)
    return Figures(tp / max(1, tp + fp), tp / max(1, spam), spam, len(rows) - spam, fp, high)
