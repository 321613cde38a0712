"""The safeguarding scan: read messages not yet scanned, raise flags for the leads.

Run by `steward scan` (with moderation) and from the desktop. It works in batches, each in one
transaction with the watermark (`ScanState` "safeguarding"), so a cancelled or failed scan
never loses a flag and never raises one twice. Messages an import found edited since their
scan are read again first, once each (`steward.store.edits`).
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from steward import clock
from steward.jobs import CancelToken, Job, Progress, collector_steps
from steward.safeguarding import policy
from steward.safeguarding.detectors import Detector, Finding
from steward.safeguarding.learning import learned_look_alikes
from steward.safeguarding.lexicon import Lexicon, parse_lexicon, shipped_lexicons
from steward.safeguarding.sealed import (
    PLAIN_COLUMNS,
    id_allocator,
    scan_tag,
    seal_flag,
    tag_key,
)
from steward.safeguarding.signposting import helplines
from steward.store import audit
from steward.store.edits import edited_since_scan, mark_edits_read
from steward.store.models import Flag, Identity, Message, Person, ScanState, Setting, Space

log = logging.getLogger(__name__)

SCANNER = "safeguarding"
BATCH = 20_000
CUSTOM_LEXICON_KEY = "safeguarding.custom_lexicons"  # {category: lexicon text}
MIN_SEVERITY_KEY = "safeguarding.min_severity"
EXCERPT_CHARS = 280


def workspace_lexicons(session: Session) -> list[Lexicon]:
    """The shipped lexicons plus the workspace's own additions."""
    lexicons = shipped_lexicons()
    row = session.get(Setting, CUSTOM_LEXICON_KEY)
    for category, text in sorted(((row.value if row else None) or {}).items()):
        lexicons.append(parse_lexicon(text, category, f"workspace lexicon {category}"))
    return lexicons


def workspace_detector(session: Session) -> Detector:
    """A detector built from the workspace's lexicons, phone regions and helpline numbers."""
    numbers = [h["number"] for h in helplines(session)]
    return Detector(workspace_lexicons(session), policy.phone_regions(session), numbers)


def scan_job(ws, token: CancelToken | None = None) -> Job[dict]:
    """Scan every message past the watermark; returns counts of messages and flags raised."""
    edited = _scan_edits(ws)
    with ws.session() as s:
        state = s.get(ScanState, SCANNER)
        start = state.last_message_id if state else 0
        total = _count_after(s, start)
    counts = yield from _scan(ws, token, start, total, None)
    counts["edited"] = edited["messages"]
    counts["flags"] += edited["flags"]
    counts["skipped_messages"] += edited["skipped_messages"]
    for severity in policy.SEVERITIES:
        counts[severity] += edited[severity]
    if counts["messages"] or edited["messages"]:
        with ws.transaction() as s:
            audit.record(s, ws.actor, "safeguarding.scan", None, None,
                         messages=counts["messages"], flags=counts["flags"],
                         edited=edited["messages"])
    return counts


def _scan_edits(ws) -> dict:
    """Scan again the messages edited on the platform since they were scanned. A flag already
    raised for a message and category stays as it is (never removed, never raised twice); a
    concern only the new text raises becomes a new flag whose reasons say it was edited."""
    counts = dict.fromkeys(("messages", "flags", "skipped_messages", *policy.SEVERITIES), 0)
    with ws.session() as s:
        ids, seq = edited_since_scan(s, SCANNER)
        rows = []
        if ids:
            rows = s.execute(select(Message.id, Message.space_id, Message.identity_id,
                                    Message.text, Message.edited_at)
                             .where(Message.id.in_(ids)).order_by(Message.id)).all()
    if seq is None:
        return counts
    if not rows:  # only messages not scanned yet were edited: the scan past the watermark
        with ws.transaction() as s:  # reads their new text
            mark_edits_read(s, SCANNER, seq)
        return counts
    with ws.session() as s:
        detector = workspace_detector(s)
        spaces = {sp.id: (sp.audience, sp.visibility) for sp in s.scalars(select(Space))}
        staff = _staff_identities(s)
        minimum = s.get(Setting, MIN_SEVERITY_KEY)
        min_rank = policy.severity_rank(minimum.value if minimum else "low")
    detector.look_alikes = learned_look_alikes(ws)

    def settings(i: int) -> tuple[str, str, bool]:
        return (*spaces.get(rows[i][1], ("general", "closed")), rows[i][2] not in staff)

    found = []
    for i, findings in _detect(detector, [r[:4] for r in rows], settings, counts).items():
        message_id, space_id, identity_id, text, edited_at = rows[i]
        why = (f"Edited on the platform{_on(edited_at)} after an earlier scan: "
               "raised on the new text")
        found += [(message_id, space_id, identity_id, text,
                   replace(finding, reasons=(why, *finding.reasons)))
                  for finding in findings
                  if policy.severity_rank(finding.severity) >= min_rank]
    with ws.transaction() as s:
        raised = _raise_flags(ws, s, found)
        mark_edits_read(s, SCANNER, seq)
    counts["messages"], counts["flags"] = len(rows), len(raised)
    for severity in raised:
        counts[severity] += 1
    return counts


