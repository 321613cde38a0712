"""WhatsApp chat exports ("Export chat"), from Android and iPhone, as .txt or .zip.

The file has no time zone and its date order depends on the phone's language, so the time zone
comes from the person (default: this computer's) and day/month order is worked out from the
whole file, with a question when no date tells.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
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
    check_file,
    fingerprint_file,
    fingerprint_member,
    is_zip,
    local_timezone,
    open_zip,
    text_blocks,
    text_lines,
    to_utc,
    zip_member,
)
from steward.errors import BadInput

_CLEAN = {**dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202c\ufeff"), None),
          0x202F: " ", 0x00A0: " ", 0x2009: " "}
_HEADER = re.compile(
    r"^\[?(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4}),? (\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?"
    r"(?: ?([AaPp])\.? ?[Mm]\.?)?\]?(?: [-\u2013]| ?:)? (.*)$"
)
_HEADERS = re.compile(_HEADER.pattern, re.M)  # each header line of a block of lines
_MEDIA = re.compile(r"^(<Media omitted>|<attached: [^>]*>|(image|video|audio|sticker|GIF|"
                    r"document) omitted|.+ \(file attached\))", re.I)
# _MEDIA without the pattern that reads the whole line: for a text without " (" (no letter,
# so no case to ignore), which only the other patterns can match
_MEDIA_START = re.compile(r"^(<Media omitted>|<attached: [^>]*>|(image|video|audio|sticker|"
                          r"GIF|document) omitted)", re.I)
_JOIN = re.compile(r"( joined using this group's invite link| added .+| joined$)")
_LOOKS_LIKE_PHONE = re.compile(r"^\+?[\d\s()-]{7,}$")
_TWO_DIGITS = [f"{n:02d}" for n in range(60)]
_SIXTY = frozenset(_TWO_DIGITS)  # a minute or second as written, when it is one
_HOURS = {**{str(n): n for n in range(24)}, **{f"{n:02d}": n for n in range(24)}}  # as written
_HOUR = timedelta(hours=1)


@contextmanager
def _open_text(path: Path, fingerprint: bool = True) -> Iterator[tuple[IO[bytes], str, str]]:
    """The chat text (from the .txt or inside the .zip), its label and (when asked for, as it
    reads the whole file) its fingerprint."""
    check_file(path)
    if not is_zip(path):
        with open(path, "rb") as f:
            yield f, str(path), fingerprint_file(path) if fingerprint else ""
        return
    with open_zip(path) as archive:
        texts = [i for i in archive.infolist() if i.filename.lower().endswith(".txt")]
        chat = next((i for i in texts if i.filename.endswith("_chat.txt")), None) or \
            (texts[0] if texts else None)
        if chat is None:
            raise BadInput(f"{path} holds no chat text (.txt); is it a WhatsApp export?")
        label = f"{path}: {chat.filename}"
        with zip_member(archive, chat.filename, label) as f:
            yield f, label, fingerprint_member(chat)


def _clean(text: str) -> str:
    """The text without direction marks, and with odd spaces made plain: one `replace` a
    character (`translate` looks each character up, many times slower over a block)."""
    if text.isascii():
        return text
    for char, plain in _CLEAN.items():
        char = chr(char)
        if char in text:
            text = text.replace(char, plain or "")
    return text


def _fields(path: Path) -> Iterator[tuple[int, int, int, str]]:
    with _open_text(path, fingerprint=False) as (f, label, _):
        for number, line in text_lines(f, label, "a WhatsApp chat"):
            m = _HEADER.match(_clean(line))
            if m:
                yield number, int(m.group(1)), int(m.group(2)), m.group(3)


def detect_date_order(path: Path) -> str | None:
    """ymd, dmy or mdy from every date in the file; None when no date can tell."""
    seen = False
    for _, a, b, _c in _fields(path):
        seen = True
        if a > 31:
            return "ymd"
        if a > 12:
            return "dmy"
        if b > 12:
            return "mdy"
    if not seen:
        raise BadInput(f"{path} does not look like a WhatsApp chat export (no line starts with "
                       "a date and time)")
    return None


class WhatsAppChat:
    kind = "whatsapp"
    platform = "whatsapp"
    title = "WhatsApp chat export"
    file_patterns = ("*.txt", "*.zip")
    needs_timezone = True
    how_to_export = (
        "On the phone that is in the group:\n1. Open the chat, tap the group name (iPhone) or "
        "⋮ → More (Android).\n2. Choose Export chat, then Without media.\n3. Send the file to "
        "yourself (email or a drive) and choose the .txt or .zip here.\nThe file has no time "
        "zone: tell Steward the phone's time zone.")

    def chat_name(self, path: Path, options: ImportOptions) -> str:
        if options.space_name:
            return options.space_name
        stem = re.sub(r"^WhatsApp Chat( with| -)?\s*", "", Path(path).stem, flags=re.I)
        return stem.strip() or Path(path).stem

    def source_name(self, paths: Sequence[Path], options: ImportOptions) -> str:
        return f"WhatsApp: {self.chat_name(Path(paths[0]), options)}"

    def date_order_is_ambiguous(self, paths: Sequence[Path]) -> bool:
        return any(detect_date_order(Path(p)) is None for p in paths)

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator:
        zone = options.timezone or local_timezone()
        for path in map(Path, paths):
            order = options.date_order or detect_date_order(path)
            if order is None:
                raise BadInput(f"{path}: the dates could be day/month or month/day; say which "
                               "(--date-order dmy or --date-order mdy)")
            space = self.chat_name(path, options)
            yield SpaceRecord(space, space, "chat", "closed")
            with _open_text(path) as (f, label, fingerprint):
                unit = FileUnit(label, fingerprint)
                yield unit
                if unit.fingerprint in skip:
                    continue
                # inside a ZIP the CRC proves the text whole; a bare .txt may be cut short
                yield from _parse(f, label, space, order, zone, None if is_zip(path) else {})


def _parse(f: IO[bytes], label: str, space: str, order: str, zone,
           ending: dict | None = None) -> Iterator:
    """The chat's records. The text is read a block of lines at a time (`text_blocks`), and
    one pattern finds its header lines; the lines between two headers continue the message
    above them, and are taken as one slice of the block."""
    authors: set[str] = set()
    counts: dict[str, int] = {}  # occurrences within the current minute only: bounded memory
    counted_minute = None
    days: dict[str, tuple[str, list[str]] | None] = {}  # see _stamps
    current: tuple | None = None  # (local minute, UTC db time, author, kind, first line)
    more: list[str] | None = None  # the lines after its first

    def finish(current: tuple, more: list[str] | None) -> tuple:
        nonlocal counted_minute
        stamp, at, author, kind, text = current
        if more:
            text = "\n".join([text, *more])
        attachments = 0
        if kind == "message" and _media(text):
            attachments, text = 1, text if more else None
        digest = hashlib.sha1(f"{author}\x00{text}".encode()).hexdigest()[:12]
        if stamp != counted_minute:
            counted_minute = stamp
            counts.clear()
        n = counts[digest] = counts.get(digest, 0) + 1
        # a bare MessageRecord tuple (see base.MessageRecord): the writer takes both
        return (space, f"{stamp}|{digest}|{n}", at, author, text, None, kind, None, 0, 0,
                attachments)

    for number, raw in text_blocks(f, label, "a WhatsApp chat", ending=ending):
        block = _clean(raw)
        # iPhone writes system lines as "Group name: \u200eAlice added Bob": which lines do
        marked = _marked_lines(raw) if ": \u200e" in raw else None
        line = counted = 0  # the line number (from 0) of the text at `counted`, when marked
        done = 0  # where the lines not yet read start
        for m in _HEADERS.finditer(block):
            start = m.start()
            if start > done:  # lines continuing the message above (or blank ones first)
                if current is None:
                    _check_blank(block, done, start, label, number)
                elif more is None:
                    more = [block[done:start - 1]]
                else:
                    more.append(block[done:start - 1])
            if current is not None:
                yield finish(current, more)
                more = None
            done = m.end() + 1
            # The local minute, not the text: the same chat exported from Android (no seconds)
            # and from an iPhone gives the same message ids.
            stamp, at = _stamps(m, order, zone, label, number, days)
            rest = m.group(8)
            author, sep, text = rest.partition(": ")
            system_mark = False
            if marked is not None:
                line += block.count("\n", counted, start)
                counted = start
                system_mark = line in marked and not _media(text)
            if not sep or system_mark:
                kind = "join" if _JOIN.search(text if sep else rest) else "system"
                author, text = None, (text if sep else rest)
            else:
                kind = "message"
                if author and author not in authors:
                    authors.add(author)
                    phone = author if _LOOKS_LIKE_PHONE.match(author) else None
                    yield AuthorRecord(author, author, phone=phone)
            current = (stamp, at, author, kind, text)
        if done < len(block):
            if current is None:
                _check_blank(block, done, len(block), label, number)
            elif more is None:
                more = [block[done:-1]]
            else:
                more.append(block[done:-1])
    if current is not None:
        yield finish(current, more)
    if ending and ending.get("cut"):
        yield CutShort(label, ending["cut"])


def _media(text: str) -> re.Match | None:
    """`_MEDIA.match(text)`, without reading the whole line when it cannot match."""
    return _MEDIA.match(text) if " (" in text else _MEDIA_START.match(text)


def _marked_lines(block: str) -> set[int]:
    """The lines of a block (counted from 0) that hold ": \u200e"."""
    found, line, counted = set(), 0, 0
    at = block.find(": \u200e")
    while at >= 0:
        line += block.count("\n", counted, at)
        counted = at
        found.add(line)
        at = block.find(": \u200e", at + 1)
    return found


def _check_blank(block: str, start: int, stop: int, label: str, number: int) -> None:
    """Lines before the chat's first message may only be blank."""
    at = start
    for line in block[start:stop - 1].split("\n"):
        if line.strip():
            number += block.count("\n", 0, at)
            raise BadInput(f"{label}, line {number}: does not look like a WhatsApp chat export "
                           "(expected a date and time)")
        at += len(line) + 1


