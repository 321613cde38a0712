"""Create, unlock and lock a workspace; profiles and the key hierarchy.

A workspace is a folder with `workspace.json` (format, KDF parameters, wrapped keys; no personal
data) and `steward.db` (SQLCipher 4, raw 256-bit workspace key). See DESIGN.md, "The workspace
and its keys".
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward import crypto, keychain
from steward.errors import (
    AccessDenied,
    BadInput,
    StewardError,
    WorkspaceLocked,
    WrongPassphrase,
)
from steward.store import engine as engine_mod
from steward.store import migrate
from steward.store.engine import connect_raw, make_engine
from steward.store.triggers import APPEND_ONLY_TRIGGERS

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from steward.store import audit

log = logging.getLogger(__name__)

# 2: roles bound into the key wraps, profile table MACed by admins;
# 3: safeguarding ciphertexts bound to their row (workspace, table, row id, column);
# 4: volunteers hold only the volunteer store's key (steward.volunteer_store).
FORMAT_VERSION = 4
META_FILE = "workspace.json"
DB_FILE = "steward.db"
ROLES = ("volunteer", "steward", "safeguarding-lead", "admin")
SAFEGUARDING_ROLES = frozenset({"safeguarding-lead", "admin"})
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")
MIN_PASSPHRASE = 8
# The settings row holding the key of the flags' scan tags (steward.safeguarding.sealed).
SCAN_TAG_SETTING = "safeguarding.scan_tag_key"


class PassphraseNeeded(StewardError):
    """No passphrase was given and nothing usable is remembered on this computer."""

    def __init__(self, profile: str):
        super().__init__(f"a passphrase is needed for profile {profile}")
        self.profile = profile


@dataclass(frozen=True)
class Profile:
    name: str
    role: str
    remembered: bool = False

    @property
    def holds_safeguarding_key(self) -> bool:
        return self.role in SAFEGUARDING_ROLES


def prepare_data_model() -> None:
    """Set up the data model's ORM mappings now rather than at the first ORM query (50-100 ms
    of Python; the desktop's first page query spent them beside a page being built, holding
    the GIL the window needed, so the unlock screen calls this while the passphrase is
    typed)."""
    from sqlalchemy.orm import configure_mappers

    from steward.store import models  # noqa: F401  (the mappings to set up)

    configure_mappers()


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name or ""):
        raise BadInput(
            f"profile name {name!r} is not allowed: use 1-40 letters, digits, spaces, . _ or -"
        )
    return name


def check_passphrase(passphrase: str) -> str:
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise BadInput(f"a passphrase needs at least {MIN_PASSPHRASE} characters")
    return passphrase


def check_role(role: str) -> str:
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    return role


def read_meta(path: Path) -> dict[str, Any]:
    """Read `workspace.json`, with one clear error for each way a folder is not a workspace."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"no workspace at {path}: the folder does not exist")
    if not path.is_dir():
        raise BadInput(f"{path} is a file, not a workspace folder")
    meta_path = path / META_FILE
    if not meta_path.exists():
        raise BadInput(f"{path} is not a Steward workspace (no {META_FILE})")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StewardError(
            f"{meta_path} is damaged and cannot be read ({exc.__class__.__name__})"
        ) from None
    if not isinstance(meta, dict) or "profiles" not in meta or "format" not in meta:
        raise StewardError(f"{meta_path} is damaged: it lacks the workspace keys")
    if meta["format"] > FORMAT_VERSION:
        raise StewardError(
            f"{meta_path} was written by a newer version of Steward; update Steward to open it"
        )
    problem = crypto.check_kdf(meta.get("kdf"))
    if problem:
        raise StewardError(f"{meta_path} is damaged or was altered: {problem}")
    for entry in meta["profiles"]:
        try:
            if len(crypto.unb64(entry["salt"])) < 16:
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise StewardError(f"{meta_path} is damaged or was altered: the salt of profile "
                               f"{entry.get('name', '?')!r} is not valid") from None
    if not (path / DB_FILE).exists():
        raise StewardError(f"{DB_FILE} is missing from {path}")
    return meta


def _write_meta(path: Path, meta: dict[str, Any]) -> None:
    """Write atomically: a crash mid-write never leaves a half file."""
    target = path / META_FILE
    tmp = path / f"{META_FILE}.{os.getpid()}-{threading.get_ident()}.tmp"
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, target)


def _aad(ws_id: str, who: str, which: str) -> bytes:
    return f"steward/{ws_id}/{who}/{which}".encode()


def _entry_aad(ws_id: str, name: str, role: str, which: str) -> bytes:
    """Associated data of a profile's wraps: the role is bound in, so a role edited in
    workspace.json makes the wrap fail to open instead of granting the role."""
    return f"steward/{ws_id}/profile/{name}/{role}/{which}".encode()


# The keys each role must hold: a role is believed only when its keys come with it.
TIER_KEYS = {
    "volunteer": ("vk",),  # the volunteer store only: never the workspace key
    "steward": ("wk", "ak", "vk"),
    "safeguarding-lead": ("wk", "ak", "sk", "vk"),
    "admin": ("wk", "ak", "sk", "adk", "vk"),
}


@dataclass
class _Keys:
    """The keys an unlocked profile holds (None: not this profile's tier)."""

    wk: bytes | None
    ak: bytes | None = None
    sk: bytes | None = None
    adk: bytes | None = None
    dropbox_public: bytes | None = None
    vk: bytes | None = None

    def for_role(self, role: str) -> dict[str, str]:
        out = {k: crypto.b64(getattr(self, k)) for k in TIER_KEYS[role]}
        if self.dropbox_public is not None:
            out["dropbox_public"] = crypto.b64(self.dropbox_public)
        return out

    @classmethod
    def from_blob(cls, blob: dict) -> _Keys:
        def get(k):
            return crypto.unb64(blob[k]) if blob.get(k) else None

        return cls(wk=get("wk"), ak=get("ak"), sk=get("sk"), adk=get("adk"),
                   dropbox_public=get("dropbox_public"), vk=get("vk"))

    def wipe(self) -> None:
        self.wk = self.ak = self.sk = self.adk = self.vk = None


def _seal_entry(ws_id: str, name: str, role: str, kek: bytes, keys: _Keys,
                uk: bytes | None = None) -> dict[str, Any]:
    """A profile's wraps: a random profile key (UK) under the passphrase key and under the admin
    key; the role's keys (and the drop-box public key) sealed under UK."""
    uk = uk or crypto.new_key()
    blob = json.dumps({"role": role, **keys.for_role(role)}, sort_keys=True).encode()
    entry = {
        "uk": crypto.b64(crypto.seal(kek, uk, _entry_aad(ws_id, name, role, "uk"))),
        "keys": crypto.b64(crypto.seal(uk, blob, _entry_aad(ws_id, name, role, "keys"))),
    }
    if keys.adk is not None:  # the recovery entry too: rotation rewraps it
        entry["uk_admin"] = crypto.b64(
            crypto.seal(keys.adk, uk, _entry_aad(ws_id, name, role, "uk-admin")))
    return entry


def _table_body(meta: dict) -> bytes:
    """What the admin key authenticates: every profile's name and role, the drop-box public
    key and the format."""
    body = {
        "id": meta["id"],
        "format": meta["format"],
        "profiles": sorted([p["name"], p["role"]] for p in meta["profiles"]),
        "dropbox": (meta.get("dropbox") or {}).get("public"),
    }
    return json.dumps(body, sort_keys=True).encode()


def _table_mac(meta: dict, adk: bytes) -> str:
    return crypto.b64(crypto.mac(adk, _table_body(meta)))


