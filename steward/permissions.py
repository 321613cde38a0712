"""Which role may do what: the one table the command line and the pages both read.

A menu that hides a button is not a permission. The command line checks this table once, at
dispatch, before a command runs; the desktop app builds its sidebar and Overview tiles from it.
The keys a profile holds are the second line: what a role may not see, its keys cannot decrypt
(see docs/security.md). An action missing from the table is refused to everyone.
"""

from __future__ import annotations

from steward.errors import AccessDenied

ROLES = ("volunteer", "steward", "safeguarding-lead", "admin")

EVERYONE = frozenset(ROLES)
STAFF = frozenset({"steward", "safeguarding-lead", "admin"})
LEADS = frozenset({"safeguarding-lead", "admin"})
ADMINS = frozenset({"admin"})

# Commands that never unlock a workspace as a profile (they create one, read only the profile
# list, check a file, or unlock with the recovery key): nothing to check against a role.
WITHOUT_PROFILE = frozenset({
    "init",
    "demo",  # creating a demo workspace; filling an existing one is "demo (existing)"
    "profile list",
    "recover",
    "safeguarding lexicon check",
    "rules example",
    "rules check",  # checks a rules file, touches no workspace
    "backup --verify",  # unlocks the backup's own copy with its profile's passphrase
    "restore",  # the backup's own admin passphrase or recovery key is checked by the restore
    "team join",  # makes a new workspace; the invitation's code opens what its role may hold
})

# Command (as typed after `steward`) → the roles that may run it.
COMMANDS: dict[str, frozenset[str]] = {
    # What a volunteer may do: export the volunteer preset, see the one safeguarding line every
    # profile sees, look after their own passphrase.
    "export members": EVERYONE,  # the volunteer preset only, checked again by the export
    "flags count": EVERYONE,
    "profile passwd": EVERYONE,  # one's own; resetting another's is for admins (workspace)
    "profile remember": EVERYONE,
    # Stewards: everything about members and moderation, and raising safeguarding concerns.
    "stats": EVERYONE,  # counts only, no names
    "audit verify": STAFF,
    "engagement": STAFF,
    "duplicates": STAFF,
    "match-rules": STAFF,
    "merge": STAFF,
    "unmerge": STAFF,
    "not-same": STAFF,
    "lapsed": STAFF,
    "contacts": STAFF,
    "consent": STAFF,
    "retention": STAFF,
    "forget": STAFF,
    "review": STAFF,  # accept or reject duplicate candidates in a batch, undo a batch
    "subject-access": STAFF,
    "tag": STAFF,
    "cohorts": STAFF,
    "space-rules": STAFF,
    "space list": EVERYONE,  # names of groups and their risk setting, no member data
    "space rescan": STAFF,
    "import": STAFF,
    "source add": STAFF,
    "source list": STAFF,
    "source test": STAFF,
    "sync": STAFF,
    "outbox list": STAFF,
    "scan": STAFF,
    "safeguarding scan": STAFF,  # a steward's scan hands concerns over through the drop box
    "queue list": STAFF,
    "queue show": STAFF,
    "queue decide": STAFF,
    "queue undo": STAFF,
    "queue claim": STAFF,
    "queue assign": STAFF,
    "queue note": STAFF,
    "queue author": STAFF,  # everything from one author, and one decision on all of it
    "rules show": STAFF,
    "rules set": STAFF,
    "rules test": STAFF,
    # Safeguarding leads (and admins, who hold the safeguarding key).
    "flags list": LEADS,
    "flags show": LEADS,
    "flags triage": LEADS,
    "flags status": LEADS,
    "flags close": LEADS,
    "flags assign": LEADS,
    "flags note": LEADS,
    "flags amend": LEADS,
    "flags export": LEADS,
    "safeguarding chronology": LEADS,
    "safeguarding settings": LEADS,
    "safeguarding lexicon add": LEADS,
    "safeguarding retention": LEADS,
    "space set": LEADS,  # a space's audience decides how hard the safeguarding scan looks
    # Admins.
    "profile add": ADMINS,
    "profile remove": ADMINS,
    "backup": ADMINS,
    "demo (existing)": ADMINS,  # `steward demo` on a workspace that already exists
    # A team of laptops (steward.team): each laptop syncs the tiers its team keys open.
    "team create": ADMINS,
    "team invite": ADMINS,
    "team remove": ADMINS,
    "team sync": EVERYONE,  # a volunteer laptop receives only the volunteer lists
    "team status": EVERYONE,
}

# Pages of the desktop app (PageSpec.key) and Overview tiles (TileSpec.key). A page or tile
# not listed here is shown to staff only: a new page never reaches volunteers by accident.
PAGES: dict[str, frozenset[str]] = {
    "overview": EVERYONE,
    "members": EVERYONE,  # a volunteer gets the export of the volunteer preset
    "settings": EVERYONE,
    "moderation": STAFF,
    "engagement": STAFF,
    "connections": STAFF,
    "library": STAFF,
    "sources": STAFF,
    "safeguarding": LEADS,
}
TILES: dict[str, frozenset[str]] = {
    "safeguarding.concerns": EVERYONE - LEADS,  # "N concerns are with your safeguarding lead"
    "safeguarding.flags": LEADS,
    "lapsed": STAFF,
    "moderation.open": STAFF,
    "engagement.quiet": STAFF,
    "engagement.newcomers": STAFF,
    "engagement.leaders": STAFF,
    "engagement.follow_ups": STAFF,
    "backup": ADMINS,
}

# How a refusal is reported at the command line: AccessDenied, one line, exit code 1.
REFUSAL_EXIT_CODE = AccessDenied.exit_code


def may_run(role: str, command: str) -> bool:
    """Whether `role` may run `command` (e.g. "queue decide"); unknown commands: nobody."""
    return role in COMMANDS.get(command, frozenset())


def refusal(profile_name: str, role: str, command: str) -> str:
    """The one line that says why a command is refused, and whom to ask."""
    allowed = COMMANDS.get(command, frozenset())
    if allowed == LEADS and command.startswith(("flags", "safeguarding")):
        return (f"profile {profile_name} ({role}) cannot see safeguarding flags: only a "
                f"safeguarding lead or admin can run `steward {command}`")
    if allowed == LEADS:
        return (f"profile {profile_name} ({role}) may not run `steward {command}`: only an "
                "admin or a safeguarding lead can")
    ask = "ask an admin" if allowed == ADMINS else "ask a steward or an admin"
    if not allowed:
        ask = "no profile may"
    return f"profile {profile_name} ({role}) may not run `steward {command}`: {ask}"


def check_command(profile_name: str, role: str, command: str) -> None:
    """Refuse with one clear line (AccessDenied, exit code 1) when the role may not run it."""
    if not may_run(role, command):
        raise AccessDenied(refusal(profile_name, role, command))


def may_see_page(role: str, key: str) -> bool:
    return role in PAGES.get(key, STAFF)


def may_see_tile(role: str, key: str) -> bool:
    return role in TILES.get(key, STAFF)