def _stamps(m: re.Match, order: str, zone, label: str, number: int,
            days: dict[str, tuple[str, list[str]] | None]) -> tuple[str, str]:
    """(local minute "YYYY-MM-DDTHH:MM", UTC db time) of a header. Each local day is read
    through datetime and the time zone once (`days`, by the date as written): when the zone's
    offset is the same whole number of hours all day, hours map to UTC hours and the minutes
    and seconds are copied as written; otherwise (a clock change that day, an offset such as
    +05:30) each time goes the long way."""
    written = m.string[m.start():m.start(4)]  # "[03/12/2021, ": the same text, the same day
    base = days.get(written, False)
    if base is False:
        if len(days) >= 100_000:
            days.clear()
        base = days[written] = _day_base(*_header_date(m, order), zone)
    hour, minute, second, meridiem = m.group(4, 5, 6, 7)
    hour = _HOURS.get(hour)
    if meridiem and hour is not None:
        hour = _meridiem_hour(hour, meridiem)
    if base and hour is not None and minute in _SIXTY and (second is None or second in _SIXTY):
        return (f"{base[0]}{_TWO_DIGITS[hour]}:{minute}",
                f"{base[1][hour]}{minute}:{second or '00'}.000000")
    at = _when(m, order, label, number)
    return f"{at:%Y-%m-%dT%H:%M}", db_time(to_utc(at, zone))


