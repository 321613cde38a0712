"""Creating, joining and syncing a team workspace (the core behind `steward team …`).

A sync captures this laptop's new changes into its outbox (sealed envelopes, in one local
transaction), pushes the outbox (the server skips an operation id it already holds), then pulls
what is new in server order and applies each batch together with the cursor in one local
transaction. A sync killed at any point resumes from what was committed: nothing is lost and
nothing is applied twice.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
import zlib
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

from steward import clock
from steward.errors import AccessDenied, BadInput, StewardError
from steward.jobs import CancelToken, Progress
from steward.team import edits, erasure, ops, rows, state, trust
from steward.team import keys as team_keys
from steward.team.keys import EnvelopeRefused, TeamKeys
from steward.team.server import Envelope, Server, check_url

log = logging.getLogger(__name__)
PULL_BATCH = 200
PUSH_BATCH = 200
VOLUNTEER_PART = 256 * 1024
# The volunteer lists as a volunteer laptop receives them: no flags, no message text.
VOLUNTEER_TABLES = ("sources", "spaces", "persons", "identities", "memberships", "consents",
                    "messages")


@dataclass
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    applied: int = 0
    conflicts: list[str] = field(default_factory=list)
    cursor: int = 0
    at: str = ""
    # The key epoch this laptop waits for (it missed a rotation: asked, not yet granted).
    waiting_for_keys: int | None = None
    # Key requests this laptop refused (not signed by the asking laptop's own key).
    refused: list[str] = field(default_factory=list)
    # Envelopes rewritten on the server without the data of people erased here (erasure.py).
    redacted: int = 0

    def as_dict(self) -> dict:
        return {"pushed": self.pushed, "pulled": self.pulled, "applied": self.applied,
                "conflicts": self.conflicts, "cursor": self.cursor, "at": self.at,
                "waiting_for_keys": self.waiting_for_keys, "refused": self.refused,
                "redacted": self.redacted}


class KeysBehind(StewardError):
    """The next envelope is under a newer key epoch than this laptop holds: it missed a
    rotation (invited before it, or never synced after joining)."""

    def __init__(self, epoch: int, named: str):
        super().__init__(f"{named} is under team keys of epoch {epoch}, newer than this "
                         "laptop's")
        self.epoch = epoch


def team_of(ws) -> dict:
    block = ws.team_block()
    if not block:
        raise StewardError("this workspace is not part of a team: an admin runs "
                           "`steward team create --server URL`, others `steward team join`")
    return block


def _keys(ws, block: dict) -> TeamKeys:
    keys = team_keys.load_keys(ws, block)
    if not keys.keys:
        raise AccessDenied(f"profile {ws.profile.name} holds none of this team's keys")
    return keys


def _ids(conn, block: dict) -> state.Ids:
    return state.Ids(conn, block["device"], block["origin"])


def _enqueue(conn, block: dict, keys: TeamKeys, tier: str, *ops: dict) -> None:
    """Seal these operations, in order, into the outbox under the device's next numbers."""
    if not ops:
        return
    seqs = state.get(conn, "device_seq", {})
    n = int(seqs.get(tier, 0))
    sealed = []
    for op in ops:
        n += 1
        op_id = str(uuid.uuid4())
        op = dict(op, actor=op.get("actor", block.get("name", "")))
        aad = team_keys.envelope_aad(block["id"], tier, keys.epoch, block["device"], n, op_id)
        sealed.append((op_id, tier, n, keys.epoch, team_keys.seal_op(keys.key(tier), op, aad)))
    seqs[tier] = n
    state.put(conn, "device_seq", seqs)
    state.raw(conn).executemany(
        "INSERT INTO team_outbox (op_id, tier, device_seq, epoch, body) VALUES (?, ?, ?, ?, ?)",
        sealed)


def _enqueue_sealed(conn, tier: str, epoch: int, body: bytes) -> None:
    """An envelope sealed by the caller (a key grant, sealed to one laptop's device key)."""
    seqs = state.get(conn, "device_seq", {})
    n = int(seqs.get(tier, 0)) + 1
    seqs[tier] = n
    state.put(conn, "device_seq", seqs)
    conn.exec_driver_sql(
        "INSERT INTO team_outbox (op_id, tier, device_seq, epoch, body) VALUES (?, ?, ?, ?, ?)",
        (str(uuid.uuid4()), tier, n, epoch, body))


def _announce_device(ws, conn, block: dict, keys: TeamKeys) -> None:
    """Tell the team (once) this laptop's device key, signed with its signing key, so a
    rotation can grant it the new keys. A laptop from before device keys is given one."""
    if state.get(conn, "device_announced"):
        return
    if not (block["keys"].get("device") or {}).get("sealed"):
        held, _public = team_keys.new_device_key(ws)
        if held["sealed"] is None:
            return
        block["keys"] = dict(block["keys"], device=held)
        ws.save_team_block(block)
    _enqueue(conn, block, keys, "volunteer", {"type": "device.key",
                                              **_claim(ws, block, "device")})
    state.put(conn, "device_announced", True)


def _claim(ws, block: dict, kind: str, **extra) -> dict:
    """A statement about this laptop (its device key, a key request), signed with its own
    signing key (trust.py); a laptop without one sends it unsigned, and is refused."""
    held = block["keys"].get("device") or {}
    body = {"device": block["device"], "role": block["role"], "public": held.get("public"),
            "sign": held.get("sign"), "invite": held.get("invite"), **extra}
    seed = team_keys.device_signing(ws, block)
    return {"body": body,
            "sig": None if seed is None else trust.sign(seed, block["id"], kind, body)}


def _label(keys: TeamKeys, team_id: str, device: str, name: str) -> bytes:
    from steward import crypto

    return crypto.seal(keys.key("volunteer"), name.encode(),
                       f"steward-team/1/{team_id}/device/{device}".encode())


def _read_label(keys: TeamKeys, team_id: str, device: str, label: bytes) -> str:
    from steward import crypto

    try:
        return crypto.open_sealed(keys.key("volunteer"), label,
                                  f"steward-team/1/{team_id}/device/{device}".encode()).decode()
    except (crypto.DecryptionFailed, TypeError, ValueError):
        return "(unreadable name)"


def _with_conn(ws):
    """A transaction on this laptop's store, with the team tables in place."""
    return ws.transaction()


# --- create, invite, join, remove --------------------------------------------------------------

