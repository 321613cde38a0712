"""The case record for a referral (e.g. to the local authority): chronology, notes, decisions
and timestamps, assembled here and written as PDF through `steward.pdf` (embedded fonts, shaped
text) by the command line and the desktop alike. Every export goes into the audit chain."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from steward import clock
from steward.errors import BadInput, StewardError
from steward.safe_write import replaced_when_done
from steward.safeguarding.access import require_lead
from steward.safeguarding.cases import chronology
from steward.safeguarding.flags import flag_detail
from steward.safeguarding.policy import CATEGORY_TITLES
from steward.store import audit


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[str]


@dataclass(frozen=True)
class CaseRecord:
    title: str
    prepared_by: str
    prepared_at: datetime
    workspace: str
    sections: list[Section]

    def as_text(self) -> str:
        out = [self.title, f"Prepared by {self.prepared_by} on {_t(self.prepared_at)} UTC "
               f"from the workspace {self.workspace}.", "CONFIDENTIAL: safeguarding record.", ""]
        for section in self.sections:
            out += [section.heading, *section.lines, ""]
        return "\n".join(out)

    def as_html(self) -> str:
        parts = [
            f"<h1>{html.escape(self.title)}</h1>",
            f"<p>Prepared by {html.escape(self.prepared_by)} on {_t(self.prepared_at)} UTC "
            f"from the workspace {html.escape(self.workspace)}.<br/>"
            "<b>CONFIDENTIAL: safeguarding record.</b></p>",
        ]
        for section in self.sections:
            parts.append(f"<h2>{html.escape(section.heading)}</h2>")
            parts += [f"<p>{html.escape(line)}</p>" for line in section.lines]
        return "\n".join(parts)


def _t(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else "—"


def flag_record(ws, flag_id: int) -> CaseRecord:
    """The record of one flag: the concern, the message, every entry, then the person's
    chronology across platforms."""
    require_lead(ws)
    d = flag_detail(ws, flag_id)
    r = d.row
    concern = [
        f"Flag {r.id}: {CATEGORY_TITLES.get(r.category, r.category)}, severity {r.severity}.",
        f"Raised {_t(r.created_at)}; triage due {_t(r.due_at)}; status {r.status}"
        + (f"; assigned to {r.assigned_to}" if r.assigned_to else "") + ".",
        f"Where: {r.space or '—'} ({r.platform or '—'}), message {r.message_platform_id or '—'}"
        f" posted {_t(d.message_at)}.",
        f"Person: {r.person or 'unknown'}" + (f" (id {r.person_id})" if r.person_id else ""),
    ]
    if d.reasons:
        concern.append("Why it was flagged: " + "; ".join(d.reasons))
    if d.handover_note:
        concern.append(f"Handed over by {d.handed_over_by}: {d.handover_note}")
    if d.outcome:
        concern.append(f"Outcome: {d.outcome.get('outcome')}"
                       + (f" (reason: {d.outcome['reason']})" if d.outcome.get("reason") else ""))
    sections = [Section("The concern", concern)]
    if d.message_text is not None:
        sections.append(Section("The message, as posted", [d.message_text]))
    sections.append(Section("Case entries (append-only; corrections point at what they amend)", [
        f"[{_t(e.at)}] #{e.id} {e.author}: {e.summary}"
        + (f" (amended by #{', #'.join(map(str, e.amended_by))})" if e.amended_by else "")
        for e in d.entries
    ] or ["No entries yet."]))
    if r.person_id is not None:
        sections += _chronology_sections(ws, r.person_id)
    return CaseRecord(f"Safeguarding case record: flag {r.id}", ws.actor, clock.now(),
                      ws.name, sections)


def person_record(ws, person_id: int) -> CaseRecord:
    """The record of everything about one person."""
    require_lead(ws)
    sections = _chronology_sections(ws, person_id)
    return CaseRecord(f"Safeguarding chronology: person {person_id}", ws.actor, clock.now(),
                      ws.name, sections)


def _chronology_sections(ws, person_id: int) -> list[Section]:
    c = chronology(ws, person_id)
    who = [f"{c.person} (person {c.person_id})"] + [
        f"Identity on {platform}: {name}" for platform, name in c.identities
    ]
    lines = []
    for item in c.items:
        place = " ".join(x for x in (item.platform, item.space) if x)
        where = f" [{place}]" if place else ""
        by = f" by {item.author}" if item.author else ""
        lines.append(f"{_t(item.at)} {item.title}{by}{where}: {item.text}")
    return [Section("Person", who), Section("Chronology across all platforms", lines or ["—"])]


CONFIDENTIAL_HEADER = ("CONFIDENTIAL — safeguarding case record. Share only with those who "
                       "need to know.")


def write_pdf(record: CaseRecord, path: Path) -> None:
    """The record as an A4 PDF with embedded fonts: every character quoted as posted."""
    from steward import pdf

    subtitle = (f"Prepared by {record.prepared_by} on {_t(record.prepared_at)} UTC from the "
                f"workspace {record.workspace}. CONFIDENTIAL: safeguarding record.")
    pdf.write_document(record.title, subtitle,
                       [pdf.Section(s.heading, s.lines) for s in record.sections], path,
                       footer="Confidential safeguarding record", header=CONFIDENTIAL_HEADER)


def export_case_record(
    ws,
    path: Path,
    *,
    flag_id: int | None = None,
    person_id: int | None = None,
    writer: Callable[[CaseRecord, Path], None] = write_pdf,
) -> CaseRecord:
    """Assemble the record of a flag or a person, write it with `writer` and log the export."""
    require_lead(ws)
    if (flag_id is None) == (person_id is None):
        raise BadInput("export the record of one flag or of one person")
    path = Path(path)
    if not path.parent.is_dir():
        raise BadInput(f"{path.parent} is not a folder")
    record = flag_record(ws, flag_id) if flag_id is not None else person_record(ws, person_id)
    try:
        with replaced_when_done(path) as tmp:  # a failed write leaves no partial record
            writer(record, tmp)
    except OSError as err:
        raise StewardError(f"could not write {path}: {err.strerror or err}") from None
    log_export(ws, record, flag_id=flag_id, person_id=person_id)
    return record


def log_export(ws, record: CaseRecord, *, flag_id: int | None = None,
               person_id: int | None = None) -> None:
    """Write an export of a case record into the audit chain (ids and counts only)."""
    require_lead(ws)
    subject = ("flag", flag_id) if flag_id is not None else ("person", person_id)
    with ws.transaction() as s:
        audit.record(s, ws.actor, "safeguarding.export", *subject,
                     sections=len(record.sections))
