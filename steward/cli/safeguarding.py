"""`steward flags …`, `steward safeguarding …` and `steward space …`: the safeguarding command
line.

Everything that shows or changes a flag is refused unless the profile holds the safeguarding
key; `steward flags count` is the one line every profile may see.
"""

from __future__ import annotations

import json
from pathlib import Path

from steward.errors import BadInput


def _flag_json(row) -> dict:
    return {
        "id": row.id, "category": row.category, "severity": row.severity, "status": row.status,
        "assigned_to": row.assigned_to, "created_at": row.created_at, "due_at": row.due_at,
        "overdue": row.overdue, "space": row.space, "platform": row.platform,
        "message": {"platform_id": row.message_platform_id, "text": row.excerpt},
        "person_id": row.person_id, "person": row.person,
    }


def cmd_flags_list(ctx) -> int:
    from steward.cli import print_json
    from steward.safeguarding import flags, policy
    from steward.safeguarding.access import require_lead
    from steward.store import audit

    ws = ctx.workspace()
    require_lead(ws)
    a = ctx.args
    statuses = None if a.all else ((a.status,) if a.status else policy.OPEN_STATUSES)
    if a.status and a.status not in policy.STATUSES:
        raise BadInput(f"unknown status {a.status!r}: choose one of {', '.join(policy.STATUSES)}")
    if a.category:
        policy.check_category(a.category)
    if a.severity:
        policy.check_severity(a.severity)
    rows = flags.list_flags(ws, statuses=statuses, category=a.category, severity=a.severity)
    with ws.transaction() as s:
        audit.record(s, ws.actor, "safeguarding.list", None, None, flags=len(rows))
    if a.json:
        print_json([_flag_json(r) for r in rows])
        return 0
    if not rows:
        print("No flags.")
    for r in rows:
        late = "OVERDUE " if r.overdue else ""
        print(f"#{r.id:<5} {late}{r.severity:<8} {r.category:<16} {r.status:<10} "
              f"due {r.due_at:%Y-%m-%d %H:%M}  {r.space or ''}: {r.excerpt[:50]}")
    return 0


def cmd_flags_count(ctx) -> int:
    from steward.cli import print_json
    from steward.safeguarding.flags import concerns_line, concerns_with_lead

    count = concerns_with_lead(ctx.workspace())
    if ctx.args.json:
        print_json({"concerns": count})
    else:
        print(concerns_line(count) + ".")
    return 0


def cmd_flags_show(ctx) -> int:
    from steward.cli import print_json
    from steward.safeguarding.flags import flag_detail

    d = flag_detail(ctx.workspace(), ctx.args.id)
    if ctx.args.json:
        print_json(_flag_json(d.row) | {
            "message_text": d.message_text, "reasons": d.reasons,
            "handover_note": d.handover_note, "outcome": d.outcome,
            "entries": [{"id": e.id, "kind": e.kind, "author": e.author, "at": e.at,
                         "amends_id": e.amends_id, "amended_by": list(e.amended_by),
                         "summary": e.summary} for e in d.entries],
            "helplines": d.helplines if d.signposting else [],
        })
        return 0
    r = d.row
    print(f"Flag {r.id}: {r.category} ({r.severity}), {r.status}; due {r.due_at:%Y-%m-%d %H:%M}")
    print(f"In {r.space} ({r.platform}) by {r.person}:")
    print(f"  {d.message_text}")
    for reason in d.reasons:
        print(f"  - {reason}")
    for e in d.entries:
        print(f"[{e.at:%Y-%m-%d %H:%M}] #{e.id} {e.author}: {e.summary}")
    if d.signposting:
        print("Helplines: " + "; ".join(f"{h['name']} {h['number']}" for h in d.helplines))
    return 0


def cmd_flags_status(ctx) -> int:
    from steward.safeguarding import flags

    status = getattr(ctx.args, "status", None) or "triaged"
    flags.set_status(ctx.workspace(), ctx.args.id, status, ctx.args.note or "")
    print(f"Flag {ctx.args.id} is now {status}.")
    return 0


