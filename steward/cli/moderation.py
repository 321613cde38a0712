"""`steward scan`, `steward queue …` and `steward rules …`: moderation on the command line."""

from __future__ import annotations

from pathlib import Path

from steward.errors import BadInput


def cmd_scan(ctx) -> int:
    from steward.cli import print_json, progress_printer
    from steward.jobs import run_to_end
    from steward.moderation.scan import scan_job

    result = run_to_end(scan_job(ctx.workspace()), progress_printer(ctx.args.json))
    if ctx.args.json:
        print_json(result)
        return 0
    m = result["moderation"]
    print(f"Scanned {m['messages']} new messages: {m['spam']} possible spam, {m['rule']} rule "
          f"hits, {m['report']} platform reports, {m['membership']} membership requests, "
          f"{m.get('welcome', 0)} newcomers to welcome.")
    for name, hits in m.get("rule_reports", {}).items():
        print(f"  rule {name!r} (report only): {hits} messages")
    sg = result["safeguarding"]
    if "skipped" in sg:
        print(f"Safeguarding scan skipped: {sg['skipped']}.")
    else:
        print("Safeguarding scan: " + ", ".join(f"{k} {v}" for k, v in sg.items()))
    return 0


def _filters(ctx):
    from steward.moderation.queue import QueueFilters

    a = ctx.args
    space_id = None
    if a.space:
        from steward.moderation.queue import spaces

        found = [sid for sid, label in spaces(ctx.workspace())
                 if label.split(" (")[0].lower() == a.space.lower()]
        if not found:
            raise BadInput(f"no space named {a.space!r}")
        space_id = found[0]
    kind = "welcome" if a.welcome else a.kind
    return QueueFilters(platform=a.platform, space_id=space_id, kind=kind, status=a.status,
                        assignee=a.assignee).check()


def cmd_queue_list(ctx) -> int:
    from steward.cli import print_json
    from steward.moderation.queue import list_items

    rows = list_items(ctx.workspace(), _filters(ctx), 0, ctx.args.limit, ctx.args.sort)
    if ctx.args.json:
        print_json([r.as_json() for r in rows])
        return 0
    if not rows:
        print("The queue is empty.")
    for r in rows:
        print(f"{r.id:>6}  P{r.priority} {r.score:4.2f} {r.kind:<10} {r.platform:<9} "
              f"{r.space[:18]:<18} {r.message_platform_id or '':<20} {r.excerpt[:50]}")
        print(f"{'':>8}why: {'; '.join(r.reasons)}")
    return 0


def cmd_queue_show(ctx) -> int:
    from steward.cli import print_json
    from steward.moderation.queue import item_detail

    d = item_detail(ctx.workspace(), ctx.args.id)
    out = d.row.as_json() | {
        "thread": [{"id": m.id, "author": m.author, "at": m.at.isoformat(timespec="minutes"),
                    "text": m.text, "this": m.is_item} for m in d.thread],
        "author_history": None if d.author is None else {
            "person_id": d.author.person_id, "name": d.author.name,
            "accounts": d.author.accounts,
            "earlier_decisions": [{"item": x.queue_item_id, "action": x.action,
                                   "reason": x.reason, "at": x.at, "undone": x.undone}
                                  for x in d.author.decisions],
            "notes": [n.text for n in d.author.notes],
        },
        "notes": [{"author": n.author, "at": n.at, "text": n.text} for n in d.notes],
        "decisions": [{"id": x.id, "action": x.action, "reason": x.reason, "actor": x.actor,
                       "at": x.at, "undone": x.undone} for x in d.decisions],
        "request_text": d.request_text, "outbox": d.outbox,
    }
    if ctx.args.json:
        print_json(out)
    else:
        print(f"#{d.row.id} {d.row.label} — {d.row.kind}, priority {d.row.priority}, "
              f"{d.row.platform} / {d.row.space}")
        for reason in d.row.reasons:
            print(f"  why: {reason}")
        for m in d.thread:
            print(f"  {'>' if m.is_item else ' '} {m.at:%Y-%m-%d %H:%M} {m.author}: {m.text}")
    return 0


def _reason(a) -> str:
    from steward.moderation.triage import common_reason

    if a.reason_key:
        return common_reason(a.reason_key)
    return a.reason or ""


