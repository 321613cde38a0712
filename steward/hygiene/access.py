"""Subject access: everything Steward holds about one person, in a file they can read.

The report covers the person and every identity linked to them (platform, account id, handle,
name, email, phone, when they joined), what member lists said (address, postcode, date of
birth, notes), group memberships, the consent ledger with purposes and expiry, mailing-list
status, tags and cohorts, notes, 1:1s and follow-ups, merges, moderation items about them,
and every message they wrote (date, space, text). Safeguarding records are sealed for the
safeguarding leads (even which person they concern) and are not opened here: the report says
so, and a lead checks them and weighs exemptions before any disclosure. The file is UTF-8
text (Markdown), or JSON when the name ends in `.json`. It is written beside its target and
renamed when complete, and the request is in the audit chain with ids and counts only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from steward import clock
from steward.errors import BadInput, StewardError
from steward.safe_write import replaced_when_done
from steward.store import audit
from steward.workspace import Workspace


@dataclass(frozen=True)
class AccessReport:
    path: Path
    identities: int
    messages: int
    sections: int


def _rows(s, sql: str, **params) -> list[dict]:
    result = s.execute(text(sql), params)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return value


def gather(ws: Workspace, person_id: int) -> dict:
    """Everything held about a person, as plain data (sections of rows)."""
    with ws.session() as s:
        person = _rows(s, "SELECT id, display_name, programme, is_staff, created_at, erased_at "
                          "FROM persons WHERE id = :p", p=person_id)
        if not person:
            raise BadInput(f"person {person_id} does not exist")
        ids = "SELECT id FROM identities WHERE person_id = :p"
        data = {
            "person": person,
            "identities": _rows(
                s, "SELECT i.id AS identity, s.platform, s.name AS source, i.platform_id, "
                   "i.handle, i.display_name, i.email, i.phone, i.joined_at FROM identities i "
                   "JOIN sources s ON s.id = i.source_id WHERE i.person_id = :p ORDER BY i.id",
                p=person_id),
            "member list details": _rows(
                s, "SELECT identity_id AS identity, first_name, last_name, address, town, "
                   f"postcode, date_of_birth, notes FROM member_details WHERE identity_id IN "
                   f"({ids})", p=person_id),
            "memberships": _rows(
                s, "SELECT sp.name AS space, m.role, m.status, m.joined_at, m.left_at, "
                   "m.request_text FROM memberships m JOIN spaces sp ON sp.id = m.space_id "
                   f"WHERE m.identity_id IN ({ids}) ORDER BY m.joined_at", p=person_id),
            "consent": _rows(
                s, "SELECT at, state, purpose, basis, expires_at, source, wording FROM consents "
                   "WHERE person_id = :p ORDER BY at, id", p=person_id),
            "mailing-list status": _rows(
                s, "SELECT e.email_normalised AS email, e.status, e.at FROM email_statuses e "
                   "WHERE e.email_normalised IN (SELECT email_normalised FROM identities "
                   "WHERE person_id = :p)", p=person_id),
            "tags": _rows(s, "SELECT t.name AS tag FROM person_tags pt JOIN tags t ON "
                             "t.id = pt.tag_id WHERE pt.person_id = :p", p=person_id),
            "cohorts": _rows(s, "SELECT c.name AS cohort, c.kind FROM cohort_members cm JOIN "
                                "cohorts c ON c.id = cm.cohort_id WHERE cm.person_id = :p",
                             p=person_id),
            "notes": _rows(s, "SELECT at, author, text FROM notes WHERE subject_type = 'person' "
                              "AND subject_id = :p ORDER BY at", p=person_id),
            "one-to-ones": _rows(s, "SELECT o.at, o.channel, o.agenda_set_by, o.notes, "
                                    "o.recorded_by, (SELECT group_concat(f.text, ' | ') FROM "
                                    "follow_ups f WHERE f.one_to_one_id = o.id) AS follow_ups "
                                    "FROM one_to_ones o WHERE o.person_id = :p ORDER BY o.at",
                                 p=person_id),
            "merges": _rows(s, "SELECT id AS merge, at, actor, undone_at FROM merges WHERE "
                               "into_person_id = :p ORDER BY id", p=person_id),
            "moderation": _rows(
                s, "SELECT q.kind, q.status, q.created_at FROM queue_items q WHERE "
                   f"q.identity_id IN ({ids}) OR q.message_id IN (SELECT id FROM messages "
                   f"WHERE identity_id IN ({ids})) ORDER BY q.created_at", p=person_id),
            "messages": _rows(
                s, "SELECT m.created_at, sp.name AS space, m.kind, m.deleted, m.text FROM "
                   "messages m JOIN spaces sp ON sp.id = m.space_id WHERE m.identity_id IN "
                   f"({ids}) ORDER BY m.created_at, m.id", p=person_id),
        }
    # Which person a safeguarding flag is about is sealed under the safeguarding key, which
    # this report does not use: the lead looks, and weighs exemptions, before disclosure.
    data["safeguarding"] = [{"note": (
        "safeguarding records are sealed for the safeguarding leads and are not in this "
        "file; a lead checks them (steward safeguarding chronology PERSON) and reviews "
        "exemptions before anything is disclosed")}]
    return {k: [{c: _plain(v) for c, v in row.items()} for row in rows]
            for k, rows in data.items()}


def _markdown(person_id: int, data: dict) -> str:
    who = data["person"][0]
    lines = [f"# Information held about {who['display_name']} (Steward person {person_id})", "",
             f"Prepared {clock.now():%Y-%m-%d %H:%M} UTC in answer to a subject access "
             "request. Each section lists what is held; an empty section holds nothing.", ""]
    for section, rows in data.items():
        lines += [f"## {section.capitalize()} ({len(rows)})", ""]
        for row in rows:
            parts = [f"{k.replace('_', ' ')}: {v}" for k, v in row.items()
                     if v not in (None, "") and k != "text"]
            line = "- " + "; ".join(parts)
            if row.get("text"):
                line += "\n  > " + str(row["text"]).replace("\n", "\n  > ")
            lines.append(line)
        lines.append("")
    return "\n".join(lines)


def subject_access(ws: Workspace, person_id: int, out: Path | str) -> AccessReport:
    """Write everything held about a person to `out` (Markdown text, or JSON for `.json`)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise BadInput(f"{out.parent} is not a folder")
    data = gather(ws, person_id)
    body = (json.dumps(data, ensure_ascii=False, indent=2) if out.suffix.lower() == ".json"
            else _markdown(person_id, data))
    try:
        with replaced_when_done(out) as tmp:
            tmp.write_text(body, encoding="utf-8")
    except OSError as err:
        raise StewardError(f"could not write {out}: {err.strerror or err}") from None
    with ws.transaction() as s:
        audit.record(s, ws.actor, "person.subject_access", "person", person_id,
                     identities=len(data["identities"]), messages=len(data["messages"]))
    return AccessReport(out, len(data["identities"]), len(data["messages"]), len(data))