def _on(edited_at) -> str:
    return f" on {edited_at:%Y-%m-%d %H:%M} UTC" if edited_at is not None else ""


def unscanned_count(ws) -> int:
    """Messages waiting for the safeguarding scan (past its watermark, or edited since)."""
    with ws.session() as s:
        state = s.get(ScanState, SCANNER)
        return (_count_after(s, state.last_message_id if state else 0)
                + len(edited_since_scan(s, SCANNER)[0]))


def _count_after(s: Session, start: int) -> int:
    """Messages with an id past `start`. Counting them all (the first scan) reads the
    smallest index; a range of ids reads the table itself, every page of every text, which
    cost a first scan of 200,000 messages a tenth of its time."""
    query = select(func.count()).select_from(Message)
    return s.scalar(query.where(Message.id > start) if start else query) or 0


def rescan_messages(ws, space_id: int, token: CancelToken | None = None) -> Job[dict]:
    """Read one space's whole history again with its current setting (the watermark stays);
    flags already raised for a message and category are not raised again."""
    with ws.session() as s:
        total = s.scalar(select(func.count()).select_from(Message)
                         .where(Message.space_id == space_id))
    return (yield from _scan(ws, token, 0, total, space_id))


def _scan(ws, token: CancelToken | None, start: int, total: int, only_space: int | None
          ) -> Job[dict]:
    """Messages after `start` (of one space, or all of them, moving the watermark)."""
    counts = {"messages": 0, "flags": 0, "skipped_messages": 0}
    counts |= dict.fromkeys(policy.SEVERITIES, 0)
    if not total:  # nothing to read: no detector to build (seconds of word lists and matcher)
        return counts
    # Building the detector and scanning make many objects beside big ones kept: collections
    # that walk them all held the GIL (and so the window) for 60-90 ms at a time.
    with collector_steps() as step:
        with ws.session() as s:
            detector = workspace_detector(s)
            spaces = {sp.id: (sp.audience, sp.visibility) for sp in s.scalars(select(Space))}
        detector.look_alikes = learned_look_alikes(ws)
        with ws.session() as s:
            staff = _staff_identities(s)
            minimum = s.get(Setting, MIN_SEVERITY_KEY)
            min_rank = policy.severity_rank(minimum.value if minimum else "low")
        yield Progress(0, total, "Scanning for safeguarding concerns")
        # The next batch is read (and decrypted, which releases the GIL) on a second thread
        # while this one looks for concerns in the current batch.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="safeguarding-read") as reader:
            upcoming = reader.submit(_read_batch, ws, start, only_space)
            while True:
                rows = upcoming.result()
                if not rows:
                    break
                if token is not None:
                    token.check()
                upcoming = reader.submit(_read_batch, ws, rows[-1][0], only_space)

                def settings(i: int, rows=rows) -> tuple[str, str, bool]:
                    _id, space_id, identity_id, _text = rows[i]
                    return (*spaces.get(space_id, ("general", "closed")), identity_id not in staff)

                found = []
                for i, findings in _detect(detector, rows, settings, counts).items():
                    message_id, space_id, identity_id, text = rows[i]
                    found += [(message_id, space_id, identity_id, text, finding)
                              for finding in findings
                              if policy.severity_rank(finding.severity) >= min_rank]
                with ws.transaction() as s:
                    raised = _raise_flags(ws, s, found)
                    if only_space is None:
                        _set_watermark(s, rows[-1][0])
                counts["messages"] += len(rows)
                counts["flags"] += len(raised)
                for severity in raised:
                    counts[severity] += 1
                step()
                yield Progress(counts["messages"], total, "Scanning for safeguarding concerns")
    return counts


