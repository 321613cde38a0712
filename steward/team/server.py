"""The team server: a PostgreSQL database that orders sealed envelopes and keeps each device's
cursor. It stores ciphertext, random ids and counters only: no name, email or message.

Envelopes are ordered by one sequence; a push takes a per-team advisory lock for its
transaction, so sequence order is commit order and a reader never skips an envelope that
commits later with a smaller number.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from steward.errors import BadInput, StewardError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS steward_teams (
        team_id uuid PRIMARY KEY,
        format integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now())""",
    "CREATE SEQUENCE IF NOT EXISTS steward_envelope_seq",
    """CREATE TABLE IF NOT EXISTS steward_envelopes (
        seq bigint PRIMARY KEY DEFAULT nextval('steward_envelope_seq'),
        team_id uuid NOT NULL REFERENCES steward_teams,
        op_id uuid NOT NULL UNIQUE,
        device_id uuid NOT NULL,
        tier text NOT NULL,
        device_seq bigint NOT NULL,
        epoch integer NOT NULL,
        body bytea NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (device_id, tier, device_seq))""",
    "CREATE INDEX IF NOT EXISTS steward_envelopes_pull ON steward_envelopes (team_id, tier, seq)",
    """CREATE TABLE IF NOT EXISTS steward_devices (
        device_id uuid PRIMARY KEY,
        team_id uuid NOT NULL REFERENCES steward_teams,
        role text NOT NULL,
        label bytea NOT NULL,
        joined_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        cursor bigint NOT NULL DEFAULT 0,
        last_sync_at timestamptz)""",
    """CREATE TABLE IF NOT EXISTS steward_invitations (
        invite_id uuid PRIMARY KEY,
        team_id uuid NOT NULL REFERENCES steward_teams,
        role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz,
        used_by uuid)""",
]


class ServerUnreachable(StewardError):
    """The team server could not be reached or went away mid-way."""


@dataclass(frozen=True)
class Envelope:
    """One sealed change as the server holds it."""

    seq: int | None
    op_id: str
    device_id: str
    tier: str
    device_seq: int
    epoch: int
    body: bytes


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    role: str
    label: bytes
    cursor: int
    last_sync_at: object
    removed: bool


def check_url(url: str) -> str:
    """A PostgreSQL URL without a password (passwords live in the keyring or are asked)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("postgresql", "postgres"):
        raise BadInput(f"{url!r} is not a PostgreSQL URL (postgresql://user@host:port/database)")
    if parts.password:
        raise BadInput("put no password in the server URL: Steward asks for it or reads it "
                       "from the OS keyring")
    return urlunsplit(parts)


def where(url: str) -> str:
    """The server as said in messages: host and database, never a password."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'local socket'}:{parts.port or 5432}{parts.path}"


def _advisory(team_id: str) -> int:
    return int.from_bytes(hashlib.sha256(team_id.encode()).digest()[:8], "big", signed=True)


