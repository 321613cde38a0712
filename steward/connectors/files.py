"""Careful readers for export files: ZIPs checked for slips and bombs, text read line by line
with a length limit, JSON streamed. Every problem becomes one `BadInput` naming the file."""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path, PurePosixPath
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from steward import clock
from steward.errors import BadInput

MAX_LINE_CHARS = 1 << 20  # no chat line or CSV row is a megabyte long
MAX_ZIP_TOTAL = 16 << 30  # uncompressed bytes in one export ZIP
MAX_ZIP_RATIO = 200  # real exports compress 5-20 times; bombs compress thousands of times
MAX_SMALL_JSON = 256 << 20
MAX_WHOLE_JSON = 4 << 20  # an array file this small is decoded in one go
# One message of a JSON export (text, reactions, embeds, attachment details): real ones are a few
# kilobytes. Like the line limit of the text formats, it keeps one hostile item from taking
# gigabytes of memory and minutes (mbox messages, which carry their attachments, have their own).
MAX_MESSAGE_BYTES = 16 << 20
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError)


def check_file(path: Path) -> Path:
    """The path exists, is a file and is not empty."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    if path.is_dir():
        raise BadInput(f"{path} is a folder; choose the export file inside it")
    if path.stat().st_size == 0:
        raise BadInput(f"{path} is empty")
    return path


def is_zip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open an export ZIP after checking every entry's name and size."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise BadInput(f"{path} is not a readable ZIP file (truncated or damaged: {err})") from None
    total = 0
    for info in archive.infolist():
        filename = info.filename
        # Only a name with "..", ":" or a leading slash can be unsafe (thousands of day files
        # in a Slack export are not parsed as paths).
        if ".." in filename or ":" in filename or filename.startswith(("/", "\\")):
            name = PurePosixPath(filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or (name.parts and ":" in name.parts[0]):
                archive.close()
                raise BadInput(f"{path} contains an unsafe path ({filename!r}); refusing it")
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if total > MAX_ZIP_TOTAL or (info.file_size > (1 << 20) and ratio > MAX_ZIP_RATIO):
            archive.close()
            raise BadInput(f"{path} expands to far more than its size ({info.filename!r}): "
                           "refusing a possible ZIP bomb")
    return archive


def _damaged(label: str, err: BaseException) -> BadInput:
    return BadInput(f"{label} is damaged inside the ZIP ({err}); download the export again")


class _CheckedMember(io.BufferedIOBase):
    """A ZIP entry whose damage (a bad CRC, a size that lies, broken compressed data) becomes a
    BadInput naming it wherever it is read: importers hand the stream on to generators and
    parsers, out of reach of any handler around the place it was opened. It hands each call
    to the entry's own (buffered) reader, without copying."""

    def __init__(self, inner: zipfile.ZipExtFile, label: str):
        super().__init__()
        self.inner, self.label = inner, label

    def readable(self) -> bool:
        return True

    def _call(self, method, *args):
        try:
            return method(*args)
        except _DAMAGED as err:
            raise _damaged(self.label, err) from None

    def read(self, size: int | None = -1) -> bytes:
        return self._call(self.inner.read, size)

    def read1(self, size: int = -1) -> bytes:
        return self._call(self.inner.read1, size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._call(self.inner.readline, size)

    def peek(self, size: int = 0) -> bytes:
        return self._call(self.inner.peek, size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


@contextmanager
def zip_member(archive: zipfile.ZipFile, name: str, label: str) -> Iterator[IO[bytes]]:
    """Open one ZIP entry; damage found while reading becomes a BadInput naming it."""
    try:
        inner = archive.open(name)
    except _DAMAGED as err:
        raise _damaged(label, err) from None
    with inner:
        yield _CheckedMember(inner, label)


class MemberBytes:
    """Whole small entries of one ZIP read straight from the file: one seek and one inflate
    each, instead of an entry reader, its buffers and locks (a Slack export is thousands of
    day files of a few kilobytes). Anything unusual (encryption, another compression, a bad
    header, size or CRC) gives None: the caller then reads the entry the ordinary way, which
    names the damage exactly as before."""

    def __init__(self, path: Path):
        self.raw = open(path, "rb")  # noqa: SIM115 (closed by close / the with block)

    def __enter__(self) -> MemberBytes:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.raw.close()

    def read(self, info: zipfile.ZipInfo) -> bytes | None:
        if info.flag_bits & 1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                             zipfile.ZIP_DEFLATED):
            return None
        raw = self.raw
        raw.seek(info.header_offset)
        header = raw.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            return None
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        raw.seek(info.header_offset + 30 + name_length + extra_length)
        data = raw.read(info.compress_size)
        if len(data) != info.compress_size:
            return None
        if info.compress_type == zipfile.ZIP_DEFLATED:
            inflate = zlib.decompressobj(-15)
            try:
                data = inflate.decompress(data, info.file_size + 1)
            except zlib.error:
                return None
            if not inflate.eof:
                return None
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            return None
        return data


def fingerprint_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint_member(info: zipfile.ZipInfo) -> str:
    return f"{info.filename}:{info.CRC:08x}:{info.file_size}"


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def text_lines(raw: IO[bytes], label: str, what: str, max_chars: int = MAX_LINE_CHARS,
               ending: dict | None = None) -> Iterator[tuple[int, str]]:
    """(line number, line without its newline), never holding more than one bounded line.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read; anything else is refused. When
    `ending` is given, `ending["cut"]` tells how the text ends mid-way, if it does: without a
    final line break, or in the middle of a character (a download cut short).
    """
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
    text = io.TextIOWrapper(buffered, encoding=_encoding(buffered.peek(4)[:4]), errors="strict")
    number = 0
    if ending is not None:
        ending["cut"] = None
    while True:
        number += 1
        try:
            line = text.readline(max_chars + 1)
        except UnicodeDecodeError as err:
            if ending is not None and err.reason == "unexpected end of data":
                ending["cut"] = f"line {number}: the file ends in the middle of a character"
                return
            raise BadInput(f"{label}, line {number}: not UTF-8 text; export it again, or save it "
                           "as UTF-8") from None
        if not line:
            return
        if ending is not None and not line.endswith(("\n", "\r")) and line.strip("\x00"):
            ending["cut"] = f"line {number}: the last line ends without a line break"
        if len(line) > max_chars and not line.endswith(("\n", "\r")):
            raise BadInput(f"{label}, line {number}: a line longer than {max_chars:,} characters;"
                           f" this is not {what}")
        if "\x00" in line:  # a NUL is never text (and cuts names short in the app): dropped
            line = line.replace("\x00", "")
        yield number, line.rstrip("\r\n")


_TEXT_BLOCK = 1 << 20


def text_blocks(raw: IO[bytes], label: str, what: str, max_chars: int = MAX_LINE_CHARS,
                ending: dict | None = None) -> Iterator[tuple[int, str]]:
    """The lines `text_lines` gives, many at a time: (number of the first line, the lines each
    ended by "\n"), with the same refusals and `ending` notes, for a reader that finds its
    lines with one pattern over a block instead of one call a line. UTF-8 (what exports are)
    is read a megabyte at a time, cut after its last line break and decoded at once; memory
    holds a block and one line. A line that cannot be read names its own number (`text_lines`
    names the line it was at when the decoder met it, up to 8 KB earlier)."""
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
    if _encoding(buffered.peek(4)[:4]) != "utf-8-sig":
        yield from _line_blocks(text_lines(buffered, label, what, max_chars, ending))
        return
    if ending is not None:
        ending["cut"] = None
    if buffered.peek(3)[:3] == codecs.BOM_UTF8:
        buffered.read(3)
    number, carry = 1, b""
    while True:
        block = buffered.read(_TEXT_BLOCK)
        data = carry + block if carry else block
        if not data:
            return
        eof = not block
        # after the last line break: never inside a character, nor between a CR and its LF
        cut = len(data) if eof else max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
        if not cut:
            if len(data) > 4 * max_chars + 4:  # surely more characters than a line may hold
                raise BadInput(f"{label}, line {number}: a line longer than {max_chars:,} "
                               f"characters; this is not {what}")
            carry = data
            continue
        part, carry = data[:cut], data[cut:]
        try:
            text = part.decode("utf-8")
        except UnicodeDecodeError as err:
            text = _lines_before(part[:err.start].decode("utf-8"))
            bad = number + text.count("\n")
            if text:
                yield from _checked_block(text, number, label, what, max_chars)
            if ending is not None and eof and err.reason == "unexpected end of data":
                ending["cut"] = f"line {bad}: the file ends in the middle of a character"
                return
            raise BadInput(f"{label}, line {bad}: not UTF-8 text; export it again, or save it "
                           "as UTF-8") from None
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if eof and not text.endswith("\n"):
            last = text.rfind("\n") + 1
            if ending is not None and text[last:].strip("\x00"):
                line = number + text.count("\n", 0, last)
                ending["cut"] = f"line {line}: the last line ends without a line break"
            text += "\n"
        yield from _checked_block(text, number, label, what, max_chars)
        number += text.count("\n")
        if eof:
            return


def _lines_before(text: str) -> str:
    """The whole lines of `text` (each ended by "\n"), line breaks made "\n"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[:text.rfind("\n") + 1]


def _checked_block(text: str, number: int, label: str, what: str,
                   max_chars: int) -> Iterator[tuple[int, str]]:
    """(number, text) when no line of it is longer than `max_chars` (else the refusal
    `text_lines` gives), without NUL characters."""
    if len(text) > max_chars:
        at = 0
        while at < len(text):
            stop = text.index("\n", at)
            if stop - at > max_chars:
                line = number + text.count("\n", 0, at)
                raise BadInput(f"{label}, line {line}: a line longer than {max_chars:,} "
                               f"characters; this is not {what}")
            at = stop + 1
    yield number, text.replace("\x00", "") if "\x00" in text else text


def _line_blocks(lines: Iterator[tuple[int, str]], size: int = 4096) -> Iterator[tuple[int, str]]:
    """`text_lines`'s lines as `text_blocks` gives them, `size` lines a block."""
    block: list[str] = []
    first = 1
    for number, line in lines:
        if not block:
            first = number
        block.append(line)
        if len(block) >= size:
            yield first, "\n".join(block) + "\n"
            block = []
    if block:
        yield first, "\n".join(block) + "\n"


def json_items(raw: IO[bytes], prefix: str, label: str, what: str = "item") -> Iterator[Any]:
    """Stream the items at `prefix` (dotted keys, `item` for an array's elements, e.g.
    `group_posts_v2.item`) of a JSON file, each at most `MAX_MESSAGE_BYTES` (an event parser
    such as ijson takes memory growing with the square of the depth on hostile nesting)."""
    stream = JsonStream(raw, label)
    counted = [0]

    def walk(parts: list[str]) -> Iterator[Any]:
        if not parts:
            counted[0] += 1
            yield stream.value(MAX_MESSAGE_BYTES, f"{what} {counted[0]}")
        elif parts[0] == "item":
            if stream.peek() != "[":
                stream.value()
                return
            if len(parts) == 1:
                counted[0] = yield from stream.array(MAX_MESSAGE_BYTES, what, counted[0])
                return
            for _ in stream.items():
                yield from walk(parts[1:])
        elif stream.peek() != "{":
            stream.value()
        else:
            for key in stream.members():
                if key == parts[0]:
                    yield from walk(parts[1:])
                else:
                    stream.value()

    yield from walk(prefix.split("."))


def loads(data: bytes) -> Any:
    """JSON text (UTF-8, with or without BOM) to Python values, exactly as `json.loads` of the
    decoded text gives them and raising what it raises; `orjson` reads what it can, several
    times faster, and anything it refuses (a BOM, NaN, huge numbers, lone surrogates, bad input)
    goes to `json` for the same answer or error as before."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data.decode("utf-8-sig"))


def small_json(raw: IO[bytes], label: str) -> Any:
    """Load a small JSON file (a user or channel list) whole, with a size limit."""
    data = raw.read(MAX_SMALL_JSON + 1)
    if len(data) > MAX_SMALL_JSON:
        raise BadInput(f"{label} is too large for a list of users or channels")
    if not data.strip():
        raise BadInput(f"{label} is empty")
    try:
        return loads(data)
    except (UnicodeDecodeError, ValueError) as err:
        raise BadInput(f"{label} is not valid JSON ({err})") from None
    except RecursionError:
        raise too_deep(label) from None


def too_deep(label: str, what: str = "") -> BadInput:
    """JSON nested thousands deep: no export does that; Python's decoder would overflow."""
    return BadInput(f"{label}{what}: JSON nested too deeply to be an export; refusing it")


def local_timezone() -> tzinfo:
    """This computer's time zone, as a real zone (with its summer time rules) where possible."""
    candidates = [os.environ.get("TZ", "")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name.lstrip(":"))
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return clock.local_now().tzinfo or UTC


def parse_timezone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"unknown time zone {name!r}: use a name such as Europe/London") from None