def create_team(ws, server_url: str, password: str | None) -> Generator[Progress, None, dict]:
    """Job: make this workspace the first laptop of a new team on `server_url` and push a
    snapshot of it (staff tier; flags' contents under the safeguarding tier)."""
    url = check_url(server_url)
    if ws.profile.role != "admin":
        raise AccessDenied("only an admin can create a team")
    if ws.team_block():
        raise BadInput("this workspace is already part of a team")
    keys = team_keys.new_team_keys()
    team_id, device = str(uuid.uuid4()), str(uuid.uuid4())
    yield Progress(0, 3, "Preparing the team server")
    with Server(url, password) as server:
        server.create_team(team_id)
        server.add_device(team_id, device, ws.profile.role,
                          _label(keys, team_id, device, ws.profile.name))
    held, _public = team_keys.new_device_key(ws)
    block = {"id": team_id, "server": url, "device": device, "origin": device,
             "name": ws.profile.name, "role": ws.profile.role,
             "keys": dict(team_keys.store_keys(ws, keys), device=held),
             "created_at": str(clock.now())}
    with _with_conn(ws) as s:
        conn = s.connection()
        state.ensure(conn)
        edits.ensure(conn)
        ops.mark_all_captured(conn)
        state.put(conn, "snapshot_pending", {"table": None, "after": None})
        from steward.store import audit

        audit.record(s, ws.actor, "team.create", "team", None)
    ws.save_team_block(block)
    with _with_conn(ws) as s:
        trust.set_roots(s.connection(), {device: {"sign": held["sign"], "role": "admin"}})
        _announce_device(ws, s.connection(), block, keys)
    yield Progress(1, 3, "Pushing the workspace")
    with Server(url, password) as server:
        yield from _stream_snapshot(ws, server, block, keys)
    result = yield from sync(ws, password)
    yield Progress(3, 3, "Team created")
    return {"team": team_id, "device": device, "pushed": result.pushed}


SNAPSHOT_PUSH = 20  # envelopes of up to 2,000 rows each, sealed and pushed at a time


def _stream_snapshot(ws, server: Server, block: dict, keys: TeamKeys
                     ) -> Generator[Progress, None, None]:
    """Push the workspace snapshot a few envelopes at a time: read a batch of rows, seal it
    into the outbox with the position reached (one local transaction), push, drop the pushed
    bodies. Memory stays bounded, and a `team create` killed mid-way is finished by the next
    sync from where it stopped."""
    with _with_conn(ws) as s:
        conn = s.connection()
        pending = state.get(conn, "snapshot_pending")
        total = sum(int(conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar())
                    for t in ops.snapshot_tables(conn)) if pending else 0
    if not pending:
        return
    start = (pending["table"], pending["after"]) if pending.get("table") else None
    done = 0
    while True:
        with _with_conn(ws) as s:
            conn = s.connection()
            made = 0
            for op, reached in ops.snapshot_ops(conn, start=start):
                _enqueue(conn, block, keys, "staff", op)
                done += len(op["rows"])
                made += 1
                start = reached
                if made >= SNAPSHOT_PUSH:
                    break
            finished = made < SNAPSHOT_PUSH
            if finished:
                _enqueue(conn, block, keys, "safeguarding",
                         ops.safeguarding_snapshot(conn, _ids(conn, block), ws.field_cipher(),
                                                   ws.row_field))
                state.put(conn, "snapshot_pending", None)
            else:
                state.put(conn, "snapshot_pending", {"table": start[0], "after": start[1]})
        _push(ws, server, block, drop_bodies=True)
        yield Progress(min(done, total), max(total, 1), "Pushing the workspace")
        if finished:
            return


def invite(ws, name: str, role: str, password: str | None) -> tuple[dict, str]:
    """An invitation for `name` as `role` (what that role may hold, sealed under a one-time
    code) and the code, which is given to the person separately."""
    from steward.workspace import check_profile_name, check_role

    check_profile_name(name)
    check_role(role)
    block = team_of(ws)
    keys = _keys(ws, block)
    own_seed = team_keys.device_signing(ws, block)
    with _with_conn(ws) as s:
        state.ensure(s.connection())
        signers = trust.Roster.of(s.connection(), block["id"]).signers()
    if own_seed is None or block["device"] not in signers:
        raise StewardError("this laptop has no signing key (it joined the team before "
                           "laptops signed their requests): invite from the laptop that "
                           "created the team, or join again with a new invitation")
    invite_id = str(uuid.uuid4())
    code = team_keys.new_code()
    seed = trust.new_seed()
    invitation = team_keys.make_invitation(block, keys, role, name, invite_id, code, seed,
                                           signers)
    # The admin's signed word that this invitation's signing key is a `role`'s, for every
    # laptop to check the invited laptop's requests against.
    said = trust.invite_body(invite_id, role, trust.public_of(seed), block["device"])
    with _one_at_a_time(ws), Server(block["server"], password) as server:
        server.add_invitation(block["id"], invite_id, role)
        with _with_conn(ws) as s:
            _enqueue(s.connection(), block, keys, "volunteer",
                     {"type": "invite.key", **said,
                      "sig": trust.sign(own_seed, block["id"], "invite", said)})
            from steward.store import audit

            audit.record(s, ws.actor, "team.invite", "team", None, role=role)
        _push(ws, server, block)
    return invitation, code


