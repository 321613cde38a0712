"""Member-hygiene commands: duplicates, merge/unmerge, lapsed, contacts, consent, exports."""

from __future__ import annotations

import json
from pathlib import Path

from steward.errors import BadInput
from steward.hygiene.purposes import PURPOSES


def _print_rows(rows: list[dict], keys: list[str]) -> None:
    for row in rows:
        print("  ".join(str(row.get(k, "")) for k in keys))


def cmd_duplicates(ctx) -> int:
    from steward.cli import print_json
    from steward.hygiene import matching
    from steward.jobs import run_to_end

    ws = ctx.workspace()
    rules = matching.preset(ctx.args.preset) if ctx.args.preset else None
    result = run_to_end(matching.find_duplicates(ws, rules))
    found = result.candidates[: ctx.args.limit] if ctx.args.limit else result.candidates
    if ctx.args.json:
        print_json([c.as_dict() for c in found])
    else:
        for c in found:
            print(f"{c.score:5.1f}  person {c.person_a} ({c.name_a}) ~ person {c.person_b} "
                  f"({c.name_b}): {', '.join(c.reasons)}")
        print(f"{len(result.candidates)} candidate pairs among {result.records} people")
        if result.weights:
            print(matching.describe_weights(result.weights))
    return 0


def cmd_match_rules(ctx) -> int:
    from steward.cli import print_json
    from steward.hygiene import matching

    ws = ctx.workspace()
    if ctx.args.preset:
        matching.save_rules(ws, ctx.args.preset)
    elif ctx.args.file:
        path = Path(ctx.args.file)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BadInput(f"{path}: cannot read matching rules ({err})") from None
        matching.save_rules(ws, matching.rules_from_dict(data))
    print_json(matching.current_rules(ws).as_dict())
    return 0


def cmd_merge(ctx) -> int:
    from steward.hygiene.merge import merge

    choices = {"display_name": ctx.args.name_from} if ctx.args.name_from else None
    merge_id = merge(ctx.workspace(), ctx.args.into, ctx.args.others,
                     ctx.args.identity or (), choices, policy=ctx.args.policy)
    print(f"Merged into person {ctx.args.into} (merge {merge_id}; undo with "
          f"`steward unmerge {merge_id}`).")
    return 0


def cmd_unmerge(ctx) -> int:
    from steward.hygiene.merge import last_merge_into, unmerge

    ws = ctx.workspace()
    if ctx.args.person is not None:
        merge_id = last_merge_into(ws, ctx.args.person)
    elif ctx.args.merge_id is not None:
        merge_id = ctx.args.merge_id
    else:
        raise BadInput("name the merge to undo (MERGE_ID) or --person PERSON_ID")
    summary = unmerge(ws, merge_id)
    restored = ", ".join(str(p) for p in summary.absorbed_person_ids) or "no people"
    print(f"Merge {merge_id} undone: restored {restored}, "
          f"{summary.identities_moved} identities moved back.")
    return 0


def cmd_not_same(ctx) -> int:
    from steward.hygiene.merge import mark_not_same

    mark_not_same(ctx.workspace(), ctx.args.a, ctx.args.b)
    print(f"Persons {ctx.args.a} and {ctx.args.b} will not be proposed as duplicates again.")
    return 0


def _quiet_json(members) -> list[dict]:
    return [{"person_id": m.person_id, "name": m.display_name,
             "last_active": m.last_active.isoformat() if m.last_active else None,
             "messages": m.messages, "before": m.before, "recent": m.recent}
            for m in members]


