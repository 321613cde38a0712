"""The trustee report: a period's key figures and charts for a charity's board.

The core assembles what goes in (figures, sentences, the series behind each chart) and the
HTML; the desktop draws the charts as images and prints the HTML to PDF. The report names no
member: trustees get counts and trends, not people.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime

from steward import clock
from steward.engagement.metrics import EngagementReport, Period, Scope, engagement_report
from steward.engagement.newcomers import unwelcomed_newcomers
from steward.workspace import Workspace


@dataclass(frozen=True)
class ChartData:
    """One chart: a key (for the image), a title, dates and named series of the same length."""

    key: str
    title: str
    days: list[date]
    series: dict[str, list[float]]


@dataclass
class TrusteeReport:
    organisation: str
    period: Period
    generated_at: datetime
    figures: list[tuple[str, str]]
    highlights: list[str]
    spaces: list[tuple[str, str, str, str]]  # name, platform, messages, active members
    cohorts: list[tuple[str, int, str]]  # cohort, size, share active three months later
    charts: list[ChartData] = field(default_factory=list)


def _hours(value: float | None) -> str:
    if value is None:
        return "no replies yet"
    return f"{value:.1f} hours" if value < 48 else f"{value / 24:.1f} days"


def trustee_report(ws: Workspace, period: Period, scope: Scope | None = None,
                   now: datetime | None = None) -> TrusteeReport:
    """Everything the trustee report says about `period`."""
    r = engagement_report(ws, period, scope, now=now)
    return build_trustee_report(ws.name or "Our community", r,
                                len(unwelcomed_newcomers(ws, now=r.as_of)))


def build_trustee_report(organisation: str, r: EngagementReport,
                         newcomers_waiting: int) -> TrusteeReport:
    answered = r.threads_started - r.threads_without_response
    figures = [
        ("Messages from members", f"{r.messages:,}"),
        ("Members active in the last 30 days", f"{r.active_members['month']:,}"),
        ("Members active in the last 7 days", f"{r.active_members['week']:,}"),
        ("Stickiness (daily ÷ monthly active)",
         f"{r.stickiness:.0%}" if r.stickiness is not None else "—"),
        ("New contributors", f"{r.new_contributors:,}"),
        ("Returning members", f"{r.returning_members:,}"),
        ("New conversations answered",
         f"{answered:,} of {r.threads_started:,}" if r.threads_started else "—"),
        ("Typical time to first reply (median)", _hours(r.first_response_median_hours)),
        ("Slowest tenth waited more than", _hours(r.first_response_p90_hours)),
        ("People who write half of all messages", f"{r.contributor_absence_factor:,}"),
    ]
    highlights = []
    quiet = [a for a in r.silence if a.silence != "ok"]
    if quiet:
        highlights.append(
            f"{len(quiet)} space{'s' if len(quiet) != 1 else ''} quiet for "
            f"{min(a.amber_days for a in quiet)} days or more: "
            + ", ".join(a.name for a in quiet[:6]) + ".")
    else:
        highlights.append("Every space has had activity within its quiet threshold.")
    if newcomers_waiting:
        highlights.append(f"{newcomers_waiting} newcomer{'s' if newcomers_waiting != 1 else ''}"
                          " waiting for a first reply or welcome.")
    if r.leader_candidates:
        highlights.append(f"{len(r.leader_candidates)} members stand out as possible leaders "
                          "(replies and reactions to their posts, help to others, consistency).")
    cohorts = [(c.cohort, c.size, f"{c.retention[3]:.0%}" if len(c.retention) > 3 else "—")
               for c in r.cohorts]
    spaces = [(s.name, s.platform, f"{s.messages:,}", f"{s.active_members:,}")
              for s in sorted(r.spaces, key=lambda s: -s.messages)]
    charts = [
        ChartData("activity", "Messages and active members per day", r.days,
                  {"Messages": r.messages_per_day, "Active members": r.active_per_day}),
        ChartData("monthly", "Members active in the last 30 days", r.days,
                  {"Monthly active": r.active_per_month, "Weekly active": r.active_per_week}),
    ]
    return TrusteeReport(organisation, r.period, clock.now(), figures, highlights, spaces,
                         cohorts, charts)


def trustee_report_html(report: TrusteeReport, images: dict[str, str]) -> str:
    """The report as HTML for printing; `images` maps chart keys to image URLs or names."""
    e = html.escape
    p = report.period
    parts = [
        "<html><head><meta charset='utf-8'><style>"
        "body{font-family:sans-serif;font-size:10pt} h1{font-size:18pt} h2{font-size:13pt}"
        "td,th{padding:3px 8px;border-bottom:1px solid #ccc} th{text-align:left}"
        "</style></head><body>",
        f"<h1>{e(report.organisation)}: community report</h1>",
        f"<p>{p.since:%d %B %Y} to {p.until:%d %B %Y}. "
        f"Prepared {report.generated_at:%d %B %Y}. Counts exclude staff and bots.</p>",
        "<h2>Key figures</h2><table>",
        *(f"<tr><td>{e(label)}</td><td><b>{e(value)}</b></td></tr>"
          for label, value in report.figures),
        "</table><h2>What needs attention</h2><ul>",
        *(f"<li>{e(text)}</li>" for text in report.highlights),
        "</ul>",
    ]
    for chart in report.charts:
        if chart.key in images:
            parts.append(f"<h2>{e(chart.title)}</h2>"
                         f"<p><img src='{e(images[chart.key], quote=True)}' width='640'></p>")
    parts.append("<h2>Spaces</h2><table><tr><th>Space</th><th>Platform</th><th>Messages</th>"
                 "<th>Active members</th></tr>")
    parts += [f"<tr><td>{e(n)}</td><td>{e(pl)}</td><td>{e(m)}</td><td>{e(a)}</td></tr>"
              for n, pl, m, a in report.spaces]
    parts.append("</table>")
    if report.cohorts:
        parts.append("<h2>Do newcomers stay?</h2><table><tr><th>First posted in</th>"
                     "<th>People</th><th>Still posting 3 months on</th></tr>")
        parts += [f"<tr><td>{e(c)}</td><td>{n:,}</td><td>{e(share)}</td></tr>"
                  for c, n, share in report.cohorts]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