def cmd_flags_close(ctx) -> int:
    from steward.safeguarding import flags

    flags.close(ctx.workspace(), ctx.args.id, ctx.args.outcome, ctx.args.reason or "")
    print(f"Flag {ctx.args.id} closed: {ctx.args.outcome}.")
    return 0


def cmd_flags_assign(ctx) -> int:
    from steward.safeguarding import flags

    flags.assign(ctx.workspace(), ctx.args.id, ctx.args.lead)
    print(f"Flag {ctx.args.id} assigned to {ctx.args.lead}.")
    return 0


def cmd_flags_note(ctx) -> int:
    from steward.safeguarding import flags

    entry = flags.add_note(ctx.workspace(), ctx.args.id, ctx.args.text, ctx.args.kind)
    print(f"Entry {entry} added to flag {ctx.args.id}.")
    return 0


def cmd_flags_amend(ctx) -> int:
    from steward.safeguarding.cases import amend

    entry = amend(ctx.workspace(), ctx.args.entry, ctx.args.text)
    print(f"Entry {entry} corrects entry {ctx.args.entry}.")
    return 0


def cmd_flags_export(ctx) -> int:
    from steward.safeguarding.record import export_case_record

    export_case_record(ctx.workspace(), Path(ctx.args.out), flag_id=ctx.args.id)
    print(f"Case record of flag {ctx.args.id} written to {ctx.args.out} (logged).")
    return 0


def cmd_chronology(ctx) -> int:
    from steward.cli import print_json
    from steward.safeguarding.cases import chronology
    from steward.safeguarding.record import export_case_record

    ws = ctx.workspace()
    if ctx.args.export:
        export_case_record(ws, Path(ctx.args.export), person_id=ctx.args.person)
        print(f"Chronology of person {ctx.args.person} written to {ctx.args.export} (logged).")
        return 0
    c = chronology(ws, ctx.args.person)
    if ctx.args.json:
        print_json({"person_id": c.person_id, "person": c.person,
                    "identities": [{"platform": p, "name": n} for p, n in c.identities],
                    "items": [vars(i) for i in c.items]})
        return 0
    print(f"{c.person}: " + ", ".join(f"{p} {n}" for p, n in c.identities))
    for i in c.items:
        print(f"{i.at:%Y-%m-%d %H:%M} {i.title}: {i.text[:100]}")
    return 0


def cmd_scan(ctx) -> int:
    from steward.cli import print_json, progress_printer
    from steward.jobs import run_to_end
    from steward.safeguarding.scan import scan_job

    counts = run_to_end(scan_job(ctx.workspace()), progress_printer(ctx.args.json))
    if ctx.args.json:
        print_json(counts)
    else:
        print(f"Scanned {counts['messages']} messages: {counts['flags']} new flags for the "
              "safeguarding leads.")
    return 0


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"{what} must look like name=value, not {item!r}")
        out[key.strip()] = value.strip()
    return out