def cmd_lapsed(ctx) -> int:
    from steward.cli import print_json
    from steward.hygiene.activity import drifting_members, lapsed_members
    from steward.hygiene.consent import consents_to_renew

    ws = ctx.workspace()
    found = (drifting_members(ws) if ctx.args.drifting else lapsed_members(ws, ctx.args.days))
    rows = _quiet_json(found)
    # Consent that has expired or soon will: renewal is offered with the reminder.
    lapsed = {m.person_id for m in found}
    renew: dict[int, list] = {}
    names: dict[int, str] = {}
    for r in consents_to_renew(ws, ctx.args.renewal_days,
                               None if ctx.args.renewals else lapsed):
        names[r.person_id] = r.display_name
        renew.setdefault(r.person_id, []).append(
            {"purpose": r.purpose or "all", "expires_at": r.expires_at.isoformat(),
             "expired": r.expired})
    for row in rows:
        row["consent_renewal"] = renew.get(row["person_id"], [])
    rows += [{"person_id": pid, "name": names[pid], "last_active": None, "messages": None,
              "before": None, "recent": None, "consent_renewal": items}
             for pid, items in renew.items() if pid not in lapsed]
    if ctx.args.json:
        print_json(rows)
    else:
        for row in rows:
            due = ", ".join(f"{i['purpose']} {'expired' if i['expired'] else 'expires'} "
                            f"{i['expires_at'][:10]}" for i in row["consent_renewal"])
            print("  ".join(str(row.get(k) or "") for k in ("person_id", "last_active",
                                                             "messages", "name"))
                  + (f"  — offer consent renewal: {due}" if due else ""))
    return 0


def cmd_contacts(ctx) -> int:
    from steward.cli import print_json
    from steward.hygiene.contacts import contact_problems, normalise_phones

    ws = ctx.workspace()
    if ctx.args.fix_phones:
        print(f"{normalise_phones(ws)} phone numbers rewritten in E.164 form.")
    rows = [{"person_id": p.person_id, "identity_id": p.identity_id, "problem": p.kind,
             "explanation": p.explanation} for p in contact_problems(ws)]
    if ctx.args.json:
        print_json(rows)
    else:
        _print_rows(rows, ["person_id", "identity_id", "explanation"])
    return 0


def cmd_consent(ctx) -> int:
    from steward.hygiene.consent import expiry_after, record_consent

    a = ctx.args
    expires = expiry_after(a.expires_after) if a.expires_after else None
    record_consent(ctx.workspace(), a.person, a.state, a.basis, a.source, a.wording,
                   purpose=a.purpose, expires_at=expires)
    what = f" for {a.purpose}" if a.purpose else ""
    until = f", to ask again on {expires:%Y-%m-%d}" if expires else ""
    print(f"Consent {a.state}{what} recorded for person {a.person}{until}.")
    return 0


def cmd_subject_access(ctx) -> int:
    from steward.hygiene.access import subject_access

    report = subject_access(ctx.workspace(), ctx.args.person, ctx.args.out)
    print(f"Wrote everything held about person {ctx.args.person} to {report.path} "
          f"({report.identities} identities, {report.messages} messages).")
    return 0


def cmd_review(ctx) -> int:
    from steward.cli import print_json
    from steward.hygiene import matching
    from steward.hygiene.review import batches, review_batch, undo_batch
    from steward.jobs import run_to_end

    a, ws = ctx.args, ctx.workspace()
    if a.action == "undo":
        done = undo_batch(ws, a.batch)
    elif a.action == "list":
        print_json([b.__dict__ for b in batches(ws)])
        return 0
    else:
        if a.above is None:
            raise BadInput(f"review {a.action} needs --above SCORE")
        rules = matching.preset(a.preset) if a.preset else None
        found = run_to_end(matching.find_duplicates(ws, rules)).candidates
        done = review_batch(ws, found, a.action, a.above, a.policy)
    print(done.describe() + ("" if done.undone_at else
                             f" Undo with `steward review undo --batch {done.batch_id}`."))
    return 0


def cmd_retention(ctx) -> int:
    from steward.cli import print_json
    from steward.hygiene.consent import retention_review

    rows = [{"person_id": c.person_id, "name": c.display_name,
             "last_seen": c.last_seen.isoformat()}
            for c in retention_review(ctx.workspace(), ctx.args.years)]
    if ctx.args.json:
        print_json(rows)
    else:
        _print_rows(rows, ["person_id", "last_seen", "name"])
    return 0


def cmd_forget(ctx) -> int:
    from steward.hygiene.consent import forget_person

    if not ctx.args.yes:
        raise BadInput("forgetting a person cannot be undone: add --yes to confirm")
    done = forget_person(ctx.workspace(), ctx.args.person)
    print(f"Person {done.person_id} erased: {done.identities} identities and "
          f"{done.messages} messages cleared; counts kept.")
    return 0


