"""Permissions in one place: every command in `steward --help`, run as each role, is allowed or
refused exactly as `steward.permissions` says (issue 12, finding 3)."""

from __future__ import annotations

import argparse

import pytest

from steward import crypto, permissions
from steward.cli import build_parser, main
from tests.conftest import FAST_KDF, PASSPHRASE

PROFILES = {"volunteer": "vol", "steward": "stew", "safeguarding-lead": "lead", "admin": "admin"}

# Arguments that get each command past argparse (they name nothing that exists, so an allowed
# command ends in a "no such…" error at worst, never in a change that matters).
ARGS: dict[str, list[str]] = {
    "init": [],
    "demo": ["--members", "20", "--messages", "60", "--days", "20"],
    "profile add": ["extra", "--role", "volunteer"],
    "profile remove": ["nobody"],
    "profile passwd": [],
    "flags show": ["999"],
    "review": ["list"],
    "subject-access": ["1", "--out", "{tmp}/subject-access.md"],
    "flags triage": ["999"],
    "flags status": ["999", "referred"],
    "flags close": ["999", "--outcome", "no further action"],
    "flags assign": ["999", "lead"],
    "flags note": ["999", "text"],
    "flags amend": ["999", "text"],
    "flags export": ["999", "--out", "{tmp}/case.pdf"],
    "safeguarding chronology": ["999"],
    "safeguarding lexicon check": ["{tmp}/missing.yaml"],
    "safeguarding lexicon add": ["{tmp}/missing.yaml"],
    "merge": ["998", "999"],
    "unmerge": ["999"],
    "not-same": ["998", "999"],
    "consent": ["999", "--state", "given"],
    "forget": ["999", "--yes"],
    "tag": ["t", "999"],
    "export members": ["--preset", "volunteer", "--format", "csv", "--out", "{tmp}/list.csv",
                       "--purpose", "test"],
    "import": ["members-csv", "{tmp}/missing.csv"],
    "source add": ["discourse", "forum", "--url", "http://127.0.0.1:9", "--api-username", "x"],
    "source test": ["nothing"],
    "sync": ["nothing"],
    "space set": ["nowhere"],
    "space rescan": ["nowhere"],
    "queue show": ["999"],
    "queue decide": ["approve", "999", "--reason", "test"],
    "queue claim": ["999"],
    "queue assign": ["999", "--to", "stew"],
    "queue note": ["999", "text"],
    "queue author": ["999"],
    "rules check": ["{tmp}/missing.yaml"],
    "rules set": ["{tmp}/missing.yaml"],
    "rules test": ["{tmp}/missing.yaml"],
    "backup": ["--out", "{tmp}/backup.zip"],
    "restore": ["{tmp}/missing.zip", "--workspace", "{tmp}/restored"],
    "team create": ["--server", "postgresql://nobody@127.0.0.1:9/none"],
    "team invite": ["someone", "--role", "volunteer", "--out", "{tmp}/someone.invitation"],
    "team join": ["{tmp}/missing.invitation"],
    "team remove": ["someone"],
    "team status": ["--offline"],
}


def _leaf_commands() -> list[str]:
    found = []

    def walk(parser, words):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for word, child in action.choices.items():
                    walk(child, [*words, word])
                return
        found.append(" ".join(words))

    walk(build_parser(), [])
    return [c for c in found if c]


COMMANDS = _leaf_commands()


def test_the_table_covers_every_command():
    covered = set(permissions.COMMANDS) | permissions.WITHOUT_PROFILE
    assert set(COMMANDS) - covered == set(), "a command without a row in the permissions table"
    assert set(permissions.COMMANDS) - set(COMMANDS) - {"demo (existing)"} == set()


@pytest.fixture(scope="module")
def team_path(tmp_path_factory):
    """An empty workspace with one profile per role (module-wide: the commands change little)."""
    from steward.workspace import Workspace

    saved, crypto.DEFAULT_KDF = crypto.DEFAULT_KDF, FAST_KDF
    path = tmp_path_factory.mktemp("perm") / "ws"
    ws, _ = Workspace.create(path, "Permissions", PASSPHRASE, profile="admin")
    for role, name in PROFILES.items():
        if role != "admin":
            ws.add_profile(name, role, PASSPHRASE)
    ws.lock()
    crypto.DEFAULT_KDF = saved
    return path


def _expected(role: str, command: str, workspace_exists: bool = True) -> bool:
    if command == "demo" and workspace_exists:
        command = "demo (existing)"
    if command in permissions.WITHOUT_PROFILE:
        return True
    return permissions.may_run(role, command)


@pytest.mark.parametrize("role", list(PROFILES))
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_for_every_role(team_path, tmp_path, role, command, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("STEWARD_NEW_PASSPHRASE", PASSPHRASE)  # `profile passwd` keeps it
    extra = [a.replace("{tmp}", str(tmp_path)) for a in ARGS.get(command, [])]
    target = tmp_path / "new" if command == "init" else team_path
    argv = [*command.split(), *extra, "--workspace", str(target), "--profile", PROFILES[role]]
    code = main(argv)
    captured = capsys.readouterr()
    refused = "may not run" in captured.err or "cannot see safeguarding flags" in captured.err
    if _expected(role, command):
        assert not refused, f"{role} was refused `{command}`: {captured.err}"
    else:
        assert refused, f"{role} ran `{command}` (exit {code}): {captured.err or captured.out}"
        assert code == permissions.REFUSAL_EXIT_CODE == 1
        assert len(captured.err.strip().splitlines()) == 1 and captured.out == ""


VOLUNTEER_REFUSED = ("forget", "merge", "unmerge", "consent", "tag", "not-same", "import",
                     "scan", "duplicates", "lapsed", "contacts", "space-rules", "rules set",
                     "rules show", "rules test", "match-rules")


def test_volunteers_are_refused_what_the_issue_lists():
    for command in VOLUNTEER_REFUSED:
        assert not permissions.may_run("volunteer", command), command
        assert permissions.may_run("steward", command), command


def test_refused_forget_erases_nothing(demo_path, monkeypatch, capsys):
    from sqlalchemy import func, select

    from steward.store.models import AuditEvent, Person
    from steward.workspace import Workspace

    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    with ws.session() as s:
        person = s.scalar(select(func.min(Person.id)))
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    ws.lock()
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    code = main(["forget", str(person), "--yes", "--workspace", str(demo_path),
                 "--profile", "volunteer"])
    assert code == 1 and "may not run `steward forget`" in capsys.readouterr().err
    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    with ws.session() as s:
        assert s.get(Person, person).erased_at is None
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events
    ws.lock()
