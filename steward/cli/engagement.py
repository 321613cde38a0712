"""`steward engagement`: the engagement figures, in DESIGN.md's command-line shape."""

from __future__ import annotations

from datetime import date

from steward.errors import BadInput


def register(sub, common) -> None:
    p = sub.add_parser("engagement", parents=[common],
                       help="engagement figures: quiet spaces, active members, leaders")
    p.add_argument("--json", action="store_true")
    p.add_argument("--space", action="append", metavar="NAME",
                   help="only this space (by name; repeat for several)")
    p.add_argument("--platform", action="append", metavar="NAME",
                   help="only spaces on this platform (discourse, slack, …)")
    p.add_argument("--cohort", metavar="NAME", help="only the people in this cohort")
    p.add_argument("--since", metavar="DATE", help="first day of the period (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="last day of the period (default today)")
    p.add_argument("--timezone", metavar="TZ",
                   help="count days in this time zone (default: the workspace's, else UTC)")
    p.add_argument("--include-staff", action="store_true", help="count staff as members")
    p.set_defaults(func=cmd_engagement)


def parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{option} {text!r} is not a date: use YYYY-MM-DD") from None


def cmd_engagement(ctx) -> int:
    from steward.cli import print_json
    from steward.engagement.metrics import (
        DEFAULT_PERIOD_DAYS,
        Period,
        check_timezone,
        engagement_report,
        today_in,
        workspace_timezone,
    )
    from steward.engagement.newcomers import unwelcomed_newcomers
    from steward.engagement.report import report_as_json
    from steward.engagement.scope import resolve_scope

    args = ctx.args
    since, until = parse_day(args.since, "--since"), parse_day(args.until, "--until")
    ws = ctx.workspace()
    tz = args.timezone or workspace_timezone(ws)
    check_timezone(tz)
    until = until or today_in(tz)
    period = Period(since, until) if since else Period.last_days(DEFAULT_PERIOD_DAYS, until)
    scope = resolve_scope(ws, spaces=args.space or (), platforms=args.platform or (),
                          cohort=args.cohort, include_staff=args.include_staff)
    report = engagement_report(ws, period, scope, timezone=tz)
    shown = {sp.space_id for sp in report.silence}
    newcomers = [n for n in unwelcomed_newcomers(ws, now=report.as_of) if n.space_id in shown]
    if args.json:
        out = report_as_json(report)
        out["newcomers_to_welcome"] = [
            {"person_id": n.person_id, "name": n.display_name, "space": n.space_name,
             "first_message_at": n.first_message_at.isoformat(timespec="seconds"),
             "days_waiting": n.days_waiting} for n in newcomers]
        print_json(out)
        return 0
    print(f"Engagement {period.since} to {period.until} ({tz})")
    am = report.active_members
    print(f"  active members: {am['day']} today, {am['week']} this week, {am['month']} "
          f"this month; stickiness {report.stickiness}")
    print(f"  messages {report.messages}; new contributors {report.new_contributors}; "
          f"returning {report.returning_members}")
    print(f"  first response: median {report.first_response_median_hours} h, "
          f"p90 {report.first_response_p90_hours} h; "
          f"{report.conversations_without_response} of {report.conversations_started} "
          "conversations unanswered")
    for alert in report.silence:
        if alert.needs_attention:
            quiet = (f"quiet {alert.silent_days} days" if alert.silent_days is not None
                     else "no messages yet")
            print(f"  {alert.silence.upper():5} {alert.name} ({alert.source}): {quiet}")
    for sp in report.spaces:
        if sp.model == "conversations":
            print(f"  {sp.name}: chat, read as conversations (a new one after "
                  f"{sp.gap_minutes} quiet minutes)")
    for n in newcomers:
        print(f"  welcome {n.display_name} in {n.space_name}: waiting {n.days_waiting} days")
    for c in report.leader_candidates:
        print(f"  leader candidate {c.name} ({c.score}): {'; '.join(c.reasons)}")
    return 0
