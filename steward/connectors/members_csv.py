"""Member lists as CSV: the lists charities keep, with or without email addresses.

Mailchimp audience exports (the ZIP of subscribed, unsubscribed and cleaned files, keeping
consent and bounce status), Eventbrite attendee reports, Beacon- or Salesforce-style CRM
exports, plain sign-up sheets and service-user registers. Columns are recognised by their usual
headings ("E-mail", "Email Address", "Surname", "Mobile", "Post code", "DOB", …) or named with
`--map FIELD=COLUMN`. UTF-8 (with or without BOM), UTF-16 with BOM and Windows-1252 files are
read; commas, semicolons and tabs are told apart by the header row.

A cell that a spreadsheet would run as a formula (`=HYPERLINK(…)`) is kept as the text it is;
exports neutralise it (see `steward.hygiene.export`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from steward import clock
from steward.connectors.base import (
    AuthorRecord,
    ConsentRecord,
    CutShort,
    EmailStatusRecord,
    FileUnit,
    ImportOptions,
    MemberDetailsRecord,
    MembershipRecord,
    SpaceRecord,
)
from steward.connectors.files import (
    check_file,
    fingerprint_file,
    fingerprint_member,
    is_zip,
    open_zip,
    zip_member,
)
from steward.errors import BadInput
from steward.normalise import normalise_email, normalise_phone

FIELDS = ("id", "email", "phone", "name", "first_name", "last_name", "address", "town",
          "postcode", "date_of_birth", "joined", "group", "notes")
IDENTIFYING = ("name", "first_name", "last_name", "email", "phone", "id")
MAX_LIST_BYTES = 512 << 20  # a 100,000-member list is about 20 MB

# Usual headings for each field, compared after `_heading_key` (case, spaces and punctuation
# ignored: "E-mail", "e mail" and "EMAIL" are one key).
SPELLINGS: dict[str, tuple[str, ...]] = {
    "id": ("id", "member id", "member number", "membership number", "membership no",
           "member no", "member ref", "contact id", "record id", "supporter id",
           "constituent id", "beacon id", "person id", "unique id", "attendee #",
           "attendee id", "reference", "ref", "client id", "service user id"),
    "email": ("email", "e-mail", "email address", "e-mail address", "email addr",
              "primary email", "personal email", "email 1", "contact email", "your email"),
    "phone": ("phone", "phone number", "mobile", "mobile number", "mobile phone", "mobile no",
              "cell phone", "cell", "telephone", "telephone number", "tel", "tel no",
              "contact number", "home phone", "primary phone", "phone 1", "your phone",
              "whatsapp number"),
    "name": ("name", "full name", "your name", "member name", "contact name", "attendee name",
             "participant name", "client name", "service user name"),
    "first_name": ("first name", "forename", "forenames", "given name", "first",
                   "christian name", "fname", "preferred name", "known as"),
    "last_name": ("last name", "surname", "family name", "last", "lname"),
    "address": ("address", "street", "street address", "address 1", "address line 1",
                "mailing street", "home address", "home address 1", "billing address 1",
                "address1", "house number and street", "postal address"),
    "town": ("town", "city", "town/city", "town or city", "mailing city", "home city",
             "billing city", "suburb", "locality", "village"),
    "postcode": ("postcode", "post code", "postal code", "zip", "zip code", "postcode/zip",
                 "mailing zip/postal code", "mailing postal code", "home zip", "home postcode",
                 "billing zip", "billing postcode"),
    "date_of_birth": ("date of birth", "dob", "d.o.b.", "birthdate", "birth date", "birthday"),
    "joined": ("joined", "date joined", "join date", "joined on", "member since", "start date",
               "created", "created date", "created at", "date created", "sign up date",
               "signup date", "registered", "date registered", "registration date",
               "confirm_time", "optin_time", "order date", "date"),
    "group": ("group", "groups", "list", "team", "branch", "event name", "event", "project",
              "programme", "service"),
    "notes": ("notes", "note", "comments", "comment", "description", "additional info"),
}
# Later address lines join the first one ("Address 2", "Address line 3", "Home Address 2").
_ADDRESS_MORE = re.compile(r"^(home|billing|mailing)?address(line)?[2-4]$")
_MAILCHIMP_FILE = re.compile(r"(subscribed|unsubscribed|cleaned)_(members|email)", re.I)
_NUMBER_OR_PHONE = re.compile(r"^[+-]?[\d\s().,/-]*$")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M",
                 "%d/%m/%Y", "%m/%d/%Y %I:%M %p", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S")
_MONTHS = {m: n for n, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for m in names}
LIST_KINDS = {"mailchimp": "Mailchimp audience", "eventbrite": "Eventbrite attendees",
              "crm": "CRM export (Beacon / Salesforce style)", "sheet": "sign-up sheet or register",
              "custom": "your column mapping"}


def looks_like_formula(cell: str) -> bool:
    """Spreadsheet programs run cells that start like this; a phone number or sum is fine."""
    if not cell:
        return False
    if cell[0] in "=@\t\r\n":
        return True
    return cell[0] in "+-" and not _NUMBER_OR_PHONE.match(cell)


def _heading_key(heading: str) -> str:
    return re.sub(r"[^a-z0-9#]", "", heading.lower())


_KEYS = {field: {_heading_key(s) for s in spellings} for field, spellings in SPELLINGS.items()}


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


def parse_birth_date(text: str | None) -> date | None:
    """A date of birth in the usual UK forms: 31/12/1980, 31-12-80, 31.12.1980, 1980-12-31,
    19801231, 31 Dec 1980, 31st December 1980, December 31, 1980. Day first when ambiguous."""
    text = (text or "").strip().lower()
    if not text:
        return None
    today = clock.now().date()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t].*)?", text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif (m := re.fullmatch(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})(?: .*)?", text)):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        if mo > 12 >= d:  # only month/day reads it
            d, mo = mo, d
    elif (m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif (m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?[ -]([a-z]+)\.?,?[ -](\d{2}|\d{4})",
                            text)) and m[2] in _MONTHS:
        d, mo, y = int(m[1]), _MONTHS[m[2]], int(m[3])
    elif (m := re.fullmatch(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})", text)) \
            and m[1] in _MONTHS:
        mo, d, y = _MONTHS[m[1]], int(m[2]), int(m[3])
    else:
        return None
    if y < 100:  # 85 → 1985, 07 → 2007: no one is born in the future
        y += 2000 if 2000 + y <= today.year else 1900
    try:
        born = date(y, mo, d)
    except ValueError:
        return None
    return born if date(1890, 1, 1) <= born <= today else None


# --- reading the file ---------------------------------------------------------------------


def decode_table(data: bytes, label: str) -> str:
    """The file's text: UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1252 when the bytes
    are not UTF-8 but read as it. NUL characters are dropped."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise BadInput(f"{label}: damaged UTF-16 text; export it again") from None
    else:
        head = data[:4096]
        if head and head.count(0) * 4 > len(head):
            raise BadInput(f"{label} looks like UTF-16 text without a byte-order mark; save it "
                           "as CSV UTF-8 and import again")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                line = data[:err.start].count(b"\n") + 1
                raise BadInput(f"{label}, line {line}: neither UTF-8 nor Windows text; save it "
                               "as CSV UTF-8 and import again") from None
    return text.replace("\x00", "") if "\x00" in text else text


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one that splits the header row into the most columns."""
    first = text.split("\n", 1)[0]
    best, most = ",", 1
    for sep in (",", ";", "\t"):
        try:
            n = len(next(csv.reader([first], delimiter=sep), []))
        except csv.Error:
            continue
        if n > most:
            best, most = sep, n
    return best


def _rows(data: bytes, label: str, ending: dict | None = None,
          ) -> Iterator[tuple[int, list[str], dict[str, str]]]:
    """(line number, header, row by heading) for each non-blank row.

    `ending["cut"]` says where, when the file stops in the middle of its last row (a download
    cut short): no line break at the end, and the row is short of columns or inside quotes."""
    text = decode_table(data, label)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    last: list[str] | None = None
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise BadInput(f"{label} has no header row")
        header = [h.strip() for h in header]
        for row in reader:
            last = row
            if not any(cell.strip() for cell in row):
                continue
            yield reader.line_num, header, dict(zip(header, row, strict=False))
    except csv.Error as err:
        raise BadInput(f"{label}, line {reader.line_num}: not a readable CSV row ({err})") from None
    if ending is not None and last is not None and not text.endswith(("\n", "\r")):
        if text.count('"') % 2:
            ending["cut"] = f"line {reader.line_num}: the file ends inside a quoted cell"
        elif len(last) < len(header):
            ending["cut"] = (f"line {reader.line_num}: the last row stops after {len(last)} of "
                             f"{len(header)} columns")


def _read_all(f, label: str) -> bytes:
    data = f.read(MAX_LIST_BYTES + 1)
    if len(data) > MAX_LIST_BYTES:
        raise BadInput(f"{label} is larger than {MAX_LIST_BYTES >> 20} MB; this is not a "
                       "member list")
    return data


@contextmanager
def _tables(path: Path):
    """(status, bytes, label, fingerprint) for each CSV: one, or each file in a Mailchimp ZIP."""
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
                        data = _read_all(f, label)
                    yield (m.group(1).lower() if m else None), data, label, \
                        fingerprint_member(info)

            yield members()
        return

    def single():
        m = _MAILCHIMP_FILE.search(path.name)
        with open(path, "rb") as f:
            data = _read_all(f, str(path))
        yield (m.group(1).lower() if m else None), data, str(path), fingerprint_file(path)

    yield single()


# --- which column is which ------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMapping:
    """Which column(s) feed each field, and what kind of list it looked like."""

    kind: str  # a key of LIST_KINDS
    columns: dict[str, tuple[str, ...]]

    def describe(self) -> dict[str, str]:
        """Field → the column heading(s), for the person to confirm."""
        return {f: " + ".join(c) for f, c in self.columns.items()}


def _guess(header: Sequence[str]) -> dict[str, tuple[str, ...]]:
    by_key: dict[str, str] = {}
    for h in header:
        by_key.setdefault(_heading_key(h), h)
    guess: dict[str, tuple[str, ...]] = {}
    for field in FIELDS:
        for spelling in SPELLINGS[field]:  # the first usual spelling present wins
            column = by_key.get(_heading_key(spelling))
            if column is not None and column not in {c for cs in guess.values() for c in cs}:
                guess[field] = (column,)
                break
    if "address" in guess:
        more = [h for h in header if _ADDRESS_MORE.match(_heading_key(h))]
        guess["address"] = guess["address"] + tuple(h for h in more
                                                     if h not in guess["address"])
    return guess


def _check_fields(options: ImportOptions) -> None:
    unknown = [f for f in options.column_map or () if f not in FIELDS]
    if unknown:
        raise BadInput(f"--map {unknown[0]}: not a member field; choose from "
                       f"{', '.join(FIELDS)}")


def column_mapping(header: Sequence[str], options: ImportOptions, label: str) -> ColumnMapping:
    """The mapping from `--map` (checked against the header), else guessed from the headings."""
    if options.column_map:
        _check_fields(options)
        missing = [c for c in options.column_map.values() if c not in header]
        if missing:
            raise BadInput(f"{label} has no column {missing[0]!r}; its columns are: "
                           f"{', '.join(header)}")
        columns = {f: (c,) for f, c in options.column_map.items()}
        if not any(f in columns for f in IDENTIFYING):
            raise BadInput(f"--map: name at least one of {', '.join(IDENTIFYING)}")
        return ColumnMapping("custom", columns)
    keys = {_heading_key(h) for h in header}
    guess = _guess(header)
    if "emailaddress" in keys and keys & {"memberrating", "leid", "euid", "optintime"}:
        kind = "mailchimp"
        if "CONFIRM_TIME" in header:
            guess["joined"] = ("CONFIRM_TIME",)
        guess.pop("id", None)  # Mailchimp rows are known by their address, as before
    elif "attendee#" in keys and "email" in keys:
        kind = "eventbrite"
        for field, column in (("phone", "Cell Phone"), ("joined", "Order Date"),
                              ("group", "Event Name")):
            if column in header:
                guess[field] = (column,)
    elif keys & {"contactid", "constituentid", "supporterid", "beaconid", "mailingstreet",
                 "recordid", "personid"}:
        kind = "crm"
    else:
        kind = "sheet"
    if not any(f in guess for f in IDENTIFYING):
        raise BadInput(f"{label}: no column holds a name, email, phone or member number; say "
                       "which column is which (e.g. --map email='E-mail' --map name='Full "
                       f"name'); its columns are: {', '.join(header)}")
    return ColumnMapping(kind, guess)


def guess_mapping(paths: Sequence[Path], options: ImportOptions) -> ColumnMapping | None:
    """The mapping the first table of the first file would be read with (for the preview)."""
    with _tables(Path(paths[0])) as tables:
        for _status, data, label, _fp in tables:
            for _line, header, _row in _rows(data, label):
                return column_mapping(header, options, label)
    return None


# --- the importer ---------------------------------------------------------------------------


class MemberList:
    kind = "members-csv"
    platform = "members"
    title = "Member list (CSV; Mailchimp, Eventbrite, a CRM export or any spreadsheet)"
    file_patterns = ("*.csv", "*.txt", "*.zip")
    how_to_export = (
        "Mailchimp: Audience → All contacts → Export Audience; choose the ZIP it gives you "
        "(subscribed, unsubscribed and cleaned files — consent and bounces are kept).\n"
        "Eventbrite: Reports → Attendee summary → Export → CSV.\n"
        "Beacon, Salesforce and other CRMs: export the people or contacts report as CSV.\n"
        "Any spreadsheet or sign-in sheet: save as CSV with a header row. A row needs a name, "
        "an email, a phone or a member number; address, postcode and date of birth help "
        "find the same person twice. Check the guessed columns in the preview.")

    def source_name(self, paths: Sequence[Path], options: ImportOptions) -> str:
        return f"Members: {options.space_name or _list_name(Path(paths[0]))}"

    def guess_mapping(self, paths: Sequence[Path], options: ImportOptions) -> dict[str, str]:
        """Field → column heading(s) as this list would be read, plus the kind of list."""
        found = guess_mapping(paths, options)
        if found is None:
            return {}
        return {"list": LIST_KINDS[found.kind]} | found.describe()

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator:
        _check_fields(options)
        spaces: set[str] = set()
        for path in map(Path, paths):
            default_group = options.space_name or _list_name(path)
            with _tables(path) as tables:
                for status, data, label, fingerprint in tables:
                    yield FileUnit(label, fingerprint)
                    if fingerprint in skip:
                        continue
                    yield from _table(status, data, label, default_group, spaces, options)


def _list_name(path: Path) -> str:
    stem = re.sub(r"_?(members|email)?_?export.*$", "", path.stem, flags=re.I)
    return stem.replace("_", " ").strip() or path.stem


def _clean(text: str | None, limit: int) -> str | None:
    text = " ".join((text or "").split())
    return text[:limit] or None


def member_key(values: dict[str, str]) -> str | None:
    """The platform id a row is kept under: its member number, else its email address, else
    its phone, else its name with date of birth and postcode (so a re-import matches)."""
    if values.get("id"):
        return values["id"][:200]
    email = values.get("email", "")
    if "@" in email and normalise_email(email):
        return normalise_email(email)
    phone = normalise_phone(values.get("phone"))
    if phone:
        return f"phone:{phone}"
    name = values.get("name") or " ".join(
        p for p in (values.get("first_name"), values.get("last_name")) if p)
    if not name:
        return None
    parts = [name.casefold(), values.get("date_of_birth", ""),
             re.sub(r"\s", "", values.get("postcode", "")).casefold()]
    return "name:" + "|".join(parts)


def _table(status: str | None, data: bytes, label: str, default_group: str, spaces: set[str],
           options: ImportOptions) -> Iterator:
    mapping: ColumnMapping | None = None
    members = 0
    ending: dict[str, str] = {}
    for _line, header, row in _rows(data, label, ending):
        if mapping is None:
            mapping = column_mapping(header, options, label)
        values = {}
        for f, columns in mapping.columns.items():
            cells = [(row.get(c) or "").strip() for c in columns]
            values[f] = ", ".join(c for c in cells if c)
        pid = member_key(values)
        if pid is None:
            continue  # a row with no name, email, phone or member number is nobody we can keep
        get = values.get
        email = get("email", "")
        email = email if "@" in email and normalise_email(email) else ""
        name = get("name") or " ".join(p for p in (get("first_name"), get("last_name")) if p)
        group = get("group") or default_group
        if group not in spaces:
            spaces.add(group)
            yield SpaceRecord(group, group, "list", "closed")
        joined = _time(get("joined")) or _time(row.get("OPTIN_TIME"))
        yield AuthorRecord(pid, _clean(name, 300) or email or get("phone") or get("id"),
                           email=email or None, phone=get("phone") or None, joined_at=joined)
        born = get("date_of_birth", "")
        birth = parse_birth_date(born)
        details = MemberDetailsRecord(
            pid, _clean(get("first_name"), 200), _clean(get("last_name"), 200),
            _clean(get("address"), 1000), _clean(get("town"), 200), _clean(get("postcode"), 32),
            birth.isoformat() if birth else _clean(born, 40), (get("notes") or None))
        if any(getattr(details, k) for k in ("first_name", "last_name", "address", "town",
                                              "postcode", "date_of_birth", "notes")):
            yield details
        members += 1
        if mapping.kind != "mailchimp":
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
        if email:
            yield EmailStatusRecord(email, state, left or _time(row.get("LAST_CHANGED")))
    # A Mailchimp ZIP may hold an empty list (no one cleaned, say); a lone CSV with nobody in
    # it is the wrong file.
    if members == 0 and status is None:
        raise BadInput(f"{label} has no member rows with a name, email, phone or member number")
    if "cut" in ending:
        yield CutShort(label, ending["cut"])
