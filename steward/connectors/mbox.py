"""Mailing-list archives in mbox format (Mailman, or Groups.io's `messages.mbox` in its ZIP).

Threads follow Message-ID / In-Reply-To / References; names in RFC 2047 and bodies in any
declared charset are decoded.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import quopri
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import IO

from steward.connectors.base import (
    AuthorRecord,
    CutShort,
    FileUnit,
    ImportOptions,
    SpaceRecord,
    db_time,
)
from steward.connectors.files import (
    MAX_LINE_CHARS,
    check_file,
    fingerprint_file,
    fingerprint_member,
    is_zip,
    open_zip,
    to_utc,
    unix_db_time,
    zip_member,
)
from steward.errors import BadInput
from steward.normalise import normalise_email

MAX_MESSAGE_BYTES = 64 << 20
_MSGID = re.compile(r"<([^<>\s]+)>")
_PARSER = BytesParser()  # the compat32 policy: many times faster than policy.default
# The fast path: a one-part plain-text message with ASCII headers is read directly; anything
# else (MIME parts, encoded bodies, non-ASCII headers, CRLF) goes through the parser.
_PLAIN_TYPE = re.compile(r'\s*text/plain\s*(?:;\s*charset=(?:"([\w.:-]+)"|([\w.:-]+))\s*)?',
                         re.I)
# "Name Surname <local.part@example.org>": what the address parser gives, without it.
_SIMPLE_SENDER = re.compile(r"([A-Za-z][A-Za-z'-]*(?: [A-Za-z][A-Za-z'-]*)*) "
                            r"<([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+"
                            r"(?:\.[A-Za-z0-9-]+)+)>")
_PIPERMAIL_AT = re.compile(r"(?<![^\s<(])([\w.+-]+) at ([\w-]+(?:\.[\w-]+)+)(?![^\s>)])")
_PLAIN_ENCODINGS = {"7bit", "8bit", "quoted-printable"}
_DATE = re.compile(r"(?:[A-Za-z]{3}, )?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) "
                   r"([+-])(\d{2})(\d{2})")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                       "sep", "oct", "nov", "dec"), 1)}


class _MboxBytes(io.RawIOBase):
    """An archive's bytes as the splitter reads them: a leading byte-order mark dropped, CR-only
    line ends (old Mac mail programs) read as LF, and a gzip stream (Mailman 2's `.txt.gz`)
    that stops before its end noted as cut short rather than refused."""

    def __init__(self, inner: IO[bytes], label: str, gz: bool):
        super().__init__()
        self.inner, self.label, self.gz = inner, label, gz
        self.first, self.cr_only, self.cut = True, False, False
        self.read1 = getattr(inner, "read1", inner.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:  # read1: what is there now, so a cut gzip stream gives all it can before it stops
            data = self.read1(len(buffer))
        except EOFError:  # gzip's end marker never came: the download stopped part-way
            self.cut, data = True, b""
        except (OSError, zlib.error) as err:
            if not self.gz:
                raise
            raise BadInput(f"{self.label} is not a readable gzip file ({err})") from None
        if self.first and data:
            self.first = False
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8):]
            self.cr_only = b"\r" in data and b"\n" not in data
        if self.cr_only:
            data = data.replace(b"\r", b"\n")
        buffer[:len(data)] = data
        return len(data)


@contextmanager
def _open(path: Path) -> Iterator[tuple[_MboxBytes, IO[bytes], str, str, bool]]:
    """(the archive's bytes, a line reader over them, label, fingerprint, whether the reading
    can tell a cut-short file: not inside a ZIP, whose CRC proves each file whole)."""
    check_file(path)
    if not is_zip(path):
        with open(path, "rb") as f:
            gz = f.read(2) == b"\x1f\x8b"
        fingerprint = fingerprint_file(path)
        with gzip.open(path, "rb") if gz else open(path, "rb") as f:
            raw = _MboxBytes(f, str(path), gz)
            yield raw, io.BufferedReader(raw, 1 << 16), str(path), fingerprint, True
        return
    with open_zip(path) as archive:
        boxes = [i for i in archive.infolist() if i.filename.lower().endswith((".mbox", ".mbx"))]
        if not boxes:
            raise BadInput(f"{path} holds no .mbox file; is it a mailing-list archive?")
        label = f"{path}: {boxes[0].filename}"
        with zip_member(archive, boxes[0].filename, label) as f:
            raw = _MboxBytes(f, label, False)
            yield raw, io.BufferedReader(raw, 1 << 16), label, fingerprint_member(boxes[0]), False


_BLOCK = 1 << 18  # less than a line may hold: only a line that long is looked at line by line
_ESCAPED_FROM = re.compile(rb"^>From ", re.M)


def _long_line(data: bytes, start: int, end: int) -> int:
    """Where the first line of data[start:end] longer than `MAX_LINE_CHARS` (its line break
    not counted) starts, or -1; only text longer than the limit can hold one."""
    limit = MAX_LINE_CHARS
    if end - start <= limit:
        return -1
    at = start
    while at < end:
        stop = data.find(b"\n", at, end)
        if stop < 0:
            stop = end
        if stop - at > limit:
            return at
        at = stop + 1
    return -1


def _separators(data: bytes, start: int, end: int, found: list[int]) -> list[int]:
    """`found`, and where each line of data[start:end] that starts with "From " starts
    (`start` is a line start)."""
    if data.startswith(b"From ", start, end):
        found.append(start)
    find = data.find
    at = find(b"\nFrom ", start, end)
    while at >= 0:
        found.append(at + 1)
        at = find(b"\nFrom ", at + 1, end)
    return found


def _split(f: IO[bytes], label: str, ending: dict | None = None) -> Iterator[tuple[int, bytes]]:
    """Each message's bytes (and its first line number), without the `From ` separator and
    with one `>` taken off each `>From ` line. When `ending` is given, `ending["cut"]` tells
    where the last message stops mid-way, if it does.

    The archive is read a block at a time and cut at its separator lines by a regular
    expression: a mailbox is tens of lines a message, and reading it line by line was most of
    an import's time. Memory holds a block and one message (at most `MAX_MESSAGE_BYTES`)."""
    limit = MAX_LINE_CHARS
    carry, number = b"", 1  # text read, not yet given out (from a line start); its line number
    looked = 0  # the whole lines of carry[:looked] are checked and hold no separator after 0
    any_separator, eof = False, False
    while not eof:
        block = f.read(_BLOCK)
        eof = not block
        data = carry + block if carry else block
        whole = len(data) if eof else data.rfind(b"\n") + 1  # up to the last whole line
        bad = _long_line(data, looked, whole)
        if bad < 0 and len(data) - whole > limit:
            bad = whole  # a line still going, already too long (a file without line breaks)
        if any_separator:  # the carried message's own separator, and those after it
            cuts = _separators(data, max(looked, 1), whole, [0])
        else:  # before the first separator: blank lines only
            cuts = _separators(data, 0, whole, [])
            head = data[:cuts[0] if cuts else whole]
            junk = len(head) - len(head.lstrip())
            if junk < len(head) and (bad < 0 or bad > head.rfind(b"\n", 0, junk) + 1):
                line = number + head.count(b"\n", 0, junk)
                raise BadInput(f"{label}, line {line}: does not look like an mbox archive (it "
                               "should start with a 'From ' line)")
        if bad >= 0:
            line = number + data.count(b"\n", 0, bad)
            raise BadInput(f"{label}, line {line}: a line longer than {limit:,} bytes; this is "
                           "not a mailbox (mbox) file")
        if not any_separator:
            number += head.count(b"\n")
            if not cuts:
                carry, looked = data[whole:], 0
                continue
            any_separator = True
        find, count = data.find, data.count
        for start, stop in zip(cuts, cuts[1:], strict=False):
            body = find(b"\n", start, stop) + 1 or stop
            if stop - body > MAX_MESSAGE_BYTES or find(b">From ", body, stop) >= 0:
                message = _message_bytes(data, start, stop, label, number)
            else:  # what _message_bytes gives, without its call: most messages
                message = data[body:stop]
            if message:
                yield number, message
            number += count(b"\n", start, stop)
        if whole - cuts[-1] > MAX_MESSAGE_BYTES:
            _message_bytes(data, cuts[-1], whole, label, number)  # refuses one too large
        carry, looked = data[cuts[-1]:], whole - cuts[-1]
    if not any_separator:
        raise BadInput(f"{label} holds no messages")
    last = _message_bytes(carry, 0, len(carry), label, number)
    if ending is not None:
        if not carry.endswith(b"\n"):
            ending["cut"] = f"line {number}: the last message ends without a line break"
        elif b"\n\n" not in last and b"\r\n\r\n" not in last:
            ending["cut"] = f"line {number}: the last message stops in its headers"
    if last:
        yield number, last


def _message_bytes(data: bytes, start: int, stop: int, label: str, number: int) -> bytes:
    """The message between a separator line at `start` and `stop`: the lines after the
    separator, `>From ` lines unescaped; at most `MAX_MESSAGE_BYTES`."""
    body = data.find(b"\n", start, stop) + 1 or stop
    message = data[body:stop]
    if b">From " in message:
        message = _ESCAPED_FROM.sub(b"From ", message)
    if len(message) > MAX_MESSAGE_BYTES:
        raise BadInput(f"{label}, line {number}: one message is larger than "
                       f"{MAX_MESSAGE_BYTES >> 20} MB")
    return message


def _ids(value: str | None) -> list[str]:
    return _MSGID.findall(str(value)) if value else []


def _first_id(value: str | None) -> str | None:
    """The first id of a Message-ID or In-Reply-To header (`_ids(value)[0]`, None when there is
    none); a header that is one plain "<id>", as most are, is read without the pattern."""
    if type(value) is str and value[:1] == "<" and value[-1:] == ">":
        inner = value[1:-1]
        if (inner and " " not in inner and "<" not in inner and ">" not in inner
                and inner.isprintable()):  # nothing the pattern stops at (\s is unprintable)
            return inner
    ids = _ids(value)
    return ids[0] if ids else None


def _short_cached(maxsize: int):
    """A function of one header value, remembered (`lru_cache`) for values of at most
    `_CACHED_CHARS` characters: a line may hold a megabyte, and a hostile file must not make
    the cache hold thousands of them."""
    def wrap(function):
        cached = lru_cache(maxsize=maxsize)(function)

        def call(value: str):
            return cached(value) if len(value) <= _CACHED_CHARS else function(value)

        call.__doc__ = function.__doc__
        return call
    return wrap


_CACHED_CHARS = 1000


@_short_cached(1024)
def _list_id(value: str) -> str | None:
    """The List-Id header's id (lists are few, each read once)."""
    return _first_id(value)


def _header(value) -> str:
    """A header as text, with RFC 2047 encoded words (=?utf-8?q?…?=) decoded."""
    if value is None:
        return ""
    if isinstance(value, str) and "=?" not in value:
        return value  # what decoding would give: there is nothing to decode
    try:
        return str(make_header(decode_header(str(value))))
    except (LookupError, UnicodeDecodeError, ValueError):
        return str(value)


def _decode(part) -> str:
    data = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return data.decode("latin-1")


def _body(msg) -> tuple[str, int]:
    """The plain-text body (or HTML without tags), and the number of attachments."""
    plain = html = None
    attachments = 0
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = str(part.get("Content-Disposition") or "").lower()
        kind = part.get_content_type()
        if disposition.startswith("attachment") or not kind.startswith("text/"):
            attachments += 1
        elif kind == "text/plain" and plain is None:
            plain = _decode(part)
        elif kind == "text/html" and html is None:
            html = _decode(part)
    if plain is None and html is not None:
        plain = re.sub(r"<[^>]+>", " ", html)
    return (plain or "").strip(), attachments


# What a message gives its records, read by `_plain_message` or `_parsed_message`:
# (List-Id, From, Date, Message-ID, In-Reply-To, References, Subject, body text, attachments).
# List-Id, From and Date are text ("" for From and Date when missing); the others are the
# header's value as the parser gives it (text, None, or an email.header.Header).
_Fields = tuple


def _plain_message(data: bytes) -> _Fields | None:
    """The fields of a simple plain-text message (first of each header, by lower-case name),
    exactly as `_parsed_message` would give them; None for anything less simple."""
    end = data.find(b"\n\n")
    if end < 0:
        return None
    head = data[:end]
    if not head.isascii() or b"\r" in head:
        return None
    headers = {}
    get_name = _NAMES.get
    folded = ""  # lines read (bottom up) that continue the header above them
    for line in reversed(head.decode("ascii").split("\n")):  # the first of each name is kept
        name, colon, value = line.partition(":")
        low = get_name(name)  # known names have no space or tab: never a folded line's
        if low is None or not colon:
            if line[:1] in _FOLD:  # joined as the parser joins them: with their line breaks
                folded = f"\n{line}{folded}"
                continue
            low = _header_name(name) if colon else None
            if low is None:
                return None  # a malformed line (the body starts there): the parser knows
        if folded:
            value, folded = f"{value}{folded}", ""
        headers[low] = value  # as written after the colon: lstrip(" \t") gives the parser's
    if folded:
        return None  # the first line continues nothing
    get = headers.get
    encoding = get("content-transfer-encoding")
    encoding = encoding.strip().lower() if encoding is not None else "7bit"
    if "content-disposition" in headers or encoding not in _PLAIN_ENCODINGS:
        return None
    charset = _plain_charset(get("content-type", "text/plain").lstrip(" \t"))
    if charset is None:
        return None
    body = data[end + 2:]
    if encoding == "quoted-printable":
        body = quopri.decodestring(body)
    try:
        text = body.decode(charset, "replace")
    except LookupError:
        text = body.decode("latin-1")
    list_id, sender, date, message_id, reply_to, references, subject = map(get, _FIELDS)
    return (list_id and list_id.lstrip(" \t"), sender.lstrip(" \t") if sender else "",
            date or "", message_id and message_id.lstrip(" \t"),
            reply_to and reply_to.lstrip(" \t"), references, subject and subject.lstrip(" \t"),
            text.strip(), 0)


_FOLD = (" ", "\t")
_FIELDS = ("list-id", "from", "date", "message-id", "in-reply-to", "references", "subject")


def _parsed_message(data: bytes, label: str, line: int) -> _Fields:
    """The fields of any message, through the email package's parser."""
    msg = _PARSER.parsebytes(data)
    body, attachments = _body(msg)
    try:
        list_id = msg.get("list-id")
        sender, date = str(msg.get("from", "")), str(msg.get("date") or "")
    except (ValueError, IndexError, TypeError):
        raise BadInput(f"{label}, line {line}: a message header cannot be read") from None
    return (None if list_id is None else str(list_id), sender, date, msg.get("message-id"),
            msg.get("in-reply-to"), msg.get("references"), msg.get("subject"), body,
            attachments)


_NAMES: dict[str, str] = {}  # header names met, as written -> lower case (each checked once)


def _header_name(name: str) -> str | None:
    """A header line's name in lower case; None for what is no name (empty, with a space or a
    control character). Short names are remembered: a list's messages repeat a few."""
    if not name or " " in name or not name.isprintable():
        return None
    low = name.lower()
    if len(name) <= 100:
        if len(_NAMES) > 1000:
            _NAMES.clear()
        _NAMES[name] = low
    return low


@_short_cached(256)
def _plain_charset(content_type: str) -> str | None:
    """The charset of a text/plain Content-Type (utf-8 when it names none); None for any
    other type."""
    kind = _PLAIN_TYPE.fullmatch(content_type)
    return None if kind is None else (kind.group(1) or kind.group(2) or "utf-8").lower()


@_short_cached(8192)
def _sender(value: str) -> tuple[str, str, str | None] | None:
    """The From header's (decoded name, address, normalised address); senders repeat, so each
    is read once."""
    value = _PIPERMAIL_AT.sub(r"\1@\2", value)  # Mailman 2 archives: "alice at example.org"
    simple = _SIMPLE_SENDER.fullmatch(value)
    senders = [simple.groups()] if simple else getaddresses([value])
    if not senders or not senders[0][1]:
        return None
    name, address = senders[0]
    return _header(name) or address, address, normalise_email(address)


def _date(value: str) -> datetime:
    m = _DATE.fullmatch(value.strip())
    month = _MONTHS.get(m.group(2).lower()) if m else None
    if month is None:
        return to_utc(parsedate_to_datetime(value))
    day, _, year, hour, minute, second, sign, off_hours, off_minutes = m.groups()
    offset = timedelta(minutes=int(off_hours) * 60 + int(off_minutes))
    at = datetime(int(year), month, int(day), int(hour), int(minute), int(second))
    return at - offset if sign == "+" else at + offset


_DAY = re.compile(r"(?:[A-Za-z]{3}, )?(\d{1,2}) ([A-Za-z]{3}) (\d{4})")  # _DATE's start
_DAYS: dict[str, int | None] = {}  # "Fri, 3 Dec 2021" -> days since 1970 (None: no such day)
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_HOUR_SECONDS = {f"{n:02d}": n * 3600 for n in range(24)}
_MINUTES = {f"{n:02d}": n for n in range(60)}
_OFFSET_SECONDS = {f"{h:02d}{m:02d}": (h * 60 + m) * 60 for h in range(100) for m in range(100)}


def _day_number(text: str) -> int | None:
    """Days since 1970 of a Date header's day ("Fri, 3 Dec 2021", as `_DATE` reads it), None
    when it names no day; remembered (a list's messages share days)."""
    m = _DAY.fullmatch(text)
    month = _MONTHS.get(m.group(2).lower()) if m else None
    try:
        days = date(int(m.group(3)), month, int(m.group(1))).toordinal() - _EPOCH_DAY \
            if month else None
    except ValueError:
        days = None
    if len(text) <= 40:
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        _DAYS[text] = days
    return days


_UTC_HOURS: dict[str, str] = {}  # "Fri, 3 Dec 2021 16:+0100" -> "2021-12-03 15:" (UTC)


def _db_date(value: str) -> str:
    """The Date header as the database's UTC text (`db_time(_date(value))`). The common form
    ("Fri, 03 Dec 2021 16:46:28 +0000", weekday optional) is read by position and integer
    arithmetic, each day once, and an hour read before (with a whole-hour offset) only has its
    minutes and seconds checked; any other form (a zone name, a comment, no seconds) goes
    through `_date`, which also names what is wrong with a day or time that does not exist."""
    text = value.strip()
    key = text[:-11] + text[-5:]  # without "MM:SS +HHMM"'s minutes and seconds
    prefix = _UTC_HOURS.get(key)
    if (prefix is not None and text[-9] == ":" and text[-6] == " "
            and text[-11:-9] in _MINUTES and text[-8:-6] in _MINUTES):
        return f"{prefix}{text[-11:-6]}.000000"
    if len(text) >= 20 and text[-6] == " " and text[-9] == ":" and text[-12] == ":" \
            and text[-15] == " ":
        day = text[:-15]
        days = _DAYS[day] if day in _DAYS else _day_number(day)
        hour = _HOUR_SECONDS.get(text[-14:-12])
        minute = _MINUTES.get(text[-11:-9])
        second = _MINUTES.get(text[-8:-6])
        offset = _OFFSET_SECONDS.get(text[-4:])
        sign = text[-5]
        if (days is not None and hour is not None and minute is not None
                and second is not None and offset is not None and sign in ("+", "-")):
            at = days * 86400 + hour + minute * 60 + second
            moment = unix_db_time(at - offset if sign == "+" else at + offset)
            if offset % 3600 == 0 and len(key) <= 40:
                if len(_UTC_HOURS) > 100_000:
                    _UTC_HOURS.clear()
                _UTC_HOURS[key] = moment[:14]
            return moment
    return db_time(_date(value))


_MAILMAN_MONTH = re.compile(r"^\d{4}-(?:January|February|March|April|May|June|July|August|"
                            r"September|October|November|December|Q[1-4]|Week-of-.*)$|^\d{8}$")


def _list_name(path: Path) -> str:
    """The file's name without .gz/.txt/.mbox; Mailman 2 names each month's archive after the
    month ("2024-March.txt.gz"), which is no list's name: those are one "Mailing list"."""
    name = path.name
    for suffix in (".gz", ".txt", ".mbox", ".mbx"):
        if name.lower().endswith(suffix):
            name = name[:-len(suffix)]
    return "Mailing list" if _MAILMAN_MONTH.match(name) else name or path.name


class MailingListArchive:
    kind = "mbox"
    platform = "mbox"
    title = "Mailing-list archive (mbox)"
    file_patterns = ("*.mbox", "*.mbx", "*.zip", "*.gz", "*.txt")
    how_to_export = (
        "Mailman 3: the list's archive page → Download (.mbox.gz).\n"
        "Mailman 2: the list's archive page → each month's 'Gzip'd Text' (.txt.gz).\n"
        "Groups.io: Settings → Export Group → tick Messages; choose the ZIP it emails you.\n"
        "Google Groups: Takeout → Groups; choose the .mbox file.")

    def source_name(self, paths: Sequence[Path], options: ImportOptions) -> str:
        return f"Mailing list: {options.space_name or _list_name(Path(paths[0]))}"

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator:
        authors: set[str] = set()
        for path in map(Path, paths):
            default_space = options.space_name or _list_name(path)
            spaces: set[str] = set()
            with _open(path) as (raw, f, label, fingerprint, can_tell):
                unit = FileUnit(label, fingerprint)
                yield unit
                if fingerprint in skip:
                    continue
                ending: dict = {}
                yield from _records(_split(f, label, ending if can_tell else None), label,
                                    default_space, spaces, authors, options)
                if raw.cut:
                    yield CutShort(label, "the gzip file stops before its end")
                elif ending.get("cut"):
                    yield CutShort(label, ending["cut"])


def _records(messages: Iterable[tuple[int, bytes]], label: str, default_space: str,
             spaces: set[str], authors: set[str], options: ImportOptions) -> Iterator:
    """Each message's records: its list and its sender the first time they are met, then the
    message as a bare `MessageRecord` tuple (see base.MessageRecord)."""
    one_space = options.space_name
    for line, data in messages:
        fields = _plain_message(data) or _parsed_message(data, label, line)
        list_id, sender, date, message_id, reply_to, references, subject, body, attachments = \
            fields
        try:
            if list_id:
                list_id = _list_id(list_id)
            sender = _sender(sender)
        except (ValueError, IndexError, TypeError):
            raise BadInput(f"{label}, line {line}: a message header cannot be read") from None
        space = list_id if list_id and not one_space else default_space
        if space not in spaces:
            spaces.add(space)
            yield SpaceRecord(space, space, "list", "closed")
        author = None
        if sender is not None:
            name, address, author = sender
            if author not in authors:
                authors.add(author)
                yield AuthorRecord(author, name, email=address)
        try:
            at = _db_date(date)
        except (TypeError, ValueError, IndexError, OverflowError):
            raise BadInput(f"{label}, line {line}: a message has no readable Date") from None
        platform_id = _first_id(message_id) or "sha1:" + hashlib.sha1(data).hexdigest()
        parent = _first_id(reply_to)
        if parent is None and references:
            parents = _ids(references)
            parent = parents[-1] if parents else None
        if subject:
            subject = _header(subject).strip()
        yield (space, platform_id, at, author, f"{subject}\n\n{body}" if subject else body,
               parent, "message", None, 0, 0, attachments)
