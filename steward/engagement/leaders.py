"""Leader candidates: members to invite into leadership, ranked by quality, not volume.

The guides say to recruit top contributors "by quality not quantity". For each member with at
least `MIN_POSTS` messages in the period, active in at least two of its weeks, four signals are
measured over the period:

- replies their posts receive from other people, per post (their posts start conversations);
- reactions per post (people value what they write);
- answers: threads started by someone else in which they were first to respond;
- consistency: the share of their weeks in the period they posted in, weeks counted in sevens
  of days from their first day in the period (their first message, if later).

Each signal becomes a percentile rank among the eligible members; the score is
100 × (0.3 replies + 0.25 reactions + 0.25 answers + 0.2 consistency). The raw count of messages
is deliberately not a signal. Each candidate carries the reasons that lifted them most.

A candidate stands out: a score of at least `MIN_SCORE`, and among the best tenth of the
period's active members (at least one, at most `TOP`). In a group of ten, that is one person,
not everyone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from steward.engagement.activity import ActivityTable, distinct, local_day_numbers

MIN_POSTS = 5
MIN_SCORE = 60.0
TOP = 10
SHARE = 0.1  # of the period's active members
WEIGHTS = {"replies": 0.3, "reactions": 0.25, "answers": 0.25, "consistency": 0.2}


@dataclass(frozen=True)
class LeaderCandidate:
    person_id: int
    name: str
    score: float
    reasons: list[str]
    posts: int
    replies_received: int
    reactions: int
    answers: int
    weeks_active: int
    weeks: int


def leader_candidates(
    table: ActivityTable, usable, threads: dict[str, Any], since_n: int, until_n: int, tz: str,
    names, top: int = TOP, rows=None, days=None, first_days=None, person_days=None,
) -> list:
    """The leader candidates, best first: at most `top`, and only those who stand out (see the
    module docstring).

    `rows` (the usable rows), their local `days`, `first_days` (each person's first day, as
    arrays of people and days) and `person_days` (the distinct (person, day) pairs of those
    rows, as arrays of people and days sorted by person then day) may be given when the
    caller has them already.
    """
    import numpy as np
    import pandas as pd

    if rows is None:
        idx = np.flatnonzero(usable)
        day = local_day_numbers(table.ts[idx], tz)
    else:
        idx, day = rows, days
    if first_days is None:
        first = pd.Series(day).groupby(table.person[idx]).min()
        first_days = (first.index.to_numpy(), first.to_numpy())
    first_of = np.zeros(int(first_days[0].max()) + 1 if len(first_days[0]) else 1,
                        dtype=np.int64)
    first_of[first_days[0]] = first_days[1]
    in_period = (day >= since_n) & (day <= until_n)
    idx, day = idx[in_period], day[in_period]
    if len(idx) == 0:
        return []
    person = table.person[idx]
    size = int(table.person.max()) + 1 if len(table.person) else 1
    posts_of = np.bincount(person, minlength=size)
    reactions_of = np.bincount(person, weights=table.reactions[idx], minlength=size)

    # Replies received: any reply in the period by someone else to one of their messages.
    target = table.reply_targets(idx)
    found = target >= 0
    target_author = table.person[target[found]]
    replier = person[found]
    to_other = target_author != replier
    replies_of = np.bincount(target_author[to_other], minlength=size)

    answered = threads["responder"][threads["responder"] != 0]
    answers_of = np.bincount(answered, minlength=size)

    # Weeks counted from each person's own start, so weeks active can never exceed weeks.
    # From the distinct (person, day) pairs in order, a person's weeks come in order too: a
    # new (person, week) is one that differs from the pair before it.
    if person_days is None:
        pair = distinct(person.astype(np.int64) * 1_000_000 + day)
        person_days = (pair // 1_000_000, pair % 1_000_000)
    p_person, p_day = person_days
    window = (p_day >= since_n) & (p_day <= until_n)
    p_person, p_day = p_person[window], p_day[window]
    week = (p_day - np.maximum(first_of[p_person], since_n)) // 7
    new_week = np.ones(len(p_person), dtype=bool)
    new_week[1:] = (p_person[1:] != p_person[:-1]) | (week[1:] != week[:-1])
    weeks_active_of = np.bincount(p_person[new_week], minlength=size)

    people = np.flatnonzero(posts_of)
    frame = pd.DataFrame({
        "posts": posts_of[people],
        "reactions": reactions_of[people].astype(np.int64),
        "replies": replies_of[people],
        "answers": answers_of[people],
        "weeks_active": weeks_active_of[people],
    }, index=people)
    start = np.maximum(first_of[frame.index.to_numpy()], since_n)
    frame["weeks"] = np.ceil((until_n - start + 1) / 7).astype(int).clip(min=1)
    active_members = len(frame)
    frame = frame[(frame.posts >= MIN_POSTS) & (frame.weeks_active >= 2)]
    if frame.empty:
        return []
    signals = pd.DataFrame({
        "replies": frame.replies / frame.posts,
        "reactions": frame.reactions / frame.posts,
        "answers": frame.answers.astype(float),
        "consistency": (frame.weeks_active / frame.weeks).clip(upper=1.0),
    })
    ranks = signals.rank(pct=True, method="average")
    score = sum(ranks[k] * w for k, w in WEIGHTS.items()) * 100
    room = min(top, max(1, math.ceil(active_members * SHARE)))
    best = score[score >= MIN_SCORE].sort_values(ascending=False, kind="stable").head(room)
    who = names([int(p) for p in best.index])
    out = []
    for pid, value in best.items():
        row, sig, rank = frame.loc[pid], signals.loc[pid], ranks.loc[pid]
        out.append(LeaderCandidate(
            person_id=int(pid),
            name=who.get(int(pid), f"person {pid}"),
            score=round(float(value), 1),
            reasons=_reasons(row, sig, rank),
            posts=int(row.posts),
            replies_received=int(row.replies),
            reactions=int(row.reactions),
            answers=int(row.answers),
            weeks_active=int(row.weeks_active),
            weeks=int(row.weeks),
        ))
    return out


def _top(rank: float) -> str:
    """" (top 10%)" for a percentile rank of 0.9 or more, in steps of 5%; nothing below 0.75."""
    return f" (top {max(5, math.ceil((1 - rank) * 20) * 5)}%)" if rank >= 0.75 else ""


def _reasons(row, sig, rank) -> list[str]:
    said = {
        "replies": f"{sig.replies:.1f} replies from others per post{_top(rank.replies)}",
        "reactions": f"{sig.reactions:.1f} reactions per post{_top(rank.reactions)}",
        "answers": f"first to answer {int(row.answers)} other people's threads"
                   f"{_top(rank.answers)}",
        "consistency": f"active in {int(row.weeks_active)} of {int(row.weeks)} weeks"
                       f"{_top(rank.consistency)}",
    }
    order = sorted(WEIGHTS, key=lambda k: -rank[k] * WEIGHTS[k])
    strong = [said[k] for k in order if rank[k] >= 0.5]
    return (strong or [said[order[0]]])[:3]