def list_profiles(path: Path, ask_keyring: bool = True) -> list[Profile]:
    """Profiles of a workspace, readable before unlock (for the profile picker). The roles here
    are as workspace.json says; unlocking checks them against the keys. Without `ask_keyring`
    none is marked remembered: the system keyring is not asked (its first answer takes a
    quarter of a second, too long for the UI thread)."""
    meta = read_meta(path)
    return [
        Profile(p["name"], p["role"],
                ask_keyring and keychain.recall(meta["id"], p["name"]) is not None)
        for p in meta["profiles"]
    ]


class Workspace:
    """An unlocked workspace: an engine on the encrypted store plus the profile's keys."""

    def __init__(self, path: Path, meta: dict, profile: Profile, keys: _Keys):
        self.path = Path(path)
        self._meta = meta
        self.profile = profile
        self._keys_held: _Keys | None = keys
        # A volunteer's keys open only the volunteer store (steward.volunteer_store).
        self.tier = "volunteer" if keys.wk is None else "staff"
        self._engine: Engine | None = None  # made at the first session (SQLAlchemy is heavy)
        self._store: tuple[Path, bytes] | None = None  # the file and its key; None: locked
        self._connect(keys)
        self._head_lock = threading.Lock()
        self.sealed_cache: dict = {}  # decrypted safeguarding metadata, dropped at lock()
        # The passphrase key this unlock derived, with the salt it was derived for and a MAC
        # of the passphrase under it: asked for the same passphrase again while unlocked
        # (remember on this computer, change passphrase), Argon2id is not paid twice.
        self._unlock_kek: tuple[str, bytes, bytes] | None = None

    def _connect(self, keys: _Keys) -> None:
        """Open the store for these keys (again after a key rotation). The SQLAlchemy engine
        and sessions come at the first `engine` or `session()`: unlocking and counting
        (`steward stats`, `read()`) use plain DB-API connections and never import the ORM."""
        store = self.db_path if keys.wk is not None else self.path / "volunteer.db"
        self._store = (store, keys.wk or keys.vk)
        self._engine = None

    def _make_engine(self) -> Engine:
        from sqlalchemy import event
        from sqlalchemy.orm import sessionmaker

        store, key = self._store
        keys = self._keys_held
        self._engine = make_engine(store, key)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False, info={
            "audit_key": keys.ak,
            "audit_past_keys": self._past_audit_keys,
            "audit_head": self._audit_head,
            "keyholders": frozenset(p["name"] for p in self._meta["profiles"]
                                    if p["role"] != "volunteer"),
        })
        event.listen(self._sessions, "after_commit", self._after_commit)
        event.listen(self._sessions, "after_flush", self._after_flush)
        return self._engine

    @contextmanager
    def read(self) -> Iterator[Any]:
        """A DB-API connection to the store for plain SQL reads (counts, checks): from the
        engine's pool once there is one, else a connection of its own, closed afterwards."""
        if self._store is None:
            raise WorkspaceLocked()
        if self._engine is not None:
            conn = self._engine.raw_connection()
        else:
            conn = connect_raw(*self._store)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write_raw(self) -> Iterator[Any]:
        """A DB-API connection in one transaction (committed on success, rolled back on any
        error), for the unlock's own upkeep: no SQLAlchemy engine needed."""
        if self._store is None:
            raise WorkspaceLocked()
        conn = connect_raw(*self._store)
        try:
            conn.isolation_level = None  # explicit BEGIN/COMMIT: DDL stays in the transaction
            conn.execute("BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    # --- opening -----------------------------------------------------------------------------

    @property
    def db_path(self) -> Path:
        return self.path / DB_FILE

    @property
    def id(self) -> str:
        return self._meta["id"]

    @property
    def name(self) -> str:
        return self._meta.get("name", "")

    @property
    def _wk(self) -> bytes | None:
        return self._keys_held.wk if self._keys_held else None

    @property
    def _sk(self) -> bytes | None:
        return self._keys_held.sk if self._keys_held else None

    @classmethod
    def create(
        cls, path: Path, name: str, passphrase: str, profile: str = "admin",
        role: str = "admin",
    ) -> tuple[Workspace, str]:
        """Create a new workspace with one profile (an admin unless `role` says otherwise: a
        laptop joining a team gets the invited role). Returns it, unlocked with every key,
        and the recovery key, which is shown once and never stored."""
        path = Path(path)
        check_profile_name(profile)
        check_role(role)
        check_passphrase(passphrase)
        if (path / META_FILE).exists() or (path / DB_FILE).exists():
            raise BadInput(f"{path} already holds a workspace")
        if path.exists() and not path.is_dir():
            raise BadInput(f"{path} is a file, not a folder")
        path.mkdir(parents=True, exist_ok=True)
        ws_id = str(uuid.uuid4())
        keys = _Keys(wk=crypto.new_key(), ak=crypto.new_key(), sk=crypto.new_key(),
                     adk=crypto.new_key(), vk=crypto.new_key())
        meta: dict[str, Any] = {"format": FORMAT_VERSION, "id": ws_id, "name": name,
                                "kdf": crypto.DEFAULT_KDF}
        meta = _with_dropbox(meta, keys)
        salt = os.urandom(16)
        kek = crypto.derive_kek(passphrase, salt, crypto.DEFAULT_KDF)
        recovery_key = crypto.new_recovery_key()
        rsalt = os.urandom(16)
        rkek = crypto.recovery_kek(recovery_key, rsalt)
        meta["profiles"] = [
            {"name": profile, "role": role, "salt": crypto.b64(salt)}
            | _seal_entry(ws_id, profile, role, kek, keys)
        ]
        meta["recovery"] = {"salt": crypto.b64(rsalt)} | _seal_entry(
            ws_id, "recovery", "admin", rkek, keys)
        meta["table_mac"] = _table_mac(meta, keys.adk)
        ws = cls(path, meta, Profile(profile, "admin"), keys)
        try:
            from steward.store import audit

            migrate.upgrade(ws.engine)
            with ws.session() as s, s.begin():
                audit.record(s, profile, "workspace.create")
        except Exception:
            ws.lock()
            for leftover in path.glob(DB_FILE + "*"):
                leftover.unlink()
            raise
        meta = ws._meta
        _write_meta(path, meta)
        log.info("workspace created")
        return ws, recovery_key

    @classmethod
    def unlock(
        cls,
        path: Path,
        profile: str | None = None,
        passphrase: str | None = None,
        remember: bool = False,
    ) -> Workspace:
        """Unlock as `profile` with its passphrase, or with a key remembered on this computer.

        `profile` defaults to the only profile, or the first admin.
        """
        path = Path(path)
        meta = read_meta(path)
        entry = _find_profile(meta, profile)
        name = entry["name"]
        if passphrase is None:
            remembered = keychain.recall(meta["id"], name)
            if remembered is None:
                raise PassphraseNeeded(name)
            try:
                kek = crypto.unb64(remembered)
                keys = _open_entry(meta, entry, kek)
            except (ValueError, WrongPassphrase):
                keychain.forget(meta["id"], name)  # stale: the passphrase changed elsewhere
                raise PassphraseNeeded(name) from None
        else:
            kek = crypto.derive_kek(passphrase, crypto.unb64(entry["salt"]), meta["kdf"])
            keys = _open_entry(meta, entry, kek)
            if remember:
                keychain.remember(meta["id"], name, crypto.b64(kek))
        meta, keys = _upgrade(path, meta, entry, keys, kek)
        ws = cls._open(path, meta, Profile(name, entry["role"]), keys)
        if passphrase is not None:
            ws._unlock_kek = (entry["salt"], crypto.mac(kek, passphrase.encode("utf-8")), kek)
        return ws

    @classmethod
    def unlock_with_recovery(cls, path: Path, recovery_key: str) -> Workspace:
        """Unlock with the recovery key, as the first admin profile."""
        path = Path(path)
        meta = read_meta(path)
        rec = meta["recovery"]
        kek = crypto.recovery_kek(recovery_key, crypto.unb64(rec["salt"]))
        try:
            keys = _open_entry(meta, dict(rec, name="recovery", role="admin"), kek)
        except WrongPassphrase:
            raise StewardError("that recovery key does not open this workspace") from None
        admin = _find_profile(meta, None)
        meta, keys = _upgrade(path, meta, admin, keys, None)
        if "legacy" in meta["recovery"]:  # rewrap it in today's format, now that we can
            meta = dict(meta, recovery={"salt": rec["salt"]} | _seal_entry(
                meta["id"], "recovery", "admin", kek, keys))
            _write_meta(path, meta)
        return cls._open(path, meta, Profile(admin["name"], "admin"), keys)

    @classmethod
    def _open(cls, path: Path, meta: dict, profile: Profile, keys: _Keys):
        _check_keys(path, meta, profile, keys)
        if keys.wk is None:
            return cls._open_volunteer(path, meta, profile, keys)
        if engine_mod.swap_in_rekeyed(path / DB_FILE, keys.wk):
            log.info("an interrupted workspace key rotation was finished")
        ws = cls(path, meta, profile, keys)
        try:
            with ws.read() as conn:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                if ws.db_path.stat().st_size <= engine_mod.QUICK_CHECK_AT_UNLOCK_BYTES:
                    problems = engine_mod.quick_check_problems(conn)
                    if problems:
                        raise StewardError(engine_mod.damaged(ws.db_path, problems))
                up_to_date = migrate.up_to_date(conn)
            if not up_to_date and migrate.upgrade(ws.engine, ws.db_path):
                log.info("workspace schema migrated")
            ws._restore_triggers()
            if meta.get("legacy_rows"):
                ws._bind_rows()
            if keys.sk is not None:
                ws._seal_plain_metadata()
                ws._tag_untagged_flags()
            if keys.ak is not None and "audit_head" not in meta:
                from steward.store import audit

                with ws.transaction() as s:  # from here on every link is keyed
                    audit.record(s, profile.name, "audit.keyed")
            if keys.vk is not None and not (path / "volunteer.db").exists():
                ws.refresh_volunteer_store()
        except _database_errors() as err:
            ws.lock()
            if "not a database" in str(err) or "malformed" in str(err):
                raise StewardError(engine_mod.damaged(
                    ws.db_path, "or it is not this workspace's database")) from None
            raise
        except Exception:
            ws.lock()
            raise
        log.info("workspace unlocked (role %s)", profile.role)
        return ws

    @classmethod
    def _open_volunteer(cls, path: Path, meta: dict, profile: Profile, keys: _Keys):
        """A volunteer opens the volunteer store only; staff keep it up to date."""
        if not (path / "volunteer.db").exists():  # a volunteer is refused until staff build it
            raise AccessDenied("the volunteer lists are not ready yet: a steward or an admin "
                               "needs to open this workspace once")
        ws = cls(path, meta, profile, keys)
        try:
            with ws.read() as conn:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except _database_errors():
            ws.lock()
            raise StewardError("the volunteer lists of this workspace are damaged: a steward "
                               "or an admin can rebuild them by opening the workspace") from None
        log.info("workspace unlocked (role %s, volunteer store)", profile.role)
        return ws

    # --- using -------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._store is None:
            raise WorkspaceLocked()
        return self._engine if self._engine is not None else self._make_engine()

    @property
    def is_locked(self) -> bool:
        return self._store is None

    def session(self) -> Session:
        """A new ORM session; use as `with ws.session() as s, s.begin(): …`."""
        self.engine  # noqa: B018 -- made at the first session; WorkspaceLocked when locked
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self.session() as s, s.begin():
            yield s

    @property
    def actor(self) -> str:
        return self.profile.name

    @property
    def holds_safeguarding_key(self) -> bool:
        return self._sk is not None

    def _held(self) -> _Keys:
        if self._keys_held is None or self._store is None:
            raise WorkspaceLocked()
        return self._keys_held

    def field_cipher(self) -> crypto.FieldCipher:
        """The safeguarding-key cipher; refused for profiles that do not hold the key."""
        keys = self._held()
        if keys.sk is None:
            raise AccessDenied(
                f"profile {self.profile.name} ({self.profile.role}) cannot read safeguarding data"
            )
        box = self._meta.get("dropbox")
        private = None
        if box:
            private = crypto.open_sealed(
                keys.sk, crypto.unb64(box["private"]), _aad(self.id, "dropbox", "private")
            )
        return crypto.FieldCipher(keys.sk, private)

    def row_field(self, table: str, row_id: int, column: str) -> str:
        """The associated data of a sealed field: workspace, table, row and column."""
        return f"steward/{self.id}/{table}/{row_id}/{column}"

    def seal_for_safeguarding(self, text: str, field: str) -> bytes:
        """Encrypt text that only safeguarding-key holders can read; any profile may call this
        (a steward escalating a message hands it over without being able to read it back).

        The public key comes from this profile's own sealed keys, never from the plain copy in
        workspace.json (checked equal at unlock), so a replaced key cannot catch a hand-over."""
        team = self._team_dropbox(field)
        if team is not None:
            return crypto.seal_to(team, self._with_team_refs(text).encode("utf-8"),
                                  field.encode("utf-8"))
        public = self._held().dropbox_public
        if public is None:
            raise StewardError(
                "safeguarding hand-over is not set up yet: ask a safeguarding lead to unlock once"
            )
        return crypto.seal_to(public, text.encode("utf-8"), field.encode("utf-8"))

    def _team_dropbox(self, field: str) -> bytes | None:
        """On a team laptop whose role holds no safeguarding key (a steward's), a flag's
        contents are sealed to the team's drop box (steward.team.keys.dropbox_pair) instead
        of this workspace's, so the leads' laptops can open them and this one still cannot.
        The public half is read sealed under WK, never from a plain copy."""
        box = (self.team_block() or {}).get("dropbox")
        if not box or not field.startswith(f"steward/{self.id}/flags/"):
            return None
        return self.open_team_secret("wk", box["sealed"], f"dropbox/{box['epoch']}")

    def _with_team_refs(self, text: str) -> str:
        """The sealed body with the rows it names also by platform id (source name and the
        platform's id), which the leads' laptops resolve; local ids differ per laptop."""
        try:
            body = json.loads(text)
        except ValueError:
            return text
        if not isinstance(body, dict):
            return text
        refs = {}
        with self.engine.connect() as conn:
            for key, table in (("message_id", "messages"), ("space_id", "spaces"),
                               ("person_id", "identities")):
                if body.get(key) is None:
                    continue
                where = "t.person_id = ? ORDER BY t.id LIMIT 1" if key == "person_id" \
                    else "t.id = ?"
                row = conn.exec_driver_sql(
                    f"SELECT s.name, t.platform_id FROM {table} t JOIN sources s "
                    f"ON s.id = t.source_id WHERE {where}", (body[key],)).first()
                if row is not None and row[1] is not None:
                    refs[key] = [table, row[0], row[1]]
        return json.dumps(dict(body, team_refs=refs), ensure_ascii=False)

    # --- the audit chain's sealed head ---------------------------------------------------------

    def _restore_triggers(self) -> None:
        with self._write_raw() as conn:
            for statement in APPEND_ONLY_TRIGGERS:
                conn.execute(statement)

    def _bind_rows(self) -> None:
        """Seal every safeguarding field again with associated data that names its row (the
        upgrade to format 3; run once, by the admin who upgrades, in one transaction)."""
        keys = self._held()
        cipher = self.field_cipher()
        public = keys.dropbox_public
        with self.engine.begin() as conn:
            flags = conn.exec_driver_sql(
                "SELECT id, details_enc, outcome_enc FROM flags").all()
            for fid, details, outcome in flags:
                new = []
                for column, old_field, value in (("details_enc", "flags.details", details),
                                                 ("outcome_enc", "flags.outcome", outcome)):
                    if value is None:
                        new.append(None)
                        continue
                    plain = cipher.open_dropbox(value, old_field)
                    new.append(crypto.seal_to(public, plain.encode("utf-8"),
                                              self.row_field("flags", fid, column).encode()))
                conn.exec_driver_sql("UPDATE flags SET details_enc = ?, outcome_enc = ? "
                                     "WHERE id = ?", (new[0], new[1], fid))
            entries = conn.exec_driver_sql("SELECT id, body_enc FROM case_entries").all()
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS case_entries_no_update")
            for eid, body in entries:
                plain = cipher.decrypt(body, "case_entries.body")
                conn.exec_driver_sql(
                    "UPDATE case_entries SET body_enc = ? WHERE id = ?",
                    (cipher.encrypt(plain, self.row_field("case_entries", eid, "body_enc")),
                     eid))
            for statement in APPEND_ONLY_TRIGGERS:
                conn.exec_driver_sql(statement)
        with self._head_lock:
            meta = {k: v for k, v in self._meta.items() if k != "legacy_rows"}
            _write_meta(self.path, meta)
            self._meta = meta
        log.info("safeguarding fields bound to their rows (%d flags, %d case entries)",
                 len(flags), len(entries))

    def _seal_plain_metadata(self) -> None:
        """Move who and what a flag is about (and whom a case note names) from plain columns
        into the sealed details: rows from before they were sealed, sealed at the first unlock
        by a safeguarding-key holder. Cheap when there is nothing to do."""
        with self._write_raw() as conn:
            flags = conn.execute(
                "SELECT id, message_id, person_id, space_id, category, severity, due_at, "
                "details_enc FROM flags WHERE category <> '' OR message_id IS NOT NULL "
                "OR person_id IS NOT NULL OR space_id IS NOT NULL OR due_at IS NOT NULL").fetchall()
            notes = conn.execute(
                "SELECT id, person_id, body_enc FROM case_entries "
                "WHERE person_id IS NOT NULL").fetchall()
            if not flags and not notes:
                return
            cipher = self.field_cipher()
            public = self._held().dropbox_public
            for fid, mid, pid, sid, category, severity, due, sealed in flags:
                field = self.row_field("flags", fid, "details_enc")
                body = json.loads(cipher.open_dropbox(sealed, field) or "{}") if sealed else {}
                if isinstance(due, datetime):
                    due = due.isoformat()
                elif due:
                    due = datetime.fromisoformat(str(due)).isoformat()
                body |= {"message_id": mid, "person_id": pid, "space_id": sid,
                         "category": category, "severity": severity, "due_at": due}
                conn.execute(
                    "UPDATE flags SET details_enc = ?, message_id = NULL, person_id = NULL, "
                    "space_id = NULL, category = '', severity = '', due_at = NULL WHERE id = ?",
                    (crypto.seal_to(public, json.dumps(body, ensure_ascii=False).encode(),
                                    field.encode()), fid))
            if notes:
                conn.execute("DROP TRIGGER IF EXISTS case_entries_no_update")
                for eid, pid, body_enc in notes:
                    field = self.row_field("case_entries", eid, "body_enc")
                    body = json.loads(cipher.decrypt(body_enc, field)) | {"person_id": pid}
                    conn.execute(
                        "UPDATE case_entries SET body_enc = ?, person_id = NULL WHERE id = ?",
                        (cipher.encrypt(json.dumps(body, ensure_ascii=False), field), eid))
                for statement in APPEND_ONLY_TRIGGERS:
                    conn.execute(statement)
        log.info("flag metadata sealed (%d flags, %d case notes)", len(flags), len(notes))

    def _tag_untagged_flags(self) -> None:
        """Give every flag from before scan tags its tag (steward.safeguarding.sealed), at a
        safeguarding-key holder's unlock; one query when there is nothing to do. A repeat
        the scanner already raised keeps a random tag: both stay."""
        with self._write_raw() as conn:
            rows = conn.execute(
                "SELECT id, details_enc FROM flags WHERE scan_tag IS NULL ORDER BY id").fetchall()
            if not rows:
                return
            row = conn.execute("SELECT value FROM settings WHERE key = ?",
                               (SCAN_TAG_SETTING,)).fetchone()
            value = row[0] if row else None
            if value is None:
                value = json.dumps(crypto.b64(crypto.new_key()))
                conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)",
                                     (SCAN_TAG_SETTING, value))
            key = crypto.unb64(json.loads(value))
            taken = {tag for (tag,) in conn.execute(
                "SELECT scan_tag FROM flags WHERE scan_tag IS NOT NULL")}
            cipher = self.field_cipher()
            for fid, sealed in rows:
                body = json.loads(cipher.open_dropbox(
                    sealed, self.row_field("flags", fid, "details_enc")) or "{}") if sealed else {}
                tag = None
                if body.get("source") == "scan" and body.get("message_id") is not None:
                    tag = crypto.scan_tag(key, body["message_id"], body.get("category") or "")
                if tag is None or tag in taken:
                    tag = crypto.b64(crypto.new_key())
                taken.add(tag)
                conn.execute("UPDATE flags SET scan_tag = ? WHERE id = ?", (tag, fid))
        log.info("scan tags given to %d flags", len(rows))

    def _audit_head(self) -> audit.Head | None:
        """The head as sealed in workspace.json (read from disk: another process may write)."""
        keys = self._held()
        try:
            meta = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = self._meta
        sealed = meta.get("audit_head") or self._meta.get("audit_head")
        if not sealed or keys.ak is None:
            return None
        try:
            head = json.loads(crypto.open_sealed(keys.ak, crypto.unb64(sealed),
                                                 _aad(self.id, "audit", "head")))
        except (ValueError, crypto.DecryptionFailed):
            raise StewardError("the audit chain's sealed head in workspace.json was changed "
                               "outside Steward") from None
        from steward.store import audit

        return audit.Head(int(head["count"]), str(head["hash"]))

    def _after_flush(self, session: Session, _context) -> None:
        from steward.store.models import Flag

        if any(isinstance(o, Flag) for o in (*session.new, *session.dirty, *session.deleted)):
            session.info["flags_changed"] = True

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("flags_changed", False) and self.tier == "staff":
            keys = self._keys_held
            if keys is not None and keys.vk is not None:
                from steward import volunteer_store

                try:  # "N concerns are with your lead" stays live for volunteers
                    volunteer_store.sync_flags(self.path, keys.wk, keys.vk)
                except Exception as err:
                    log.warning("volunteer store flags not synced (%s)", type(err).__name__)
        head = session.info.pop("audit_new_head", None)
        keys = self._keys_held
        if head is None or keys is None or keys.ak is None:
            return
        sealed = crypto.b64(crypto.seal(keys.ak, json.dumps(
            {"count": head.count, "hash": head.hash}).encode(), _aad(self.id, "audit", "head")))
        with self._head_lock:
            self._meta = dict(self._meta, audit_head=sealed)
            target = self.path / META_FILE
            if not target.exists():
                return  # being created: written with the rest of workspace.json
            try:
                on_disk = json.loads(target.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                on_disk = self._meta
            _write_meta(self.path, dict(on_disk, audit_head=sealed))

    def get_setting(self, key: str, default: Any = None) -> Any:
        from steward.store.models import Setting

        with self.session() as s:
            row = s.get(Setting, key)
            return default if row is None else row.value

    def set_setting(self, key: str, value: Any) -> None:
        from steward.store.models import Setting

        with self.transaction() as s:
            s.merge(Setting(key=key, value=value))

    def refresh_volunteer_store(self, force: bool = True) -> bool:
        """Rebuild the volunteer store from this workspace (staff only), first carrying the
        volunteers' own audit events into the keyed chain. With `force` False, only when the
        workspace changed since the last rebuild. Returns whether it was rebuilt."""
        from steward import volunteer_store

        keys = self._held()
        if keys.wk is None or keys.vk is None:
            return False
        with self.read() as conn:
            # What the projection depends on (not the audit chain: an export or a view
            # changes nothing a volunteer sees, so it costs no rebuild).
            stamp = list(conn.execute(
                "SELECT (SELECT max(id) FROM persons), (SELECT max(id) FROM identities), "
                "(SELECT max(id) FROM messages), (SELECT max(id) FROM consents), "
                "(SELECT max(id) FROM flags), "
                "(SELECT count(*) FROM flags WHERE status <> 'closed'), "
                "(SELECT count(*) FROM persons WHERE erased_at IS NOT NULL), "
                "(SELECT total(length(display_name)) FROM persons), "
                "(SELECT total(person_id) FROM identities), "
                "(SELECT count(*) FROM memberships WHERE status = 'active'), "
                "(SELECT max(id) FROM memberships), (SELECT max(id) FROM spaces)").fetchone())
        events = volunteer_store.volunteer_events(self.path, keys.vk)
        current = events[0]["stamp"] if events else volunteer_store.current_stamp(
            self.path, keys.vk)
        if not force and not events and current == stamp:
            return False
        if events:
            from steward.store import audit

            with self.transaction() as s:
                for e in events:
                    audit.record(s, e["actor"], e["action"], e["subject_type"], e["subject_id"],
                                 **e["details"], recorded_at=str(e["at"]),
                                 via="volunteer store")
        volunteer_store.rebuild(self.path, keys.wk, keys.vk, stamp)
        return True

    def lock(self, wait: bool = True) -> None:
        """Drop the keys and close every connection. The object is unusable afterwards.

        A staff profile first brings the volunteer store up to date; with `wait` False (the
        desktop app) that happens on a background thread that then disposes of the engine,
        while this object is locked at once."""
        if self._store is not None and self.tier == "staff" and not wait:
            twin = Workspace.__new__(Workspace)
            twin.__dict__.update(self.__dict__)
            twin.sealed_cache = {}
            self._engine, self._store, self._keys_held = None, None, None
            self._unlock_kek = twin._unlock_kek = None
            self.sealed_cache.clear()
            threading.Thread(target=twin.lock, name="volunteer-store", daemon=False).start()
            log.info("workspace locked")
            return
        if self._store is not None and self.tier == "staff":
            try:
                self.refresh_volunteer_store(force=False)
            except Exception as err:  # never block locking; the next staff unlock retries
                log.warning("volunteer store not refreshed (%s)", type(err).__name__)
        if self._engine is not None:
            self._engine.dispose()
        self._engine = self._store = None
        self._unlock_kek = None
        self.sealed_cache.clear()
        if self._keys_held is not None:
            self._keys_held.wipe()
        self._keys_held = None
        log.info("workspace locked")

    # --- profiles ----------------------------------------------------------------------------

    def profiles(self) -> list[Profile]:
        return [
            Profile(p["name"], p["role"], keychain.recall(self.id, p["name"]) is not None)
            for p in self._meta["profiles"]
        ]

    def _require_admin(self) -> _Keys:
        keys = self._held()
        if self.profile.role != "admin" or keys.adk is None:
            raise AccessDenied("only an admin profile can manage profiles")
        return keys

    def add_profile(self, name: str, role: str, passphrase: str) -> Profile:
        keys = self._require_admin()
        check_profile_name(name)
        check_role(role)
        check_passphrase(passphrase)
        if name.lower() == "recovery" or any(
            p["name"].lower() == name.lower() for p in self._meta["profiles"]
        ):
            raise BadInput(f"a profile called {name} already exists")
        salt = os.urandom(16)
        kek = crypto.derive_kek(passphrase, salt, self._meta["kdf"])
        entry = {"name": name, "role": role, "salt": crypto.b64(salt)}
        entry |= _seal_entry(self.id, name, role, kek, keys)
        self._save_profiles([*self._meta["profiles"], entry])
        self._audit("profile.add", role=role)
        if role == "volunteer":  # their lists are ready at once
            self.refresh_volunteer_store(force=False)
        return Profile(name, role)

    def remove_profile(self, name: str, progress=None) -> None:
        """Remove a profile and rotate what it held (`remove_profile_job`), to the end."""
        from steward.jobs import run_to_end

        run_to_end(self.remove_profile_job(name), progress)

    def remove_profile_job(self, name: str, token=None):
        """Job: remove a profile and rotate every key it could unwrap, so its old entry (kept
        in an old copy of workspace.json) opens nothing written from now on: the volunteer
        store key for anyone; the workspace and audit keys for staff
        (`rotate_workspace_keys`); the safeguarding key and drop box for a lead or admin
        (`rotate_safeguarding_key`). Yields Progress; the desktop runs it on a worker."""
        from steward.jobs import Progress

        self._require_admin()
        entry = _find_profile(self._meta, name)
        admins = [p for p in self._meta["profiles"] if p["role"] == "admin"]
        if entry["role"] == "admin" and len(admins) == 1:
            raise BadInput("the last admin profile cannot be removed")
        yield Progress(0, 0, f"Removing profile {entry['name']}")
        self._save_profiles([p for p in self._meta["profiles"] if p["name"] != entry["name"]])
        keychain.forget(self.id, entry["name"])
        self._audit("profile.remove", role=entry["role"])
        steps = self._rotate_after_removal(entry["role"])
        for step in steps:
            try:
                yield step
            except GeneratorExit:  # cancelled: a removal is never left half done
                for _ in steps:
                    pass
                raise
        yield Progress(1, 1, f"Profile {entry['name']} removed")

    def _rotate_after_removal(self, role: str):
        from steward.jobs import Progress

        if role in SAFEGUARDING_ROLES:
            yield from self.rotate_safeguarding_key()
        if role != "volunteer":
            yield from self.rotate_workspace_keys()
        yield Progress(0, 0, "Rebuilding the volunteer lists under a new key")
        self.rotate_volunteer_key()  # everyone held it

    def rotate_workspace_keys(self):
        """Job: a new workspace key and audit key. The database is copied whole under the new
        key beside itself, every remaining profile's keys (and the recovery key's) rewrapped
        through the admin key, then the copy swapped in; an unlock finishes a rotation cut
        short. The old audit keys are kept sealed under the new one, so older links still
        verify; the sealed head is sealed again. Other windows on this workspace must be
        closed meanwhile (their connections keep the old file). Yields Progress."""
        from steward.jobs import Progress

        keys = self._require_admin()
        text = "Re-encrypting the workspace under a new key"
        yield Progress(0, 2, text)
        rotated = _Keys(wk=crypto.new_key(), ak=crypto.new_key(), sk=keys.sk, adk=keys.adk,
                        dropbox_public=keys.dropbox_public, vk=keys.vk)
        past = [*self._past_audit_keys(), keys.ak]
        head = self._audit_head()
        with self._head_lock:
            engine, self._engine = self._engine, None  # new sessions wait for the new key
            self._store = None
            if engine is not None:
                engine.dispose()
            try:
                engine_mod.export_rekeyed(self.db_path, keys.wk, rotated.wk)
            except Exception:
                self._connect(keys)
                raise
            meta = _reseal_team(_rewrap_all(self._meta, keys.adk, rotated), keys, rotated)
            meta["audit_keys_past"] = crypto.b64(crypto.seal(
                rotated.ak, json.dumps([crypto.b64(k) for k in past]).encode(),
                _aad(self.id, "audit", "past")))
            if head is not None:
                meta["audit_head"] = crypto.b64(crypto.seal(rotated.ak, json.dumps(
                    {"count": head.count, "hash": head.hash}).encode(),
                    _aad(self.id, "audit", "head")))
            meta["table_mac"] = _table_mac(meta, keys.adk)
            _write_meta(self.path, meta)  # from here on the new key is the key
            self._meta = meta
            engine_mod.swap_in_rekeyed(self.db_path, rotated.wk)
            self._keys_held = rotated
            self._connect(rotated)
        keys.wipe()
        yield Progress(1, 2, text)
        self._audit("workspace.key_rotated")
        yield Progress(2, 2, "Workspace key rotated")

    def _past_audit_keys(self) -> list[bytes]:
        """Audit keys from before rotations, oldest first (sealed under the current one)."""
        keys = self._keys_held
        sealed = self._meta.get("audit_keys_past")
        if not sealed or keys is None or keys.ak is None:
            return []
        try:
            return [crypto.unb64(k) for k in json.loads(crypto.open_sealed(
                keys.ak, crypto.unb64(sealed), _aad(self.id, "audit", "past")))]
        except (ValueError, crypto.DecryptionFailed):
            raise StewardError("the audit chain's earlier keys in workspace.json were changed "
                               "outside Steward") from None

    def rotate_volunteer_key(self) -> None:
        """A new volunteer store key: every remaining profile's keys rewrapped through the
        admin key and the store rebuilt under it, so a removed profile's copy opens nothing."""
        keys = self._require_admin()
        if keys.wk is None:
            return
        rotated = _Keys(wk=keys.wk, ak=keys.ak, sk=keys.sk, adk=keys.adk,
                        dropbox_public=keys.dropbox_public, vk=crypto.new_key())
        self.refresh_volunteer_store(force=False)  # carry volunteers' events first
        with self._head_lock:
            meta = _reseal_team(_rewrap_all(self._meta, keys.adk, rotated), keys, rotated)
            meta["table_mac"] = _table_mac(meta, keys.adk)
            _write_meta(self.path, meta)
            self._meta = meta
        self._keys_held = rotated
        self.refresh_volunteer_store(force=True)

    def rotate_safeguarding_key(self):
        """Job: a new safeguarding key and drop-box pair; every flag's sealed fields and every
        case entry sealed again under them (one transaction); every remaining profile's keys
        rewrapped through the admin key. Yields Progress."""
        from steward.jobs import Progress

        keys = self._require_admin()
        old = self.field_cipher()
        new_sk = crypto.new_key()
        public, private = crypto.new_dropbox_keypair()
        new = crypto.FieldCipher(new_sk, private)
        text = "Re-sealing safeguarding records under a new key"
        with self.engine.begin() as conn:
            flags = conn.exec_driver_sql("SELECT id, details_enc, outcome_enc FROM flags").all()
            entries = conn.exec_driver_sql("SELECT id, body_enc FROM case_entries").all()
            total, done = len(flags) + len(entries), 0
            yield Progress(0, total, text)
            for fid, details, outcome in flags:
                sealed = []
                for column, value in (("details_enc", details), ("outcome_enc", outcome)):
                    field = self.row_field("flags", fid, column)
                    sealed.append(None if value is None else crypto.seal_to(
                        public, old.open_dropbox(value, field).encode("utf-8"), field.encode()))
                conn.exec_driver_sql("UPDATE flags SET details_enc = ?, outcome_enc = ? "
                                     "WHERE id = ?", (sealed[0], sealed[1], fid))
                done += 1
                if done % 2000 == 0:
                    yield Progress(done, total, text)
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS case_entries_no_update")
            for eid, body in entries:
                field = self.row_field("case_entries", eid, "body_enc")
                conn.exec_driver_sql("UPDATE case_entries SET body_enc = ? WHERE id = ?",
                                     (new.encrypt(old.decrypt(body, field), field), eid))
                done += 1
                if done % 2000 == 0:
                    yield Progress(done, total, text)
            for statement in APPEND_ONLY_TRIGGERS:
                conn.exec_driver_sql(statement)
            rotated = _Keys(wk=keys.wk, ak=keys.ak, sk=new_sk, adk=keys.adk,
                            dropbox_public=public, vk=keys.vk)
            meta = dict(_rewrap_all(self._meta, keys.adk, rotated), dropbox={
                "public": crypto.b64(public),
                "private": crypto.b64(crypto.seal(new_sk, private,
                                                  _aad(self.id, "dropbox", "private")))})
            meta = _reseal_team(meta, keys, rotated)
            meta["table_mac"] = _table_mac(meta, keys.adk)
            with self._head_lock:  # written before the commit: a failed write rolls back
                _write_meta(self.path, meta)
                self._meta = meta
        self._keys_held = rotated
        self._audit("safeguarding.key_rotated", flags=len(flags), entries=len(entries))
        yield Progress(total, total, "Safeguarding key rotated")

    def change_passphrase(self, old: str, new: str) -> None:
        """Change this profile's own passphrase: rewrap the profile key, re-encrypt nothing.
        The sealed keys are untouched, so a rewrap can never drop a key from a role."""
        check_passphrase(new)
        entry = _find_profile(self._meta, self.profile.name)
        kek = self._passphrase_kek(old, entry)
        _open_entry(self._meta, entry, kek)  # proves the old passphrase
        uk = _open_uk(self._meta, entry, kek)
        self._set_passphrase(entry, new, uk)
        self._audit("profile.passphrase_changed")

    def reset_passphrase(self, name: str, new: str) -> None:
        """An admin sets a new passphrase for a profile (or for itself after recovery). The
        profile's sealed keys are kept as they are; only its profile key is rewrapped."""
        keys = self._require_admin()
        check_passphrase(new)
        entry = _find_profile(self._meta, name)
        if entry.get("needs_reset"):  # carried over from an older format: seal its keys anew
            salt = os.urandom(16)
            kek = crypto.derive_kek(new, salt, self._meta["kdf"])
            updated = {"name": entry["name"], "role": entry["role"], "salt": crypto.b64(salt)}
            updated |= _seal_entry(self.id, entry["name"], entry["role"], kek, keys)
            self._replace_entry(updated)
        else:
            try:
                uk = crypto.open_sealed(keys.adk, crypto.unb64(entry["uk_admin"]),
                                        _entry_aad(self.id, entry["name"], entry["role"],
                                                   "uk-admin"))
            except (KeyError, crypto.DecryptionFailed):
                raise StewardError(
                    f"profile {entry['name']}'s entry in workspace.json was changed outside "
                    "Steward: remove it and add it again"
                ) from None
            self._set_passphrase(entry, new, uk)
        self._audit("profile.passphrase_reset", role=entry["role"])

    def _set_passphrase(self, entry: dict, new: str, uk: bytes) -> None:
        salt = os.urandom(16)
        kek = crypto.derive_kek(new, salt, self._meta["kdf"])
        updated = dict(entry, salt=crypto.b64(salt), uk=crypto.b64(
            crypto.seal(kek, uk, _entry_aad(self.id, entry["name"], entry["role"], "uk"))))
        self._replace_entry(updated)
        if keychain.recall(self.id, entry["name"]) is not None:
            if entry["name"] == self.profile.name:
                keychain.remember(self.id, entry["name"], crypto.b64(kek))
            else:
                keychain.forget(self.id, entry["name"])

    def _replace_entry(self, updated: dict) -> None:
        self._save_profiles(
            [updated if p["name"] == updated["name"] else p for p in self._meta["profiles"]]
        )

    def remember_on_this_computer(self, passphrase: str) -> bool:
        """Cache this profile's key in the OS keyring. False when no keyring is usable."""
        entry = _find_profile(self._meta, self.profile.name)
        kek = self._passphrase_kek(passphrase, entry)
        _open_entry(self._meta, entry, kek)
        return keychain.remember(self.id, self.profile.name, crypto.b64(kek))

    def _passphrase_kek(self, passphrase: str, entry: dict) -> bytes:
        """This profile's passphrase key: the one the unlock derived when `passphrase` is the
        one it was unlocked with (and the salt has not changed since), else derived anew."""
        held = self._unlock_kek
        if held is not None and held[0] == entry["salt"] and crypto.mac_matches(
                held[2], passphrase.encode("utf-8"), held[1]):
            return held[2]
        return crypto.derive_kek(passphrase, crypto.unb64(entry["salt"]), self._meta["kdf"])

    def forget_on_this_computer(self) -> None:
        keychain.forget(self.id, self.profile.name)

    def _save_profiles(self, profiles: list[dict]) -> None:
        with self._head_lock:
            meta = dict(self._meta, profiles=profiles)
            keys = self._held()
            if keys.adk is not None:
                meta["table_mac"] = _table_mac(meta, keys.adk)
            _write_meta(self.path, meta)
            self._meta = meta

    def _audit(self, action: str, **details: object) -> None:
        with self.transaction() as s:
            from steward.store import audit

            audit.record(s, self.actor, action, "profile", None, **details)

    # --- team workspace (steward.team): its block in workspace.json --------------------------

    def team_block(self) -> dict | None:
        """The team this laptop belongs to (ids, server URL, sealed team keys), or None."""
        return self._meta.get("team")

    def save_team_block(self, block: dict | None) -> None:
        with self._head_lock:
            try:
                on_disk = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                on_disk = self._meta
            meta = {k: v for k, v in on_disk.items() if k != "team"}
            if block is not None:
                meta["team"] = block
            _write_meta(self.path, meta)
            self._meta = meta

    def seal_team_secret(self, which: str, secret: bytes, label: str) -> str | None:
        """Seal a team key under this profile's local key `which` ("wk", "sk", "vk"); None
        when this profile does not hold it."""
        key = getattr(self._held(), which)
        if key is None:
            return None
        return crypto.b64(crypto.seal(key, secret, _aad(self.id, "team", label)))

    def open_team_secret(self, which: str, sealed: str, label: str) -> bytes | None:
        """The team key sealed by `seal_team_secret`; None when this profile cannot open it."""
        key = getattr(self._held(), which)
        if key is None:
            return None
        try:
            return crypto.open_sealed(key, crypto.unb64(sealed), _aad(self.id, "team", label))
        except (ValueError, crypto.DecryptionFailed):
            return None

    def volunteer_store_key(self) -> bytes | None:
        """The volunteer store's key, for the team sync's volunteer tier."""
        return self._held().vk


def _with_dropbox(meta: dict, keys: _Keys) -> dict:
    public, private = crypto.new_dropbox_keypair()
    sealed = crypto.seal(keys.sk, private, _aad(meta["id"], "dropbox", "private"))
    keys.dropbox_public = public
    return dict(meta, dropbox={"public": crypto.b64(public), "private": crypto.b64(sealed)})


def _find_profile(meta: dict, name: str | None) -> dict:
    profiles = meta["profiles"]
    if name is None:
        admins = [p for p in profiles if p["role"] == "admin"]
        return (admins or profiles)[0] if len(profiles) > 1 else profiles[0]
    for p in profiles:
        if p["name"] == name:
            return p
    for p in profiles:
        if p["name"].lower() == name.lower():
            return p
    raise BadInput(f"no profile called {name} in this workspace")


def _open_uk(meta: dict, entry: dict, kek: bytes) -> bytes:
    name, role = entry["name"], entry["role"]
    try:
        return crypto.open_sealed(kek, crypto.unb64(entry["uk"]),
                                  _entry_aad(meta["id"], name, role, "uk"))
    except crypto.DecryptionFailed:
        raise WrongPassphrase(name) from None


def _open_entry(meta: dict, entry: dict, kek: bytes) -> _Keys:
    """The keys a profile entry yields with this passphrase key.

    A wrong passphrase and an edited role look the same to AES-GCM; when the passphrase opens
    the entry under another role, the error says the role was edited."""
    name, role = entry["name"], entry["role"]
    if meta["format"] < 2 or "legacy" in entry:
        return _open_legacy(meta, entry, kek)
    if entry.get("needs_reset"):
        raise StewardError(
            f"profile {name} needs a new passphrase from an admin since this workspace was "
            f"upgraded: an admin can run `steward profile passwd {name}`"
        )
    try:
        uk = crypto.open_sealed(kek, crypto.unb64(entry["uk"]),
                                _entry_aad(meta["id"], name, role, "uk"))
        blob = json.loads(crypto.open_sealed(uk, crypto.unb64(entry["keys"]),
                                             _entry_aad(meta["id"], name, role, "keys")))
    except (KeyError, ValueError, crypto.DecryptionFailed):
        for other in ROLES:
            if other == role:
                continue
            try:
                crypto.open_sealed(kek, crypto.unb64(entry["uk"]),
                                   _entry_aad(meta["id"], name, other, "uk"))
            except (KeyError, ValueError, crypto.DecryptionFailed):
                continue
            raise StewardError(
                f"profile {name}'s role was changed in workspace.json (from {other} to {role}) "
                "outside Steward: refusing to open; an admin can restore workspace.json from a "
                "backup or remove and re-add the profile"
            ) from None
        raise WrongPassphrase(name) from None
    if blob.get("role") != role:
        raise StewardError(f"profile {name}'s sealed keys do not match its role in "
                           "workspace.json: refusing to open")
    keys = _Keys.from_blob(blob)
    missing = [k for k in TIER_KEYS[role] if getattr(keys, k) is None]
    if missing:
        raise StewardError(f"profile {name} claims the role {role} without its keys: "
                           "refusing to open")
    return keys


def _open_legacy(meta: dict, entry: dict, kek: bytes) -> _Keys:
    """Format 1 entries: WK (and SK) wrapped straight under the passphrase key."""
    name = entry["name"]
    try:
        wk = crypto.open_sealed(kek, crypto.unb64(entry["wk"]), _aad(meta["id"], name, "wk"))
        sk = None
        if entry.get("sk"):
            sk = crypto.open_sealed(kek, crypto.unb64(entry["sk"]), _aad(meta["id"], name, "sk"))
    except (KeyError, crypto.DecryptionFailed):
        raise WrongPassphrase(name) from None
    keys = _Keys(wk=wk, sk=sk)
    if "legacy" in entry:  # the recovery entry of an upgraded workspace: the newer keys
        extra = json.loads(crypto.open_sealed(sk, crypto.unb64(entry["legacy"]),
                                              _aad(meta["id"], "recovery", "legacy")))
        keys = _Keys.from_blob({"wk": crypto.b64(wk), "sk": crypto.b64(sk)} | extra)
    return keys


def _upgrade_meta(path: Path, meta: dict, entry: dict, keys: _Keys,
                  kek: bytes | None) -> tuple[dict, _Keys]:
    """Bring a format-1 workspace.json to today's format, on the first unlock by an admin.

    Format 1 trusted the role written beside each entry. The admin's own entry and the
    recovery key are sealed anew with the role bound in; every other profile needs a new
    passphrase from an admin (the admin cannot rewrap keys under someone else's passphrase)."""
    if entry["role"] != "admin" or keys.sk is None:
        raise StewardError(
            "this workspace was written by an older Steward: an admin must unlock it once "
            "to upgrade it"
        )
    ws_id = meta["id"]
    keys = _Keys(wk=keys.wk, sk=keys.sk, ak=crypto.new_key(), adk=crypto.new_key(),
                 vk=crypto.new_key())
    out = dict(meta, format=FORMAT_VERSION, legacy_rows=True)
    old_box = meta.get("dropbox")
    if old_box:
        private = crypto.open_sealed(keys.sk, crypto.unb64(old_box["private"]),
                                     _aad(ws_id, "dropbox", "private"))
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

        derived = X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if derived != crypto.unb64(old_box["public"]):
            raise StewardError("the safeguarding drop-box key in workspace.json was replaced "
                               "outside Steward: refusing to upgrade")
        keys.dropbox_public = derived
    else:
        out = _with_dropbox(out, keys)
    profiles = []
    for p in meta["profiles"]:
        if p["name"] == entry["name"]:
            continue
        profiles.append({"name": p["name"], "role": p["role"], "salt": p["salt"],
                         "needs_reset": True})
    # The admin's own entry: sealed anew under the same passphrase key (its salt is kept).
    # Unlocked with the recovery key instead, it waits for the reset that recovery does.
    own: dict[str, Any] = {"name": entry["name"], "role": "admin", "salt": entry["salt"]}
    if kek is not None:
        own |= _seal_entry(ws_id, entry["name"], "admin", kek, keys)
    else:
        own["needs_reset"] = True
    out["profiles"] = [own, *profiles]
    # The recovery key cannot be re-derived here: its old wraps stay, and the newer keys are
    # sealed under SK beside them until the recovery key is next used.
    rec = dict(meta["recovery"])
    extra = {"ak": crypto.b64(keys.ak), "adk": crypto.b64(keys.adk),
             "dropbox_public": crypto.b64(keys.dropbox_public), "vk": crypto.b64(keys.vk)}
    rec["legacy"] = crypto.b64(crypto.seal(keys.sk, json.dumps(extra).encode(),
                                           _aad(ws_id, "recovery", "legacy")))
    out["recovery"] = rec
    out["table_mac"] = _table_mac(out, keys.adk)
    _write_meta(path, out)
    log.info("workspace.json upgraded to format %s", FORMAT_VERSION)
    return out, keys


def _upgrade(path: Path, meta: dict, entry: dict, keys: _Keys,
             kek: bytes | None) -> tuple[dict, _Keys]:
    """Bring an older workspace.json up to FORMAT_VERSION; only an admin can."""
    if meta["format"] < 2:
        return _upgrade_meta(path, meta, entry, keys, kek)
    if meta["format"] < FORMAT_VERSION or meta.get("legacy_rows"):
        if keys.adk is None:
            raise StewardError(
                "this workspace was written by an older Steward: an admin must unlock it once "
                "to upgrade it"
            )
        if meta["format"] < FORMAT_VERSION:
            _check_keys(path, meta, Profile(entry["name"], "admin"), keys)
            out = dict(meta, format=FORMAT_VERSION)
            if meta["format"] < 3:
                out["legacy_rows"] = True  # ciphertexts to bind to their rows at open
            if keys.vk is None:  # format 4: a volunteer store key; volunteers lose WK
                keys.vk = crypto.new_key()
                out = _rewrap_all(out, keys.adk, keys)
            out["table_mac"] = _table_mac(out, keys.adk)
            _write_meta(path, out)
            meta = out
    return meta, keys


def _reseal_team(meta: dict, old: _Keys, new: _Keys) -> dict:
    """`meta` with the team keys this laptop keeps (steward.team, sealed under a local key of
    their tier: the current epoch's, earlier epochs' and the device key) sealed again under the
    rotated local keys, so a rotation leaves team sync working. The team keys themselves are
    the team's to rotate."""
    team = meta.get("team")
    stored = (team or {}).get("keys")
    if not stored or not stored.get("sealed"):
        return meta

    def again(wrapped: str, label: str) -> str:
        aad = _aad(meta["id"], "team", label)
        for which in ("wk", "sk", "vk"):
            before, after = getattr(old, which), getattr(new, which)
            if before is None or after is None or before == after:
                continue
            try:
                secret = crypto.open_sealed(before, crypto.unb64(wrapped), aad)
            except (ValueError, crypto.DecryptionFailed):
                continue
            return crypto.b64(crypto.seal(after, secret, aad))
        return wrapped

    out = dict(stored, sealed={tier: again(w, f"{tier}/{stored['epoch']}")
                               for tier, w in stored["sealed"].items()})
    if stored.get("older"):
        out["older"] = {e: {tier: again(w, f"{tier}/{e}") for tier, w in held.items()}
                        for e, held in stored["older"].items()}
    if (stored.get("device") or {}).get("sealed"):
        out["device"] = dict(stored["device"], sealed=again(stored["device"]["sealed"],
                                                            "device"))
    return dict(meta, team=dict(team, keys=out))


def _rewrap(ws_id: str, entry: dict, adk: bytes, keys: _Keys) -> dict:
    """The same entry with its sealed keys replaced by `keys` (as its role holds them),
    through the admin's copy of its profile key."""
    if entry.get("needs_reset"):
        return entry
    name, role = entry["name"], entry["role"]
    uk = crypto.open_sealed(adk, crypto.unb64(entry["uk_admin"]),
                            _entry_aad(ws_id, name, role, "uk-admin"))
    blob = json.dumps({"role": role, **keys.for_role(role)}, sort_keys=True).encode()
    return dict(entry, keys=crypto.b64(crypto.seal(uk, blob,
                                                   _entry_aad(ws_id, name, role, "keys"))))


def _rewrap_all(meta: dict, adk: bytes, keys: _Keys) -> dict:
    """`meta` with every profile's sealed keys, and the recovery key's, replaced by `keys`."""
    recovery = meta["recovery"]
    if "uk_admin" in recovery:
        rec = _rewrap(meta["id"], dict(recovery, name="recovery", role="admin"), adk, keys)
        recovery = {k: v for k, v in rec.items() if k not in ("name", "role")}
    return dict(meta, profiles=[_rewrap(meta["id"], p, adk, keys) for p in meta["profiles"]],
                recovery=recovery)


def _check_keys(path: Path, meta: dict, profile: Profile, keys: _Keys) -> None:
    """The checks that make an edited workspace.json an error rather than a power."""
    box = meta.get("dropbox") or {}
    if keys.dropbox_public is not None and box.get("public") != crypto.b64(keys.dropbox_public):
        raise StewardError(
            "the safeguarding drop-box key in workspace.json is not this workspace's (it was "
            "replaced outside Steward): refusing to open, so nothing is handed to the wrong key; "
            "ask an admin to restore workspace.json"
        )
    if keys.adk is not None and meta["format"] >= 2:
        expected = meta.get("table_mac")
        if not expected or not crypto.mac_matches(keys.adk, _table_body(meta),
                                                  crypto.unb64(expected)):
            raise StewardError(
                "the profiles in workspace.json were changed outside Steward (a role, a "
                "profile or the drop-box key): refusing to open; restore workspace.json from "
                "a backup"
            )


def _database_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean the database file cannot be read: SQLCipher's, the standard
    library's and, once it is loaded, SQLAlchemy's wrapper of them."""
    import sys

    errors: tuple[type[BaseException], ...] = (engine_mod.sqlcipher.DatabaseError,
                                               sqlite3.DatabaseError)
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return errors + (sa_exc.DatabaseError,) if sa_exc is not None else errors