def join(invitation_path: Path, code: str, workspace: Path, passphrase: str,
         password: str | None) -> Generator[Progress, None, dict]:
    """Job: a new workspace on this laptop, joined to the team of the invitation, filled by
    a first sync."""
    from steward.workspace import META_FILE, Workspace

    invitation = team_keys.read_invitation(invitation_path)
    keys, payload = team_keys.open_invitation(invitation, code, str(invitation_path))
    workspace = Path(workspace)
    if (workspace / META_FILE).exists():
        raise BadInput(f"{workspace} already holds a workspace: join into a new folder")
    name, role = invitation["name"], invitation["role"]
    device = str(uuid.uuid4())
    yield Progress(0, 2, "Creating the workspace on this laptop")
    ws, _recovery = Workspace.create(workspace, f"team {invitation['team'][:8]}", passphrase,
                                     profile=name, role=role)
    try:
        with Server(invitation["server"], password) as server:
            server.use_invitation(invitation["team"], invitation["invite"], device, role,
                                  _label(keys, invitation["team"], device, name))
        from steward import crypto

        held, _public = team_keys.new_device_key(
            ws, crypto.unb64(payload["signing"]) if payload.get("signing") else None,
            invitation["invite"])
        block = {"id": invitation["team"], "server": invitation["server"], "device": device,
                 "origin": payload["origin"], "name": name, "role": role,
                 "keys": dict(team_keys.store_keys(ws, keys), device=held),
                 "created_at": str(clock.now())}
        team_keys.store_dropbox(ws, block, keys.dropbox)
        ws.refresh_volunteer_store()
        ws.save_team_block(block)
    except BaseException:
        ws.lock()
        for made in workspace.iterdir():
            if made.is_file():
                made.unlink()
        raise
    ws.lock()
    ws = Workspace.unlock(workspace, name, passphrase)
    try:
        with _with_conn(ws) as s:
            state.ensure(s.connection())
            if ws.tier == "staff":
                edits.ensure(s.connection())
            trust.set_roots(s.connection(), {**payload.get("signers", {}),
                                             device: {"sign": held["sign"], "role": role}})
            _announce_device(ws, s.connection(), ws.team_block(), keys)
        yield Progress(1, 2, "First sync")
        result = yield from sync(ws, password)
    finally:
        ws.lock()
    return {"team": invitation["team"], "device": device, "role": role, "name": name,
            "pulled": result.pulled, "waiting_for_keys": result.waiting_for_keys}


def devices(ws, password: str | None) -> list[dict]:
    """The team's laptops: name, role, how far each has synced."""
    block = team_of(ws)
    keys = _keys(ws, block)
    with Server(block["server"], password) as server:
        rows = server.devices(block["id"])
        head = server.head(block["id"], team_keys.TIERS)
    return [{"device": r.device_id, "name": _read_label(keys, block["id"], r.device_id, r.label),
             "role": r.role, "cursor": r.cursor, "behind": max(0, head - r.cursor),
             "last_sync": str(r.last_sync_at) if r.last_sync_at else None,
             "removed": r.removed, "this_laptop": r.device_id == block["device"]}
            for r in rows]


def remove(ws, name: str, password: str | None) -> dict:
    """Take a laptop out of the team: the server refuses its syncs from now on, and the team
    keys are rotated (a new epoch, granted to each remaining laptop's device key), so what is
    written after cannot be read with the keys the removed laptop holds."""
    from steward import crypto
    from steward.jobs import run_to_end

    block = team_of(ws)
    keys = _keys(ws, block)
    if set(keys.keys) != set(team_keys.TIERS):
        raise AccessDenied("only a profile holding every team key (an admin) can remove a "
                           "laptop, since removing one rotates the keys")
    run_to_end(sync(ws, password))  # every laptop's device key, and nothing left unpushed
    block = team_of(ws)
    keys = _keys(ws, block)
    with Server(block["server"], password) as server:
        rows = [r for r in server.devices(block["id"]) if not r.removed and
                _read_label(keys, block["id"], r.device_id, r.label) == name]
        if not rows:
            raise BadInput(f"no laptop called {name} in this team")
        if any(r.device_id == block["device"] for r in rows):
            raise BadInput("this laptop cannot remove itself")
        for r in rows:
            server.remove_device(block["id"], r.device_id)
        remaining = [r for r in server.devices(block["id"])
                     if not r.removed and r.device_id != block["device"]]
        new = keys.rotated()
        without: list[str] = []
        with _with_conn(ws) as s:
            conn = s.connection()
            known = trust.Roster.of(conn, block["id"]).devices
            for r in remaining:
                held = known.get(r.device_id)
                if held is None or not held.get("public"):
                    without.append(_read_label(keys, block["id"], r.device_id, r.label))
                    continue
                tiers = _tiers(r.role, held["role"])
                _enqueue_sealed(conn, f"grant:{r.device_id}", new.epoch, team_keys.seal_grant(
                    crypto.unb64(held["public"]), block["id"], r.device_id, new, tiers))
            from steward.store import audit

            audit.record(s, ws.actor, "team.remove", "team", None, devices=len(rows),
                         epoch=new.epoch, granted=len(remaining) - len(without))
        block["keys"] = team_keys.store_keys(ws, new, block["keys"])
        ws.save_team_block(block)
        _push(ws, server, block)
    return {"device": rows[0].device_id, "epoch": new.epoch,
            "granted": len(remaining) - len(without), "without_keys": without}


def local_status(ws) -> dict:
    """What this laptop knows without the server: team, role, last sync, open conflicts.
    A plain read (no transaction, no table made): the status bar asks for it while a sync or
    a scan may be writing."""
    block = ws.team_block()
    if not block:
        return {"team": None}
    with ws.read() as conn:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'team_state'").fetchone():
            values = {key: json.loads(value) for key, value in conn.execute(
                "SELECT key, value FROM team_state WHERE key IN "
                "('last_sync', 'cursor', 'keys_asked')")}
            unpushed = conn.execute("SELECT count(*) FROM team_outbox WHERE pushed = 0"
                                    ).fetchone()[0]
            conflicts = [{"subject": subj, "local_id": lid, "standing": json.loads(st),
                          "overruled": json.loads(ov)} for subj, lid, st, ov in conn.execute(
                "SELECT subject, local_id, standing, overruled FROM team_conflicts ORDER BY id")]
        else:  # joined, nothing synced on this store yet
            values, unpushed, conflicts = {}, 0, []
    return {"team": block["id"], "server": block["server"], "role": block["role"],
            "name": block["name"], "device": block["device"],
            "last_sync": values.get("last_sync"), "cursor": values.get("cursor", 0),
            "unpushed": unpushed, "waiting_for_keys": values.get("keys_asked"),
            "conflicts": conflicts}


def remembered_password(url: str) -> str | None:
    """The server password from STEWARD_SERVER_PASSWORD or the OS keyring; None: ask for it."""
    import os

    from steward import keychain

    return os.environ.get("STEWARD_SERVER_PASSWORD") or keychain.load_token(
        f"team-server:{url}")


def remember_password(url: str, password: str) -> bool:
    """Keep the server password in the OS keyring (False when no keyring is usable)."""
    from steward import keychain

    return keychain.store_token(f"team-server:{url}", password)