def cmd_queue_decide(ctx) -> int:
    from steward.moderation.triage import decide

    made = decide(ctx.workspace(), ctx.args.ids, ctx.args.action, _reason(ctx.args),
                  snooze_days=ctx.args.snooze_days)
    print(f"{ctx.args.action}: {len(made)} item(s) decided.")
    return 0


def cmd_queue_undo(ctx) -> int:
    from steward.moderation.triage import undo_last

    reopened = undo_last(ctx.workspace(), ctx.args.count)
    print(f"Undone; reopened item(s) {', '.join(map(str, reopened))}.")
    return 0


def cmd_queue_assign(ctx) -> int:
    from steward.moderation.triage import assign, claim

    ws = ctx.workspace()
    if ctx.args.command_name == "claim":
        n = claim(ws, ctx.args.ids)
    else:
        n = assign(ws, ctx.args.ids, None if ctx.args.unassign else ctx.args.to)
    print(f"{n} item(s) updated.")
    return 0


def cmd_queue_note(ctx) -> int:
    from steward.moderation.triage import add_note

    subject = "person" if ctx.args.person else "queue_item"
    add_note(ctx.workspace(), subject, ctx.args.id, ctx.args.text)
    print("Note added.")
    return 0


def cmd_queue_author(ctx) -> int:
    """Everything from the author of an item (or a person): list it, or decide it all."""
    from steward.cli import print_json
    from steward.moderation import author

    ws, a = ctx.workspace(), ctx.args
    person_id = a.id if a.person else author.person_of_item(ws, a.id)
    if person_id is None:
        raise BadInput(f"queue item {a.id} has no known author")
    if a.decide:
        if not (a.reason or a.reason_key):
            raise BadInput("a decision needs a reason: --reason TEXT or --reason-key N")
        items = author.decide_everything(ws, person_id, a.decide, _reason(a))
        print(f"{a.decide}: {len(items)} item(s) decided; `steward queue undo --count "
              f"{len(items)}` undoes them.")
        return 0
    found = author.messages_by_person(ws, person_id)
    if a.json:
        print_json({"person_id": found.person_id, "name": found.name,
                    "accounts": found.accounts, "spaces": found.spaces,
                    "to_decide": len(found.to_decide),
                    "messages": [m.as_json() for m in found.messages]})
        return 0
    print(f"{found.name}: {len(found.messages)} message(s) in {found.spaces} space(s) from "
          f"{found.accounts} account(s); {len(found.to_decide)} without a decision.")
    for m in found.messages:
        print(f"  {m.at:%Y-%m-%d %H:%M} {m.platform:<9} {m.space[:18]:<18} "
              f"{m.decided or 'open':<9} {m.excerpt[:50]}")
    return 0


def _read(path: str) -> str:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{p}: no such file") from None
    except UnicodeDecodeError:
        raise BadInput(f"{p}: not a UTF-8 text file") from None
    except OSError as err:
        raise BadInput(f"{p}: cannot be read ({err.strerror})") from None


def cmd_rules(ctx) -> int:
    from steward.cli import print_json, progress_printer
    from steward.jobs import run_to_end
    from steward.moderation import rulebook, rules, scan

    a = ctx.args
    if a.rules_command == "example":
        print(rules.example_rules(), end="")
        return 0
    if a.rules_command == "show":
        print(rules.rules_text(ctx.workspace()) or "# no rules yet", end="\n")
        return 0
    source = _read(a.file)
    if a.rules_command == "check":
        ruleset = rules.parse_rules(source, a.file)
        print(f"{a.file}: {len(ruleset.rules)} rules, all fine.")
    elif a.rules_command == "set":
        ruleset = rulebook.save_rules(ctx.workspace(), source, a.file)
        print(f"{len(ruleset.rules)} rules in force from the next scan.")
    else:  # test
        rules.parse_rules(source, a.file)
        result = run_to_end(scan.test_rules_job(ctx.workspace(), source, a.samples),
                            progress_printer(a.json))
        if a.json:
            print_json({"scanned": result["scanned"],
                        "rules": [t.__dict__ for t in result["rules"]]})
        else:
            for t in result["rules"]:
                print(f"{t.name!r} (line {t.line}): {t.caught} of {result['scanned']} messages")
                for sample in t.samples:
                    print(f"    {sample['platform_id']}: {sample['text']}")
    return 0


