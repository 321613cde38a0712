"""`steward team …`: a workspace shared by several laptops through the charity's PostgreSQL
server (steward.team). The server password comes from STEWARD_SERVER_PASSWORD, the OS keyring
or a prompt (and is then kept in the keyring when one is usable); the invitation code from
STEWARD_INVITATION_CODE or a prompt."""

from __future__ import annotations

import json
import os
from pathlib import Path

from steward.errors import BadInput
from steward.permissions import ROLES


def register(sub, common) -> None:
    p = sub.add_parser("team", parents=[common],
                       help="work as a team: several laptops through a PostgreSQL server")
    tsub = p.add_subparsers(dest="team_command", metavar="TEAM_COMMAND", required=True)
    a = tsub.add_parser("create", parents=[common],
                        help="make this workspace the first laptop of a team (admin)")
    a.add_argument("--server", required=True, metavar="URL",
                   help="postgresql://user@host:port/database (no password in it)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_team_create)
    a = tsub.add_parser("invite", parents=[common],
                        help="an invitation file for a new laptop, and its one-time code")
    a.add_argument("name", help="the person's profile name on their laptop")
    a.add_argument("--role", required=True,
                   choices=ROLES)
    a.add_argument("--out", metavar="FILE", help="where to write it (default NAME.invitation)")
    a.set_defaults(func=cmd_team_invite)
    a = tsub.add_parser("join", parents=[common],
                        help="join a team with an invitation, into a new workspace "
                             "(--workspace DIR)")
    a.add_argument("invitation", metavar="INVITATION")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_team_join)
    a = tsub.add_parser("sync", parents=[common],
                        help="send this laptop's changes and receive the team's")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_team_sync)
    a = tsub.add_parser("status", parents=[common],
                        help="the team's laptops, the last sync and any conflicts")
    a.add_argument("--json", action="store_true")
    a.add_argument("--offline", action="store_true", help="what this laptop knows, no server")
    a.set_defaults(func=cmd_team_status)
    a = tsub.add_parser("remove", parents=[common],
                        help="take a laptop out of the team (admin)")
    a.add_argument("name")
    a.set_defaults(func=cmd_team_remove)


def server_password(url: str) -> str | None:
    """STEWARD_SERVER_PASSWORD, else the OS keyring, else a prompt (kept in the keyring)."""
    from steward.cli import prompt
    from steward.team.sync import remember_password, remembered_password

    known = remembered_password(url)
    if known:
        return known
    typed = prompt(f"password for the team server {url} (or set STEWARD_SERVER_PASSWORD)")
    remember_password(url, typed)
    return typed


def _invitation_code() -> str:
    from steward.cli import prompt

    return os.environ.get("STEWARD_INVITATION_CODE") or prompt(
        "the invitation's code (or set STEWARD_INVITATION_CODE)")


def cmd_team_create(ctx) -> int:
    from steward.cli import print_json, progress_printer
    from steward.jobs import run_to_end
    from steward.team import sync as team
    from steward.team.server import check_url

    url = check_url(ctx.args.server)
    ws = ctx.workspace()
    result = run_to_end(team.create_team(ws, url, server_password(url)),
                        progress_printer(ctx.args.json))
    if ctx.args.json:
        print_json(result)
    else:
        print(f"Team created on {url}: this laptop pushed {result['pushed']} sealed changes. "
              "Invite others with `steward team invite NAME --role ROLE`.")
    return 0


def cmd_team_invite(ctx) -> int:
    from steward.team import sync as team

    ws = ctx.workspace()
    block = team.team_of(ws)
    out = Path(ctx.args.out or f"{ctx.args.name}.invitation")
    if out.exists():
        raise BadInput(f"{out} already exists: choose another --out")
    invitation, code = team.invite(ws, ctx.args.name, ctx.args.role,
                                   server_password(block["server"]))
    out.write_text(json.dumps(invitation, indent=2), encoding="utf-8")
    print(f"Invitation for {ctx.args.name} ({ctx.args.role}) written to {out}.")
    print(f"Its one-time code (give it separately, not with the file): {code}")
    return 0


