"""The trustee report: a period's story for a charity's board, written as a PDF.

What a board asks: is the community growing or shrinking, do people get answers, do newcomers
stay, is anything wrong. So the report gives a handful of headline figures in plain words, each
with one line on what it means and how it compares with the period before and the same period
last year; what needs attention (never archived or dormant spaces); safeguarding concerns as
counts by category and outcome (only when the profile holds the safeguarding key: never a
name); and charts with titles, dated axes and their values written on them.

Every figure is about the same people over the same days: members (not staff, not bots) in the
chosen spaces during the period. The report names no member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from steward import clock
from steward.engagement.metrics import (
    EngagementReport,
    Period,
    Scope,
    engagement_report,
    local_day_bounds_utc,
    workspace_timezone,
)
from steward.engagement.newcomers import unwelcomed_newcomers
from steward.workspace import Workspace


@dataclass(frozen=True)
class ChartData:
    """One chart: a key, a title, what the y axis counts, dates and named series."""

    key: str
    title: str
    days: list[date]
    series: dict[str, list[float]]
    y_label: str = "Count"


@dataclass(frozen=True)
class Headline:
    """A headline figure: the value, what it is, what it means, how it moved."""

    label: str
    value: str
    meaning: str
    changes: list[str]


@dataclass
class TrusteeReport:
    organisation: str
    period: Period
    previous: Period
    last_year: Period
    generated_at: datetime
    headlines: list[Headline]
    attention: list[str]
    spaces: list[tuple[str, str, str, str, str]]  # name, platform, messages, members, reading
    quiet_spaces_left_out: list[str]  # spaces with no member messages in the period
    cohorts: list[tuple[str, int, str]]  # first posted in, people, still posting 3 months on
    monthly: list[tuple[str, int, bool]]  # month label, messages, month complete
    comparison: list[tuple[str, int]]  # period label, messages
    safeguarding: object | None = None  # ConcernCounts, for profiles holding the key
    charts: list[ChartData] = field(default_factory=list)

    @property
    def figures(self) -> list[tuple[str, str]]:
        """(label, value) pairs: the headline figures without their sentences."""
        return [(h.label, h.value) for h in self.headlines]

    @property
    def highlights(self) -> list[str]:
        return self.attention


def _same_days_last_year(p: Period) -> Period:
    def back(d: date) -> date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:  # 29 February
            return d.replace(year=d.year - 1, day=28)

    return Period(back(p.since), back(p.until))


def previous_period(p: Period) -> Period:
    return Period(p.since - timedelta(days=p.days), p.since - timedelta(days=1))


def _hours(value: float | None) -> str:
    if value is None:
        return "no replies yet"
    if value < 1:
        return f"{round(value * 60)} minutes"
    return f"{value:.1f} hours" if value < 48 else f"{value / 24:.1f} days"


def _days_words(p: Period) -> str:
    return f"the previous {p.days} days"


def change_words(now: float | None, before: float | None, against: str, *,
                 lower_is_better: bool = False, points: bool = False,
                 unit: str = "") -> str:
    """"up 12% on the previous 90 days", "down 4 points on …", "about the same as …"."""
    if now is None or before is None:
        return f"no figure for {against}"
    if points:
        diff = (now - before) * 100
        if abs(diff) < 1:
            return f"about the same as {against}"
        return f"{'up' if diff > 0 else 'down'} {abs(diff):.0f} points on {against}"
    if before == 0:
        return f"none in {against}" if now else f"none in {against} either"
    ratio = (now - before) / before
    if abs(ratio) < 0.02:
        return f"about the same as {against}"
    if lower_is_better:
        word = "longer" if ratio > 0 else "shorter"
        return f"{abs(ratio):.0%} {word} than in {against}"
    if ratio >= 1:  # "up 2096%" reads as noise: say how many times
        times = now / before
        return (f"more than ten times as many as in {against}" if times > 10 else
                f"{times:.1f} times as many as in {against}").replace(".0 times", " times")
    return f"{'up' if ratio > 0 else 'down'} {abs(ratio):.0%} on {against}" + unit


def _reply_share(r: EngagementReport) -> float | None:
    if not r.conversations_started:
        return None
    return (r.conversations_started - r.conversations_without_response) / r.conversations_started


def trustee_report(ws: Workspace, period: Period, scope: Scope | None = None,
                   now: datetime | None = None) -> TrusteeReport:
    """Everything the trustee report says about `period` (and the two periods it is
    compared with)."""
    now = now or clock.now()
    r = engagement_report(ws, period, scope, now=now)
    before = engagement_report(ws, previous_period(period), scope, now=now)
    year = engagement_report(ws, _same_days_last_year(period), scope, now=now)
    shown = {a.space_id for a in r.silence}
    waiting = [n for n in unwelcomed_newcomers(ws, now=r.as_of) if n.space_id in shown]
    concerns = None
    if ws.holds_safeguarding_key:
        from steward.safeguarding.period_counts import concerns_raised

        tz = workspace_timezone(ws)
        concerns = concerns_raised(ws, local_day_bounds_utc(period.since, tz)[0],
                                   local_day_bounds_utc(period.until, tz)[1])
    first = _first_record_day(ws, tz=r.timezone)
    return build_trustee_report(ws.name or "Our community", r, before, year, len(waiting),
                                concerns, first_record_day=first)


def _first_record_day(ws: Workspace, tz: str):
    """The local day of the earliest message by a person (None: no messages)."""
    from steward.engagement.activity import load_activity
    from steward.engagement.metrics import EPOCH, local_day_numbers

    table = load_activity(ws)
    ts = table.ts[~table.is_bot]
    if len(ts) == 0:
        return None
    return EPOCH + timedelta(days=int(local_day_numbers(ts[[ts.argmin()]], tz)[0]))


def build_trustee_report(organisation: str, r: EngagementReport, before: EngagementReport,
                         year: EngagementReport, newcomers_waiting: int,
                         concerns=None, first_record_day=None) -> TrusteeReport:
    """The report's words and figures. A comparison period that starts before the first
    record (`first_record_day`) has no figure: the records do not cover it, and "ten times
    as many as last year" would only say when the history begins."""
    prev_words = _days_words(before.period)
    year_words = "the same days last year"

    def covered(p: Period) -> bool:
        return first_record_day is None or p.since >= first_record_day

    def side(now, then, period, words, **kw) -> str:
        if not covered(period):
            return f"no figure for {words} (the records start later)"
        return change_words(now, then, words, **kw)

    def moved(now, then_prev, then_year, **kw) -> list[str]:
        return [side(now, then_prev, before.period, prev_words, **kw),
                side(now, then_year, year.period, year_words, **kw)]

    share = _reply_share(r)
    headlines = [
        Headline("Messages from members", f"{r.messages:,}",
                 "How much members wrote, across the spaces in this report.",
                 moved(r.messages, before.messages, year.messages)),
        Headline("Members who took part", f"{r.members_taking_part:,}",
                 "Different people who wrote at least once in the period.",
                 moved(r.members_taking_part, before.members_taking_part,
                       year.members_taking_part)),
        Headline("New members who joined in", f"{r.new_contributors:,}",
                 "People who wrote for the first time ever in the period.",
                 moved(r.new_contributors, before.new_contributors, year.new_contributors)),
        Headline("Conversations that got a reply",
                 f"{share:.0%}" if share is not None else "—",
                 f"Of the {r.conversations_started:,} conversations members started, the share "
                 "someone else replied to.",
                 moved(share, _reply_share(before), _reply_share(year), points=True)),
        Headline("Typical wait for a first reply", _hours(r.first_response_median_hours),
                 "Half of the conversations that got a reply got it within this time.",
                 moved(r.first_response_median_hours, before.first_response_median_hours,
                       year.first_response_median_hours, lower_is_better=True)),
        Headline("Members who come back most days",
                 f"{r.stickiness:.0%}" if r.stickiness is not None else "—",
                 "On a typical day of the period's last 30, the share of that month's members "
                 "who wrote: higher means a habit, not a one-off visit.",
                 moved(r.stickiness, before.stickiness, year.stickiness, points=True)),
    ]

    attention = []
    quiet = [a for a in r.silence if a.needs_attention]
    for a in quiet[:8]:
        attention.append(
            f"{a.name} ({a.platform}) has had no messages yet." if a.silent_days is None else
            f"{a.name} ({a.platform}) has been quiet for {a.silent_days} days.")
    if len(quiet) > 8:
        attention.append(f"{len(quiet) - 8} more spaces are quiet.")
    if newcomers_waiting:
        attention.append(
            f"{newcomers_waiting} newcomer{'s are' if newcomers_waiting != 1 else ' is'} "
            "waiting for a first reply or welcome.")
    if r.conversations_without_response:
        attention.append(
            f"{r.conversations_without_response:,} conversation"
            f"{'s' if r.conversations_without_response != 1 else ''} started by members "
            "got no reply.")
    if not attention:
        attention.append("Nothing: every space is active and every newcomer has been answered.")
    resting = [a for a in r.silence if a.state != "active"]
    if resting:
        attention.append(f"Left out on purpose: {', '.join(a.name for a in resting[:6])}"
                         f"{' and others' if len(resting) > 6 else ''} "
                         "(archived or set dormant).")

    cohorts = [(_cohort_month(c.cohort), c.size, _three_months_on(c.retention))
               for c in r.cohorts]
    active = [s for s in r.spaces if s.messages]
    spaces = [(s.name, s.platform, f"{s.messages:,}", f"{s.active_members:,}",
               f"conversations ({s.gap_minutes} min)" if s.model == "conversations"
               else "threads")
              for s in sorted(active, key=lambda s: -s.messages)]
    left_out = sorted(s.name for s in r.spaces if not s.messages)
    monthly = _monthly(r)
    comparison = [(label, p.messages) for label, p in (
        ("Same days last year", year), (f"Previous {r.period.days} days", before))
        if covered(p.period)] + [("This period", r.messages)]
    charts = [
        ChartData("activity", "Messages from members, per day", r.days,
                  {"Messages": r.messages_per_day}, "Messages"),
        ChartData("members", "Members who wrote: each day, and in the 30 days up to each day",
                  r.days, {"In the last 30 days": r.active_per_month,
                           "That day": r.active_per_day}, "Members"),
    ]
    return TrusteeReport(organisation, r.period, before.period, year.period, clock.now(),
                         headlines, attention, spaces, left_out, cohorts, monthly, comparison,
                         concerns, charts)


