"""The `steward` command line (contract in DESIGN.md).

Global options (`--workspace`, `--profile`, `--debug`) work before or after the subcommand.
Exit codes: 0 success, 1 operational error, 2 bad usage or bad input. Errors are one line on
stderr; a traceback only with `--debug`.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from steward.errors import BadInput, StewardError
from steward.permissions import ROLES

log = logging.getLogger("steward")

# Each area adds its subcommands from its own module: `register(subparsers, common)`.
COMMAND_MODULES: list[str] = [
    "steward.cli.safeguarding",
    "steward.cli.engagement",
    "steward.cli.hygiene",
    "steward.cli.connectors",
    "steward.cli.moderation",
    "steward.cli.team",
]


class Context:
    """What a command needs: its arguments and a way to the unlocked workspace."""

    def __init__(self, args: argparse.Namespace, open_window: Callable | None = None):
        self.args = args
        self.open_window = open_window
        self._ws = None

    @property
    def workspace_path(self) -> Path:
        return workspace_path(self.args)

    def workspace(self):
        """Unlock the workspace as `--profile`, with STEWARD_PASSPHRASE, the keyring or a prompt."""
        if self._ws is None:
            from steward.placement import warn_once

            self._ws = unlock(self.workspace_path, self.args.profile)
            warn_once(self.workspace_path)
        return self._ws

    def close(self) -> None:
        if self._ws is not None:
            self._ws.lock()
            self._ws = None


def workspace_path(args: argparse.Namespace) -> Path:
    from steward.placement import workspace_location

    return workspace_location(args.workspace)


def prompt(label: str) -> str:
    if not sys.stdin.isatty():
        raise BadInput(f"{label} needed: set it in the environment or run in a terminal")
    return getpass.getpass(f"{label}: ")


def passphrase_from_env_or_prompt(profile: str) -> str:
    env = os.environ.get("STEWARD_PASSPHRASE")
    if env:
        return env
    return prompt(f"passphrase for profile {profile} (or set STEWARD_PASSPHRASE)")


def new_passphrase(label: str = "new passphrase") -> str:
    env = os.environ.get("STEWARD_NEW_PASSPHRASE")
    if env:
        return env
    first = prompt(f"{label} (or set STEWARD_NEW_PASSPHRASE)")
    if prompt("the same again") != first:
        raise BadInput("the two passphrases differ")
    return first


def unlock(path: Path, profile: str | None):
    from steward.workspace import PassphraseNeeded, Workspace

    env = os.environ.get("STEWARD_PASSPHRASE")
    if env:
        return Workspace.unlock(path, profile, env)
    try:
        return Workspace.unlock(path, profile, None)  # remembered on this computer
    except PassphraseNeeded as need:
        return Workspace.unlock(path, profile, passphrase_from_env_or_prompt(need.profile))


def print_json(value) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


# --- commands --------------------------------------------------------------------------------


def cmd_init(ctx: Context) -> int:
    from steward.workspace import Workspace

    path = ctx.workspace_path
    profile = ctx.args.profile or "admin"
    passphrase = os.environ.get("STEWARD_PASSPHRASE") or new_passphrase("admin passphrase")
    ws, recovery = Workspace.create(path, ctx.args.name or path.name, passphrase, profile)
    ws.lock()
    print(f"Workspace created at {path} with admin profile {profile}.")
    from steward.placement import warn_once

    warn_once(path)
    print("Recovery key (shown once: print it or store it somewhere safe, away from this laptop):")
    print(f"    {recovery}")
    return 0


# Written beside a workspace the demo command creates, removed when the demo is complete: a demo
# killed part-way (even with SIGKILL) leaves it, and the next run starts that workspace afresh.
DEMO_UNFINISHED = ".demo-unfinished"


def _unfinished_demo(path: Path) -> bool:
    return (path / DEMO_UNFINISHED).exists()


def _remove_unfinished_demo(path: Path) -> None:
    """Remove what a demo run that never finished left: everything it made in the folder (the
    marker lists what was there before, which stays)."""
    import shutil

    marker = path / DEMO_UNFINISHED
    try:
        kept = set(json.loads(marker.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        kept = set()
    for entry in path.iterdir():
        if entry.name in kept or entry == marker:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink(missing_ok=True)
    marker.unlink(missing_ok=True)


def cmd_demo(ctx: Context) -> int:
    from steward import demo
    from steward.jobs import run_to_end
    from steward.workspace import META_FILE, Workspace

    path = ctx.workspace_path
    passphrase = os.environ.get("STEWARD_PASSPHRASE") or demo.DEMO_PASSPHRASE
    if _unfinished_demo(path):
        _remove_unfinished_demo(path)
    created = not (path / META_FILE).exists()
    if not created:
        ws = ctx.workspace()
    else:
        path.mkdir(parents=True, exist_ok=True)
        (path / DEMO_UNFINISHED).write_text(json.dumps(sorted(p.name for p in path.iterdir())),
                                            encoding="utf-8")
        ws, _recovery = Workspace.create(path, "Riverside Young Carers Network", passphrase)
        for name, role in demo.DEMO_PROFILES:
            ws.add_profile(name, role, passphrase)
    finished = False
    try:
        job = demo.generate(
            ws, members=ctx.args.members, messages=ctx.args.messages, seed=ctx.args.seed,
            days=ctx.args.days,
        )
        try:
            result = run_to_end(job, progress_printer(ctx.args.json))
        except ValueError as err:
            raise BadInput(str(err)) from None
        if ctx.args.exports:
            _write_demo_exports(ws, Path(ctx.args.exports))
        finished = True
    finally:
        ws.lock()
        if created and not finished:  # Ctrl-C, SIGTERM or a failure: nothing half-made stays
            _remove_unfinished_demo(path)
    (path / DEMO_UNFINISHED).unlink(missing_ok=True)
    if ctx.args.json:
        print_json(result)
    else:
        print(f"Demo community written to {path}: {result['persons']} people, "
              f"{result['messages']} messages (seed {result['seed']}).")
        if passphrase == demo.DEMO_PASSPHRASE:
            print(f"Profiles admin, steward, volunteer and lead; passphrase: {passphrase}")
    return 0


def _write_demo_exports(ws, folder: Path) -> None:
    try:
        exports = importlib.import_module("steward.connectors.demo_exports")
    except ModuleNotFoundError:
        raise BadInput("--exports needs the connectors, which this build does not have") from None
    exports.write_all(ws, folder)


def progress_printer(quiet: bool) -> Callable:
    last = {"text": None, "pct": -10}

    def show(p) -> None:
        if quiet or not sys.stderr.isatty():
            return
        pct = int(100 * p.done / p.total) if p.total else 0
        if p.text != last["text"] or pct >= last["pct"] + 10:
            print(f"  {p.text}… {pct}%", file=sys.stderr)
            last.update(text=p.text, pct=pct)

    return show


def cmd_stats(ctx: Context) -> int:
    from steward.overview import workspace_stats

    stats = workspace_stats(ctx.workspace())
    if ctx.args.json:
        print_json(stats)
    else:
        for key, value in stats.items():
            print(f"{key:>12}  {value}")
    return 0


def cmd_audit_verify(ctx: Context) -> int:
    from steward.store import audit
    from steward.store.engine import damaged, integrity_problems

    ws = ctx.workspace()
    problems = integrity_problems(ws.engine, full=True)
    if problems:
        raise StewardError(damaged(ws.db_path, problems))
    with ws.session() as s:
        check = audit.verify(s)
    print(f"database: sound (SQLite integrity check)\n{check}")
    return 0 if check.ok else 1


def cmd_profile_list(ctx: Context) -> int:
    from steward.workspace import list_profiles

    profiles = list_profiles(ctx.workspace_path)
    if ctx.args.json:
        print_json([{"name": p.name, "role": p.role, "remembered": p.remembered}
                    for p in profiles])
    else:
        for p in profiles:
            print(f"{p.name:<20} {p.role:<18} {'remembered here' if p.remembered else ''}")
    return 0


def cmd_profile_add(ctx: Context) -> int:
    ws = ctx.workspace()
    profile = ws.add_profile(ctx.args.name, ctx.args.role, new_passphrase())
    print(f"Profile {profile.name} ({profile.role}) added.")
    return 0


def cmd_profile_remove(ctx: Context) -> int:
    # Removing rotates the keys they held (re-encrypting the workspace): show its progress.
    ctx.workspace().remove_profile(ctx.args.name, progress=progress_printer(False))
    print(f"Profile {ctx.args.name} removed; the keys they held were replaced.")
    return 0


def cmd_profile_passwd(ctx: Context) -> int:
    ws = ctx.workspace()
    target = ctx.args.name or ws.profile.name
    if target == ws.profile.name:
        old = passphrase_from_env_or_prompt(target)
        ws.change_passphrase(old, new_passphrase())
        print(f"Passphrase changed for profile {target}.")
    else:
        ws.reset_passphrase(target, new_passphrase())
        print(f"Passphrase reset for profile {target}.")
    return 0


def cmd_profile_remember(ctx: Context) -> int:
    from steward import keychain

    ws = ctx.workspace()
    if ctx.args.forget:
        ws.forget_on_this_computer()
        print(f"Profile {ws.profile.name} is no longer remembered on this computer.")
        return 0
    usable, why = keychain.status()
    if not usable or not ws.remember_on_this_computer(
        passphrase_from_env_or_prompt(ws.profile.name)
    ):
        raise StewardError(f"cannot remember on this computer: {why}")
    print(f"Profile {ws.profile.name} is remembered on this computer ({why}).")
    return 0


def cmd_recover(ctx: Context) -> int:
    from steward.workspace import Workspace

    key = os.environ.get("STEWARD_RECOVERY_KEY") or prompt("recovery key")
    ws = Workspace.unlock_with_recovery(ctx.workspace_path, key)
    try:
        ws.reset_passphrase(ws.profile.name, new_passphrase("new admin passphrase"))
    finally:
        ws.lock()
    print(f"Passphrase reset for admin profile {ws.profile.name}.")
    return 0


def cmd_backup(ctx: Context) -> int:
    from steward import backup
    from steward.jobs import run_to_end

    if ctx.args.verify:
        profile = getattr(ctx.args, "profile", None)
        check = backup.verify_backup(
            Path(ctx.args.verify), profile,
            None if os.environ.get("STEWARD_RECOVERY_KEY") else
            passphrase_from_env_or_prompt(profile or "admin"),
            os.environ.get("STEWARD_RECOVERY_KEY"))
        print(f"{ctx.args.verify}: a sound backup of {check.name or check.workspace_id}, made "
              f"{check.created_at}; {check.db_bytes:,} bytes, {check.audit_events:,} audit "
              "events, every link intact.")
        return 0
    out = run_to_end(backup.write_backup(ctx.workspace(), Path(ctx.args.out)),
                     progress_printer(False))
    print(f"Backup written to {out}. Keep it on another disk; check it with "
          f"`steward backup --verify {out}`.")
    return 0


def cmd_restore(ctx: Context) -> int:
    from steward import backup

    profile = getattr(ctx.args, "profile", None)
    recovery = os.environ.get("STEWARD_RECOVERY_KEY")
    check, aside = backup.restore_backup(
        Path(ctx.args.file), ctx.workspace_path, profile,
        None if recovery else passphrase_from_env_or_prompt(profile or "admin"), recovery)
    print(f"Restored {check.name or check.workspace_id} (backup of {check.created_at}) into "
          f"{ctx.workspace_path}; its {check.audit_events:,} audit events check out.")
    if aside is not None:
        print(f"The workspace that was there is kept, untouched, in {aside}.")
    return 0


def cmd_app(ctx: Context) -> int:
    """No command given: the launcher opens the desktop app; the command line alone cannot."""
    if ctx.open_window is None:
        raise BadInput("no command given: see `steward --help`")
    return ctx.open_window(ctx.args)


# --- parser ----------------------------------------------------------------------------------


def _common(suppress: bool) -> argparse.ArgumentParser:
    default = argparse.SUPPRESS if suppress else None
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--workspace", metavar="DIR", default=default,
                   help="workspace folder (or STEWARD_WORKSPACE)")
    p.add_argument("--profile", metavar="NAME", default=default, help="profile to unlock as")
    p.add_argument("--debug", action="store_true",
                   default=argparse.SUPPRESS if suppress else False,
                   help="show tracebacks and debug logs")
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _common(suppress=True)
    parser = argparse.ArgumentParser(
        prog="steward", parents=[_common(suppress=False)],
        description="Look after a charity's online communities, offline and encrypted.",
    )
    parser.add_argument("--demo", action="store_true", help="open the app on a fresh demo")
    parser.add_argument("--self-test", action="store_true",
                        help="render every page of a demo workspace offscreen and exit")
    parser.set_defaults(func=cmd_app)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="create a new workspace")
    p.add_argument("--name", help="the workspace's name (defaults to the folder name)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", parents=[common], help="fill a workspace with the demo community")
    p.add_argument("--members", type=int, default=2000)
    p.add_argument("--messages", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--days", type=int, default=365, help="length of the history in days")
    p.add_argument("--exports", metavar="DIR", help="also write it as platform export files")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("stats", parents=[common], help="counts of what the workspace holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("audit", parents=[common], help="the audit chain")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    a = asub.add_parser("verify", parents=[common], help="check every link of the chain")
    a.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("profile", parents=[common], help="profiles on this workspace")
    psub = p.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    a = psub.add_parser("list", parents=[common])
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_profile_list)
    a = psub.add_parser("add", parents=[common])
    a.add_argument("name")
    a.add_argument("--role", required=True,
                   choices=ROLES)
    a.set_defaults(func=cmd_profile_add)
    a = psub.add_parser("remove", parents=[common])
    a.add_argument("name")
    a.set_defaults(func=cmd_profile_remove)
    a = psub.add_parser("passwd", parents=[common],
                        help="change your passphrase, or (admin) reset another profile's")
    a.add_argument("name", nargs="?")
    a.set_defaults(func=cmd_profile_passwd)
    a = psub.add_parser("remember", parents=[common],
                        help="remember this profile on this computer (OS keyring)")
    a.add_argument("--forget", action="store_true", help="stop remembering it")
    a.set_defaults(func=cmd_profile_remember)

    p = sub.add_parser("recover", parents=[common],
                       help="reset the admin passphrase with the recovery key")
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("backup", parents=[common],
                       help="write the whole workspace to one encrypted backup file, or check one")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", metavar="FILE", help="the backup file to write")
    g.add_argument("--verify", metavar="FILE",
                   help="check a backup (archive, checksum, integrity, audit chain)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", parents=[common],
                       help="restore a checked backup into --workspace (the old one is kept)")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_restore)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    _name_commands(parser, [])
    return parser


def _name_commands(parser: argparse.ArgumentParser, words: list[str]) -> None:
    """Give every leaf command its full name ("queue decide"), the key of the permissions
    table, so dispatch checks one table instead of each command checking itself."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for word, child in action.choices.items():
                _name_commands(child, [*words, word])
            return
    if words:
        parser.set_defaults(steward_command=" ".join(words))