def cmd_settings(ctx) -> int:
    from steward.cli import print_json
    from steward.safeguarding import policy, signposting
    from steward.safeguarding.access import require_lead
    from steward.store import audit

    ws = ctx.workspace()
    require_lead(ws)
    a = ctx.args
    changes = {}
    if a.phone_regions:
        changes[policy.REGIONS_KEY] = policy.check_phone_regions(a.phone_regions.split(","))
    if a.deadline:
        with ws.session() as s:
            current = policy.deadline_hours(s)
        changes[policy.DEADLINES_KEY] = current | policy.check_deadlines(
            _pairs(a.deadline, "--deadline"))
    if a.retention:
        try:
            days = {k: int(v) for k, v in _pairs(a.retention, "--retention").items()}
        except ValueError:
            raise BadInput("--retention takes category=days with a whole number") from None
        with ws.session() as s:
            current = policy.retention_days(s)
        changes[policy.RETENTION_KEY] = current | policy.check_retention(days)
    if a.helplines:
        try:
            value = json.loads(Path(a.helplines).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BadInput(f"{a.helplines}: not a readable JSON file ({err})") from None
        changes[signposting.HELPLINES_KEY] = signposting.check_helplines(value)
    if changes:
        for key, value in changes.items():
            ws.set_setting(key, value)
        with ws.transaction() as s:
            audit.record(s, ws.actor, "safeguarding.settings", None, None,
                         changed=len(changes))
    with ws.session() as s:
        current = {
            "phone_regions": policy.phone_regions(s),
            "deadline_hours": policy.deadline_hours(s),
            "retention_days": policy.retention_days(s),
            "helplines": signposting.helplines(s),
        }
    if a.json:
        print_json(current)
    else:
        print(f"Phone regions: {', '.join(current['phone_regions'])}")
        print("Triage deadlines (hours): " + ", ".join(
            f"{k} {v:g}" for k, v in current["deadline_hours"].items()))
        print("Retention (days): " + ", ".join(
            f"{k} {v}" for k, v in current["retention_days"].items()))
        for h in current["helplines"]:
            print(f"Helpline: {h['name']} {h['number']}")
    return 0


def cmd_lexicon_check(ctx) -> int:
    from steward.safeguarding.lexicon import read_lexicon_file

    for name in ctx.args.files:
        lexicon = read_lexicon_file(Path(name))
        print(f"{name}: {len(lexicon.terms)} patterns for {lexicon.category}, OK")
    return 0


def cmd_lexicon_add(ctx) -> int:
    from steward.safeguarding.access import require_lead
    from steward.safeguarding.lexicon import read_lexicon_file
    from steward.safeguarding.scan import CUSTOM_LEXICON_KEY
    from steward.store import audit

    ws = ctx.workspace()
    require_lead(ws)
    path = Path(ctx.args.file)
    lexicon = read_lexicon_file(path)  # refuses a malformed file before anything changes
    custom = dict(ws.get_setting(CUSTOM_LEXICON_KEY, {}) or {})
    custom[lexicon.category] = path.read_text(encoding="utf-8")
    ws.set_setting(CUSTOM_LEXICON_KEY, custom)
    with ws.transaction() as s:
        audit.record(s, ws.actor, "safeguarding.lexicon", None, None,
                     patterns=len(lexicon.terms))
    print(f"Workspace lexicon for {lexicon.category} set ({len(lexicon.terms)} patterns); "
          "it applies to messages scanned from now on.")
    return 0


def cmd_retention(ctx) -> int:
    from steward.cli import print_json
    from steward.safeguarding import retention

    ws = ctx.workspace()
    a = ctx.args
    if a.purge is not None:
        removed = retention.purge(ws, a.purge)
        print(f"Flag {a.purge} purged with {removed} case entries (logged).")
        return 0
    if a.extend is not None:
        until = retention.extend(ws, a.extend, a.days, a.reason or "")
        print(f"Flag {a.extend} is kept until {until:%Y-%m-%d}.")
        return 0
    items = retention.due_for_review(ws)
    if a.json:
        print_json([vars(i) for i in items])
    elif not items:
        print("No closed cases are due for review.")
    for i in items if not a.json else []:
        print(f"#{i.flag_id} {i.category}: closed {i.closed_at:%Y-%m-%d}, kept until "
              f"{i.retain_until:%Y-%m-%d}, {i.entries} entries: review, then extend or purge")
    return 0


def cmd_space_list(ctx) -> int:
    from steward.cli import print_json
    from steward.safeguarding.spaces import list_spaces

    spaces = list_spaces(ctx.workspace())
    if ctx.args.json:
        print_json([sp.as_dict() for sp in spaces])
        return 0
    if not spaces:
        print("No spaces yet: import an export first.")
    for sp in spaces:
        print(f"{sp.id:>4}  {sp.audience.replace('_', '-'):<17} {sp.visibility:<7}"
              f"{' dormant' if sp.dormant else '':<9}{sp.source}: {sp.name} "
              f"({sp.messages:,} messages)")
    return 0


def cmd_space_set(ctx) -> int:
    from steward.cli import print_json
    from steward.safeguarding.spaces import find_space, rescan_hint, set_space

    a = ctx.args
    gap = getattr(a, "conversation_gap", None)
    risk = not (a.audience is None and a.visibility is None and a.dormant is None)
    if not risk and gap is None:
        raise BadInput("give --audience, --visibility, --dormant/--no-dormant or "
                       "--conversation-gap")
    ws = ctx.workspace()
    space = find_space(ws, a.space)
    if gap is not None:
        from steward.engagement.silence import parse_gap, set_conversation_gap

        set_conversation_gap(ws, space.id, parse_gap(gap))
    if risk:
        space = set_space(ws, space.id, a.audience, a.visibility, a.dormant)
    reading = None
    if gap is not None:
        from steward.engagement.silence import conversation_reading

        reading = conversation_reading(ws, space.id)
    if a.json:
        print_json({**space.as_dict(), **(reading or {})})
        return 0
    if risk:
        print(f"Space {space.name} ({space.source}): audience "
              f"{space.audience.replace('_', '-')}, {space.visibility}"
              f"{', dormant' if space.dormant else ''}. The next scan uses it.")
        if space.messages:
            print(rescan_hint(space))
    if reading is not None:
        print(f"Space {space.name} ({space.source}): {reading['description']}")
    return 0


def cmd_space_rescan(ctx) -> int:
    from steward.cli import print_json, progress_printer
    from steward.jobs import run_to_end
    from steward.safeguarding.spaces import find_space, rescan_job

    ws = ctx.workspace()
    space = find_space(ws, ctx.args.space)
    counts = run_to_end(rescan_job(ws, space.id), progress_printer(ctx.args.json))
    if ctx.args.json:
        print_json(counts)
    else:
        print(f"Read {counts['messages']} messages of {space.name} again: {counts['flags']} new "
              "flags for the safeguarding leads.")
    return 0


def _register_space(sub, common) -> None:
    import argparse

    p = sub.add_parser("space", parents=[common],
                       help="spaces and their risk setting (who they are for, who can read them)")
    ssub = p.add_subparsers(dest="space_command", metavar="ACTION", required=True)
    a = ssub.add_parser("list", parents=[common], help="every space with its setting")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_space_list)
    a = ssub.add_parser("set", parents=[common],
                        help="change a space's audience, visibility, dormancy or conversation "
                             "gap (admins, leads)")
    a.add_argument("space", help="the space's name or number (see `steward space list`)")
    a.add_argument("--audience", choices=["general", "young-people", "vulnerable-adults"])
    a.add_argument("--visibility", choices=["open", "closed"])
    a.add_argument("--dormant", action=argparse.BooleanOptionalAction, default=None,
                   help="mark the group as ended on purpose (or not)")
    a.add_argument("--conversation-gap", metavar="MINUTES",
                   help="chat: quiet minutes after which a message starts a new conversation "
                        "(engagement; 'default' for the default)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_space_set)
    a = ssub.add_parser("rescan", parents=[common],
                        help="read a space's history again with its setting (leads)")
    a.add_argument("space")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_space_rescan)