def overview(ws, password: str | None = None) -> dict:
    """For the Settings page: this laptop's team status and, when the server password is known
    (given, or remembered) and the server answers, its laptops. Never asks for anything."""
    status = local_status(ws)
    if status["team"] is None:
        return status
    password = password or remembered_password(status["server"])
    status["devices"] = None
    if password is not None and ws.profile.role != "volunteer":
        try:
            status["devices"] = devices(ws, password)
        except StewardError as err:
            status["server_problem"] = str(err)
    return status


# --- sync --------------------------------------------------------------------------------------

_SYNCING: dict[str, threading.Lock] = {}
_SYNCING_GUARD = threading.Lock()


def _one_at_a_time(ws) -> threading.Lock:
    with _SYNCING_GUARD:
        return _SYNCING.setdefault(str(Path(ws.path).resolve()), threading.Lock())


def sync(ws, password: str | None, token: CancelToken | None = None,
         pull_batch: int = PULL_BATCH) -> Generator[Progress, None, SyncResult]:
    """Job: push this laptop's changes, pull and apply everyone else's. Yields Progress.
    Two syncs of one workspace (the background one and Sync now) run one after the other."""
    with _one_at_a_time(ws):
        return (yield from _sync(ws, password, token, pull_batch))


def _sync(ws, password: str | None, token: CancelToken | None,
          pull_batch: int) -> Generator[Progress, None, SyncResult]:
    block = team_of(ws)
    keys = _keys(ws, block)
    tiers = [t for t in team_keys.TIERS if keys.key(t) is not None]
    tiers.append(f"grant:{block['device']}")
    staff = keys.key("staff") is not None and ws.tier == "staff"
    result = SyncResult()
    yield Progress(0, 0, "Recording this laptop's changes")
    with _with_conn(ws) as s:
        conn = s.connection()
        state.ensure(conn)
        if ws.tier == "staff":
            edits.ensure(conn)
        _announce_device(ws, conn, block, keys)
        cut_short = state.get(conn, "snapshot_pending") is not None
        if staff and not cut_short:
            _capture(ws, conn, block, keys)
    with Server(block["server"], password) as server:
        if cut_short:  # a `team create` cut short: the snapshot first, then what came after
            yield from _stream_snapshot(ws, server, block, keys)
            if staff:
                with _with_conn(ws) as s:
                    _capture(ws, s.connection(), block, keys)
        _catch_up_keys(ws, server, block, keys)
        result.pushed += _push(ws, server, block)
        yield Progress(0, 0, "Receiving the team's changes")
        head = server.head(block["id"], tiers)
        while True:
            if token is not None:
                token.check()
            with _with_conn(ws) as s:
                cursor = state.get(s.connection(), "cursor", 0)
            batch = server.pull(block["id"], block["device"], cursor, tiers, pull_batch)
            if not batch:
                break
            try:
                _apply_batch(ws, block, keys, batch, result)
            except KeysBehind as behind:
                result.waiting_for_keys = behind.epoch
                with _with_conn(ws) as s:
                    _ask_for_keys(ws, s.connection(), block, keys, behind.epoch)
                result.pushed += _push(ws, server, block)
                break
            result.pulled += len(batch)
            yield Progress(batch[-1].seq, max(head, batch[-1].seq), "Receiving the team's changes")
        if set(keys.keys) == set(team_keys.TIERS) and ws.holds_safeguarding_key:
            with _with_conn(ws) as s:
                granted = _answer_key_requests(ws, s, server, block, keys, result)
            if granted:
                result.pushed += _push(ws, server, block)
        if staff and keys.key("volunteer") is not None and result.waiting_for_keys is None:
            with _with_conn(ws) as s:
                published = _publish_volunteer(ws, s.connection(), block, keys)
            if published:
                result.pushed += _push(ws, server, block)
        if staff and result.waiting_for_keys is None:
            yield from _redact_erased(ws, server, block, keys, result)
        with _with_conn(ws) as s:
            conn = s.connection()
            result.cursor = state.get(conn, "cursor", 0)
            result.at = str(clock.now())
            state.put(conn, "last_sync", result.at)
            if ws.tier == "staff" and (result.pushed or result.applied or result.conflicts):
                from steward.store import audit

                audit.record(s, ws.actor, "team.sync", "team", None, pushed=result.pushed,
                             applied=result.applied, conflicts=len(result.conflicts))
        server.set_cursor(block["id"], block["device"], result.cursor)
    yield Progress(1, 1, "Synced")
    return result


def _capture(ws, conn, block: dict, keys: TeamKeys) -> int:
    ids = _ids(conn, block)
    seen = state.get(conn, "cursor", 0)
    made = 0
    added, flags = rows.capture(conn, ids, sealed_flags=f"steward/{ws.id}" if "dropbox" in block
                                else None)
    for op in added:
        _enqueue(conn, block, keys, "staff", op)
        made += 1
    opens_flags = keys.key("safeguarding") is not None and ws.holds_safeguarding_key
    # A flag raised on a lead's or admin's laptop is sealed to this workspace's drop box; a
    # profile there without the safeguarding key (a steward's) cannot open it to send, so
    # its contents wait for the next sync by a profile that can (a steward's laptop seals
    # them to the team drop box instead, and they travel with the flag's row).
    waiting = state.get(conn, "flags_unsent", []) if "dropbox" not in block else []
    if flags and not opens_flags and "dropbox" not in block:
        state.put(conn, "flags_unsent", waiting + flags)
    elif opens_flags and (flags or waiting):
        _enqueue(conn, block, keys, "safeguarding",
                 ops.safeguarding_snapshot(conn, ids, ws.field_cipher(), ws.row_field,
                                           only_flags=waiting + flags))
        state.put(conn, "flags_unsent", [])
        made += 1
    if opens_flags:
        for tier, op in ops.capture_safeguarding(conn, ids, ws.field_cipher(), ws.row_field,
                                                 seen):
            _enqueue(conn, block, keys, tier, op)
            made += 1
    # Merges and merges undone in the order they were made (ops._merges), before the edits.
    staff = [*ops.capture_staff(conn, ids, seen), *edits.capture(conn, ids, seen)]
    _enqueue(conn, block, keys, "staff", *staff)
    made += len(staff)
    erased = []
    for op in staff:
        if op["type"] == "person.erase":
            # This laptop's ids of the person's accounts aliased now; the server's envelopes
            # once the erasure is pushed (_redact_erased).
            person = ids.local("persons", op["person"])
            accounts = [] if person is None else erasure.alias_local(conn, person, op["salt"])
            erased.append({"person": op["person"], "salt": op["salt"], "accounts": accounts})
    if erased:
        state.put(conn, "erased_to_redact", state.get(conn, "erased_to_redact", []) + erased)
    return made


