"""Write a stream of records into the workspace: one transaction per import.

Platform ids are unique per source, so a re-import adds nothing; parts of an export already
taken in (by fingerprint) are not even read again. Memory stays bounded: rows go out in batches
and the map from platform ids to message ids is a bounded cache backed by the unique index.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from steward import clock
from steward.connectors import registry
from steward.connectors.base import (
    AuthorRecord,
    ConsentRecord,
    CutShort,
    EmailStatusRecord,
    ExportCoverage,
    FileUnit,
    ImportOptions,
    MemberDetailsRecord,
    MembershipRecord,
    MessageRecord,
    ReportRecord,
    SpaceRecord,
)
from steward.errors import BadInput
from steward.jobs import CancelToken, Job, Progress, collector_steps
from steward.normalise import normalise_email, normalise_phone
from steward.store import audit
from steward.store.bulk import insert_rows, sql_time

BATCH = 5000
CACHE_LIMIT = 200_000
IMPORT_PAGE_CACHE_KIB = 65_536  # a larger SQLite page cache while importing: fewer page writes


def _db_time(dt: datetime | None) -> str | None:
    """The same text as `steward.store.bulk.sql_time`, several times faster (C isoformat)."""
    return dt.isoformat(" ", "microseconds") if dt is not None else None
# Built at the end of an import into a workspace without messages (see _Writer)
DEFERRED_INDEXES = ("ix_messages_identity_time", "ix_messages_space_time", "ix_messages_thread")
# A message whose author was erased (its identities lose the platform's ids, its messages keep
# theirs): an edit found later, here or on another laptop, gives it no text back.
NOT_ERASED = ("NOT EXISTS (SELECT 1 FROM identities i JOIN persons p ON p.id = i.person_id "
              "WHERE i.id = messages.identity_id AND p.erased_at IS NOT NULL)")
MESSAGE_COLUMNS = ("id", "source_id", "space_id", "identity_id", "platform_id", "thread_id",
                   "parent_id", "kind", "created_at", "edited_at", "deleted", "text",
                   "reaction_count", "reply_count", "attachment_count")
# The driver (sqlcipher3) binds None through its adapter lookup, two failed attribute lookups
# a value: a message's missing parent and edit time cost more to bind than the rest of its row
# (measured 2026-12-03, CPU: 14 None 30-43 us a row, 14 ints 2 us, 14 short texts 2-3 us).
# The bulk inserts of messages, persons and identities bind 0 for a missing id (row ids start
# at 1) and MISSING for a missing text, and the statement writes NULL for them. MISSING is a
# lone NUL: never a text or a name (the writer takes NULs out of them); an address or a time
# that is only a NUL is none either.
MISSING = "\x00"
NULL_IF_MISSING = "nullif(?, char(0))"
ADD_REPLIES_SQL = "UPDATE messages SET reply_count = reply_count + ? WHERE id = ?"


def identity_row(*values) -> tuple:
    """An identity's row for `insert_people` (id, person id, platform id, handle, display
    name, email, normalised email, phone, E.164 phone, is bot, joined at), None as MISSING."""
    return tuple(MISSING if v is None else v for v in values)


def insert_people(db, source_id: int, persons: Sequence[tuple],
                  identities: Sequence[tuple], now: str) -> None:
    """Insert new persons ((id, display name, is bot) each) and their identities
    (`identity_row`) on a DB-API connection; nothing bound is None (see MISSING)."""
    db.executemany(
        "INSERT INTO persons (id, display_name, is_staff, is_bot, programme, created_at) "
        "VALUES (?, ?, 0, ?, NULL, ?)", [(*p, now) for p in persons])
    db.executemany(
        "INSERT INTO identities (id, person_id, source_id, platform_id, handle, "
        "display_name, email, email_normalised, phone, phone_e164, is_bot, joined_at) "
        f"VALUES (?, ?, {int(source_id)}, ?, {', '.join([NULL_IF_MISSING] * 6)}, ?, "
        f"{NULL_IF_MISSING})", identities)


def insert_messages(db, source_id: int, rows: Sequence[tuple]) -> int:
    """Insert new messages on a DB-API connection; returns how many went in. A row is (id,
    space id, identity id or 0, platform id, thread id, parent id or 0, kind, created at,
    edited at or MISSING, deleted, text or MISSING, reactions, attachments). The source and the
    reply count (ADD_REPLIES_SQL adds replies) are the same for every row: written into the
    statement, not bound 2 x 5,000 times."""
    before = db.total_changes
    db.executemany(
        f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) VALUES "
        f"(?, {int(source_id)}, ?, nullif(?, 0), ?, ?, nullif(?, 0), ?, ?, "
        f"{NULL_IF_MISSING}, ?, {NULL_IF_MISSING}, ?, 0, ?)", rows)
    return db.total_changes - before


@dataclass
class ImportSummary:
    """What an import added (re-importing the same files adds nothing)."""

    source: str
    kind: str
    spaces: int = 0
    people: int = 0
    messages: int = 0
    already_there: int = 0
    memberships: int = 0
    reports: int = 0
    consents: int = 0
    email_statuses: int = 0
    parts_skipped: int = 0
    # files whose last record was cut mid-way (a download cut short): "file: where"
    cut_short: list[str] = field(default_factory=list)
    # messages a newer whole export of their space lacks: deleted on the platform since
    marked_deleted: int = 0
    # messages already there whose text the platform shows edited since
    edited: int = 0
    first: datetime | None = None
    last: datetime | None = None

    def as_dict(self) -> dict:
        return {k: (sql_time(v)[:19] if isinstance(v, datetime) else
                    list(v) if isinstance(v, list) else v)
                for k, v in self.__dict__.items()}

    def describe(self) -> str:
        """One sentence for the person who ran the import."""
        text = (f"Imported into {self.source}: {_count(self.messages, 'new message')}, "
                f"{_count(self.people, 'new person', 'new people')}, "
                f"{_count(self.spaces, 'new space')}")
        if self.already_there or self.parts_skipped:
            text += (f" ({_count(self.already_there, 'message')} already there, "
                     f"{_count(self.parts_skipped, 'file')} unchanged)")
        if self.consents or self.email_statuses:
            text += (f"; {_count(self.consents, 'consent record')}, "
                     f"{_count(self.email_statuses, 'email status', 'email statuses')}")
        if self.marked_deleted:
            text += (f"; {_count(self.marked_deleted, 'message')} deleted on the platform since "
                     "the last export marked deleted")
        if self.edited:
            text += f"; {_count(self.edited, 'message')} edited on the platform since updated"
        text += "."
        for cut in self.cut_short:
            text += (f" {cut}: the file looks cut short (an interrupted download?); what was "
                     "complete is imported, download it again for the rest.")
        return text


def _no_nul(text: str | None) -> str | None:
    return text.replace("\x00", "") if text else text


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


@dataclass
class ImportPreview:
    """What the files hold, read before anything is written."""

    kind: str
    source: str
    spaces: list[str] = field(default_factory=list)
    people: int = 0
    messages: int = 0
    first: datetime | None = None
    last: datetime | None = None
    needs_timezone: bool = False
    ambiguous_date_order: bool = False
    # members-csv: which column each field is read from (and "list": the kind of list), shown
    # for the person to confirm before importing
    column_mapping: dict[str, str] = field(default_factory=dict)


class _Writer:
    def __init__(self, s: Session, source_id: int, source_name: str):
        self.s, self.source_id, self.source_name = s, source_id, source_name
        self.db = s.connection().connection.driver_connection
        cur = self.db.cursor()
        self.spaces = dict(cur.execute(
            "SELECT platform_id, id FROM spaces WHERE source_id = ?", (source_id,)).fetchall())
        self.identities: dict[str, tuple[int, int]] = {
            pid: (iid, person) for pid, iid, person in cur.execute(
                "SELECT platform_id, id, person_id FROM identities WHERE source_id = ?",
                (source_id,))
        }
        self.had_messages = cur.execute(
            "SELECT 1 FROM messages WHERE source_id = ? LIMIT 1", (source_id,)).fetchone()
        # Into a workspace without messages, the secondary indexes are built once at the end
        # (sorting the rows) rather than kept up to date row by row: a tenth less import time.
        # Only the unique index, which finds messages already written, is kept throughout.
        self.deferred_indexes: list[str] = []
        if cur.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is None:
            self.deferred_indexes = [sql for name, sql in cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                "tbl_name = 'messages' AND sql IS NOT NULL ORDER BY name") if name in
                DEFERRED_INDEXES]
            for name in DEFERRED_INDEXES:
                cur.execute(f"DROP INDEX IF EXISTS {name}")
        self.next_message = cur.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0]
        self.next_identity = cur.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM identities").fetchone()[0]
        self.next_person = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM persons").fetchone()[0]
        cur.close()
        self.now = sql_time(clock.now())
        self.persons: list[tuple] = []
        self.new_identities: list[tuple] = []
        self.pending: list[tuple] = []  # MessageRecords, or bare tuples of the same fields
        self.new_memberships: list[tuple] = []
        self.new_details: list[tuple] = []
        self.cache: dict[str, tuple[int, int]] = {}  # message platform id -> (id, thread id)
        self.replies: Counter[int] = Counter()
        self.consents_seen: set[tuple] | None = None
        self.first: str | None = None  # db_time text of the earliest message written
        self.last: str | None = None

    # --- spaces and people ---------------------------------------------------------------

    def space(self, rec: SpaceRecord, summary: ImportSummary) -> int:
        if rec.platform_id in self.spaces:
            if rec.archived:  # archived since the last import
                self.db.execute("UPDATE spaces SET archived = 1 WHERE id = ?",
                                (self.spaces[rec.platform_id],))
            return self.spaces[rec.platform_id]
        cur = self.db.cursor()
        cur.execute(
            "INSERT INTO spaces (source_id, platform_id, name, kind, visibility, audience, "
            "silence_amber_days, silence_red_days, created_at, archived) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            (self.source_id, rec.platform_id, rec.name[:300], rec.kind, rec.visibility,
             "general", 5, 7, sql_time(rec.created_at), int(rec.archived)))
        self.spaces[rec.platform_id] = cur.lastrowid
        cur.close()
        summary.spaces += 1
        return self.spaces[rec.platform_id]

    def space_id(self, platform_id: str, summary: ImportSummary) -> int:
        found = self.spaces.get(platform_id)
        return found if found is not None else self.space(SpaceRecord(platform_id, platform_id),
                                                          summary)

    def author(self, rec: AuthorRecord, summary: ImportSummary) -> tuple[int, int]:
        found = self.identities.get(rec.platform_id)
        if found is not None:
            return found
        iid, pid = self.next_identity, self.next_person
        self.next_identity += 1
        self.next_person += 1
        if "\x00" in f"{rec.display_name}{rec.handle}":
            rec = replace(rec, display_name=_no_nul(rec.display_name), handle=_no_nul(rec.handle))
        name = (rec.display_name or rec.handle or rec.platform_id)[:300]
        self.persons.append((pid, name, int(rec.is_bot)))
        self.new_identities.append(identity_row(
            iid, pid, rec.platform_id[:200], rec.handle, rec.display_name, rec.email,
            normalise_email(rec.email), rec.phone, normalise_phone(rec.phone),
            int(rec.is_bot), sql_time(rec.joined_at)))
        self.identities[rec.platform_id] = (iid, pid)
        summary.people += 1
        return iid, pid

    def identity_id(self, platform_id: str | None, summary: ImportSummary) -> int | None:
        if platform_id is None:
            return None
        return self.author(AuthorRecord(platform_id), summary)[0]

    def flush_people(self) -> None:
        if self.persons:
            insert_people(self.db, self.source_id, self.persons, self.new_identities, self.now)
            self.persons.clear()
            self.new_identities.clear()

    # --- messages ------------------------------------------------------------------------

    def _lookup(self, platform_id: str) -> tuple[int, int] | None:
        found = self.cache.get(platform_id)
        if found is None and self.had_messages:  # otherwise the cache holds every message
            row = self.db.execute(
                "SELECT id, coalesce(thread_id, id) FROM messages WHERE source_id = ? "
                "AND platform_id = ?", (self.source_id, platform_id)).fetchone()
            if row is not None:
                found = self.cache[platform_id] = (row[0], row[1])
        return found

    def flush_messages(self, summary: ImportSummary) -> None:
        """Write the pending messages: platform ids become row ids, replies find their thread,
        and messages already in the workspace are counted, not written again."""
        batch, self.pending = self.pending, []
        if not batch:
            self.flush_people()
            return
        if len(self.cache) + len(batch) > CACHE_LIMIT:  # keep memory bounded: from now on,
            self.cache.clear()  # earlier batches are found through the unique index
            self.had_messages = True
        existing: dict[str, tuple[int, int]] = {}
        if self.had_messages:
            ids = [r[1] for r in batch]
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                existing.update((pid, (mid, tid)) for pid, mid, tid in self.db.execute(
                    "SELECT platform_id, id, coalesce(thread_id, id) FROM messages WHERE "
                    f"source_id = ? AND platform_id IN ({','.join('?' * len(chunk))})",
                    (self.source_id, *chunk)))
        rows = []
        append = rows.append
        cache, spaces, identities, replies = self.cache, self.spaces, self.identities, self.replies
        cache_get, mid = cache.get, self.next_message - 1
        already = 0
        edits = []
        for (space, platform_id, created, author, text, parent, kind, edited, deleted,
             reactions, attachments) in batch:
            known = cache_get(platform_id)
            if known is None and existing:
                known = existing.get(platform_id)
            if known is not None:
                cache[platform_id] = known
                already += 1
                if edited is not None:
                    edits.append((_no_nul(text), edited, known[0], edited))
                continue
            mid += 1
            parent_id, thread_id = 0, mid  # 0: no parent (see MISSING)
            if text and "\x00" in text:  # NUL is never text; any format may carry one
                text = text.replace("\x00", "")
            if parent is not None and parent != platform_id:
                found = cache_get(parent) or self._lookup(parent)
                if found is not None:
                    parent_id, thread_id = found
                    replies[thread_id] += 1
            cache[platform_id] = (mid, thread_id)
            space_id = spaces.get(space)
            if space_id is None:
                space_id = self.space_id(space, summary)
            identity = 0
            if author is not None:
                found = identities.get(author)
                identity = found[0] if found is not None else self.identity_id(author, summary)
            append((mid, space_id, identity, platform_id[:200], thread_id, parent_id, kind,
                    created, MISSING if edited is None else edited, deleted,
                    MISSING if text is None else text, reactions, attachments))
        self.next_message = mid + 1
        summary.already_there += already
        if edits:
            # Edited on the platform since the last import: a later edit replaces the text, and
            # the message is noted for the scanners (message_edits) in the same transaction.
            # One statement per edit, to know which took (a re-import repeats every edit).
            update = ("UPDATE messages SET text = ?, edited_at = ? WHERE id = ? AND "
                      f"(edited_at IS NULL OR edited_at < ?) AND {NOT_ERASED}")
            changed = [(edit[2],) for edit in edits
                       if self.db.execute(update, edit).rowcount]
            self.db.executemany("INSERT INTO message_edits (message_id) VALUES (?)", changed)
            summary.edited += len(changed)
        self.flush_people()
        if rows:
            times = [r[7] for r in rows]
            first, last = min(times), max(times)
            if self.first is None or first < self.first:
                self.first = first
            if self.last is None or last > self.last:
                self.last = last
            summary.messages += insert_messages(self.db, self.source_id, rows)

    def build_indexes(self) -> None:
        """The secondary indexes left out while the rows went in (see __init__)."""
        for sql in self.deferred_indexes:
            self.db.execute(sql)
        self.deferred_indexes = []

    def mark_deleted(self, rec: ExportCoverage, summary: ImportSummary) -> None:
        """Messages of the space within the export's span that it lacks: deleted on the
        platform. Conservative: when most of the span is missing, the export was filtered (the
        file cannot say), and nothing is marked."""
        space_id = self.spaces.get(rec.space)
        if space_id is None or not self.had_messages:
            return
        self.build_indexes()  # the span is read through the space and time index
        held = self.db.execute(
            "SELECT id, platform_id FROM messages WHERE source_id = ? AND space_id = ? AND "
            "created_at BETWEEN ? AND ? AND deleted = 0",
            (self.source_id, space_id, rec.first, rec.last)).fetchall()
        gone = [mid for mid, pid in held if pid not in rec.present]
        if not gone or len(gone) * 2 > len(held):
            return
        self.db.executemany("UPDATE messages SET deleted = 1 WHERE id = ?",
                            [(mid,) for mid in gone])
        summary.marked_deleted += len(gone)

    def finish_threads(self) -> None:
        if self.replies:
            self.db.executemany(ADD_REPLIES_SQL, [(n, tid) for tid, n in self.replies.items()])
            self.replies.clear()

    # --- the rest --------------------------------------------------------------------------

    def membership(self, rec: MembershipRecord, summary: ImportSummary) -> None:
        self.new_memberships.append((
            self.identity_id(rec.author, summary), self.space_id(rec.space, summary), rec.role,
            rec.status, _db_time(rec.joined_at), _db_time(rec.left_at)))
        if len(self.new_memberships) >= BATCH:
            self.flush_memberships(summary)

    def flush_memberships(self, summary: ImportSummary) -> None:
        if self.new_memberships:
            self.flush_people()
            summary.memberships += insert_rows(
                self.s, "memberships", ("identity_id", "space_id", "role", "status",
                                        "joined_at", "left_at"),
                self.new_memberships, on_conflict_ignore=True)
            self.new_memberships.clear()

    def report(self, rec: ReportRecord, summary: ImportSummary) -> None:
        self.flush_messages(summary)
        message = self._lookup(rec.message) if rec.message else None
        identity = self.identity_id(rec.author, summary)
        self.flush_people()
        added = insert_rows(self.s, "platform_reports", (
            "source_id", "platform_id", "message_id", "identity_id", "reason", "status",
            "created_at", "payload"), [(
                self.source_id, rec.platform_id, message[0] if message else None, identity,
                rec.reason, rec.status, sql_time(rec.created_at), json.dumps(rec.payload))],
            on_conflict_ignore=True)
        if not added:
            self.db.execute("UPDATE platform_reports SET status = ? WHERE source_id = ? AND "
                            "platform_id = ?", (rec.status, self.source_id, rec.platform_id))
        summary.reports += added

    def consent(self, rec: ConsentRecord, summary: ImportSummary) -> None:
        person = self.author(AuthorRecord(rec.author), summary)[1]
        if self.consents_seen is None:
            self.consents_seen = {tuple(r) for r in self.db.execute(
                "SELECT person_id, state, at FROM consents WHERE source = ?",
                (self.source_name,))}
        key = (person, rec.state, sql_time(rec.at))
        if key in self.consents_seen:
            return
        self.consents_seen.add(key)
        self.flush_people()
        summary.consents += insert_rows(
            self.s, "consents", ("person_id", "state", "basis", "at", "source", "wording"),
            [(person, rec.state, rec.basis, sql_time(rec.at), self.source_name, rec.wording)])

    def member_details(self, rec: MemberDetailsRecord, summary: ImportSummary) -> None:
        self.new_details.append((
            self.identity_id(rec.author, summary), rec.first_name, rec.last_name, rec.address,
            rec.town, rec.postcode, rec.date_of_birth, rec.notes))
        if len(self.new_details) >= BATCH:
            self.flush_details()

    def flush_details(self) -> None:
        if self.new_details:
            self.flush_people()
            self.db.executemany(
                "INSERT INTO member_details (identity_id, first_name, last_name, address, town, "
                "postcode, date_of_birth, notes) VALUES (?,?,?,?,?,?,?,?) "
                "ON CONFLICT (identity_id) DO UPDATE SET first_name = excluded.first_name, "
                "last_name = excluded.last_name, address = excluded.address, "
                "town = excluded.town, postcode = excluded.postcode, "
                "date_of_birth = excluded.date_of_birth, notes = excluded.notes",
                self.new_details)
            self.new_details.clear()

    def email_status(self, rec: EmailStatusRecord, summary: ImportSummary) -> None:
        email = normalise_email(rec.email)
        if not email:
            return
        before = self.db.total_changes
        self.db.execute(
            "INSERT INTO email_statuses (email_normalised, source_id, status, at) VALUES "
            "(?,?,?,?) ON CONFLICT (email_normalised, source_id) DO UPDATE SET "
            "status = excluded.status, at = excluded.at WHERE status != excluded.status",
            (email, self.source_id, rec.status, sql_time(rec.at)))
        summary.email_statuses += self.db.total_changes - before


def _source(s: Session, name: str, platform: str, kind: str) -> tuple[int, dict]:
    db = s.connection().connection.driver_connection
    row = db.execute("SELECT id, platform, cursor FROM sources WHERE name = ?", (name,)).fetchone()
    if row is not None:
        if row[1] != platform:
            raise BadInput(f"a source named {name!r} already holds {row[1]} data; "
                           "choose another name")
        return row[0], json.loads(row[2] or "{}")
    cur = db.cursor()
    cur.execute("INSERT INTO sources (platform, name, config, cursor, created_at) "
                "VALUES (?,?,?,?,?)", (platform, name, json.dumps({"kind": kind}), "{}",
                                      sql_time(clock.now())))
    return cur.lastrowid, {}


def write_records(s: Session, source_id: int, source_name: str, records: Iterable,
                  summary: ImportSummary, token: CancelToken | None = None,
                  imported: set[str] | None = None) -> Iterator[int]:
    """Write records in the caller's transaction; yields the message count now and then."""
    w = _Writer(s, source_id, source_name)
    pending = w.pending
    for rec in records:
        kind = type(rec)
        if kind is tuple or kind is MessageRecord:  # built-in importers yield bare tuples
            pending.append(rec)
            if len(pending) >= BATCH:
                w.flush_messages(summary)
                pending = w.pending
                if token is not None:
                    token.check()
                yield summary.messages + summary.already_there
            continue
        if isinstance(rec, AuthorRecord):
            w.author(rec, summary)
        elif isinstance(rec, SpaceRecord):
            w.space(rec, summary)
        elif isinstance(rec, FileUnit):
            if imported is not None and rec.fingerprint in imported:
                summary.parts_skipped += 1
            elif imported is not None:
                imported.add(rec.fingerprint)
        elif isinstance(rec, MembershipRecord):
            w.membership(rec, summary)
        elif isinstance(rec, ReportRecord):
            w.report(rec, summary)
        elif isinstance(rec, ConsentRecord):
            w.consent(rec, summary)
        elif isinstance(rec, EmailStatusRecord):
            w.email_status(rec, summary)
        elif isinstance(rec, MemberDetailsRecord):
            w.member_details(rec, summary)
        elif isinstance(rec, CutShort):
            summary.cut_short.append(f"{rec.label}, {rec.where}")
        elif isinstance(rec, ExportCoverage):
            w.flush_messages(summary)
            w.mark_deleted(rec, summary)
        pending = w.pending  # a report or a coverage writes the pending messages first
    w.flush_messages(summary)
    w.flush_memberships(summary)
    w.flush_details()
    w.finish_threads()
    w.build_indexes()
    for moment in (w.first, w.last):
        if moment is not None:
            at = datetime.fromisoformat(moment)
            summary.first = at if summary.first is None else min(summary.first, at)
            summary.last = at if summary.last is None else max(summary.last, at)