def _cohort_month(key: str) -> str:
    from steward.pdf import month_label

    return month_label(date.fromisoformat(key + "-01"))


def _three_months_on(retention: list) -> str:
    if len(retention) <= 3:
        return "not yet known"
    share = retention[3]
    return "not yet known" if share is None else f"{share:.0%}"


def _monthly(r: EngagementReport) -> list[tuple[str, int, bool]]:
    from steward.pdf import month_label

    out: dict[str, list] = {}
    for d, m in zip(r.days, r.messages_per_day, strict=True):
        key = month_label(d)
        out.setdefault(key, [0, d, d])
        out[key][0] += m
        out[key][2] = d
    rows = []
    for key, (total, first, last) in out.items():
        whole = first.day == 1 and (last + timedelta(days=1)).day == 1
        rows.append((key, total, whole))
    return rows


def write_trustee_pdf(report: TrusteeReport, path: Path) -> None:
    """The report as an A4 PDF (embedded fonts, vector charts)."""
    from steward import pdf

    p = report.period
    doc = pdf.Document(f"{report.organisation}: community report",
                       footer=f"{report.organisation} · community report, "
                              f"{_day(p.since)} to {_day(p.until)}")
    doc.title(f"{report.organisation}: community report",
              f"{_day(p.since)} to {_day(p.until)} ({p.days} days), compared with "
              f"{_day(report.previous.since)} to {_day(report.previous.until)} and with "
              f"the same days last year. Prepared {_day(report.generated_at.date())}. "
              "Counts are of members: staff and bots are left out; no member is named.")
    doc.heading("At a glance")
    doc.figures([(h.value, h.label, f"{h.meaning} {_sentence('; '.join(h.changes))}")
                 for h in report.headlines])
    doc.heading("What needs attention")
    doc.bullets(report.attention)
    if report.safeguarding is not None:
        c = report.safeguarding
        doc.heading("Safeguarding concerns raised")
        if not c.total:
            doc.paragraph("No safeguarding concerns were raised in the period.")
        else:
            doc.paragraph(f"{c.total} concern{'s' if c.total != 1 else ''} raised in the "
                          "period, by kind and by what happened (counts only; the records "
                          "stay with the safeguarding lead).")
            outcomes = sorted(c.by_outcome)
            doc.table(["Kind of concern", *(o[:1].upper() + o[1:] for o in outcomes), "Total"],
                      [[title, *(cells.get(o, 0) for o in outcomes), sum(cells.values())]
                       for title, cells in c.table])
    doc.heading("How the period compares", keep=60)
    labels = [label for label, _ in report.comparison]
    against = [w for w, label in (("the one before", "Previous"),
                                  ("last year", "Same days last year"))
               if any(x.startswith(label) for x in labels)]
    doc.bar_chart("Messages from members: this period"
                  + (f", {', and '.join(against)}" if len(against) == 2 else
                     f" and {against[0]}" if against else ""),
                  labels,
                  [float(v) for _, v in report.comparison], "Messages", "Period")
    if report.monthly:
        doc.bar_chart("Messages from members, per month",
                      [label + ("" if whole else " (part)") for label, _, whole in
                       report.monthly],
                      [float(v) for _, v, _ in report.monthly], "Messages",
                      "Month (part: only some of its days are in the period)")
    doc.heading("Activity over the period", keep=60)
    for chart in report.charts:
        doc.line_chart(chart.title, chart.days, chart.series, chart.y_label)
    if report.spaces:
        doc.heading("Spaces")
        doc.table(["Space", "Platform", "Messages", "Members who wrote", "Read as"],
                  report.spaces, widths=(54, 22, 20, 30, 43))
        if report.quiet_spaces_left_out:
            doc.paragraph(f"No member messages in the period (not listed): "
                          f"{', '.join(report.quiet_spaces_left_out)}.", size=8.5, muted=True)
        doc.paragraph("Chat groups (WhatsApp, Telegram, Slack, Discord) are read as "
                      "conversations: a reply or quote joins the message it answers, and a "
                      "pause longer than the minutes shown (set for each group) starts a new "
                      "conversation. Forums and mailing lists are read by their threads.",
                      size=8.5, muted=True)
    if report.cohorts:
        doc.heading("Do newcomers stay?")
        doc.table(["First wrote in", "People", "Still writing three months later"],
                  [(c, f"{n:,}", share) for c, n, share in report.cohorts],
                  widths=(45, 30, 70))
    doc.save(path)


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def save_trustee_report(ws: Workspace, period: Period, path: Path, scope: Scope | None = None,
                        now: datetime | None = None) -> TrusteeReport:
    """Build the report and write it to `path`; a failed write leaves nothing behind."""
    from steward.safe_write import replaced_when_done

    report = trustee_report(ws, period, scope, now=now)
    with replaced_when_done(Path(path)) as tmp:
        write_trustee_pdf(report, tmp)
    return report
