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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, exc
from sqlalchemy.orm import Session, sessionmaker

from steward import crypto, keychain
from steward.errors import (
    AccessDenied,
    BadInput,
    StewardError,
    WorkspaceLocked,
    WrongPassphrase,
)
from steward.store import audit, migrate
from steward.store.engine import make_engine
from steward.store.models import Setting

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
META_FILE = "workspace.json"
DB_FILE = "steward.db"
ROLES = ("volunteer", "steward", "safeguarding-lead", "admin")
SAFEGUARDING_ROLES = frozenset({"safeguarding-lead", "admin"})
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")
MIN_PASSPHRASE = 8


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
    if not (path / DB_FILE).exists():
        raise StewardError(f"{DB_FILE} is missing from {path}")
    return meta


def _write_meta(path: Path, meta: dict[str, Any]) -> None:
    """Write atomically: a crash mid-write never leaves a half file."""
    target = path / META_FILE
    tmp = path / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, target)


def _aad(ws_id: str, who: str, which: str) -> bytes:
    return f"steward/{ws_id}/{who}/{which}".encode()


def _wrap_for(ws_id: str, name: str, kek: bytes, wk: bytes, sk: bytes | None) -> dict[str, Any]:
    return {
        "wk": crypto.b64(crypto.seal(kek, wk, _aad(ws_id, name, "wk"))),
        "sk": crypto.b64(crypto.seal(kek, sk, _aad(ws_id, name, "sk"))) if sk else None,
    }


def list_profiles(path: Path) -> list[Profile]:
    """Profiles of a workspace, readable before unlock (for the profile picker)."""
    meta = read_meta(path)
    return [
        Profile(p["name"], p["role"], keychain.recall(meta["id"], p["name"]) is not None)
        for p in meta["profiles"]
    ]