def _named_damage(records: Iterable, paths: Sequence[Path]) -> Iterator:
    """The records, with damage no importer caught (a ZIP entry read somewhere unexpected,
    nesting beyond Python's stack) turned into bad input naming the files."""
    try:
        yield from records
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise BadInput(f"{', '.join(map(str, paths))} is damaged ({err}); download the export "
                       "again") from None
    except RecursionError:
        raise BadInput(f"{', '.join(map(str, paths))}: nested too deeply to be an export; "
                       "refusing it") from None


def import_files(ws, kind: str, paths: Sequence[Path], options: ImportOptions | None = None,
                 source_name: str | None = None, token: CancelToken | None = None,
                 expected_messages: int | None = None) -> Job[ImportSummary]:
    """Import export files of one kind as one transaction: all of it, or (on error or Cancel)
    nothing at all."""
    importer = registry.importer(kind)
    options = options or ImportOptions()
    paths = [Path(p) for p in paths]
    name = source_name or importer.source_name(paths, options)
    summary = ImportSummary(source=name, kind=kind)
    yield Progress(0, expected_messages, f"Reading {paths[0].name}")
    with ws.transaction() as s:
        db = s.connection().connection.driver_connection
        page_cache = db.execute("PRAGMA cache_size").fetchone()[0]
        db.execute(f"PRAGMA cache_size = -{IMPORT_PAGE_CACHE_KIB}")
        source_id, cursor = _source(s, name, importer.platform, kind)
        imported = set(cursor.get("imported", []))
        already = set(imported)
        records = _named_damage(importer.records(paths, options, already), paths)
        with collector_steps() as step:
            for done in write_records(s, source_id, name, records, summary, token, imported):
                step()
                yield Progress(done, expected_messages, f"Importing {paths[0].name}")
        if token is not None:
            token.check()
        cursor["imported"] = sorted(imported)
        from steward.engagement.activity import catch_up_in  # engagement's narrow table

        catch_up_in(db)
        db.execute(f"PRAGMA cache_size = {int(page_cache)}")
        db.execute("UPDATE sources SET cursor = ?, last_sync_at = ? WHERE id = ?",
                   (json.dumps(cursor), sql_time(clock.now()), source_id))
        audit.record(s, ws.actor, "import", "source", source_id, kind=kind,
                     messages=summary.messages, people=summary.people, spaces=summary.spaces)
    yield Progress(summary.messages, summary.messages, "Import finished")
    return summary