def cmd_team_join(ctx) -> int:
    from steward.cli import new_passphrase, print_json, progress_printer
    from steward.jobs import run_to_end
    from steward.team import keys as team_keys
    from steward.team import sync as team

    invitation = team_keys.read_invitation(ctx.args.invitation)
    code = _invitation_code()
    passphrase = os.environ.get("STEWARD_NEW_PASSPHRASE") or os.environ.get(
        "STEWARD_PASSPHRASE") or new_passphrase(f"passphrase for {invitation['name']}")
    result = run_to_end(team.join(Path(ctx.args.invitation), code, ctx.workspace_path,
                                  passphrase, server_password(invitation["server"])),
                        progress_printer(ctx.args.json))
    if ctx.args.json:
        print_json(result)
    else:
        print(f"Joined the team as {result['name']} ({result['role']}) in "
              f"{ctx.workspace_path}: {result['pulled']} changes received.")
        if result.get("waiting_for_keys") is not None:
            print("The team keys changed after this invitation was made: this laptop asked "
                  "for the new ones; sync again after an admin's or lead's laptop has synced.")
    return 0


def cmd_team_sync(ctx) -> int:
    from steward.cli import print_json, progress_printer
    from steward.jobs import run_to_end
    from steward.team import sync as team

    ws = ctx.workspace()
    block = team.team_of(ws)
    result = run_to_end(team.sync(ws, server_password(block["server"])),
                        progress_printer(ctx.args.json))
    if ctx.args.json:
        print_json(result.as_dict())
        return 0
    print(f"Synced: {result.pushed} sent, {result.pulled} received, "
          f"{result.applied} applied.")
    if result.waiting_for_keys is not None:
        print(f"This laptop missed a change of the team keys (epoch {result.waiting_for_keys})"
              ": it asked for them; sync again after an admin's or lead's laptop has synced.")
    for line in result.conflicts:
        print(f"Conflict: {line}")
    for line in result.refused:
        print(f"Refused: {line}")
    return 0


def cmd_team_status(ctx) -> int:
    from steward.cli import print_json
    from steward.team import sync as team

    ws = ctx.workspace()
    status = team.local_status(ws)
    if status["team"] is None:
        print("This workspace works on its own (no team).")
        return 0
    if not ctx.args.offline and ws.profile.role != "volunteer":
        status["devices"] = team.devices(ws, server_password(status["server"]))
    if ctx.args.json:
        print_json(status)
        return 0
    print(f"Team {status['team'][:8]} on {status['server']}; this laptop: {status['name']} "
          f"({status['role']}); last sync {status['last_sync'] or 'never'}; "
          f"{status['unpushed']} changes not sent yet.")
    for d in status.get("devices", []):
        mark = " (this laptop)" if d["this_laptop"] else ""
        gone = " — removed" if d["removed"] else ""
        print(f"  {d['name']} ({d['role']}){mark}: last sync {d['last_sync'] or 'never'}, "
              f"{d['behind']} changes behind{gone}")
    for c in status["conflicts"]:
        print(f"  conflict on {c['subject']}: {c['standing'].get('actor', '')} stands")
    return 0


def cmd_team_remove(ctx) -> int:
    from steward.team import sync as team

    ws = ctx.workspace()
    block = team.team_of(ws)
    done = team.remove(ws, ctx.args.name, server_password(block["server"]))
    print(f"{ctx.args.name}'s laptop was removed: the server refuses its syncs from now on, "
          f"and the team keys were rotated (epoch {done['epoch']}, given to "
          f"{done['granted']} laptop(s)): what is written from now on is unreadable to it. "
          "What it already holds stays on it.")
    if done["without_keys"]:
        print("These laptops have not synced since joining and did not get the new keys; "
              "they ask for them at their next sync and receive them after the next sync of "
              f"an admin's or lead's laptop: {', '.join(done['without_keys'])}")
    return 0
