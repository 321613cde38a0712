"""Member lists as CSV: Mailchimp audience exports (the ZIP of subscribed, unsubscribed and
cleaned files, keeping consent and bounce status), Eventbrite attendee reports, and any CSV
with a column mapping the person confirms."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from steward.connectors.base import (
    AuthorRecord,
    ConsentRecord,
    EmailStatusRecord,
    FileUnit,
    ImportOptions,
    MembershipRecord,
    SpaceRecord,
)
from steward.connectors.files import (
    check_file,
    fingerprint_file,
    fingerprint_member,
    is_zip,
    open_zip,
    text_lines,
    zip_member,
)
from steward.errors import BadInput
from steward.normalise import normalise_email

FIELDS = ("email", "name", "first_name", "last_name", "phone", "joined", "group")
MAILCHIMP = {"email": "Email Address", "first_name": "First Name", "last_name": "Last Name",
             "phone": "Phone Number", "joined": "CONFIRM_TIME"}
EVENTBRITE = {"email": "Email", "first_name": "First Name", "last_name": "Last Name",
              "phone": "Cell Phone", "joined": "Order Date", "group": "Event Name"}
_MAILCHIMP_FILE = re.compile(r"(subscribed|unsubscribed|cleaned)_(members|email)", re.I)
_NUMBER_OR_PHONE = re.compile(r"^[+-]?[\d\s().,/-]*$")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M",
                 "%d/%m/%Y", "%m/%d/%Y %I:%M %p", "%Y-%m-%dT%H:%M:%S")


def looks_like_formula(cell: str) -> bool:
    """Spreadsheet programs run cells that start like this; a phone number or sum is fine."""
    if not cell:
        return False
    if cell[0] in "=@\t\r\n":
        return True
    return cell[0] in "+-" and not _NUMBER_OR_PHONE.match(cell)


def _time(text: str | None) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    text = re.sub(r"\s+[A-Z]{2,5}$", "", text)  # a trailing zone name such as "GMT"
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


@contextmanager
def _tables(path: Path):
    """(status, stream, label, fingerprint) for each CSV: one, or each file in a Mailchimp ZIP."""
    check_file(path)
    if is_zip(path):
        with open_zip(path) as archive:
            found = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
            if not found:
                raise BadInput(f"{path} holds no CSV files")

            def members():
                for info in found:
                    m = _MAILCHIMP_FILE.search(info.filename.rsplit("/", 1)[-1])
                    label = f"{path}: {info.filename}"
                    with zip_member(archive, info.filename, label) as f:
                        yield (m.group(1).lower() if m else None), f, label, \
                            fingerprint_member(info)

            yield members()
        return

    def single():
        m = _MAILCHIMP_FILE.search(path.name)
        with open(path, "rb") as f:
            yield (m.group(1).lower() if m else None), f, str(path), fingerprint_file(path)

    yield single()


def _rows(f, label: str) -> Iterator[tuple[int, dict[str, str]]]:
    lines = (line for _, line in text_lines(f, label, "a CSV file"))
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise BadInput(f"{label} has no header row")
        header = [h.strip() for h in header]
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            for column, cell in zip(header, row, strict=False):
                if looks_like_formula(cell):
                    raise BadInput(
                        f"{label}, line {reader.line_num}, column {column!r}: {cell[:24]!r} "
                        "looks like a spreadsheet formula; Steward will not take it in — "
                        "remove it from the file and import again")
            yield reader.line_num, dict(zip(header, row, strict=False))
    except csv.Error as err:
        raise BadInput(f"{label}, line {reader.line_num}: not a readable CSV row ({err})") from None


def _mapping(header: Sequence[str], options: ImportOptions, label: str) -> tuple[str, dict]:
    if options.column_map:
        missing = [c for c in options.column_map.values() if c not in header]
        if missing:
            raise BadInput(f"{label} has no column {missing[0]!r}; its columns are: "
                           f"{', '.join(header)}")
        return "custom", dict(options.column_map)
    if "Email Address" in header and ("MEMBER_RATING" in header or "LEID" in header):
        return "mailchimp", MAILCHIMP
    if "Attendee #" in header and "Email" in header:
        return "eventbrite", EVENTBRITE
    lower = {h.lower(): h for h in header}
    guess = {f: lower[f.replace("_", " ")] for f in FIELDS if f.replace("_", " ") in lower}
    if "email" not in guess and "e-mail" in lower:
        guess["email"] = lower["e-mail"]
    if "email" in guess and ("name" in guess or "first_name" in guess):
        return "generic", guess
    raise BadInput(f"{label}: the columns are not a known member list; say which column is "
                   f"which (e.g. --map email='E-mail' --map name='Full name'); its columns are: "
                   f"{', '.join(header)}")


class MemberList:
    kind = "members-csv"
    platform = "members"
    title = "Member list (CSV; Mailchimp, Eventbrite or any spreadsheet)"
    file_patterns = ("*.csv", "*.zip")
    how_to_export = (
        "Mailchimp: Audience → All contacts → Export Audience; choose the ZIP it gives you "
        "(subscribed, unsubscribed and cleaned files — consent and bounces are kept).\n"
        "Eventbrite: Reports → Attendee summary → Export → CSV.\n"
        "Any spreadsheet: save as CSV (UTF-8) with a header row; you will confirm which column "
        "is the email, the name and the phone.")

    def source_name(self, paths: Sequence[Path], options: ImportOptions) -> str:
        return f"Members: {options.space_name or _list_name(Path(paths[0]))}"

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator:
        spaces: set[str] = set()
        for path in map(Path, paths):
            default_group = options.space_name or _list_name(path)
            with _tables(path) as tables:
                for status, f, label, fingerprint in tables:
                    yield FileUnit(label, fingerprint)
                    if fingerprint in skip:
                        continue
                    yield from _table(status, f, label, default_group, spaces, options)


def _list_name(path: Path) -> str:
    stem = re.sub(r"_?(members|email)?_?export.*$", "", path.stem, flags=re.I)
    return stem.replace("_", " ").strip() or path.stem


def _table(status: str | None, f, label: str, default_group: str, spaces: set[str],
           options: ImportOptions) -> Iterator:
    mapping: dict | None = None
    preset = ""
    members = 0
    for _line, row in _rows(f, label):
        if mapping is None:
            preset, mapping = _mapping(list(row), options, label)
        values = {f: (row.get(column) or "").strip() for f, column in mapping.items()}
        get = values.get
        email = get("email", "")
        if not normalise_email(email) or "@" not in email:
            continue  # a row without an address is not a member we can keep
        pid = normalise_email(email)
        name = get("name") or " ".join(p for p in (get("first_name"), get("last_name")) if p)
        group = get("group") or default_group
        if group not in spaces:
            spaces.add(group)
            yield SpaceRecord(group, group, "list", "closed")
        joined = _time(get("joined")) or _time(row.get("OPTIN_TIME"))
        yield AuthorRecord(pid, name or email, email=email, phone=get("phone") or None,
                           joined_at=joined)
        members += 1
        if preset != "mailchimp":
            yield MembershipRecord(group, pid, joined_at=joined)
            continue
        state = status or "subscribed"
        left = _time(row.get("UNSUB_TIME")) or _time(row.get("CLEAN_TIME"))
        yield MembershipRecord(group, pid, status="active" if state == "subscribed" else "left",
                               joined_at=joined, left_at=left)
        if joined:
            yield ConsentRecord(pid, "given", joined, wording="Mailchimp opt-in")
        if state == "unsubscribed" and left:
            yield ConsentRecord(pid, "withdrawn", left,
                                wording=row.get("UNSUB_REASON") or "Unsubscribed in Mailchimp")
        yield EmailStatusRecord(email, state, left or _time(row.get("LAST_CHANGED")))
    # A Mailchimp ZIP may hold an empty list (no one cleaned, say); a lone CSV with nobody in
    # it is the wrong file.
    if members == 0 and status is None:
        raise BadInput(f"{label} has no member rows with an email address")