class Server:
    """One connection to the team server (psycopg 3)."""

    def __init__(self, url: str, password: str | None, timeout: float = 10.0):
        import psycopg

        self.url = url
        try:
            self.conn = psycopg.connect(url, password=password or None,
                                        connect_timeout=max(1, int(timeout)),
                                        application_name="steward")
        except psycopg.OperationalError as err:
            raise ServerUnreachable(_unreachable(url, err)) from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator:
        import psycopg

        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                yield cur
        except (psycopg.OperationalError, psycopg.InterfaceError) as err:
            raise ServerUnreachable(_unreachable(self.url, err)) from None

    def ensure_schema(self) -> None:
        """Create the tables if they are not there (idempotent)."""
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(4242001)")
            for statement in SCHEMA:
                cur.execute(statement)

    def create_team(self, team_id: str) -> None:
        self.ensure_schema()
        with self._tx() as cur:
            cur.execute("INSERT INTO steward_teams (team_id, format) VALUES (%s, %s) "
                        "ON CONFLICT DO NOTHING", (team_id, SCHEMA_VERSION))

    def _check_team(self, cur, team_id: str) -> None:
        cur.execute("SELECT to_regclass('steward_teams') IS NOT NULL")
        if not cur.fetchone()[0]:
            raise StewardError(f"the server at {where(self.url)} holds no Steward team")
        cur.execute("SELECT 1 FROM steward_teams WHERE team_id = %s", (team_id,))
        if cur.fetchone() is None:
            raise StewardError(f"the server at {where(self.url)} does not hold this team")

    def add_device(self, team_id: str, device_id: str, role: str, label: bytes) -> None:
        with self._tx() as cur:
            self._check_team(cur, team_id)
            cur.execute("INSERT INTO steward_devices (device_id, team_id, role, label) "
                        "VALUES (%s, %s, %s, %s) ON CONFLICT (device_id) DO NOTHING",
                        (device_id, team_id, role, label))

    def _check_device(self, cur, team_id: str, device_id: str) -> None:
        self._check_team(cur, team_id)
        cur.execute("SELECT removed_at FROM steward_devices WHERE device_id = %s "
                    "AND team_id = %s", (device_id, team_id))
        row = cur.fetchone()
        if row is None:
            raise StewardError("this laptop is not a device of the team on "
                               f"{where(self.url)}: join again with an invitation")
        if row[0] is not None:
            raise StewardError("this laptop was removed from the team: it can no longer sync")

    def add_invitation(self, team_id: str, invite_id: str, role: str) -> None:
        with self._tx() as cur:
            self._check_team(cur, team_id)
            cur.execute("INSERT INTO steward_invitations (invite_id, team_id, role) "
                        "VALUES (%s, %s, %s)", (invite_id, team_id, role))

    def use_invitation(self, team_id: str, invite_id: str, device_id: str, role: str,
                       label: bytes) -> None:
        """Mark a one-time invitation used and add the device, in one transaction."""
        with self._tx() as cur:
            self._check_team(cur, team_id)
            cur.execute("UPDATE steward_invitations SET used_at = now(), used_by = %s "
                        "WHERE invite_id = %s AND team_id = %s AND role = %s "
                        "AND used_at IS NULL RETURNING invite_id",
                        (device_id, invite_id, team_id, role))
            if cur.fetchone() is None:
                raise StewardError("this invitation was already used, or was not made for "
                                   "this team: ask an admin for a new one")
            cur.execute("INSERT INTO steward_devices (device_id, team_id, role, label) "
                        "VALUES (%s, %s, %s, %s)", (device_id, team_id, role, label))

    def push(self, team_id: str, device_id: str, envelopes: Sequence[Envelope]) -> int:
        """Store envelopes (idempotent: an op id already there is skipped). Returns how many
        were new."""
        if not envelopes:
            return 0
        with self._tx() as cur:
            self._check_device(cur, team_id, device_id)
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_advisory(team_id),))
            # One statement for the batch, numbered in the order given (WITH ORDINALITY).
            cur.execute(
                "INSERT INTO steward_envelopes (team_id, op_id, device_id, tier, device_seq, "
                "epoch, body) SELECT %s, e.op_id, %s, e.tier, e.device_seq, e.epoch, e.body "
                "FROM unnest(%s::uuid[], %s::text[], %s::bigint[], %s::integer[], %s::bytea[]) "
                "WITH ORDINALITY AS e(op_id, tier, device_seq, epoch, body, n) ORDER BY e.n "
                "ON CONFLICT (op_id) DO NOTHING",
                (team_id, device_id, [e.op_id for e in envelopes], [e.tier for e in envelopes],
                 [e.device_seq for e in envelopes], [e.epoch for e in envelopes],
                 [e.body for e in envelopes]))
            return cur.rowcount

    def pull(self, team_id: str, device_id: str, after: int, tiers: Sequence[str],
             limit: int = 500) -> list[Envelope]:
        """Envelopes of these tiers after `after`, in server order."""
        with self._tx() as cur:
            self._check_device(cur, team_id, device_id)
            cur.execute(
                "SELECT seq, op_id::text, device_id::text, tier, device_seq, epoch, body "
                "FROM steward_envelopes WHERE team_id = %s AND seq > %s AND tier = ANY(%s) "
                "ORDER BY seq LIMIT %s", (team_id, after, list(tiers), limit))
            return [Envelope(r[0], r[1], r[2], r[3], r[4], r[5], bytes(r[6]))
                    for r in cur.fetchall()]

    def set_cursor(self, team_id: str, device_id: str, cursor: int) -> None:
        with self._tx() as cur:
            cur.execute("UPDATE steward_devices SET cursor = greatest(cursor, %s), "
                        "last_sync_at = now() WHERE device_id = %s AND team_id = %s",
                        (cursor, device_id, team_id))

    def devices(self, team_id: str) -> list[DeviceRow]:
        with self._tx() as cur:
            self._check_team(cur, team_id)
            cur.execute("SELECT device_id::text, role, label, cursor, last_sync_at, "
                        "removed_at IS NOT NULL FROM steward_devices WHERE team_id = %s "
                        "ORDER BY joined_at", (team_id,))
            return [DeviceRow(r[0], r[1], bytes(r[2]), r[3], r[4], r[5])
                    for r in cur.fetchall()]

    def remove_device(self, team_id: str, device_id: str) -> None:
        with self._tx() as cur:
            cur.execute("UPDATE steward_devices SET removed_at = now() WHERE device_id = %s "
                        "AND team_id = %s AND removed_at IS NULL", (device_id, team_id))

    def replace_body(self, team_id: str, device_id: str, seq: int, op_id: str,
                     body: bytes) -> None:
        """An envelope sealed again in place by a member (an erasure: erasure.py)."""
        with self._tx() as cur:
            self._check_device(cur, team_id, device_id)
            cur.execute("UPDATE steward_envelopes SET body = %s WHERE team_id = %s AND "
                        "seq = %s AND op_id = %s", (body, team_id, seq, op_id))

    def count(self, team_id: str, tiers: Sequence[str]) -> int:
        with self._tx() as cur:
            cur.execute("SELECT count(*) FROM steward_envelopes WHERE team_id = %s AND "
                        "tier = ANY(%s)", (team_id, list(tiers)))
            return int(cur.fetchone()[0])

    def vacuum(self) -> None:
        """Reclaim the row versions bodies replaced (when this user may; else left to the
        server's autovacuum)."""
        import psycopg

        try:
            self.conn.autocommit = True
            self.conn.execute("VACUUM steward_envelopes")
        except psycopg.Error as err:
            log.info("VACUUM of the envelopes not run (%s)", type(err).__name__)
        finally:
            self.conn.autocommit = False

    def head(self, team_id: str, tiers: Sequence[str]) -> int:
        with self._tx() as cur:
            cur.execute("SELECT coalesce(max(seq), 0) FROM steward_envelopes "
                        "WHERE team_id = %s AND tier = ANY(%s)", (team_id, list(tiers)))
            return int(cur.fetchone()[0])


def _unreachable(url: str, err: Exception) -> str:
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if "password authentication failed" in first:
        return f"the team server at {where(url)} refused the password"
    return (f"the team server at {where(url)} cannot be reached ({first}); nothing was lost: "
            "run the sync again when it is back")