def _redact_erased(ws, server: Server, block: dict, keys: TeamKeys,
                   result: SyncResult) -> Generator[Progress, None, None]:
    """People erased here since the last sync: their data taken out of the server's
    envelopes (erasure.py), once their erasure is on the server."""
    with _with_conn(ws) as s:
        conn = s.connection()
        erased = state.get(conn, "erased_to_redact", [])
        people = erasure.people(conn, _ids(conn, block), erased)
        digest = state.get(conn, "volunteer_digest")
    if not erased:
        return
    yield Progress(0, 0, "Taking erased people out of the server's envelopes")
    done = erasure.redact(server, block, keys, people, digest)  # no local transaction held
    with _with_conn(ws) as s:
        conn = s.connection()
        state.put(conn, "erased_to_redact", [g for g in state.get(conn, "erased_to_redact", [])
                                             if g not in erased])
    result.redacted += done.rewritten
    if done.not_opened:
        log.warning("an erasure: %d envelopes under keys this laptop does not hold were left "
                    "as they are", done.not_opened)


def _push(ws, server: Server, block: dict, drop_bodies: bool = False) -> int:
    """Push the outbox in batches; `drop_bodies`: keep no copy of what was pushed (the
    snapshot, which would otherwise double the workspace's size)."""
    pushed = 0
    while True:
        with _with_conn(ws) as s:
            rows = s.connection().exec_driver_sql(
                "SELECT op_id, tier, device_seq, epoch, body FROM team_outbox WHERE pushed = 0 "
                "ORDER BY rowid LIMIT ?", (PUSH_BATCH,)).all()
        if not rows:
            return pushed
        server.push(block["id"], block["device"],
                    [Envelope(None, r[0], block["device"], r[1], r[2], r[3], bytes(r[4]))
                     for r in rows])
        with _with_conn(ws) as s:
            s.connection().exec_driver_sql(
                f"UPDATE team_outbox SET pushed = 1{', body = x' if drop_bodies else ''}"
                f"{chr(39) * 2 if drop_bodies else ''} WHERE op_id IN "
                f"({', '.join('?' for _ in rows)})", tuple(r[0] for r in rows))
        pushed += len(rows)


RUN_ROWS = 20_000  # rows applied in one local transaction at most (snapshot envelopes)


def _apply_batch(ws, block: dict, keys: TeamKeys, batch: list[Envelope],
                 result: SyncResult) -> None:
    """Open each envelope of a batch and apply them with the cursor in local transactions
    (one per run of plain changes of at most RUN_ROWS rows, so a first sync of a big
    workspace holds a few envelopes in memory at a time; a merge goes through the merge
    service in its own). An envelope that does not open stops the sync at it, named; what
    came before it is kept."""
    refused: EnvelopeRefused | None = None
    with _with_conn(ws) as s:
        last = dict(state.get(s.connection(), "last_device_seq", {}))
    run: list[tuple[Envelope, dict]] = []
    weight = 0
    for e in batch:
        named = f"envelope #{e.seq} (device {e.device_id[:8]}, {e.tier} change {e.device_seq})"
        slot = f"{e.device_id}/{e.tier}"
        if e.device_seq != int(last.get(slot, 0)) + 1:
            refused = EnvelopeRefused(
                f"{named}: the device's change {int(last.get(slot, 0)) + 1} is missing on "
                "the server: refused; nothing after it was applied")
            break
        if e.tier.startswith("grant:"):
            try:
                _take_grant(ws, block, keys, e, named)
            except EnvelopeRefused as err:
                refused = err
                break
            op: dict = {"type": "grant"}
        else:
            key = keys.key_at(e.epoch, e.tier)
            if key is None and e.epoch > keys.epoch:
                refused = KeysBehind(e.epoch, named)
                break
            if key is None:
                refused = EnvelopeRefused(f"{named} is under a key this laptop does not hold "
                                          f"(epoch {e.epoch}; this laptop holds {keys.epoch})")
                break
            aad = team_keys.envelope_aad(block["id"], e.tier, e.epoch, e.device_id,
                                         e.device_seq, e.op_id)
            try:
                op = team_keys.open_op(key, e.body, aad, named)
            except EnvelopeRefused as err:
                refused = err
                break
        last[slot] = e.device_seq
        if op["type"] in ("person.merge", "person.unmerge", "person.erase"):
            if run:
                _apply_plain(ws, block, run, result, keys)
                run, weight = [], 0
            if op["type"] == "person.merge":
                _apply_merge(ws, block, e, op, result)
            elif op["type"] == "person.unmerge":
                _apply_unmerge(ws, block, e, op, result)
            else:
                _apply_erase(ws, block, e, op, result)
            continue
        run.append((e, op))
        weight += len(op.get("rows", ())) or 1
        if weight >= RUN_ROWS:
            _apply_plain(ws, block, run, result, keys)
            run, weight = [], 0
    if run:
        _apply_plain(ws, block, run, result, keys)
    if refused is not None:
        raise refused


def _ask_for_keys(ws, conn, block: dict, keys: TeamKeys, epoch: int) -> None:
    """This laptop missed a rotation: ask (once per epoch) the laptops that hold every key
    to grant it the newer keys, sealed to its device key. The request is sealed under the
    newest epoch it holds, so only members read it; the server refuses removed laptops."""
    asked = state.get(conn, "keys_asked")
    if asked is not None and int(asked) >= epoch:
        return
    if not (block["keys"].get("device") or {}).get("public"):
        return
    _enqueue(conn, block, keys, "volunteer",
             {"type": "keys.request", **_claim(ws, block, "request", since=keys.epoch)})
    state.put(conn, "keys_asked", epoch)


def _catch_up_keys(ws, server: Server, block: dict, keys: TeamKeys) -> None:
    """A laptop that asked for newer keys takes its grants before pulling: the pull stops at
    the first envelope under a key it lacks, so it would never reach them in order. (They
    are taken again, as no-ops, when the pull reaches them.)"""
    with _with_conn(ws) as s:
        asked = state.get(s.connection(), "keys_asked")
    if asked is None:
        return
    for e in server.pull(block["id"], block["device"], 0, [f"grant:{block['device']}"], 1000):
        if e.epoch > keys.epoch:
            try:
                _take_grant(ws, block, keys, e, f"grant #{e.seq}")
            except EnvelopeRefused as err:
                log.warning("a key grant did not open (%s)", type(err).__name__)
    if keys.epoch >= int(asked):
        with _with_conn(ws) as s:
            state.put(s.connection(), "keys_asked", None)