def register(sub, common) -> None:
    """Add `scan`, `queue` and `rules` to the command line."""
    from steward.moderation.vocabulary import ACTIONS, KINDS, SORT_KEYS, STATUSES

    p = sub.add_parser("scan", parents=[common],
                       help="scan new messages for moderation and safeguarding")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("queue", parents=[common], help="the moderation queue")
    qsub = p.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    a = qsub.add_parser("list", parents=[common], help="items waiting, most urgent first")
    a.add_argument("--json", action="store_true")
    a.add_argument("--kind", choices=KINDS)
    a.add_argument("--welcome", action="store_true", help="the newcomers-to-welcome list")
    a.add_argument("--status", choices=STATUSES, default="open")
    a.add_argument("--platform")
    a.add_argument("--space", metavar="NAME")
    a.add_argument("--assignee", metavar="PROFILE", help="'' for unassigned items")
    a.add_argument("--sort", choices=sorted(SORT_KEYS), default="priority")
    a.add_argument("--limit", type=int, default=200)
    a.set_defaults(func=cmd_queue_list)
    a = qsub.add_parser("show", parents=[common], help="one item: thread, author, reasons")
    a.add_argument("id", type=int)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_queue_show)
    a = qsub.add_parser("decide", parents=[common], help="approve, remove, escalate or snooze")
    a.add_argument("action", choices=ACTIONS)
    a.add_argument("ids", type=int, nargs="+", metavar="ID")
    reason = a.add_mutually_exclusive_group(required=True)
    reason.add_argument("--reason", help="why (required)")
    reason.add_argument("--reason-key", metavar="N", help="a common reason by its key, 1-6")
    a.add_argument("--snooze-days", type=float, default=1.0)
    a.set_defaults(func=cmd_queue_decide)
    a = qsub.add_parser("undo", parents=[common], help="undo your last decisions")
    a.add_argument("--count", type=int, default=1)
    a.set_defaults(func=cmd_queue_undo)
    a = qsub.add_parser("claim", parents=[common], help="take items for yourself")
    a.add_argument("ids", type=int, nargs="+", metavar="ID")
    a.set_defaults(func=cmd_queue_assign, command_name="claim")
    a = qsub.add_parser("assign", parents=[common], help="give items to a profile")
    a.add_argument("ids", type=int, nargs="+", metavar="ID")
    who = a.add_mutually_exclusive_group(required=True)
    who.add_argument("--to", metavar="PROFILE")
    who.add_argument("--unassign", action="store_true")
    a.set_defaults(func=cmd_queue_assign, command_name="assign")
    a = qsub.add_parser("note", parents=[common], help="a private note on an item or person")
    a.add_argument("id", type=int)
    a.add_argument("text")
    a.add_argument("--person", action="store_true", help="the id is a person's, not an item's")
    a.set_defaults(func=cmd_queue_note)

    a = qsub.add_parser("author", parents=[common],
                        help="everything from an item's author, across every space; "
                             "--decide remove decides it all in one step")
    a.add_argument("id", type=int, help="a queue item (or, with --person, a person)")
    a.add_argument("--person", action="store_true", help="the id is a person's, not an item's")
    a.add_argument("--decide", choices=("remove", "approve"))
    reason = a.add_mutually_exclusive_group()
    reason.add_argument("--reason", help="why (required with --decide)")
    reason.add_argument("--reason-key", metavar="N", help="a common reason by its key, 1-6")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_queue_author)

    p = sub.add_parser("rules", parents=[common], help="moderation rules (YAML)")
    rsub = p.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    rsub.add_parser("show", parents=[common], help="the rules in force").set_defaults(
        func=cmd_rules)
    rsub.add_parser("example", parents=[common], help="print the example rules").set_defaults(
        func=cmd_rules)
    for name, text in (("check", "check a rules file"),
                       ("set", "check a rules file and switch it on"),
                       ("test", "count what a rules file would catch in the stored history")):
        a = rsub.add_parser(name, parents=[common], help=text)
        a.add_argument("file")
        if name == "test":
            a.add_argument("--json", action="store_true")
            a.add_argument("--samples", type=int, default=5)
        a.set_defaults(func=cmd_rules)