def _detect(detector: Detector, rows: list[tuple], settings, counts: dict
            ) -> dict[int, list[Finding]]:
    """Findings for a batch; if something in it trips the detector, message by message so
    one odd message is skipped (and logged by id) and every other one still flagged."""
    try:
        return detector.detect_many([r[3] for r in rows], settings)
    except Exception as exc:  # its type only: the message could quote a member's text
        log.warning("safeguarding scan: batch failed (%s), retrying message by message",
                    type(exc).__name__)
    out = {}
    for i, row in enumerate(rows):
        try:
            found = detector.detect_many([row[3]], [settings(i)]).get(0)
        except Exception as exc:
            log.warning("safeguarding scan skipped message %s (%s)", row[0], type(exc).__name__)
            counts["skipped_messages"] += 1
            continue
        if found:
            out[i] = found
    return out


def _read_batch(ws, after: int, space_id: int | None = None) -> list[tuple]:
    with ws.session() as s:
        return _batch(s, after, space_id)


def _batch(s: Session, after: int, space_id: int | None = None) -> list[tuple]:
    cursor = s.connection().connection.driver_connection.cursor()
    try:
        if space_id is None:
            cursor.execute(
                "SELECT id, space_id, identity_id, text FROM messages WHERE id > ? "
                "ORDER BY id LIMIT ?",
                (after, BATCH),
            )
        else:
            cursor.execute(
                "SELECT id, space_id, identity_id, text FROM messages WHERE space_id = ? "
                "AND id > ? ORDER BY id LIMIT ?",
                (space_id, after, BATCH),
            )
        return cursor.fetchall()
    finally:
        cursor.close()


def _staff_identities(s: Session) -> set[int]:
    """Identities of staff and bots: their contact details (the office line) are no concern."""
    return set(s.scalars(
        select(Identity.id).join(Person, Person.id == Identity.person_id)
        .where(Identity.is_bot | Person.is_staff | Person.is_bot)
    ))


def _raise_flags(ws, s: Session, found: list[tuple]) -> list[str]:
    """Write one flag per (message, category) not flagged before; returns their severities.
    "Before" is told by the flags' tags (steward.safeguarding.sealed), so a steward's rescan,
    which cannot read a flag, raises nothing twice either."""
    if not found:
        return []
    key = tag_key(s)
    tags = {(f[0], f[4].category): scan_tag(key, f[0], f[4].category) for f in found}
    existing = set(s.scalars(select(Flag.scan_tag).where(Flag.scan_tag.in_(set(tags.values())))))
    people = dict(
        s.execute(
            select(Identity.id, Identity.person_id).where(
                Identity.id.in_({f[2] for f in found if f[2] is not None})
            )
        ).all()
    )
    now = clock.now()
    raised = []
    flag_ids = id_allocator(s, Flag)  # sealed details name their row (steward.safeguarding.sealed)
    for message_id, space_id, identity_id, text, finding in found:
        tag = tags[(message_id, finding.category)]
        if tag in existing:
            continue
        existing.add(tag)
        flag_id = next(flag_ids)
        flag = Flag(
            id=flag_id, status="new", created_at=now, **PLAIN_COLUMNS, scan_tag=tag,
            details_enc=seal_flag(
                ws, flag_id, message_id=message_id, person_id=people.get(identity_id),
                space_id=space_id, category=finding.category, severity=finding.severity,
                due_at=policy.due_at(s, finding.severity, now),
                details=json.loads(_details(finding, text))),
        )
        s.add(flag)
        raised.append(finding.severity)
    s.flush()
    return raised


def _details(finding: Finding, text: str | None) -> str:
    return json.dumps(
        {"source": "scan", "reasons": list(finding.reasons),
         "excerpt": (text or "")[:EXCERPT_CHARS]},
        ensure_ascii=False,
    )


def _set_watermark(s: Session, last_id: int) -> None:
    state = s.get(ScanState, SCANNER)
    if state is None:
        s.add(ScanState(scanner=SCANNER, last_message_id=last_id))
    else:
        state.last_message_id = last_id