def _tiers(*roles: str) -> list[str]:
    """The team tiers every one of these roles may hold."""
    return [t for t in team_keys.TIERS
            if all(t in team_keys.ROLE_TIERS.get(role, ()) for role in roles)]


def _answer_key_requests(ws, session, server: Server, block: dict, keys: TeamKeys,
                         result: SyncResult) -> int:
    """Grant the current keys (and the epochs between) to laptops that asked for them. A
    request counts only when signed by the asking laptop's own signing key (trust.py), from
    a device the server still lists, and is given only what its role on the server, the role
    its invitation was signed for and its request all allow. A request signed otherwise (or
    not at all) is refused, told and audited. Returns how many grants were made."""
    from steward import crypto
    from steward.store import audit

    conn = session.connection()
    answered = state.get(conn, "key_answers", {})
    due, later = [], []
    for req in state.get(conn, "key_requests", []):
        device = req["body"].get("device")
        if device == block["device"] or int(answered.get(device, 0)) >= keys.epoch:
            continue
        (due if int(req["body"].get("since", 0)) < keys.epoch else later).append(req)
    state.put(conn, "key_requests", later)
    if not due:
        return 0
    roster = trust.Roster.of(conn, block["id"])
    live = {r.device_id: r.role for r in server.devices(block["id"]) if not r.removed}
    made = 0
    for req in due:
        body = req["body"]
        device = body.get("device")
        why = roster.refusal("request", body, req.get("sig"))
        if why is not None:
            log.warning("team: %s", why)
            result.refused.append(why)
            audit.record(session, ws.actor, "team.key_request_refused", "team", None,
                         device=str(device)[:8], reason=why)
            continue
        if device not in live or int(answered.get(device, 0)) >= keys.epoch:
            continue
        tiers = _tiers(live[device], roster.devices[device]["role"], str(body.get("role")))
        _enqueue_sealed(conn, f"grant:{device}", keys.epoch, team_keys.seal_grant(
            crypto.unb64(body["public"]), block["id"], device, keys, tiers,
            since=int(body["since"])))
        answered[device] = keys.epoch
        made += 1
    state.put(conn, "key_answers", answered)
    if made:
        log.info("team keys granted to %d laptop(s) that asked", made)
    return made


def _take_grant(ws, block: dict, keys: TeamKeys, e: Envelope, named: str) -> None:
    """New team keys from a rotation, sealed to this laptop's device key: kept (sealed under
    the local keys) before anything written under them is opened."""
    private = team_keys.device_private(ws, block)
    if private is None or e.tier != f"grant:{block['device']}":
        raise EnvelopeRefused(f"{named} grants keys this laptop cannot open")
    granted = team_keys.open_grant(private, e.body, block["id"], block["device"], e.epoch,
                                   named)
    if granted.epoch == keys.epoch or (granted.epoch in keys.older and
                                       set(granted.older) <= set(keys.older) | {keys.epoch}):
        return
    keys.take_grant(granted)
    block["keys"] = team_keys.store_keys(ws, keys, block["keys"])
    team_keys.store_dropbox(ws, block, granted.dropbox)
    ws.save_team_block(block)


def _done(conn, *envelopes: Envelope) -> None:
    """These envelopes (in server order) are applied: their op ids, each device's number and
    the cursor."""
    state.raw(conn).executemany("INSERT OR IGNORE INTO team_applied (op_id, seq) VALUES (?, ?)",
                                [(e.op_id, e.seq) for e in envelopes])
    last = state.get(conn, "last_device_seq", {})
    for e in envelopes:
        last[f"{e.device_id}/{e.tier}"] = e.device_seq
    state.put(conn, "last_device_seq", last)
    state.put(conn, "cursor", envelopes[-1].seq)


def _applied(conn, e: Envelope) -> bool:
    return bool(_applied_among(conn, [e.op_id]))


def _applied_among(conn, op_ids: list[str]) -> set[str]:
    """Which of these operations this laptop has applied already (a sync killed after its
    commit and before the cursor reached the server pulls them again)."""
    found: set[str] = set()
    for i in range(0, len(op_ids), 500):
        part = op_ids[i:i + 500]
        found.update(r[0] for r in state.raw(conn).execute(
            f"SELECT op_id FROM team_applied WHERE op_id IN ({', '.join('?' * len(part))})",
            part))
    return found


def _apply_plain(ws, block: dict, run: list[tuple[Envelope, dict]],
                 result: SyncResult, keys: TeamKeys | None = None) -> None:
    """A run of envelopes applied in one local transaction, recorded together at its end
    (op ids, each device's number, the cursor) with the conflicts' audit events."""
    with _with_conn(ws) as s:
        conn = s.connection()
        applier = ops.Applier(conn, _ids(conn, block), ws, result,
                              s if ws.tier == "staff" else None, keys)
        if ws.tier == "staff":
            edits.quiet(conn, True)
        already = _applied_among(conn, [e.op_id for e, _op in run])
        for e, op in run:
            if e.op_id in already:
                continue
            if op["type"] == "volunteer.part":
                _volunteer_part(ws, conn, e.device_id == block["device"], op)
            else:
                applier.apply(e.seq, e.device_id, op)
        applier.finish()
        _done(conn, *(e for e, _op in run))
        if ws.tier == "staff":
            edits.quiet(conn, False)