def cmd_tag(ctx) -> int:
    from steward.hygiene.groups import tag_people, untag_people

    ws = ctx.workspace()
    if ctx.args.remove:
        n = untag_people(ws, ctx.args.tag, ctx.args.people)
        print(f"Tag {ctx.args.tag!r} removed from {n} people.")
    else:
        n = tag_people(ws, ctx.args.tag, ctx.args.people)
        print(f"Tag {ctx.args.tag!r} added to {n} people.")
    return 0


def cmd_cohorts(ctx) -> int:
    from steward.cli import print_json
    from steward.hygiene.groups import build_cohorts, list_cohorts

    ws = ctx.workspace()
    groups = build_cohorts(ws, ctx.args.build) if ctx.args.build else list_cohorts(ws)
    rows = [{"id": g.id, "name": g.name, "kind": g.kind, "members": g.members} for g in groups]
    if ctx.args.json:
        print_json(rows)
    else:
        _print_rows(rows, ["id", "kind", "members", "name"])
    return 0


def cmd_space_rules(ctx) -> int:
    from steward.cli import print_json
    from steward.hygiene.groups import set_space_rules, space_rules

    ws = ctx.workspace()
    if ctx.args.space is not None:
        current = {r.space_id: r for r in space_rules(ws)}.get(ctx.args.space)
        if current is None:
            raise BadInput(f"space {ctx.args.space} does not exist")
        requirements = (current.entry_requirements if ctx.args.requirements is None
                        else ctx.args.requirements)
        cap = current.size_cap if ctx.args.size_cap is None else (ctx.args.size_cap or None)
        set_space_rules(ws, ctx.args.space, requirements, cap)
    print_json([r.__dict__ for r in space_rules(ws)])
    return 0


def cmd_export_members(ctx) -> int:
    from steward.hygiene.export import ExportRequest, export_members
    from steward.hygiene.people import PeopleFilter

    a = ctx.args
    if not a.purpose or not a.purpose.strip():
        raise BadInput("an export needs a purpose: add --purpose TEXT")
    columns = tuple(c.strip() for c in a.columns.split(",") if c.strip()) if a.columns else None
    people = PeopleFilter(
        space_id=a.space, platform=a.platform, tag_id=a.tag, cohort_id=a.cohort,
        lapsed=a.lapsed is not None, lapsed_days=a.lapsed or 60, consent=a.consent,
    )
    result = export_members(ctx.workspace(), ExportRequest(
        a.preset, a.format, Path(a.out), a.purpose, columns, people))
    print(f"Exported {result.rows} people to {result.path}.")
    return 0