def _day_base(year: int, month: int, day: int, zone) -> tuple[str, list[str]] | None:
    """("YYYY-MM-DDT" local, the 24 "YYYY-MM-DD HH:" UTC of its hours) of a local day whose
    offset is one whole number of hours all day; None when it is not (or the date is not
    real)."""
    if year < 1000:  # strftime writes such years without padding: the long way keeps that
        return None
    try:
        start = datetime(year, month, day)
        end = start.replace(hour=23, minute=59, second=59)
        offset = to_utc(start, zone) - start
        if offset != to_utc(end, zone) - end or offset % _HOUR:
            return None
        first = start + offset  # the UTC hours of a local day fall on at most two UTC days
        days = (first.isoformat(" ")[:11], (first + timedelta(days=1)).isoformat(" ")[:11])
        two, hour = _TWO_DIGITS, first.hour
        return (start.isoformat("T")[:11],
                [f"{days[(hour + h) // 24]}{two[(hour + h) % 24]}:" for h in range(24)])
    except (ValueError, OverflowError):
        return None


def _header_time(m: re.Match, order: str) -> tuple[int, int, int, int, int, int]:
    """(year, month, day, hour, minute, second) of a header, as written (not yet checked)."""
    return _header_date(m, order) + _clock(m)


def _header_date(m: re.Match, order: str) -> tuple[int, int, int]:
    a, b, c = int(m.group(1)), int(m.group(2)), int(m.group(3))
    year, month, day = (a, b, c) if order == "ymd" else (c, b, a) if order == "dmy" else (c, a, b)
    return year + 2000 if year < 100 else year, month, day


def _clock(m: re.Match) -> tuple[int, int, int]:
    hour, minute, second, meridiem = m.group(4, 5, 6, 7)
    hour = int(hour)
    if meridiem:
        hour = _meridiem_hour(hour, meridiem)
    return hour, int(minute), int(second) if second else 0


def _meridiem_hour(hour: int, meridiem: str) -> int:
    """The hour of the day of a 12-hour clock's hour (AM: "a", PM: "p")."""
    meridiem = meridiem.lower()
    if meridiem == "p" and hour < 12:
        return hour + 12
    if meridiem == "a" and hour == 12:
        return 0
    return hour


def _when(m: re.Match, order: str, label: str, number: int) -> datetime:
    """The header's time; `number` is the line number of the text `m` was found in."""
    try:
        return datetime(*_header_time(m, order))
    except ValueError:
        line = number + m.string.count("\n", 0, m.start())
        raise BadInput(f"{label}, line {line}: {m.group(0)[:30]!r} is not a real date and "
                       "time") from None
