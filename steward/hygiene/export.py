"""Safe member exports: presets, columns a profile may see, formula-proof CSV and XLSX.

- *volunteer* preset: name, platform handles, masked email, consent state, last active;
  *steward* preset: full contact. A volunteer profile may only use the volunteer preset and
  its columns; asking for more is refused with the column named.
- People whose latest consent event is `withdrawn`, erased people and bots never appear.
  Safeguarding data is never read here.
- Any text cell starting with = + - @, tab, CR or LF gets a leading `'` so a spreadsheet shows
  it as text instead of running it. CSV is UTF-8 with a BOM (Excel reads it); XLSX is written
  by xlsxwriter with formulas and URLs off, plus an "About this export" sheet.
- A purpose is required; the export (who, when, purpose, filter, row count) goes in the audit
  chain. The file is built in memory (no library temp files: XlsxWriter's own would hold
  member data in plaintext in /tmp), then written to a temporary name in the target folder
  and renamed, so a failure, SIGTERM or SIGKILL never leaves half a file or a stray copy.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from steward import clock
from steward.errors import AccessDenied, BadInput, StewardError
from steward.hygiene.people import CONSENT_SQL, PeopleFilter, _parse_time, _where
from steward.jobs import CancelToken, Job, Progress, run_to_end
from steward.normalise import mask_email
from steward.store import audit
from steward.workspace import Workspace

COLUMNS = {  # key: (heading, a volunteer may see it)
    "person_id": ("Steward id", True),
    "display_name": ("Name", True),
    "handles": ("Platform handles", True),
    "platforms": ("Platforms", True),
    "masked_email": ("Email (masked)", True),
    "consent": ("Consent", True),
    "last_active": ("Last active", True),
    "email": ("Email", False),
    "phone": ("Phone", False),
    "programme": ("Programme", False),
    "tags": ("Tags", False),
}
PRESETS = {
    "volunteer": ("display_name", "handles", "masked_email", "consent", "last_active"),
    "steward": ("person_id", "display_name", "handles", "email", "phone", "platforms",
                "programme", "tags", "consent", "last_active"),
}
FORMATS = ("csv", "xlsx")
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
CHUNK = 5000


@dataclass(frozen=True)
class ExportRequest:
    preset: str
    format: str
    out: Path
    purpose: str
    columns: tuple[str, ...] | None = None  # None: the preset's columns
    filter: PeopleFilter = field(default_factory=PeopleFilter)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    columns: tuple[str, ...]


def neutralise(value: str) -> str:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    return "'" + value if value.startswith(RISKY_STARTS) else value


def allowed_columns(role: str) -> tuple[str, ...]:
    """The columns a profile with this role may export."""
    return tuple(k for k, (_, volunteer_ok) in COLUMNS.items()
                 if volunteer_ok or role != "volunteer")


def check_request(ws: Workspace, req: ExportRequest) -> tuple[str, ...]:
    """Refuse what this profile may not do; returns the columns to write."""
    role = ws.profile.role
    if req.preset not in PRESETS:
        raise BadInput(f"unknown export preset {req.preset!r}: choose {', '.join(PRESETS)}")
    if req.format not in FORMATS:
        raise BadInput(f"unknown export format {req.format!r}: choose {', '.join(FORMATS)}")
    if not req.purpose or not req.purpose.strip():
        raise BadInput("an export needs a purpose (for example: ping list for the May catch-up)")
    if role == "volunteer" and req.preset != "volunteer":
        raise AccessDenied(f"profile {ws.profile.name} is a volunteer profile: only the "
                           "volunteer preset can be exported")
    columns = tuple(req.columns) if req.columns else PRESETS[req.preset]
    allowed = allowed_columns(role)
    for col in columns:
        if col not in COLUMNS:
            raise BadInput(f"unknown export column {col!r}: choose from {', '.join(allowed)}")
        if col not in allowed:
            raise AccessDenied(f"column {col!r} is not available to {role} profiles: "
                               f"choose from {', '.join(allowed)}")
    if req.filter.consent == "withdrawn":
        raise BadInput("people who withdrew consent are never exported")
    export_target(req)
    return columns


def export_target(req: ExportRequest) -> Path:
    """The file the export will write (with the format's suffix); refused if it cannot be."""
    target = Path(req.out).expanduser()
    if target.suffix.lower() != f".{req.format}":
        target = target.with_name(target.name + f".{req.format}")
    if not target.parent.is_dir():
        raise StewardError(f"cannot write {target}: the folder {target.parent} does not exist")
    if target.is_dir():
        raise StewardError(f"cannot write {target}: it is a folder")
    return target


def _people_rows(ws: Workspace, f: PeopleFilter, columns: tuple[str, ...],
                 token: CancelToken | None) -> Iterator[list[str]]:
    """Rows of text, one person at a time, read in chunks by id (memory stays flat)."""
    where, params = _where(f)
    where += f" AND coalesce({CONSENT_SQL}, 'none') <> 'withdrawn'"
    after = 0
    with ws.session() as s:
        conn = s.connection()
        while True:
            if token is not None:
                token.check()
            # NOT INDEXED: each chunk is a range of ids; on the bot index SQLite read every
            # person past `after` and sorted them, for each chunk (quadratic in people).
            people = conn.execute(text(
                f"SELECT p.id, p.display_name, p.programme, coalesce({CONSENT_SQL}, 'none') "
                f"FROM persons p NOT INDEXED WHERE {where} AND p.id > :after "
                "ORDER BY p.id LIMIT :n"),
                {**params, "after": after, "n": CHUNK}).all()
            if not people:
                return
            lo, hi = people[0][0], people[-1][0]
            span = {"lo": lo, "hi": hi}
            idents: dict[int, list] = {}
            for row in conn.execute(text(
                "SELECT i.person_id, so.platform, i.handle, i.email, i.phone_e164, i.phone "
                "FROM identities i JOIN sources so ON so.id = i.source_id "
                "WHERE i.person_id BETWEEN :lo AND :hi AND i.is_bot = 0 ORDER BY i.id"), span):
                idents.setdefault(row[0], []).append(row)
            last: dict[int, str] = {}
            if "last_active" in columns:  # each identity's latest message, one index seek
                for pid, at in conn.execute(text(
                        "SELECT i.person_id, (SELECT max(m.created_at) FROM messages m "
                        "WHERE m.identity_id = i.id) FROM identities i "
                        "WHERE i.person_id BETWEEN :lo AND :hi"), span):
                    if at is not None and (pid not in last or at > last[pid]):
                        last[pid] = at
            tags: dict[int, list[str]] = {}
            if "tags" in columns:
                for pid, name in conn.execute(text(
                    "SELECT pt.person_id, t.name FROM person_tags pt JOIN tags t "
                    "ON t.id = pt.tag_id WHERE pt.person_id BETWEEN :lo AND :hi "
                    "ORDER BY t.name"), span):
                    tags.setdefault(pid, []).append(name)
            for pid, name, programme, consent in people:
                mine = idents.get(pid, [])
                emails = list(dict.fromkeys(r[3] for r in mine if r[3]))
                phones = list(dict.fromkeys(r[4] or r[5] for r in mine if r[4] or r[5]))
                seen = _parse_time(last.get(pid))
                values = {
                    "person_id": str(pid),
                    "display_name": name or "",
                    "handles": "; ".join(f"{r[1]}: {r[2]}" for r in mine if r[2]),
                    "platforms": ", ".join(sorted({r[1] for r in mine})),
                    "masked_email": mask_email(emails[0] if emails else None),
                    "consent": {"none": "not recorded"}.get(consent, consent),
                    "last_active": seen.strftime("%Y-%m-%d") if seen else "",
                    "email": "; ".join(emails),
                    "phone": "; ".join(phones),
                    "programme": programme or "",
                    "tags": ", ".join(tags.get(pid, [])),
                }
                yield [neutralise(values[c]) for c in columns]
            after = hi


def _open_temp(target: Path, suffix: str) -> Path:
    folder = target.parent
    try:
        fd, name = tempfile.mkstemp(prefix=".steward-export-", suffix=suffix, dir=folder)
    except OSError as err:
        raise StewardError(f"cannot write to {folder}: {err.strerror or err}") from None
    os.close(fd)
    return Path(name)


def export_members_job(
    ws: Workspace, req: ExportRequest, token: CancelToken | None = None
) -> Job[ExportResult]:
    """Job: write the member list as the request says; returns where and how many rows."""
    columns = check_request(ws, req)
    target = export_target(req)
    when = clock.now()
    total = None
    yield Progress(0, total, "Exporting members")
    tmp: Path | None = None
    try:
        rows = 0
        headings = [COLUMNS[c][0] for c in columns]
        # Built in memory: no library temp file ever holds member data, and nothing exists
        # beside the target until the finished bytes are written in one go (a killed export
        # leaves nothing readable behind; SIGTERM and failures remove the partial file).
        if req.format == "csv":
            text_out = io.StringIO(newline="")
            writer = csv.writer(text_out)
            writer.writerow(headings)
            for row in _people_rows(ws, req.filter, columns, token):
                writer.writerow(row)
                rows += 1
                if rows % CHUNK == 0:
                    yield Progress(rows, total, "Exporting members")
            payload = text_out.getvalue().encode("utf-8-sig")
            del text_out
        else:
            data = io.BytesIO()
            rows = yield from _write_xlsx(ws, req, data, headings, columns, when, token)
            payload = data.getvalue()
            del data
        tmp = _open_temp(target, f".{req.format}")
        with open(tmp, "wb") as fh:
            fh.write(payload)
        del payload
        with ws.transaction() as s:
            audit.record(s, ws.actor, "members.export", None, None, preset=req.preset,
                         format=req.format, columns=list(columns), rows=rows,
                         filter=req.filter.describe(), purpose=req.purpose.strip()[:300],
                         role=ws.profile.role)
            try:
                os.replace(tmp, target)
            except OSError as err:
                raise StewardError(f"cannot write {target}: {err.strerror or err}") from None
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    yield Progress(rows, rows, "Export written")
    return ExportResult(target, rows, columns)


def _write_xlsx(ws, req, out: io.BytesIO, headings, columns, when: datetime,
                token) -> Job[int]:
    import xlsxwriter

    # in_memory: XlsxWriter's constant_memory mode writes each sheet as plaintext temp files
    # (in /tmp unless told otherwise) that a killed export leaves behind.
    book = xlsxwriter.Workbook(out, {
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "in_memory": True,
    })
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("Members")
    sheet.write_row(0, 0, headings, bold)
    rows = 0
    for row in _people_rows(ws, req.filter, columns, token):
        rows += 1
        sheet.write_row(rows, 0, row)
        if rows % CHUNK == 0:
            yield Progress(rows, None, "Exporting members")
    about = book.add_worksheet("About this export")
    facts = [
        ("Exported by", f"{ws.actor} ({ws.profile.role})"),
        ("When (UTC)", when.strftime("%Y-%m-%d %H:%M:%S")),
        ("Purpose", neutralise(req.purpose.strip())),
        ("Preset", req.preset),
        ("Columns", ", ".join(columns)),
        ("Filter", json.dumps(req.filter.describe(), sort_keys=True) or "{}"),
        ("Rows", str(rows)),
        ("Workspace", neutralise(ws.name)),
        ("Note", "People who withdrew consent are never included. Do not share further."),
    ]
    for n, (label, value) in enumerate(facts):
        about.write_string(n, 0, label, bold)
        about.write_string(n, 1, value)
    try:
        book.close()
    except OSError as err:
        raise StewardError(f"cannot write {req.out}: {err.strerror or err}") from None
    return rows


def export_members(ws: Workspace, req: ExportRequest) -> ExportResult:
    """Export the member list (the command line's and tests' way in)."""
    return run_to_end(export_members_job(ws, req))


def ping_list_request(out: Path, purpose: str, days: int, fmt: str = "csv",
                      preset: str = "volunteer") -> ExportRequest:
    """An export of lapsed members to get back in touch with."""
    return ExportRequest(preset, fmt, Path(out), purpose,
                         filter=replace(PeopleFilter(), lapsed=True, lapsed_days=days))