def check_permission(ctx: Context) -> None:
    """The one permission check: unlock as the profile and hold its (authenticated) role
    against `steward.permissions` before the command runs."""
    from steward import permissions
    from steward.workspace import META_FILE

    command = getattr(ctx.args, "steward_command", None)
    if command is None:
        return  # the desktop app: its pages read the same table
    if command == "demo" and (ctx.workspace_path / META_FILE).exists() \
            and not _unfinished_demo(ctx.workspace_path):
        command = "demo (existing)"
    if command == "backup" and ctx.args.verify:
        command = "backup --verify"
    if command in permissions.WITHOUT_PROFILE:
        return
    ws = ctx.workspace()
    permissions.check_command(ws.profile.name, ws.profile.role, command)


WORKSPACE_BUSY = ("another Steward window or command is writing to this workspace; try again "
                  "when it has finished")


def _database_locked(err: BaseException) -> bool:
    """SQLite's "database is locked" after the busy timeout (raw, or wrapped by SQLAlchemy)."""
    while err is not None:
        if type(err).__name__ == "OperationalError" and "database is locked" in str(err):
            return True
        err = err.__cause__ or err.__context__ or getattr(err, "orig", None)
    return False


@contextlib.contextmanager
def _terminate_cleanly(wanted: bool = True):
    """While a command runs, SIGTERM unwinds like Ctrl-C, so half-written files are removed
    and the workspace is locked on the way out (Python's default runs no cleanup at all)."""
    import signal
    import threading

    if not wanted or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None, open_window: Callable | None = None) -> int:
    """Run one command. `open_window(args)` is how the launcher opens the desktop app when no
    command is given; the command line itself never imports the UI."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for chatty in ("httpx", "httpcore"):  # they log request URLs, which can carry usernames
        logging.getLogger(chatty).setLevel(logging.WARNING)
    ctx = Context(args, open_window)
    try:
        with _terminate_cleanly(args.func is not cmd_app):
            check_permission(ctx)
            return int(args.func(ctx) or 0)
    except StewardError as err:
        if args.debug:
            raise
        print(f"steward: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("steward: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and cut short: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as err:  # an unexpected failure: one line, details with --debug
        if args.debug:
            raise
        if _database_locked(err):
            print(f"steward: {WORKSPACE_BUSY}", file=sys.stderr)
            return 1
        first_line = (str(err).splitlines() or [""])[0][:200]
        print(f"steward: unexpected error ({type(err).__name__}: {first_line}); run again "
              "with --debug for details", file=sys.stderr)
        return 1
    finally:
        ctx.close()
