"""What an engagement report holds (its scope, period, figures per space, cohorts, quiet spaces)
and its JSON form; `metrics` computes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from steward.engagement.leaders import LeaderCandidate


@dataclass(frozen=True)
class Scope:
    """Which part of the community: spaces (ids), platforms, a cohort's people. Empty = all."""

    space_ids: frozenset[int] = frozenset()
    platforms: frozenset[str] = frozenset()
    person_ids: frozenset[int] | None = None
    include_staff: bool = False


@dataclass(frozen=True)
class Period:
    """Calendar days `since`..`until`, both included, in the workspace's time zone."""

    since: date
    until: date

    @classmethod
    def last_days(cls, days: int, until: date) -> Period:
        return cls(until - timedelta(days=days - 1), until)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


@dataclass(frozen=True)
class SilenceAlert:
    """A space and how long it has been quiet: silence is ok, amber or red."""

    space_id: int
    name: str
    source: str
    platform: str
    last_activity: datetime | None
    silent_days: int | None
    silence: str
    amber_days: int
    red_days: int
    state: str = "active"  # active | dormant | archived
    model: str = "threads"  # threads | conversations
    gap_minutes: int | None = None  # for conversations

    @property
    def needs_attention(self) -> bool:
        """Quiet past its amber threshold, and neither archived nor dormant."""
        return self.state == "active" and self.silence != "ok"


@dataclass(frozen=True)
class SpaceFigures:
    space_id: int
    name: str
    platform: str
    messages: int
    active_members: int
    new_contributors: int
    median_first_response_hours: float | None
    model: str = "threads"
    gap_minutes: int | None = None
    conversations_started: int = 0
    conversations_without_response: int = 0


@dataclass(frozen=True)
class CohortRow:
    cohort: str  # "2026-03"
    size: int
    retention: list[float | None]  # share active in month 0, 1, 2, …; None: month not over


@dataclass
class EngagementReport:
    period: Period
    timezone: str
    as_of: datetime
    days: list[date]
    messages_per_day: list[int]
    active_per_day: list[int]
    active_per_week: list[int]  # rolling 7 days ending on each day
    active_per_month: list[int]  # rolling 30 days ending on each day
    new_per_day: list[int]
    active_members: dict[str, int]
    stickiness: float | None
    messages: int
    members_taking_part: int  # distinct members who posted in the period
    new_contributors: int
    returning_members: int
    conversations_started: int
    conversations_without_response: int
    first_response_median_hours: float | None
    first_response_p90_hours: float | None
    contributor_absence_factor: int
    silence: list[SilenceAlert]
    cohorts: list[CohortRow]
    leader_candidates: list[LeaderCandidate]
    spaces: list[SpaceFigures]


def report_as_json(report: EngagementReport) -> dict[str, Any]:
    """The report in the command-line contract's shape (DESIGN.md), plus everything else."""

    def when(dt: datetime | None) -> str | None:
        return dt.isoformat(timespec="seconds") if dt else None

    return {
        "period": {"since": report.period.since.isoformat(),
                   "until": report.period.until.isoformat(), "timezone": report.timezone},
        "as_of": when(report.as_of),
        "spaces": [
            {"name": a.name, "source": a.source, "platform": a.platform,
             "last_activity": when(a.last_activity), "silent_days": a.silent_days,
             "silence": a.silence, "amber_days": a.amber_days, "red_days": a.red_days,
             "state": a.state, "needs_attention": a.needs_attention,
             "conversation_model": a.model, "conversation_gap_minutes": a.gap_minutes}
            for a in report.silence
        ],
        "active_members": dict(report.active_members),
        "stickiness": report.stickiness,
        "time_to_first_response_hours": {
            "median": report.first_response_median_hours,
            "p90": report.first_response_p90_hours,
        },
        "conversations_started": report.conversations_started,
        "conversations_without_response": report.conversations_without_response,
        # The names before chat was read as conversations, kept for scripts that use them.
        "threads_started": report.conversations_started,
        "threads_without_response": report.conversations_without_response,
        "messages": report.messages,
        "members_taking_part": report.members_taking_part,
        "new_contributors": report.new_contributors,
        "returning_members": report.returning_members,
        "contributor_absence_factor": report.contributor_absence_factor,
        "leader_candidates": [
            {"person_id": c.person_id, "name": c.name, "score": c.score, "reasons": c.reasons}
            for c in report.leader_candidates
        ],
        "cohort_retention": [
            {"cohort": c.cohort, "size": c.size, "retention": c.retention}
            for c in report.cohorts
        ],
        "per_space": [
            {"name": s.name, "platform": s.platform, "messages": s.messages,
             "active_members": s.active_members, "new_contributors": s.new_contributors,
             "median_first_response_hours": s.median_first_response_hours,
             "conversation_model": s.model, "conversation_gap_minutes": s.gap_minutes,
             "conversations_started": s.conversations_started,
             "conversations_without_response": s.conversations_without_response}
            for s in report.spaces
        ],
        "daily": [
            {"date": d.isoformat(), "messages": m, "active_members": a, "new_contributors": n}
            for d, m, a, n in zip(report.days, report.messages_per_day, report.active_per_day,
                                  report.new_per_day, strict=True)
        ],
    }
