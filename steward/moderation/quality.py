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


@dataclass(frozen=True)
class LearningPoint:
    decisions: int
    precision: float
    recall: float


def learning_curve(rows: Sequence[tuple[int, str]], steps: Sequence[int] = (0, 20, 50, 100),
                   model: SpamModel | None = None,
                   queue_at: float = h.QUEUE_AT) -> list[LearningPoint]:
    """Moderators decide the first messages of a time-ordered labelled stream, one by one;
    after the first n decisions (for each n in `steps`) the model that learnt from them is
    scored on the messages after the last step, so every point is measured on the same
    messages, none of them decided."""
    last = max(steps)
    rest = list(rows[last:])
    out = []
    for n in steps:
        learner = seed_model() if model is None else _copy(model)
        for label, text in rows[:n]:
            learner.learn([text], [label])
        f = figures(rest, learner, queue_at)
        out.append(LearningPoint(n, f.precision, f.recall))
    return out


def _copy(model: SpamModel) -> SpamModel:
    return SpamModel(model.coef, model.intercept, model.a, model.b, model.layer.copy(),
                     model.layer_bias, model.learned, model.dense)