def _apply_merge(ws, block: dict, e: Envelope, op: dict, result: SyncResult) -> None:
    """A merge, through the merge service (its own transactions and audit events).

    The first merge of a person in server order stands. Another laptop's merge of someone
    already merged differently is a conflict, not applied; this laptop's own merge that lost
    is undone (unmerge) and the merge that stands is applied instead, and its author told. A
    marker committed before each step lets a sync killed mid-way find what was done."""
    own = e.device_id == block["device"]
    with _with_conn(ws) as s:
        conn = s.connection()
        if _applied(conn, e):
            _done(conn, e)
            return
        ids = _ids(conn, block)
        applier = ops.Applier(conn, ids, ws, result, s)
        beaten_by = applier.merge_standing(e.seq, e.device_id, op)
        if beaten_by is None and (own or ids.local("persons", op["into"]) is None):
            applier.stand_merge(e.seq, e.device_id, op, applied=own)
            _done(conn, e)
            return
        if beaten_by is not None and not own:
            applier.merge_conflict(e.seq, e.device_id, op, beaten_by, own=False)
            applier.finish()
            _done(conn, e)
            return
        marker = state.get(conn, "merge_marker") or {}
        if marker.get("op") != e.op_id:
            marker = {"op": e.op_id, "before": int(conn.exec_driver_sql(
                "SELECT coalesce(max(id), 0) FROM merges").scalar())}
            state.put(conn, "merge_marker", marker)
    if beaten_by is None:  # another laptop's merge, first for these people: apply it
        applied = _merge_once(ws, block, op, marker["before"])
        with _with_conn(ws) as s:
            conn = s.connection()
            ops.Applier(conn, _ids(conn, block), ws, result, s).stand_merge(
                e.seq, e.device_id, op, applied=applied)
            state.put(conn, "merge_marker", None)
            _done(conn, e)
        return
    # This laptop's own merge lost: undo it, then apply the merge that stands.
    from steward.hygiene.merge import unmerge

    with _with_conn(ws) as s:
        conn = s.connection()
        local = _ids(conn, block).local("merges", op["gid"])
        undone = local is None or conn.exec_driver_sql(
            "SELECT undone_at IS NOT NULL FROM merges WHERE id = ?", (local,)).scalar()
    if not undone:
        with _with_conn(ws) as s:
            noted = edits.pending(s.connection())
        try:
            unmerge(ws, local)
        except StewardError as err:
            log.warning("a merge that lost could not be undone (%s)", type(err).__name__)
        with _with_conn(ws) as s:
            edits.forget_since(s.connection(), noted)
    standing_op = beaten_by["op"]
    applied = beaten_by.get("applied") or _merge_once(ws, block, standing_op, marker["before"])
    with _with_conn(ws) as s:
        conn = s.connection()
        applier = ops.Applier(conn, _ids(conn, block), ws, result, s)
        applier.stand_merge(beaten_by["seq"], beaten_by["device"], standing_op, applied=applied)
        applier.merge_conflict(e.seq, e.device_id, op, beaten_by, own=True)
        applier.finish()
        state.put(conn, "merge_marker", None)
        _done(conn, e)


