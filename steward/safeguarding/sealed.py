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
    )
    cache[("flag", flag.id)] = (flag.details_enc, meta)
    return meta