class Workspace:
    """An unlocked workspace: an engine on the encrypted store plus the profile's keys."""

    def __init__(self, path: Path, meta: dict, profile: Profile, wk: bytes, sk: bytes | None):
        self.path = Path(path)
        self._meta = meta
        self.profile = profile
        self._wk: bytes | None = wk
        self._sk: bytes | None = sk
        self._engine: Engine | None = make_engine(self.db_path, wk)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

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

    @classmethod
    def create(
        cls, path: Path, name: str, passphrase: str, profile: str = "admin"
    ) -> tuple[Workspace, str]:
        """Create a new workspace with one admin profile. Returns it and the recovery key,
        which is shown once and never stored."""
        path = Path(path)
        check_profile_name(profile)
        check_passphrase(passphrase)
        if (path / META_FILE).exists() or (path / DB_FILE).exists():
            raise BadInput(f"{path} already holds a workspace")
        if path.exists() and not path.is_dir():
            raise BadInput(f"{path} is a file, not a folder")
        path.mkdir(parents=True, exist_ok=True)
        ws_id = str(uuid.uuid4())
        wk, sk = crypto.new_key(), crypto.new_key()
        salt = os.urandom(16)
        kek = crypto.derive_kek(passphrase, salt, crypto.DEFAULT_KDF)
        recovery_key = crypto.new_recovery_key()
        rsalt = os.urandom(16)
        rkek = crypto.recovery_kek(recovery_key, rsalt)
        meta = _with_dropbox({
            "format": FORMAT_VERSION,
            "id": ws_id,
            "name": name,
            "kdf": crypto.DEFAULT_KDF,
            "profiles": [
                {"name": profile, "role": "admin", "salt": crypto.b64(salt)}
                | _wrap_for(ws_id, profile, kek, wk, sk)
            ],
            "recovery": {"salt": crypto.b64(rsalt)} | _wrap_for(ws_id, "recovery", rkek, wk, sk),
        }, sk)
        ws = cls(path, meta, Profile(profile, "admin"), wk, sk)
        try:
            migrate.upgrade(ws._engine)
            with ws.session() as s, s.begin():
                audit.record(s, profile, "workspace.create")
        except Exception:
            ws.lock()
            for leftover in path.glob(DB_FILE + "*"):
                leftover.unlink()
            raise
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
                wk, sk = _unwrap(meta, entry, kek)
            except (ValueError, WrongPassphrase):
                keychain.forget(meta["id"], name)  # stale: the passphrase changed elsewhere
                raise PassphraseNeeded(name) from None
        else:
            kek = crypto.derive_kek(passphrase, crypto.unb64(entry["salt"]), meta["kdf"])
            wk, sk = _unwrap(meta, entry, kek)
            if remember:
                keychain.remember(meta["id"], name, crypto.b64(kek))
        return cls._open(path, meta, Profile(name, entry["role"]), wk, sk)

    @classmethod
    def unlock_with_recovery(cls, path: Path, recovery_key: str) -> Workspace:
        """Unlock with the recovery key, as the first admin profile."""
        path = Path(path)
        meta = read_meta(path)
        rec = meta["recovery"]
        kek = crypto.recovery_kek(recovery_key, crypto.unb64(rec["salt"]))
        try:
            wk, sk = (
                crypto.open_sealed(kek, crypto.unb64(rec[k]), _aad(meta["id"], "recovery", k))
                for k in ("wk", "sk")
            )
        except crypto.DecryptionFailed:
            raise StewardError("that recovery key does not open this workspace") from None
        admin = _find_profile(meta, None)
        return cls._open(path, meta, Profile(admin["name"], "admin"), wk, sk)

    @classmethod
    def _open(cls, path: Path, meta: dict, profile: Profile, wk: bytes, sk: bytes | None):
        if sk is not None and "dropbox" not in meta:  # a workspace from before the drop box
            meta = _with_dropbox(meta, sk)
            _write_meta(path, meta)
        ws = cls(path, meta, profile, wk, sk)
        try:
            with ws.engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
            if migrate.upgrade(ws.engine, ws.db_path):
                log.info("workspace schema migrated")
        except (exc.DatabaseError, sqlite3.DatabaseError) as err:
            ws.lock()
            if "not a database" in str(err) or "malformed" in str(err):
                raise StewardError(
                    f"{ws.db_path} is damaged or is not this workspace's database"
                ) from None
            raise
        except Exception:
            ws.lock()
            raise
        log.info("workspace unlocked (role %s)", profile.role)
        return ws

    # --- using -------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise WorkspaceLocked()
        return self._engine

    @property
    def is_locked(self) -> bool:
        return self._engine is None

    def session(self) -> Session:
        """A new ORM session; use as `with ws.session() as s, s.begin(): …`."""
        if self._engine is None:
            raise WorkspaceLocked()
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

    def field_cipher(self) -> crypto.FieldCipher:
        """The safeguarding-key cipher; refused for profiles that do not hold the key."""
        if self._engine is None:
            raise WorkspaceLocked()
        if self._sk is None:
            raise AccessDenied(
                f"profile {self.profile.name} ({self.profile.role}) cannot read safeguarding data"
            )
        box = self._meta.get("dropbox")
        private = None
        if box:
            private = crypto.open_sealed(
                self._sk, crypto.unb64(box["private"]), _aad(self.id, "dropbox", "private")
            )
        return crypto.FieldCipher(self._sk, private)

    def seal_for_safeguarding(self, text: str, field: str) -> bytes:
        """Encrypt text that only safeguarding-key holders can read; any profile may call this
        (a steward escalating a message hands it over without being able to read it back)."""
        box = self._meta.get("dropbox")
        if box is None:
            raise StewardError(
                "safeguarding hand-over is not set up yet: ask a safeguarding lead to unlock once"
            )
        return crypto.seal_to(crypto.unb64(box["public"]), text.encode("utf-8"),
                              field.encode("utf-8"))

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self.session() as s:
            row = s.get(Setting, key)
            return default if row is None else row.value

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction() as s:
            s.merge(Setting(key=key, value=value))

    def lock(self) -> None:
        """Drop the keys and close every connection. The object is unusable afterwards."""
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._wk = None
        self._sk = None
        log.info("workspace locked")

    # --- profiles ----------------------------------------------------------------------------

    def profiles(self) -> list[Profile]:
        return [
            Profile(p["name"], p["role"], keychain.recall(self.id, p["name"]) is not None)
            for p in self._meta["profiles"]
        ]

    def _require_admin(self) -> None:
        if self.profile.role != "admin":
            raise AccessDenied("only an admin profile can manage profiles")

    def _keys(self) -> tuple[bytes, bytes | None]:
        if self._wk is None:
            raise WorkspaceLocked()
        return self._wk, self._sk

    def add_profile(self, name: str, role: str, passphrase: str) -> Profile:
        self._require_admin()
        check_profile_name(name)
        check_role(role)
        check_passphrase(passphrase)
        if any(p["name"].lower() == name.lower() for p in self._meta["profiles"]):
            raise BadInput(f"a profile called {name} already exists")
        wk, sk = self._keys()
        salt = os.urandom(16)
        kek = crypto.derive_kek(passphrase, salt, self._meta["kdf"])
        entry = {"name": name, "role": role, "salt": crypto.b64(salt)}
        entry |= _wrap_for(self.id, name, kek, wk, sk if role in SAFEGUARDING_ROLES else None)
        self._save_profiles([*self._meta["profiles"], entry])
        self._audit("profile.add", role=role)
        return Profile(name, role)

    def remove_profile(self, name: str) -> None:
        self._require_admin()
        entry = _find_profile(self._meta, name)
        admins = [p for p in self._meta["profiles"] if p["role"] == "admin"]
        if entry["role"] == "admin" and len(admins) == 1:
            raise BadInput("the last admin profile cannot be removed")
        self._save_profiles([p for p in self._meta["profiles"] if p["name"] != entry["name"]])
        keychain.forget(self.id, entry["name"])
        self._audit("profile.remove", role=entry["role"])

    def change_passphrase(self, old: str, new: str) -> None:
        """Change this profile's own passphrase: rewrap the keys, re-encrypt nothing."""
        check_passphrase(new)
        entry = _find_profile(self._meta, self.profile.name)
        kek = crypto.derive_kek(old, crypto.unb64(entry["salt"]), self._meta["kdf"])
        _unwrap(self._meta, entry, kek)  # proves the old passphrase
        self._set_passphrase(entry, new)
        self._audit("profile.passphrase_changed")

    def reset_passphrase(self, name: str, new: str) -> None:
        """An admin sets a new passphrase for a profile (or for itself after recovery)."""
        self._require_admin()
        check_passphrase(new)
        entry = _find_profile(self._meta, name)
        self._set_passphrase(entry, new)
        self._audit("profile.passphrase_reset", role=entry["role"])

    def _set_passphrase(self, entry: dict, new: str) -> None:
        wk, sk = self._keys()
        salt = os.urandom(16)
        kek = crypto.derive_kek(new, salt, self._meta["kdf"])
        updated = {"name": entry["name"], "role": entry["role"], "salt": crypto.b64(salt)}
        updated |= _wrap_for(
            self.id, entry["name"], kek, wk, sk if entry["role"] in SAFEGUARDING_ROLES else None
        )
        self._save_profiles(
            [updated if p["name"] == entry["name"] else p for p in self._meta["profiles"]]
        )
        if keychain.recall(self.id, entry["name"]) is not None:
            if entry["name"] == self.profile.name:
                keychain.remember(self.id, entry["name"], crypto.b64(kek))
            else:
                keychain.forget(self.id, entry["name"])

    def remember_on_this_computer(self, passphrase: str) -> bool:
        """Cache this profile's key in the OS keyring. False when no keyring is usable."""
        entry = _find_profile(self._meta, self.profile.name)
        kek = crypto.derive_kek(passphrase, crypto.unb64(entry["salt"]), self._meta["kdf"])
        _unwrap(self._meta, entry, kek)
        return keychain.remember(self.id, self.profile.name, crypto.b64(kek))

    def forget_on_this_computer(self) -> None:
        keychain.forget(self.id, self.profile.name)

    def _save_profiles(self, profiles: list[dict]) -> None:
        meta = dict(self._meta, profiles=profiles)
        _write_meta(self.path, meta)
        self._meta = meta

    def _audit(self, action: str, **details: object) -> None:
        with self.transaction() as s:
            audit.record(s, self.actor, action, "profile", None, **details)


def _with_dropbox(meta: dict, sk: bytes) -> dict:
    public, private = crypto.new_dropbox_keypair()
    sealed = crypto.seal(sk, private, _aad(meta["id"], "dropbox", "private"))
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


def _unwrap(meta: dict, entry: dict, kek: bytes) -> tuple[bytes, bytes | None]:
    name = entry["name"]
    try:
        wk = crypto.open_sealed(kek, crypto.unb64(entry["wk"]), _aad(meta["id"], name, "wk"))
        sk = None
        if entry.get("sk"):
            sk = crypto.open_sealed(kek, crypto.unb64(entry["sk"]), _aad(meta["id"], name, "sk"))
    except crypto.DecryptionFailed:
        raise WrongPassphrase(name) from None
    return wk, sk