def _merge_once(ws, block: dict, op: dict, merges_before: int) -> bool:
    """Apply a merge unless a merge into the same person was made since the marker."""
    from steward.hygiene.merge import merge

    with _with_conn(ws) as s:
        conn = s.connection()
        ids = _ids(conn, block)
        into = ids.local("persons", op["into"])
        people = [p for p in (ids.local("persons", g) for g in op["persons"]) if p is not None]
        moving = [i for i in (ids.local("identities", g) for g in op["identities"])
                  if i is not None]
        if into is None:
            return False
        done = conn.exec_driver_sql("SELECT max(id) FROM merges WHERE id > ? AND "
                                    "into_person_id = ?", (merges_before, into)).scalar()
        if done is not None:
            ids.map("merges", op["gid"], int(done))  # so an unmerge of it can follow
            return True  # done before a crash
        moving = [i for i in moving if conn.exec_driver_sql(
            "SELECT person_id FROM identities WHERE id = ?", (i,)).scalar() not in
            (into, *people)]
        noted = edits.pending(conn)
    if not people and not moving:
        return False
    try:
        merge(ws, into, person_ids=people, identity_ids=moving)
    except BadInput as err:
        log.warning("a merge from another laptop could not be applied (%s)", err)
        return False
    with _with_conn(ws) as s:
        conn = s.connection()
        edits.forget_since(conn, noted)
        made = conn.exec_driver_sql("SELECT max(id) FROM merges WHERE id > ? AND "
                                    "into_person_id = ?", (merges_before, into)).scalar()
        if made is not None:
            _ids(conn, block).map("merges", op["gid"], int(made))
        edits.quiet(conn, True)
        values = {k: v for k, v in op.get("values", {}).items() if k in ops.MERGED_FIELDS}
        if values:
            conn.exec_driver_sql(
                f"UPDATE persons SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                (*values.values(), into))
        edits.quiet(conn, False)
    return True


def _apply_unmerge(ws, block: dict, e: Envelope, op: dict, result: SyncResult) -> None:
    """Another laptop undid a merge: undone here too, through the merge service, when this
    laptop applied that merge (a merge that lost a conflict here was never applied)."""
    from steward.hygiene.merge import unmerge

    _apply_through_service(ws, block, e, result, "merges", op["merge"],
                           "SELECT undone_at IS NULL FROM merges WHERE id = ?", unmerge,
                           "an unmerge")


def _apply_erase(ws, block: dict, e: Envelope, op: dict, result: SyncResult) -> None:
    """Another laptop's erasure, through the same service (`forget_person`, its own
    transaction); the person keeps the name the erasing laptop gave, so every laptop agrees.
    Run again after a kill, it finds the person erased and only records the envelope."""
    from steward.hygiene.consent import forget_person

    def same_name(conn, person: int) -> None:
        if op.get("display_name"):
            edits.quiet(conn, True)
            conn.exec_driver_sql("UPDATE persons SET display_name = ?, "
                                 "erased_at = coalesce(?, erased_at) WHERE id = ?",
                                 (op["display_name"], op.get("erased_at"), person))
            edits.quiet(conn, False)
        erasure.alias_local(conn, person, op.get("salt"))

    gid = op["person"]
    with _with_conn(ws) as s:
        conn = s.connection()
        ids = _ids(conn, block)
        if ids.local("persons", gid) is None:  # named by an alias this laptop has not made
            found = erasure.aliased_person(conn, gid, op.get("salt"))
            gid = gid if found is None else ids.gid("persons", found)
    _apply_through_service(
        ws, block, e, result, "persons", gid,
        "SELECT NOT EXISTS (SELECT 1 FROM persons WHERE id = ? AND erased_at IS NOT NULL)",
        forget_person, "an erasure", after=same_name)


def _apply_through_service(ws, block: dict, e: Envelope, result: SyncResult, table: str,
                           gid, still_to_do: str, service, what: str, after=None) -> None:
    """Another laptop's change applied through the local service that makes it (which opens
    its own transaction): the row's local id looked up, `still_to_do` (SQL on that id) asked,
    the service run, then the edits it wrote are forgotten (they came from the team, not this
    laptop), `after` runs on the local id and the envelope is recorded."""
    own = e.device_id == block["device"]
    with _with_conn(ws) as s:
        conn = s.connection()
        if _applied(conn, e):
            _done(conn, e)
            return
        local = None if own else _ids(conn, block).local(table, gid)
        todo = local is not None and conn.exec_driver_sql(still_to_do, (local,)).scalar()
        noted = edits.pending(conn)
    if todo:
        try:
            service(ws, local)
        except StewardError as err:
            log.warning("%s from another laptop could not be applied (%s)", what,
                        type(err).__name__)
    with _with_conn(ws) as s:
        conn = s.connection()
        edits.forget_since(conn, noted)
        if after is not None and local is not None:
            after(conn, local)
        result.applied += 1
        _done(conn, e)


# --- the volunteer tier ------------------------------------------------------------------------

def volunteer_rows(conn_raw) -> dict[str, dict]:
    out = {}
    for table in VOLUNTEER_TABLES:
        cur = conn_raw.execute(f'SELECT * FROM "{table}"')
        cols = [d[0] for d in cur.description]
        out[table] = {"columns": cols,
                      "rows": [[ops._jsonable(v) for v in r] for r in cur.fetchall()]}
    return out


def volunteer_digest(projection: dict[str, dict]) -> str:
    """Independent of local row ids where laptops number rows differently (consent records)."""
    import hashlib

    rows = []
    for table, data in projection.items():
        cols = data["columns"]
        for r in data["rows"]:
            rec = dict(zip(cols, r, strict=True))
            if table in ("consents", "messages"):
                rec.pop("id", None)
            rows.append([table, rec])
    rows.sort(key=lambda x: json.dumps(x, sort_keys=True, default=str))
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def _staff_projection(ws) -> dict[str, dict]:
    from steward import volunteer_store
    from steward.store.engine import connect_raw

    ws.refresh_volunteer_store(force=False)
    raw = connect_raw(volunteer_store.store_path(ws.path), ws.volunteer_store_key())
    try:
        return volunteer_rows(raw)
    finally:
        raw.close()


def _volunteer_fingerprint(ws) -> list | None:
    """What the volunteer store was built from, and its file: unchanged, same projection."""
    from steward import volunteer_store

    ws.refresh_volunteer_store(force=False)
    path = volunteer_store.store_path(ws.path)
    stamp = volunteer_store.current_stamp(ws.path, ws.volunteer_store_key())
    if stamp is None or not path.exists():
        return None
    stat = path.stat()
    return [stamp, stat.st_mtime_ns, stat.st_size]


def _publish_volunteer(ws, conn, block: dict, keys: TeamKeys) -> bool:
    """Send the volunteer lists when they differ from the last ones the team holds. Read only
    when the volunteer store was rebuilt since the last look (its stamp and file), so a sync of
    a few decisions does not read every person and message again."""
    seen = _volunteer_fingerprint(ws)
    if seen is not None and seen == state.get(conn, "volunteer_seen") and \
            state.get(conn, "volunteer_digest") == state.get(conn, "volunteer_digest_seen"):
        return False
    projection = _staff_projection(ws)
    digest = volunteer_digest(projection)
    state.put(conn, "volunteer_seen", seen)
    state.put(conn, "volunteer_digest_seen", digest)
    if digest == state.get(conn, "volunteer_digest"):
        return False
    data = zlib.compress(json.dumps(projection, default=str).encode(), 6)
    parts = [data[i:i + VOLUNTEER_PART] for i in range(0, len(data), VOLUNTEER_PART)] or [b""]
    snap = str(uuid.uuid4())
    for i, part in enumerate(parts):
        _enqueue(conn, block, keys, "volunteer",
                 {"type": "volunteer.part", "snap": snap, "part": i, "parts": len(parts),
                  "digest": digest, "data": base64.b64encode(part).decode()})
    state.put(conn, "volunteer_digest", digest)
    state.put(conn, "volunteer_digest_seen", digest)
    return True


def _volunteer_part(ws, conn, own: bool, op: dict) -> None:
    state.put(conn, "volunteer_digest", op["digest"])
    if ws.tier == "staff" or own:
        return  # staff laptops build their own volunteer lists from their store
    conn.exec_driver_sql("INSERT OR REPLACE INTO team_parts (snap, part, parts, data) "
                         "VALUES (?, ?, ?, ?)",
                         (op["snap"], op["part"], op["parts"], base64.b64decode(op["data"])))
    have = conn.exec_driver_sql("SELECT count(*) FROM team_parts WHERE snap = ?",
                                (op["snap"],)).scalar()
    if have < op["parts"]:
        return
    data = b"".join(r[0] for r in conn.exec_driver_sql(
        "SELECT data FROM team_parts WHERE snap = ? ORDER BY part", (op["snap"],)).all())
    projection = json.loads(zlib.decompress(data))
    for table in reversed(VOLUNTEER_TABLES):
        conn.exec_driver_sql(f'DELETE FROM "{table}"')
    for table in VOLUNTEER_TABLES:
        ops.apply_snapshot_rows(conn, {"table": table, **projection[table]})
    conn.exec_driver_sql("DELETE FROM team_parts")


# --- digests -----------------------------------------------------------------------------------

def digests(ws) -> dict[str, str]:
    """The state digest of each tier this profile holds: equal on every converged laptop."""
    block = team_of(ws)
    keys = _keys(ws, block)
    out = {}
    with _with_conn(ws) as s:
        conn = s.connection()
        state.ensure(conn)
        ids = _ids(conn, block)
        if ws.tier == "staff" and keys.key("staff") is not None:
            out["staff"] = ops.staff_digest(conn, ids)
            if keys.key("safeguarding") is not None and ws.holds_safeguarding_key:
                out["safeguarding"] = ops.safeguarding_digest(conn, ids, ws.field_cipher(),
                                                              ws.row_field)
    if keys.key("volunteer") is not None:
        if ws.tier == "staff":
            out["volunteer"] = volunteer_digest(_staff_projection(ws))
        else:
            with ws.engine.connect() as c:
                raw = c.connection.dbapi_connection
                out["volunteer"] = volunteer_digest(volunteer_rows(raw))
    return out
