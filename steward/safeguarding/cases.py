"""The court-safe record: append-only case entries, corrections, and per-person chronology.

Entries are never changed (the schema refuses UPDATE): a correction is a new entry whose
`amends_id` points at the one it corrects, and views show both. Every view of a chronology
goes into the audit chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from steward import clock
from steward.crypto import FieldCipher
from steward.errors import BadInput
from steward.safeguarding.access import require_lead
from steward.safeguarding.policy import CATEGORY_TITLES
from steward.safeguarding.sealed import PersonResolver, flag_meta, next_id, resolve_people
from steward.store import audit
from steward.store.models import (
    CaseEntry,
    Flag,
    Identity,
    Message,
    Person,
    Source,
    Space,
)

MAX_CONTEXT_MESSAGES = 500


@dataclass(frozen=True)
class EntryView:
    id: int
    flag_id: int | None
    person_id: int | None
    kind: str  # note status assignment referral contact correction retention
    author: str
    at: datetime
    amends_id: int | None
    body: dict[str, Any]
    amended_by: tuple[int, ...]  # later corrections of this entry

    @property
    def summary(self) -> str:
        """One line saying what the entry records."""
        b = self.body
        if self.kind == "status":
            text = f"Status {b.get('from')} → {b.get('to')}"
            if b.get("outcome"):
                text += f"; outcome: {b['outcome']}"
            if b.get("reason"):
                text += f"; reason: {b['reason']}"
            if b.get("note"):
                text += f"; {b['note']}"
            return text
        if self.kind == "assignment":
            return f"Assigned to {b.get('to')}" + (f" (was {b['from']})" if b.get("from") else "")
        if self.kind == "correction":
            return f"Correction of entry {self.amends_id}: {b.get('text', '')}"
        if self.kind == "retention":
            return f"Retention extended to {b.get('until')}: {b.get('reason', '')}"
        label = {"referral": "Referral", "contact": "Contact"}.get(self.kind, "Note")
        return f"{label}: {b.get('text', '')}"


def _views(cipher: FieldCipher, rows: list[CaseEntry], ws) -> list[EntryView]:
    corrections: dict[int, list[int]] = {}
    for e in rows:
        if e.amends_id is not None:
            corrections.setdefault(e.amends_id, []).append(e.id)
    views = []
    for e in rows:
        body = _body(ws, cipher, e)
        person = e.person_id if e.person_id is not None else body.pop("person_id", None)
        views.append(EntryView(e.id, e.flag_id, person, e.kind, e.author, e.at, e.amends_id,
                               body, tuple(corrections.get(e.id, ()))))
    return views


def _body(ws, cipher: FieldCipher, e: CaseEntry) -> dict:
    cache = ws.sealed_cache
    hit = cache.get(("entry", e.id))
    if hit is not None and hit[0] == e.body_enc:
        return dict(hit[1])
    body = json.loads(cipher.decrypt(e.body_enc, ws.row_field("case_entries", e.id,
                                                               "body_enc")))
    cache[("entry", e.id)] = (e.body_enc, body)
    return dict(body)


def entries_for_flag(s: Session, cipher: FieldCipher, flag_id: int, ws) -> list[EntryView]:
    rows = s.scalars(
        select(CaseEntry).where(CaseEntry.flag_id == flag_id).order_by(CaseEntry.id)
    ).all()
    return _views(cipher, list(rows), ws)


def amend(ws, entry_id: int, text: str) -> int:
    """Correct an earlier entry with a new one that points at it. Returns the new entry id."""
    require_lead(ws)
    if not text.strip():
        raise BadInput("a correction cannot be empty")
    cipher = ws.field_cipher()
    with ws.transaction() as s:
        original = s.get(CaseEntry, entry_id)
        if original is None:
            raise BadInput(f"no case entry with id {entry_id}")
        new_id = next_id(s, CaseEntry)
        person = original.person_id or _body(ws, cipher, original).get("person_id")
        body = {"text": text} | ({"person_id": person} if person is not None else {})
        entry = CaseEntry(
            id=new_id, flag_id=original.flag_id, person_id=None,
            kind="correction", author=ws.actor, at=clock.now(), amends_id=entry_id,
            body_enc=cipher.encrypt(json.dumps(body, ensure_ascii=False),
                                    ws.row_field("case_entries", new_id, "body_enc")),
        )
        s.add(entry)
        s.flush()
        audit.record(s, ws.actor, "safeguarding.amend", "case_entry", entry.id,
                     amends=entry_id, flag=original.flag_id)
    return entry.id


def add_person_note(ws, person_id: int, text: str) -> int:
    """A case note about a person rather than one flag (it appears in their chronology)."""
    require_lead(ws)
    if not text.strip():
        raise BadInput("a case note cannot be empty")
    with ws.transaction() as s:
        if s.get(Person, person_id) is None:
            raise BadInput(f"no person with id {person_id}")
        new_id = next_id(s, CaseEntry)
        entry = CaseEntry(  # the person is named inside the sealed body, not in a column
            id=new_id, flag_id=None, person_id=None, kind="note", author=ws.actor,
            at=clock.now(),
            body_enc=ws.field_cipher().encrypt(
                json.dumps({"text": text, "person_id": person_id}, ensure_ascii=False),
                ws.row_field("case_entries", new_id, "body_enc")),
        )
        s.add(entry)
        s.flush()
        audit.record(s, ws.actor, "safeguarding.note", "person", person_id, entry=entry.id)
    return entry.id


@dataclass(frozen=True)
class ChronologyItem:
    at: datetime
    kind: str  # flag | entry | message
    title: str
    text: str
    platform: str | None = None
    space: str | None = None
    flag_id: int | None = None
    entry_id: int | None = None
    message_id: int | None = None
    author: str | None = None
    amended_by: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chronology:
    person_id: int
    person: str
    identities: list[tuple[str, str]]  # (platform, handle or display name)
    items: list[ChronologyItem]


def chronology(ws, person_id: int, *, audit_view: bool = True) -> Chronology:
    """Every flag, case entry and relevant message about one person, across all their
    identities and platforms, oldest first. The view goes into the audit chain."""
    require_lead(ws)
    cipher = ws.field_cipher()
    with ws.transaction() as s:
        person = s.get(Person, person_id)
        if person is None:
            raise BadInput(f"no person with id {person_id}")
        identities = s.execute(
            select(Source.platform, Identity.handle, Identity.display_name, Identity.id)
            .join(Source, Source.id == Identity.source_id)
            .where(Identity.person_id == person_id)
        ).all()
        identity_ids = [i.id for i in identities]
        metas = resolve_people(s, [(f, flag_meta(ws, cipher, f)) for f in s.scalars(select(Flag))])
        flags = [(f, m) for f, m in metas if m.person_id == person_id]
        resolver = PersonResolver(s)
        flag_ids = [f.id for f, _ in flags]
        entries = [
            e for e in s.scalars(
                select(CaseEntry)
                .where(or_(CaseEntry.flag_id.in_(flag_ids), CaseEntry.flag_id.is_(None)))
                .order_by(CaseEntry.id))
            if e.flag_id is not None or e.person_id == person_id
            or resolver.person(_body(ws, cipher, e).get("person_id")) == person_id
        ]
        flagged = {m.message_id for _, m in flags if m.message_id is not None}
        threads = set()
        if flagged:
            threads = set(s.scalars(
                select(Message.thread_id).where(Message.id.in_(flagged),
                                                Message.thread_id.is_not(None))
            ))
        messages = s.execute(
            select(Message, Space.name, Source.platform)
            .join(Space, Space.id == Message.space_id)
            .join(Source, Source.id == Message.source_id)
            .where(or_(Message.id.in_(flagged),
                       Message.identity_id.in_(identity_ids) & Message.thread_id.in_(threads)))
            .order_by(Message.created_at)
            .limit(MAX_CONTEXT_MESSAGES)
        ).all()
        spaces = dict(s.execute(select(Space.id, Space.name)).all())
        if audit_view:
            audit.record(s, ws.actor, "safeguarding.chronology_view", "person", person_id)
    items = [
        ChronologyItem(
            at=m.raised_at or f.created_at, kind="flag",
            title=f"Flag {f.id} raised: {CATEGORY_TITLES.get(m.category, m.category)} "
                  f"({m.severity})",
            text=f"Status now {f.status}" + (f", assigned to {f.assigned_to}"
                                             if f.assigned_to else ""),
            space=spaces.get(m.space_id), flag_id=f.id, message_id=m.message_id,
        )
        for f, m in flags
    ]
    items += [
        ChronologyItem(at=e.at, kind="entry", title=f"Case entry {e.id} ({e.kind})",
                       text=e.summary, flag_id=e.flag_id, entry_id=e.id, author=e.author,
                       amended_by=e.amended_by)
        for e in _views(cipher, list(entries), ws)
    ]
    items += [
        ChronologyItem(at=m.created_at, kind="message",
                       title="Flagged message" if m.id in flagged else "Message in the thread",
                       text=m.text or "", platform=platform, space=space, message_id=m.id)
        for m, space, platform in messages
    ]
    items.sort(key=lambda i: (i.at, {"message": 0, "flag": 1, "entry": 2}[i.kind]))
    return Chronology(
        person_id, person.display_name,
        [(p, h or d or "") for p, h, d, _ in identities], items,
    )