def register(sub, common) -> None:
    """Add `flags …`, `safeguarding …` and `space …` to the command line."""
    _register_space(sub, common)
    p = sub.add_parser("flags", parents=[common], help="safeguarding flags (leads only)")
    fsub = p.add_subparsers(dest="flags_command", metavar="ACTION", required=True)

    a = fsub.add_parser("list", parents=[common], help="open flags, overdue first")
    a.add_argument("--json", action="store_true")
    a.add_argument("--all", action="store_true", help="include closed flags")
    a.add_argument("--status")
    a.add_argument("--category")
    a.add_argument("--severity")
    a.set_defaults(func=cmd_flags_list)

    a = fsub.add_parser("count", parents=[common],
                        help="how many concerns are with the safeguarding lead (any profile)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_flags_count)

    a = fsub.add_parser("show", parents=[common], help="one flag in full (logged)")
    a.add_argument("id", type=int)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_flags_show)

    a = fsub.add_parser("triage", parents=[common], help="mark a new flag as triaged")
    a.add_argument("id", type=int)
    a.add_argument("--note")
    a.set_defaults(func=cmd_flags_status)

    a = fsub.add_parser("status", parents=[common], help="move a flag to referred or monitoring")
    a.add_argument("id", type=int)
    a.add_argument("status", choices=["triaged", "referred", "monitoring"])
    a.add_argument("--note")
    a.set_defaults(func=cmd_flags_status)

    a = fsub.add_parser("close", parents=[common], help="close a flag with its outcome")
    a.add_argument("id", type=int)
    a.add_argument("--outcome", required=True)
    a.add_argument("--reason", help="required for 'no further action'")
    a.set_defaults(func=cmd_flags_close)

    a = fsub.add_parser("assign", parents=[common], help="assign a flag to a lead")
    a.add_argument("id", type=int)
    a.add_argument("lead")
    a.set_defaults(func=cmd_flags_assign)

    a = fsub.add_parser("note", parents=[common], help="add a case note")
    a.add_argument("id", type=int)
    a.add_argument("text")
    a.add_argument("--kind", default="note", choices=["note", "referral", "contact"])
    a.set_defaults(func=cmd_flags_note)

    a = fsub.add_parser("amend", parents=[common], help="correct a case entry (append-only)")
    a.add_argument("entry", type=int)
    a.add_argument("text")
    a.set_defaults(func=cmd_flags_amend)

    a = fsub.add_parser("export", parents=[common], help="write the case record as PDF (logged)")
    a.add_argument("id", type=int)
    a.add_argument("--out", required=True, metavar="FILE")
    a.set_defaults(func=cmd_flags_export)

    p = sub.add_parser("safeguarding", parents=[common], help="safeguarding settings and records")
    ssub = p.add_subparsers(dest="safeguarding_command", metavar="ACTION", required=True)

    a = ssub.add_parser("scan", parents=[common], help="run only the safeguarding scan")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_scan)

    a = ssub.add_parser("chronology", parents=[common], help="one person's chronology (logged)")
    a.add_argument("person", type=int)
    a.add_argument("--json", action="store_true")
    a.add_argument("--export", metavar="FILE", help="write it as PDF instead")
    a.set_defaults(func=cmd_chronology)

    a = ssub.add_parser("settings", parents=[common], help="show or change the policy")
    a.add_argument("--json", action="store_true")
    a.add_argument("--phone-regions", metavar="GB,IE")
    a.add_argument("--deadline", action="append", metavar="SEVERITY=HOURS")
    a.add_argument("--retention", action="append", metavar="CATEGORY=DAYS")
    a.add_argument("--helplines", metavar="FILE.json")
    a.set_defaults(func=cmd_settings)

    a = ssub.add_parser("lexicon", parents=[common], help="check or add a lexicon file")
    lsub = a.add_subparsers(dest="lexicon_command", metavar="ACTION", required=True)
    b = lsub.add_parser("check", parents=[common])
    b.add_argument("files", nargs="+")
    b.set_defaults(func=cmd_lexicon_check)
    b = lsub.add_parser("add", parents=[common])
    b.add_argument("file")
    b.set_defaults(func=cmd_lexicon_add)

    a = ssub.add_parser("retention", parents=[common],
                        help="closed cases due for review; extend or purge")
    a.add_argument("--json", action="store_true")
    a.add_argument("--purge", type=int, metavar="FLAG")
    a.add_argument("--extend", type=int, metavar="FLAG")
    a.add_argument("--days", type=int, default=365)
    a.add_argument("--reason")
    a.set_defaults(func=cmd_retention)
