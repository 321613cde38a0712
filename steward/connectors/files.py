"""Careful readers for export files: ZIPs checked for slips and bombs, text read line by line
with a length limit, JSON streamed. Every problem becomes one `BadInput` naming the file."""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ijson

from steward.errors import BadInput

MAX_LINE_CHARS = 1 << 20  # no chat line or CSV row is a megabyte long
MAX_ZIP_TOTAL = 16 << 30  # uncompressed bytes in one export ZIP
MAX_ZIP_RATIO = 200  # real exports compress 5-20 times; bombs compress thousands of times
MAX_SMALL_JSON = 256 << 20


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
        name = PurePosixPath(info.filename.replace("\\", "/"))
        if name.is_absolute() or ".." in name.parts or (name.parts and ":" in name.parts[0]):
            archive.close()
            raise BadInput(f"{path} contains an unsafe path ({info.filename!r}); refusing it")
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if total > MAX_ZIP_TOTAL or (info.file_size > (1 << 20) and ratio > MAX_ZIP_RATIO):
            archive.close()
            raise BadInput(f"{path} expands to far more than its size ({info.filename!r}): "
                           "refusing a possible ZIP bomb")
    return archive


@contextmanager
def zip_member(archive: zipfile.ZipFile, name: str, label: str) -> Iterator[IO[bytes]]:
    """Open one ZIP entry; damage found while reading becomes a BadInput naming it."""
    try:
        with archive.open(name) as f:
            yield f
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise BadInput(f"{label} is damaged inside the ZIP ({err})") from None


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


def text_lines(raw: IO[bytes], label: str, what: str,
               max_chars: int = MAX_LINE_CHARS) -> Iterator[tuple[int, str]]:
    """(line number, line without its newline), never holding more than one bounded line.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read; anything else is refused.
    """
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
    text = io.TextIOWrapper(buffered, encoding=_encoding(buffered.peek(4)[:4]), errors="strict")
    number = 0
    while True:
        number += 1
        try:
            line = text.readline(max_chars + 1)
        except UnicodeDecodeError:
            raise BadInput(f"{label}, line {number}: not UTF-8 text; export it again, or save it "
                           "as UTF-8") from None
        if not line:
            return
        if len(line) > max_chars and not line.endswith(("\n", "\r")):
            raise BadInput(f"{label}, line {number}: a line longer than {max_chars:,} characters;"
                           f" this is not {what}")
        yield number, line.rstrip("\r\n")


def json_items(raw: IO[bytes], prefix: str, label: str) -> Iterator[Any]:
    """Stream the items at `prefix` (ijson syntax, e.g. `messages.item`) of a JSON file."""
    try:
        yield from ijson.items(raw, prefix, use_float=True)
    except ijson.JSONError as err:
        raise BadInput(f"{label} is not valid JSON ({err})") from None
    except UnicodeDecodeError:
        raise BadInput(f"{label} is not UTF-8 JSON") from None


def json_kvitems(raw: IO[bytes], prefix: str, label: str) -> Iterator[tuple[str, Any]]:
    try:
        yield from ijson.kvitems(raw, prefix, use_float=True)
    except ijson.JSONError as err:
        raise BadInput(f"{label} is not valid JSON ({err})") from None
    except UnicodeDecodeError:
        raise BadInput(f"{label} is not UTF-8 JSON") from None


def small_json(raw: IO[bytes], label: str) -> Any:
    """Load a small JSON file (a user or channel list) whole, with a size limit."""
    import json

    data = raw.read(MAX_SMALL_JSON + 1)
    if len(data) > MAX_SMALL_JSON:
        raise BadInput(f"{label} is too large for a list of users or channels")
    if not data.strip():
        raise BadInput(f"{label} is empty")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        raise BadInput(f"{label} is not valid JSON ({err})") from None


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
    return datetime.now().astimezone().tzinfo or UTC


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


def from_unix(seconds: float | str) -> datetime:
    return datetime.fromtimestamp(float(seconds), UTC).replace(tzinfo=None)


def from_iso(text: str) -> datetime:
    """ISO 8601 with offset (or Z) to naive UTC."""
    return to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


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