def preview_files(kind: str, paths: Sequence[Path], options: ImportOptions | None = None,
                  token: CancelToken | None = None) -> Job[ImportPreview]:
    """Read the files without writing anything: spaces, people, message count, date range,
    and which questions the person must answer first."""
    importer = registry.importer(kind)
    options = options or ImportOptions()
    paths = [Path(p) for p in paths]
    result = ImportPreview(kind=kind, source=importer.source_name(paths, options),
                           needs_timezone=getattr(importer, "needs_timezone", False))
    detect = getattr(importer, "date_order_is_ambiguous", None)
    if detect is not None and options.date_order is None and detect(paths):
        result.ambiguous_date_order = True
        options = ImportOptions(options.timezone, "dmy", options.space_name, options.column_map)
    guess = getattr(importer, "guess_mapping", None)
    if guess is not None:
        result.column_mapping = guess(paths, options)
    spaces: dict[str, str] = {}
    people: set[str] = set()
    first = last = None
    for n, rec in enumerate(_named_damage(importer.records(paths, options, set()), paths)):
        if isinstance(rec, SpaceRecord):
            spaces.setdefault(rec.platform_id, rec.name)
        elif isinstance(rec, AuthorRecord):
            people.add(rec.platform_id)
        elif isinstance(rec, tuple):  # a MessageRecord, or the bare tuple of one
            result.messages += 1
            created, author = rec[2], rec[3]
            if author:
                people.add(author)
            if first is None or created < first:
                first = created
            if last is None or created > last:
                last = created
        if n % BATCH == 0:
            if token is not None:
                token.check()
            yield Progress(result.messages, None, f"Reading {paths[0].name}")
    result.spaces = sorted(spaces.values())
    result.people = len(people)
    result.first = datetime.fromisoformat(first) if first else None
    result.last = datetime.fromisoformat(last) if last else None
    return result
