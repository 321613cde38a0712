"""Command line for connectors: `import`, `source add/list/test`, `sync`, `outbox list`."""

from __future__ import annotations

import os
from pathlib import Path

from steward.errors import BadInput

LIVE_ONLY = {"discourse"}  # connectors with no file import; the rest are listed as import kinds


def _options(args):
    from steward.connectors.base import ImportOptions
    from steward.connectors.files import parse_timezone

    column_map = {}
    for item in args.map or []:
        field, sep, column = item.partition("=")
        if not sep or not column:
            raise BadInput(f"--map {item!r}: use FIELD=COLUMN, e.g. --map email='E-mail'")
        column_map[field.strip()] = column.strip()
    return ImportOptions(
        timezone=parse_timezone(args.timezone) if args.timezone else None,
        date_order=args.date_order, space_name=args.space, column_map=column_map or None)


def cmd_import(ctx) -> int:
    from steward.cli import print_json, progress_printer
    from steward.connectors import registry
    from steward.connectors.ingest import import_files
    from steward.jobs import run_to_end

    args = ctx.args
    registry.importer(args.kind)  # an unknown kind fails before unlocking
    options = _options(args)
    ws = ctx.workspace()
    try:
        summary = run_to_end(import_files(ws, args.kind, [Path(p) for p in args.paths], options,
                                          source_name=args.source),
                             progress_printer(args.json))
    except OSError as err:
        raise BadInput(f"{err.filename or args.paths[0]}: {err.strerror or err}") from None
    if args.json:
        print_json(summary.as_dict())
    else:
        print(summary.describe())
    return 0


def _api_key(name: str) -> str:
    from steward.cli import prompt

    return os.environ.get("STEWARD_DISCOURSE_API_KEY") or prompt(f"API key for {name}")


def cmd_source_add(ctx) -> int:
    from steward.connectors import discourse

    args = ctx.args
    if args.platform != "discourse":
        raise BadInput(f"{args.platform!r} has no live connection; use `steward import`")
    discourse.check_url(args.url)
    ws = ctx.workspace()
    secret = _api_key(args.name)
    discourse.add_source(ws, args.name, args.url, args.api_username, secret)
    if discourse.key_is_kept(ws, args.name):
        print(f"Source {args.name} added; its API key is kept in this computer's keyring. "
              f"Run `steward sync {args.name}`.")
    else:
        print(f"Source {args.name} added. This computer has no usable keyring, so the API key "
              "is not kept: it will be asked for at each sync (or set "
              f"STEWARD_DISCOURSE_API_KEY). Run `steward sync {args.name}`.")
    return 0


def cmd_source_list(ctx) -> int:
    from steward.cli import print_json
    from steward.connectors.sources import list_sources

    sources = list_sources(ctx.workspace())
    if ctx.args.json:
        print_json([s.__dict__ for s in sources])
    else:
        for s in sources:
            print(f"{s.name:<32} {s.platform:<10} {s.messages:>9} messages  "
                  f"last {s.last_sync_at or 'never'}")
    return 0


def cmd_source_test(ctx) -> int:
    from steward import keychain
    from steward.connectors import discourse

    ws = ctx.workspace()
    _id, config, _cursor = discourse._load_source(ws, ctx.args.name)
    secret = os.environ.get("STEWARD_DISCOURSE_API_KEY") or keychain.load_token(
        discourse.secret_name(ws, ctx.args.name)) or _api_key(ctx.args.name)
    print(discourse.DiscourseForum().test_connection(config, secret))
    return 0


def cmd_sync(ctx) -> int:
    if ctx.args.name is None:
        from steward.cli.team import cmd_team_sync

        return cmd_team_sync(ctx)
    from steward import keychain
    from steward.cli import print_json, progress_printer
    from steward.connectors import discourse
    from steward.jobs import run_to_end

    ws = ctx.workspace()
    discourse._load_source(ws, ctx.args.name)  # an unknown name fails before any prompt
    secret = os.environ.get("STEWARD_DISCOURSE_API_KEY") or keychain.load_token(
        discourse.secret_name(ws, ctx.args.name)) or _api_key(ctx.args.name)
    result = run_to_end(discourse.sync(ws, ctx.args.name, secret),
                        progress_printer(ctx.args.json))
    if ctx.args.json:
        print_json(result)
    else:
        print(f"Synced {result['source']}: {result['posts']} new posts, {result['people']} new "
              f"people, {result['reports']} new reports; decisions sent: "
              f"{result['actions_done']} done, {result['actions_failed']} failed")
    return 0


def cmd_outbox_list(ctx) -> int:
    from steward.cli import print_json
    from steward.connectors.outbox import list_outbox

    entries = list_outbox(ctx.workspace(), source=ctx.args.source, status=ctx.args.status)
    if ctx.args.json:
        print_json([dict(e.__dict__, description=e.description) for e in entries])
    else:
        for e in entries:
            print(f"{e.id:>6} {e.status:<8} {e.mode:<9} {e.description}"
                  + (f"  ({e.error})" if e.error else ""))
    return 0


def register(sub, common) -> None:
    from steward.connectors import registry

    p = sub.add_parser("import", parents=[common], help="import a platform's export files")
    kinds = [n for n in registry.names() if n not in LIVE_ONLY]
    p.add_argument("kind", metavar="KIND", help="one of: " + " ".join(kinds))
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--space", help="name for the space (WhatsApp chat, mailing list, CSV list)")
    p.add_argument("--source", help="name of the source (default: from the export)")
    p.add_argument("--timezone", metavar="TZ",
                   help="time zone of the phone (WhatsApp); default this computer's")
    p.add_argument("--date-order", choices=["dmy", "mdy", "ymd"],
                   help="when the dates alone cannot tell day/month order")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN",
                   help="members-csv: which column holds email, name, first_name, last_name, "
                        "phone, joined, group")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("source", parents=[common], help="sources: live connections and imports")
    ssub = p.add_subparsers(dest="source_command", metavar="ACTION", required=True)
    a = ssub.add_parser("add", parents=[common], help="connect a live source (Discourse)")
    a.add_argument("platform", metavar="PLATFORM", help="the live platform: discourse")
    a.add_argument("name")
    a.add_argument("--url", required=True)
    a.add_argument("--api-username", required=True)
    a.set_defaults(func=cmd_source_add)
    a = ssub.add_parser("list", parents=[common])
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_source_list)
    a = ssub.add_parser("test", parents=[common], help="test a live source's connection")
    a.add_argument("name")
    a.set_defaults(func=cmd_source_test)

    p = sub.add_parser("sync", parents=[common],
                       help="fetch what is new from a live source and send decisions back "
                            "(no NAME: sync with the team, as `steward team sync`)")
    p.add_argument("name", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("outbox", parents=[common], help="decisions waiting to reach platforms")
    osub = p.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    a = osub.add_parser("list", parents=[common])
    a.add_argument("--source")
    a.add_argument("--status", choices=["pending", "done", "failed"])
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_outbox_list)
