"""Backups a charity can trust: one file that holds the whole workspace, checked before use.

A backup is a ZIP file holding `workspace.json` (wrapped keys only), `steward.db` (a consistent
copy made with SQLite's online backup API through SQLCipher, so still encrypted under the
workspace key, and safe to take while the app is open) and `steward-backup.json` (what it is,
when it was made, and the database's SHA-256). Nothing in it is readable without a profile's
passphrase or the recovery key.

Restoring checks the file first — the archive, the hash, SQLCipher's integrity check and the
audit chain, unlocked with the profile's own passphrase — and only then moves the current
workspace aside (never deleted) and puts the restored one in its place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from steward import clock
from steward.errors import AccessDenied, BadInput, StewardError
from steward.jobs import CancelToken, Job, Progress

MANIFEST = "steward-backup.json"
META_FILE = "workspace.json"
DB_FILE = "steward.db"
FORMAT = 1
MEMBERS = (MANIFEST, META_FILE, DB_FILE)
_JSON_LIMIT = 16 * 2**20  # the two JSON files are small; anything bigger is not ours
LAST_BACKUP_SETTING = "backup.last_at"
REMIND_DAYS_SETTING = "backup.remind_days"
DEFAULT_REMIND_DAYS = 7


@dataclass(frozen=True)
class BackupCheck:
    """What a checked backup holds."""

    workspace_id: str
    name: str
    created_at: str
    db_bytes: int
    audit_events: int


def write_backup(ws, out: Path, token: CancelToken | None = None) -> Job[Path]:
    """Write a backup of the unlocked workspace `ws` to `out` (replaced only when complete)."""
    import sqlcipher3.dbapi2 as sqlcipher

    from steward.store.engine import connect_raw

    out = Path(out).expanduser()
    if out.is_dir():
        raise BadInput(f"{out} is a folder: give the backup file's name, e.g. "
                       f"{out / 'steward-backup.zip'}")
    if not out.parent.is_dir():
        raise BadInput(f"{out.parent} does not exist")
    if out.resolve().is_relative_to(ws.path.resolve()):
        raise BadInput("keep backups outside the workspace folder (another disk is best)")
    yield Progress(0, 100, "Copying the workspace")
    # workspace.json first: its sealed audit head may only be behind the database, never ahead.
    meta_bytes = (ws.path / META_FILE).read_bytes()
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    tmp_db = out.with_name(f".{out.name}.{stamp}.db")
    tmp_zip = out.with_name(f".{out.name}.{stamp}.partial")
    done = {"remaining": 1, "total": 1, "error": None}

    def copy() -> None:
        src = connect_raw(ws.db_path, ws._held().wk)
        dst = sqlcipher.connect(str(tmp_db))
        try:
            dst.execute("PRAGMA cipher_log_level = NONE")
            dst.execute(f"PRAGMA key = \"x'{ws._held().wk.hex()}'\"")

            def progress(_status, remaining, total):
                done["remaining"], done["total"] = remaining, total
                if token is not None and token.cancelled:
                    raise KeyboardInterrupt  # aborts the copy; the partial file is removed

            src.backup(dst, pages=2048, progress=progress)
        except BaseException as err:  # noqa: BLE001 - reported by the generator below
            done["error"] = err
        finally:
            dst.close()
            src.close()

    try:
        worker = threading.Thread(target=copy, name="steward-backup", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            total = max(1, done["total"])
            yield Progress(int(80 * (total - done["remaining"]) / total), 100,
                           "Copying the workspace")
        if done["error"] is not None:
            if token is not None and token.cancelled:
                token.check()
            raise StewardError(f"the backup could not be made: {done['error']}")
        yield Progress(80, 100, "Writing the backup file")
        digest = _sha256(tmp_db)
        meta = json.loads(meta_bytes)
        manifest = {
            "format": FORMAT, "workspace_id": meta.get("id"), "name": meta.get("name", ""),
            "created_at": clock.now().isoformat(timespec="seconds"),
            "db_sha256": digest, "db_bytes": tmp_db.stat().st_size,
        }
        with zipfile.ZipFile(tmp_zip, "w", allowZip64=True) as z:
            z.writestr(MANIFEST, json.dumps(manifest, indent=2), zipfile.ZIP_DEFLATED)
            z.writestr(META_FILE, meta_bytes, zipfile.ZIP_DEFLATED)
            z.write(tmp_db, DB_FILE, zipfile.ZIP_STORED)  # encrypted: nothing to compress
        with open(tmp_zip, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_zip, out)
    finally:
        for leftover in (tmp_db, tmp_zip, *tmp_db.parent.glob(f"{tmp_db.name}-*")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    ws.set_setting(LAST_BACKUP_SETTING, clock.now().isoformat(timespec="seconds"))
    with ws.transaction() as s:
        from steward.store import audit

        audit.record(s, ws.actor, "workspace.backup", bytes=out.stat().st_size)
    yield Progress(100, 100, "Backup written")
    return out


def backup_age_days(ws) -> int | None:
    """Whole days since the last backup of this workspace, or None if there never was one."""
    last = ws.get_setting(LAST_BACKUP_SETTING)
    if not last:
        return None
    return max(0, (clock.now() - datetime.fromisoformat(last)).days)


def backup_overdue(ws) -> bool:
    """Whether an admin should be reminded to back up (never, or older than the set days)."""
    age = backup_age_days(ws)
    days = int(ws.get_setting(REMIND_DAYS_SETTING, DEFAULT_REMIND_DAYS))
    return days > 0 and (age is None or age >= days)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _open_archive(path: Path) -> tuple[zipfile.ZipFile, dict]:
    """The archive and its manifest, or BadInput naming the file and what is wrong with it."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise BadInput(f"{path}: no such backup file")
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise BadInput(f"{path} is not a Steward backup (not a readable ZIP file: {err})") from None
    names = z.namelist()
    if sorted(names) != sorted(MEMBERS):
        z.close()
        raise BadInput(f"{path} is not a Steward backup (it holds {', '.join(names[:5])})")
    size = path.stat().st_size
    for info in z.infolist():
        limit = size if info.filename == DB_FILE else _JSON_LIMIT
        if info.file_size > limit:
            z.close()
            raise BadInput(f"{path}: {info.filename} claims {info.file_size:,} bytes, more than "
                           "the backup can hold: the file is damaged or not ours")
    try:
        manifest = json.loads(z.read(MANIFEST))
        if manifest.get("format") != FORMAT:
            raise BadInput(f"{path} is a backup format this version does not know "
                           f"({manifest.get('format')!r})")
    except (ValueError, zipfile.BadZipFile, UnicodeDecodeError) as err:
        z.close()
        raise BadInput(f"{path}: its manifest is damaged ({err})") from None
    return z, manifest


