"""Where safeguarding ciphertexts live: each is bound to its row.

The associated data of every sealed safeguarding field names the workspace, the table, the
row id and the column (`Workspace.row_field`), so a ciphertext moved to another row or
column fails to decrypt instead of telling one child's story under another child's flag.
Rows are given their id before their fields are sealed (case entries cannot be updated).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from steward.crypto import DecryptionFailed
from steward.errors import StewardError


def id_allocator(s: Session, model) -> Iterator[int]:
    """Ids for new rows of `model` in this transaction (SQLite lets one writer in at a time)."""
    start = (s.scalar(select(func.max(model.id))) or 0) + 1
    return itertools.count(start)


def next_id(s: Session, model) -> int:
    return next(id_allocator(s, model))


# --- a flag's metadata: sealed with its details --------------------------------------------
# Which person and message a flag is about, its category, severity and due time are sealed to
# the drop box with the details; the plain columns hold only status and times. A steward's
# scan can seal (the drop box's public key) but never read back.

META_KEYS = ("message_id", "person_id", "space_id", "category", "severity", "due_at")
# What the plain columns of a flag hold once its metadata is sealed.
PLAIN_COLUMNS = {"message_id": None, "person_id": None, "space_id": None, "category": "",
                 "severity": "", "due_at": None}


@dataclass(frozen=True)
class FlagMeta:
    message_id: int | None
    person_id: int | None
    space_id: int | None
    category: str
    severity: str
    due_at: datetime | None
    details: dict  # reasons, excerpt, note, by, source
    raised_at: datetime | None = None  # a hand-over's exact time (its plain one is the day)


def seal_flag(ws, flag_id: int, *, message_id: int | None, person_id: int | None,
              space_id: int | None, category: str, severity: str, due_at: datetime | None,
              details: dict) -> bytes:
    """The sealed details of a new flag, metadata included, bound to its row."""
    body = dict(details, message_id=message_id, person_id=person_id, space_id=space_id,
                category=category, severity=severity,
                due_at=due_at.isoformat() if due_at else None)
    return ws.seal_for_safeguarding(json.dumps(body, ensure_ascii=False),
                                    ws.row_field("flags", flag_id, "details_enc"))


def flag_meta(ws, cipher, flag) -> FlagMeta:
    """A flag's metadata for a safeguarding-key holder (decrypted once per unlock). Flags from
    before metadata was sealed still carry it in their plain columns until a lead unlocks."""
    cache = ws.sealed_cache
    hit = cache.get(("flag", flag.id))
    if hit is not None and hit[0] == flag.details_enc:
        return hit[1]
    raw: dict = {}
    if flag.details_enc is not None:
        try:
            raw = json.loads(cipher.open_dropbox(
                flag.details_enc, ws.row_field("flags", flag.id, "details_enc")) or "{}")
        except DecryptionFailed:
            raise StewardError(
                f"flag {flag.id}'s sealed details were altered or moved from another row: "
                "refusing to show them (restore the workspace from a backup)"
            ) from None
    due = raw.get("due_at")
    meta = FlagMeta(
        message_id=raw.get("message_id", flag.message_id),
        person_id=raw.get("person_id", flag.person_id),
        space_id=raw.get("space_id", flag.space_id),
        category=raw.get("category") or flag.category,
        severity=raw.get("severity") or flag.severity,
        due_at=datetime.fromisoformat(due) if due else flag.due_at,
        details={k: v for k, v in raw.items() if k not in META_KEYS},
        raised_at=datetime.fromisoformat(raw["at"]) if raw.get("at") else None,
    )
    cache[("flag", flag.id)] = (flag.details_enc, meta)
    return meta


# --- whom a sealed person id means today -----------------------------------------------------
# A steward who merges two people cannot rewrite the person id sealed inside a flag or a case
# note (nor should they learn that one exists). The sealed id is resolved when a lead reads it:
# a flag about a message follows the message's author; any other id follows every merge not
# undone. An unmerge therefore restores the flag to its first person with nothing rewritten.


class PersonResolver:
    """Maps a sealed (person id, message id) to the person it is about now."""

    def __init__(self, s: Session, message_ids=()):
        from steward.store.models import Identity, Merge, Message

        self._into: dict[int, int] = {}
        for into, before in s.execute(select(Merge.into_person_id, Merge.before)
                                      .where(Merge.undone_at.is_(None)).order_by(Merge.id)):
            for row in (before or {}).get("absorbed", []):
                self._into[int(row["id"])] = into
        wanted = {m for m in message_ids if m is not None}
        self._authors: dict[int, int] = {}
        if wanted:
            self._authors = dict(s.execute(
                select(Message.id, Identity.person_id)
                .join(Identity, Identity.id == Message.identity_id)
                .where(Message.id.in_(wanted))).all())

    def person(self, person_id: int | None, message_id: int | None = None) -> int | None:
        author = self._authors.get(message_id) if message_id is not None else None
        if author is not None:
            return author
        seen = set()
        while person_id in self._into and person_id not in seen:
            seen.add(person_id)
            person_id = self._into[person_id]
        return person_id


def resolve_people(s: Session, pairs: list) -> list:
    """(flag, FlagMeta) pairs with each person id as it stands after merges and unmerges."""
    from dataclasses import replace

    resolver = PersonResolver(s, (m.message_id for _, m in pairs))
    out = []
    for f, m in pairs:
        now = resolver.person(m.person_id, m.message_id)
        out.append((f, m if now == m.person_id else replace(m, person_id=now)))
    return out


# --- a rescan raises nothing twice ----------------------------------------------------------
# A steward's scan cannot read which message and category a flag is about. Each flag carries a
# tag instead: for a flag the scanner raised, HMAC(tag key, message id / category), the tag key
# being a random key in `settings` (inside steward.db, so held by staff); for any other flag
# (a hand-over) a random value of the same shape. A rescan computes the tag of each finding and
# skips those already there (a unique index makes it hold under races too). A steward learns
# from the tags only what running the detectors on a message tells them anyway; a hand-over's
# tag is random, so it names no message or category.

def tag_key(s: Session) -> bytes:
    """The workspace's tag key, made on first use."""
    from steward import crypto
    from steward.store.models import Setting
    from steward.workspace import SCAN_TAG_SETTING

    row = s.get(Setting, SCAN_TAG_SETTING)
    if row is None:
        row = Setting(key=SCAN_TAG_SETTING, value=crypto.b64(crypto.new_key()))
        s.add(row)
        s.flush()
    return crypto.unb64(row.value)


def scan_tag(key: bytes, message_id: int, category: str) -> str:
    from steward import crypto

    return crypto.scan_tag(key, message_id, category)


def random_tag() -> str:
    from steward import crypto

    return crypto.b64(crypto.new_key())