def to_utc(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """A naive UTC datetime; naive input is read in `zone` (UTC when None)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or UTC)
    return moment.astimezone(UTC).replace(tzinfo=None)


_EPOCH = datetime(1970, 1, 1)


def from_unix(seconds: float | str) -> datetime:
    """Seconds since 1970 (a number, or text such as Slack's "1637589841.000200") to naive UTC.

    Text with up to six decimals is read exactly with integer arithmetic (the common case, and
    several times faster than going through a float)."""
    if isinstance(seconds, str):
        whole, _, fraction = seconds.partition(".")
        if whole.isdigit() and len(fraction) <= 6 and (fraction.isdigit() or not fraction):
            return _EPOCH + timedelta(seconds=int(whole),
                                      microseconds=int(fraction.ljust(6, "0")) if fraction else 0)
    elif isinstance(seconds, int):
        return _EPOCH + timedelta(seconds=seconds)
    return datetime.fromtimestamp(float(seconds), UTC).replace(tzinfo=None)


def from_iso(text: str) -> datetime:
    """ISO 8601 with offset (or Z) to naive UTC."""
    moment = datetime.fromisoformat(text)
    offset = moment.utcoffset()
    return moment if offset is None else moment.replace(tzinfo=None) - offset


def _iso_db_time(text: str) -> str:
    moment = datetime.fromisoformat(text)
    offset = moment.utcoffset()
    if offset is not None:
        moment = moment.replace(tzinfo=None) - offset
    return moment.isoformat(" ", "microseconds")


# Exports write thousands of times in the same few forms: each day (with its offset) is
# converted once through datetime into the UTC text of its 24 hours, and remembered; minutes,
# seconds and fractions are copied (an offset of whole hours leaves them as they are).
_ISO_COMMON = re.compile(r"(\d{4}-\d\d-\d\d)T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)"
                         r"(?:\.(\d{1,6}))?(Z|[+-]\d\d:00)?")
_ISO_DAYS: dict[str, list[str]] = {}  # "YYYY-MM-DD" + offset -> "YYYY-MM-DD HH:" (UTC) by hour
_UNIX_DAYS: dict[int, str] = {}  # days since 1970 -> "YYYY-MM-DD "
_ISO_HOURS: dict[str, str] = {}  # "YYYY-MM-DDTHH" + offset -> "YYYY-MM-DD HH:" (UTC)
_TWO_DIGITS = [f"{n:02d}" for n in range(60)]
_MINUTES_OF_DAY = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]  # "HH:MM:"
_MINUTE_SECOND = frozenset(f":{m}:{s}." for m in _TWO_DIGITS for s in _TWO_DIGITS)  # ":MM:SS."
_THOUSAND = frozenset(f"{n:03d}" for n in range(1000))
_SIX_ZEROS = "000000"


def _day_hours(key: str, day: str, offset: str | None) -> list[str] | None:
    try:
        start = datetime.fromisoformat(f"{day}T00:00:00{offset or ''}")
        utc = start.utcoffset()
        if utc is not None:
            start = start.replace(tzinfo=None) - utc
        hours = [(start + timedelta(hours=h)).isoformat(" ")[:14] for h in range(24)]
    except OverflowError:  # the first or last days a datetime holds: the slow way
        return None
    if len(_ISO_DAYS) > 100_000:
        _ISO_DAYS.clear()
    _ISO_DAYS[key] = hours
    return hours


def iso_db_time(text: str) -> str:
    """ISO 8601 with offset (or Z) to the database's UTC text (see `base.db_time`)."""
    if len(text) == 29:  # DiscordChatExporter's "2021-12-03T10:54:19.000+00:00": an hour (and
        # its offset) read before through the pattern below gives its UTC hour at once
        hour = _ISO_HOURS.get(text[:13] + text[23:])
        if hour is not None and text[13:20] in _MINUTE_SECOND and text[20:23] in _THOUSAND:
            return f"{hour}{text[14:23]}000"  # "MM:SS.fff", checked just above
    m = _ISO_COMMON.fullmatch(text)
    if m is not None:
        day, hour, minute, second, fraction, offset = m.groups()
        key = day + offset if offset else day
        hours = _ISO_DAYS.get(key) or _day_hours(key, day, offset)
        if hours is not None:
            if len(text) == 29 and offset and len(offset) == 6:
                if len(_ISO_HOURS) > 100_000:
                    _ISO_HOURS.clear()
                # the day's 24 hours at once: an export has a few messages an hour
                _ISO_HOURS.update((f"{day}T{h}{offset}", hours[n])
                                   for n, h in enumerate(_TWO_DIGITS[:24]))
            return (f"{hours[int(hour)]}{minute}:{second}."
                    f"{fraction + _SIX_ZEROS[len(fraction):] if fraction else _SIX_ZEROS}")
    return _iso_db_time(text)


def _unix_day(days: int) -> str:
    """"YYYY-MM-DD " of a day since 1970, remembered (an export's messages share few days)."""
    if len(_UNIX_DAYS) > 100_000:
        _UNIX_DAYS.clear()
    day = _UNIX_DAYS[days] = f"{(_EPOCH + timedelta(days=days)).date().isoformat()} "
    return day


def unix_db_time(seconds: float | str) -> str:
    """Seconds since 1970 (see `from_unix`) to the database's UTC text.

    Whole seconds (a number, or text such as Telegram's "1638537464") and text with up to six
    decimals (Slack's "1637589841.000200") are converted with integer arithmetic (the same
    text as going through `from_unix`); each day's date is formatted once and remembered."""
    if type(seconds) is str:
        whole, _, fraction = seconds.partition(".")
        if not (whole.isdigit() and len(whole) <= 11 and len(fraction) <= 6
                and (fraction.isdigit() or not fraction)):
            return from_unix(seconds).isoformat(" ", "microseconds")
        seconds = int(whole)
        if len(fraction) != 6:
            fraction = fraction + _SIX_ZEROS[len(fraction):] if fraction else _SIX_ZEROS
    elif type(seconds) is int and 0 <= seconds < 100_000_000_000:
        fraction = _SIX_ZEROS
    else:
        return from_unix(seconds).isoformat(" ", "microseconds")
    days, second = divmod(seconds, 86400)
    day = _UNIX_DAYS.get(days) or _unix_day(days)
    minute, second = divmod(second, 60)
    return f"{day}{_MINUTES_OF_DAY[minute]}{_TWO_DIGITS[second]}.{fraction}"


def byte_lines(raw: IO[bytes], label: str, what: str,
               max_bytes: int = MAX_LINE_CHARS) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line with its newline), for formats that carry their own charsets."""
    number = 0
    while True:
        number += 1
        line = raw.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(b"\n"):
            raise BadInput(f"{label}, line {number}: a line longer than {max_bytes:,} bytes; "
                           f"this is not {what}")
        yield number, line


_BLANK = re.compile(r"[ \t\r\n]*")
_SEPARATOR = re.compile(r"[ \t\r\n]*,[ \t\r\n]*")
_NEXT_OBJECT = re.compile(r"[ \t\r\n]*,[ \t\r\n]*\{")
_ID_NEAR_START = re.compile(r'"(?:id|ts)"\s*:\s*"?([\w.:-]{1,40})')


def _size(limit: int) -> str:
    return f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit >> 10} KB"


class JsonStream:
    """A JSON document walked from the outside in: the caller steps through the objects and
    arrays it cares about (`keys`, `items`) and takes each value whole (`value`), decoded by the
    C decoder. Memory holds one value at a time (at most `max_value` characters), whatever the
    file size; several times faster than an event-by-event parser for arrays of small objects."""

    CHUNK = 1 << 20

    def __init__(self, raw: IO[bytes], label: str, max_value: int = MAX_SMALL_JSON):
        self.raw, self.label, self.max_value = raw, label, max_value
        self.text = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf, self.pos, self.eof = "", 0, False
        self._decode = json.JSONDecoder().raw_decode

    def _more(self) -> bool:
        if self.eof:
            return False
        data = self.raw.read(self.CHUNK)
        try:
            text = self.text.decode(data, final=not data)
        except UnicodeDecodeError:
            raise BadInput(f"{self.label} is not UTF-8 JSON") from None
        self.buf, self.pos, self.eof = self.buf[self.pos:] + text, 0, not data
        return True

    def _bad(self, problem: str):
        raise BadInput(f"{self.label} is not valid JSON ({problem})")

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            self.pos = _BLANK.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def _take(self, char: str) -> None:
        if self.peek() != char:
            self._bad(f"expected {char!r}")
        self.pos += 1

    def value(self, limit: int | None = None, what: str = "one item") -> Any:
        """The next value, whole; at most `limit` characters (default: the stream's), else a
        BadInput naming `what` (e.g. "message 12")."""
        limit = self.max_value if limit is None else limit
        self.peek()
        while True:
            try:
                value, end = self._decode(self.buf, self.pos)
            except json.JSONDecodeError as err:
                if self.eof:
                    self._bad(err.msg)
                if len(self.buf) - self.pos > limit:
                    raise BadInput(f"{self.label}: {what}{self._id_hint()} is larger than "
                                   f"{_size(limit)}; this is not an export") from None
                self._more()
                continue
            except RecursionError:
                raise too_deep(self.label, f", {what}{self._id_hint()}") from None
            if end + 2 >= len(self.buf) and not self.eof:  # "1." or "2e" may go on next chunk
                self._more()
                continue
            self.pos = end
            return value

    def message(self, what: str) -> Any:
        """The next value, which is one message: at most `MAX_MESSAGE_BYTES`."""
        return self.value(MAX_MESSAGE_BYTES, what)

    def _id_hint(self) -> str:
        """The id written near the start of the value being read, when there is one."""
        m = _ID_NEAR_START.search(self.buf, self.pos, self.pos + 2000)
        return f" (id {m.group(1)})" if m else ""

    def array(self, limit: int | None = None, what: str = "message",
              numbered_after: int = 0) -> Generator[Any, None, int]:
        """The elements of the array the stream stands at, each whole and at most `limit`
        characters (else a BadInput naming `what` and its number, e.g. "message 12", counting
        on from `numbered_after`): what `items` and `value` give, with less work for each of
        many small elements (`limit` defaults to `MAX_MESSAGE_BYTES`). Returns the number of
        the last element."""
        limit = MAX_MESSAGE_BYTES if limit is None else limit
        self._take("[")
        n = numbered_after
        if self.peek() == "]":
            self.pos += 1
            return n
        decode, separator = self._decode, _SEPARATOR.match
        while True:
            if self.buf.startswith("{", self.pos):  # many objects? read the chunk's at once
                values = self._objects(limit)
                if values:
                    yield from values
                    n += len(values)
                    continue
                if not self.eof and self.pos > len(self.buf) // 2:
                    # Near the end of the text read: read on first. A failed decode here
                    # would cost its error's line count over the megabyte before it.
                    self._more()
                    continue
            n += 1
            buf, pos = self.buf, self.pos
            try:
                value, end = decode(buf, pos)
            except (ValueError, RecursionError):  # the rest is in the next chunk, or bad
                value = self.value(limit, f"{what} {n}")  # reads on, names the problem
            else:
                if end + 2 >= len(buf) and not self.eof:  # a number may go on: read on
                    value = self.value(limit, f"{what} {n}")
                else:
                    self.pos = end
            yield value
            buf = self.buf
            m = separator(buf, self.pos)
            if m is not None and m.end() < len(buf):
                self.pos = m.end()
                continue
            char = self.peek()
            self.pos += 1
            if char == "]":
                return n
            if char != ",":
                self._bad("expected ',' or ']' in an array")
            self.peek()

    def _objects(self, limit: int, tries: int = 3) -> list[Any]:
        """The array's next objects up to the last one that surely ends in the text read so
        far, decoded by `orjson` in one call, and the stream standing at the next one; [] when
        that cannot be done (then the caller reads one element at a time, which names any
        problem). An object ends where a "}" before ", {" closes it: `orjson` reading
        "[" + the text up to a "}" + "]" as an array of objects proves that "}" was one (a
        "}, {" inside a string or a nested list makes the text unreadable, and an earlier
        "}" is tried). Nothing longer than `limit` is read this way."""
        buf, pos = self.buf, self.pos
        high = min(len(buf), pos + limit)
        follows = _NEXT_OBJECT.match
        for _ in range(tries):
            end = buf.rfind("}", pos, high)
            while end > pos and (after := follows(buf, end + 1)) is None:
                end = buf.rfind("}", pos, end)
            if end <= pos or after.end() >= len(buf):
                return []
            try:
                values = orjson.loads(f"[{buf[pos:end + 1]}]")
            except orjson.JSONDecodeError:
                high = end
                continue
            if not all(type(v) is dict for v in values):
                return []
            self.pos = after.end() - 1  # at the "{" of the next object
            return values
        return []

    def items(self) -> Iterator[None]:
        """Steps through an array: after each step the caller reads one element."""
        self._take("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield
            char = self.peek()
            self.pos += 1
            if char == "]":
                return
            if char != ",":
                self._bad("expected ',' or ']' in an array")

    def members(self) -> Iterator[str]:
        """Steps through an object: yields each key; the caller then reads (or walks) its
        value."""
        self._take("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                self._bad("expected a key")
            key = self.value()
            self._take(":")
            yield key
            char = self.peek()
            self.pos += 1
            if char == "}":
                return
            if char != ",":
                self._bad("expected ',' or '}' in an object")


def json_array(raw: IO[bytes], label: str, size: int, what: str = "message") -> Iterator[Any]:
    """The elements of a JSON array file: a small file (`size` bytes) is decoded whole, which
    saves the walking for the many small files of an export; a big one is streamed, each
    element (`what`, e.g. "message") at most `MAX_MESSAGE_BYTES`."""
    if not read_whole(size):
        yield from JsonStream(raw, label).array(MAX_MESSAGE_BYTES, what)
        return
    yield from json_array_bytes(raw.read(MAX_WHOLE_JSON + 1), label)


def read_whole(size: int) -> bool:
    """Whether a JSON array file of `size` bytes is decoded whole (see `json_array`)."""
    return size <= min(MAX_WHOLE_JSON, MAX_MESSAGE_BYTES)


def json_array_bytes(data: bytes, label: str) -> list[Any]:
    """The elements of a small JSON array file read whole (see `json_array`)."""
    try:
        items = loads(data)
    except UnicodeDecodeError:
        raise BadInput(f"{label} is not UTF-8 JSON") from None
    except ValueError as err:
        raise BadInput(f"{label} is not valid JSON ({err})") from None
    except RecursionError:
        raise too_deep(label) from None
    if not isinstance(items, list):
        raise BadInput(f"{label} is not valid JSON (expected '[')")
    return items