def _extract(path: Path, into: Path) -> dict:
    """Unpack a backup into the empty folder `into`, checking sizes, CRCs and the hash."""
    z, manifest = _open_archive(path)
    with z:
        into.mkdir(parents=True)
        try:
            for name in (META_FILE, DB_FILE):
                info = z.getinfo(name)
                with z.open(info) as src, open(into / name, "wb") as dst:
                    copied = 0
                    for chunk in iter(lambda src=src: src.read(1 << 20), b""):
                        copied += len(chunk)
                        if copied > info.file_size:
                            raise BadInput(f"{path}: {name} is longer than it says")
                        dst.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise BadInput(f"{path} is damaged ({name}: {err})") from None
    if _sha256(into / DB_FILE) != manifest.get("db_sha256"):
        raise BadInput(f"{path} is damaged: the database inside does not match its checksum")
    return manifest


def _check_copy(folder: Path, profile: str | None, passphrase: str | None,
                recovery_key: str | None = None, admin: bool = False) -> BackupCheck:
    """Unlock the unpacked copy and run SQLCipher's integrity check and the audit chain."""
    from steward.store import audit
    from steward.store.engine import integrity_problems
    from steward.workspace import Workspace

    if recovery_key:
        ws = Workspace.unlock_with_recovery(folder, recovery_key)
    else:
        ws = Workspace.unlock(folder, profile, passphrase)
    try:
        if admin and ws.profile.role != "admin":
            raise AccessDenied(f"profile {ws.profile.name} ({ws.profile.role}) may not restore "
                               "a workspace: an admin's passphrase or the recovery key is needed")
        problems = integrity_problems(ws.engine, full=True)
        if problems:
            raise StewardError(f"the database in the backup is damaged ({problems})")
        with ws.session() as s:
            chain = audit.verify(s)
        if not chain.ok:
            raise StewardError(f"the backup's audit chain does not hold: {chain}")
        return BackupCheck(ws.id, ws.name, "", ws.db_path.stat().st_size, chain.events)
    finally:
        ws.lock()


def verify_backup(path: Path, profile: str | None, passphrase: str | None,
                  recovery_key: str | None = None) -> BackupCheck:
    """Check a backup without restoring it: archive, checksum, integrity, audit chain."""
    path = Path(path).expanduser()
    staging = _staging_folder(Path(tempfile.gettempdir()), path.name)
    try:
        manifest = _extract(path, staging)
        check = _check_copy(staging, profile, passphrase, recovery_key)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupCheck(check.workspace_id, check.name, manifest.get("created_at", ""),
                       check.db_bytes, check.audit_events)


def _staging_folder(parent: Path, name: str) -> Path:
    return parent / f".{name}.restoring-{clock.now():%Y%m%dT%H%M%S%f}"


def restore_backup(path: Path, target: Path, profile: str | None, passphrase: str | None,
                   recovery_key: str | None = None) -> tuple[BackupCheck, Path | None]:
    """Restore `path` into the folder `target`, checked first.

    Returns what was restored and where the workspace that was there before now is (it is
    moved aside, never deleted), or None if the folder was empty or new.
    """
    path, target = Path(path).expanduser(), Path(target).expanduser()
    if target.exists() and not target.is_dir():
        raise BadInput(f"{target} is a file, not a workspace folder")
    if not target.parent.is_dir():
        raise BadInput(f"{target.parent} does not exist")
    staging = _staging_folder(target.parent, target.name)
    try:
        manifest = _extract(path, staging)
        check = _check_copy(staging, profile, passphrase, recovery_key, admin=True)
        aside = None
        if target.exists() and any(target.iterdir()):
            aside = target.with_name(f"{target.name}.before-restore-{clock.now():%Y%m%dT%H%M%S}")
            os.replace(target, aside)
        elif target.exists():
            target.rmdir()
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupCheck(check.workspace_id, check.name, manifest.get("created_at", ""),
                       check.db_bytes, check.audit_events), aside


def health_problem(ws) -> str | None:
    """For a workspace too big for the quick check at unlock: run it now (call it off the UI
    thread). None when sound or already checked at unlock, else the line naming the damage."""
    from steward.store.engine import QUICK_CHECK_AT_UNLOCK_BYTES, damaged, integrity_problems

    if ws.db_path.stat().st_size <= QUICK_CHECK_AT_UNLOCK_BYTES:
        return None
    problems = integrity_problems(ws.engine)
    return damaged(ws.db_path, problems) if problems else None