def register(sub, common) -> None:
    """Add the member-hygiene subcommands to the `steward` parser."""
    p = sub.add_parser("duplicates", parents=[common], help="candidate duplicate people")
    p.add_argument("--json", action="store_true")
    p.add_argument("--preset", help="strict, standard or broad (default: the stored rules)")
    p.add_argument("--limit", type=int, default=0, help="show at most this many")
    p.set_defaults(func=cmd_duplicates)

    p = sub.add_parser("match-rules", parents=[common],
                       help="show or set the duplicate-matching rules")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--preset", help="use a shipped preset: strict, standard or broad")
    group.add_argument("--file", help="a JSON file with 'threshold' and 'rules'")
    p.set_defaults(func=cmd_match_rules)

    p = sub.add_parser("merge", parents=[common], help="merge people into one person")
    p.add_argument("into", type=int, help="the person to keep")
    p.add_argument("others", type=int, nargs="*", help="people to merge into it")
    p.add_argument("--identity", type=int, action="append", help="also move this identity")
    p.add_argument("--name-from", type=int, help="keep this person's display name")
    p.add_argument("--policy", choices=["kept", "newest", "most_complete"], default="kept",
                   help="fields not picked: the kept person's, the newest, the most complete")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("review", parents=[common],
                       help="accept or reject every duplicate candidate above a score; undo")
    p.add_argument("action", choices=["accept", "reject", "undo", "list"])
    p.add_argument("--above", type=float, metavar="SCORE",
                   help="candidates scoring at least this (as `steward duplicates` shows)")
    p.add_argument("--preset", help="strict, standard or broad (default: the stored rules)")
    p.add_argument("--policy", choices=["kept", "newest", "most_complete"],
                   default="most_complete", help="how merged fields are chosen")
    p.add_argument("--batch", type=int, help="the batch to undo (default: the newest)")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("subject-access", parents=[common],
                       help="everything held about a person, in a readable file")
    p.add_argument("person", type=int)
    p.add_argument("--out", required=True, metavar="FILE", help=".md/.txt text, or .json")
    p.set_defaults(func=cmd_subject_access)

    p = sub.add_parser("unmerge", parents=[common], help="undo a merge exactly")
    p.add_argument("merge_id", type=int, nargs="?")
    p.add_argument("--person", type=int, help="undo the latest merge into this person")
    p.set_defaults(func=cmd_unmerge)

    p = sub.add_parser("not-same", parents=[common], help="two people are not the same")
    p.add_argument("a", type=int)
    p.add_argument("b", type=int)
    p.set_defaults(func=cmd_not_same)

    p = sub.add_parser("lapsed", parents=[common], help="lapsed (or drifting) members")
    p.add_argument("--days", type=int, default=60)
    p.add_argument("--drifting", action="store_true", help="falling activity instead")
    p.add_argument("--renewals", action="store_true",
                   help="also list everyone whose consent has expired or soon will")
    p.add_argument("--renewal-days", type=int, default=30,
                   help="offer renewal this many days before a consent expires")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_lapsed)

    p = sub.add_parser("contacts", parents=[common], help="emails and phones that will not work")
    p.add_argument("--fix-phones", action="store_true", help="rewrite phones in E.164 first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_contacts)

    p = sub.add_parser("consent", parents=[common], help="add to a person's consent ledger")
    p.add_argument("person", type=int)
    p.add_argument("--state", required=True, choices=["given", "withdrawn"])
    p.add_argument("--basis", default="consent")
    p.add_argument("--source")
    p.add_argument("--wording")
    p.add_argument("--purpose", choices=list(PURPOSES),
                   help="what the consent covers (default: everything asked)")
    p.add_argument("--expires-after", type=float, metavar="YEARS",
                   help="ask again after this many years (e.g. 2)")
    p.set_defaults(func=cmd_consent)

    p = sub.add_parser("retention", parents=[common], help="people due a retention review")
    p.add_argument("--years", type=int, default=3)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_retention)

    p = sub.add_parser("forget", parents=[common], help="erase a person's personal data")
    p.add_argument("person", type=int)
    p.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    p.set_defaults(func=cmd_forget)

    p = sub.add_parser("tag", parents=[common], help="tag people")
    p.add_argument("tag")
    p.add_argument("people", type=int, nargs="+")
    p.add_argument("--remove", action="store_true")
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("cohorts", parents=[common], help="list or build cohorts")
    p.add_argument("--build", choices=["join_month", "space", "programme"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cohorts)

    p = sub.add_parser("space-rules", parents=[common],
                       help="spaces' entry requirements and size caps (set with --space)")
    p.add_argument("--space", type=int)
    p.add_argument("--requirements", help="entry requirements ('' to clear)")
    p.add_argument("--size-cap", type=int, help="largest membership (0 to clear)")
    p.set_defaults(func=cmd_space_rules)

    p = sub.add_parser("export", parents=[common], help="export lists")
    esub = p.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    e = esub.add_parser("members", parents=[common], help="the member list, safely")
    e.add_argument("--preset", required=True, choices=["volunteer", "steward"])
    e.add_argument("--format", required=True, choices=["csv", "xlsx"])
    e.add_argument("--out", required=True, metavar="FILE")
    e.add_argument("--purpose", metavar="TEXT", help="why this list is needed (required)")
    e.add_argument("--columns", help="comma-separated columns instead of the preset's")
    e.add_argument("--space", type=int, help="only members of this space id")
    e.add_argument("--platform")
    e.add_argument("--tag", type=int, help="tag id")
    e.add_argument("--cohort", type=int, help="cohort id")
    e.add_argument("--consent", choices=["given", "none"])
    e.add_argument("--lapsed", type=int, nargs="?", const=60, metavar="DAYS",
                   help="only lapsed members (a ping list)")
    e.set_defaults(func=cmd_export_members)
