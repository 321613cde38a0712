"""Mailing-list archives in mbox format (Mailman, or Groups.io's `messages.mbox` in its ZIP).

Threads follow Message-ID / In-Reply-To / References; names in RFC 2047 and bodies in any
declared charset are decoded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import IO

from steward.connectors.base import (
    AuthorRecord,
    FileUnit,
    ImportOptions,
    MessageRecord,
    SpaceRecord,
)
from steward.connectors.files import (
    byte_lines,
    check_file,
    fingerprint_file,
    fingerprint_member,
    is_zip,
    open_zip,
    to_utc,
    zip_member,
)
from steward.errors import BadInput
from steward.normalise import normalise_email

MAX_MESSAGE_BYTES = 64 << 20
_MSGID = re.compile(r"<([^<>\s]+)>")
_PARSER = BytesParser()  # the compat32 policy: many times faster than policy.default


@contextmanager
def _open(path: Path) -> Iterator[tuple[IO[bytes], str, str]]:
    check_file(path)
    if not is_zip(path):
        with open(path, "rb") as f:
            yield f, str(path), fingerprint_file(path)
        return
    with open_zip(path) as archive:
        boxes = [i for i in archive.infolist() if i.filename.lower().endswith((".mbox", ".mbx"))]
        if not boxes:
            raise BadInput(f"{path} holds no .mbox file; is it a mailing-list archive?")
        label = f"{path}: {boxes[0].filename}"
        with zip_member(archive, boxes[0].filename, label) as f:
            yield f, label, fingerprint_member(boxes[0])


def _split(f: IO[bytes], label: str) -> Iterator[tuple[int, bytes]]:
    """Each message's bytes (and its first line number), without the `From ` separator."""
    chunks: list[bytes] = []
    size, start, any_separator = 0, 0, False
    for number, line in byte_lines(f, label, "a mailbox (mbox) file"):
        if line.startswith(b"From "):
            if chunks:
                yield start, b"".join(chunks)
            chunks, size, start, any_separator = [], 0, number, True
            continue
        if not any_separator:
            if line.strip():
                raise BadInput(f"{label}, line {number}: does not look like an mbox archive "
                               "(it should start with a 'From ' line)")
            continue
        if line.startswith(b">From "):
            line = line[1:]
        size += len(line)
        if size > MAX_MESSAGE_BYTES:
            raise BadInput(f"{label}, line {number}: one message is larger than "
                           f"{MAX_MESSAGE_BYTES >> 20} MB")
        chunks.append(line)
    if chunks:
        yield start, b"".join(chunks)
    if not any_separator:
        raise BadInput(f"{label} holds no messages")


def _ids(value: str | None) -> list[str]:
    return _MSGID.findall(str(value or ""))


def _header(value) -> str:
    """A header as text, with RFC 2047 encoded words (=?utf-8?q?…?=) decoded."""
    if value is None:
        return ""
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


class MailingListArchive:
    kind = "mbox"
    platform = "mbox"
    title = "Mailing-list archive (mbox)"
    file_patterns = ("*.mbox", "*.mbx", "*.zip")
    how_to_export = (
        "Mailman 3: the list's archive page → Download (.mbox.gz; unzip it first).\n"
        "Groups.io: Settings → Export Group → tick Messages; choose the ZIP it emails you.\n"
        "Google Groups: Takeout → Groups; choose the .mbox file.")

    def source_name(self, paths: Sequence[Path], options: ImportOptions) -> str:
        return f"Mailing list: {options.space_name or Path(paths[0]).stem}"

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator:
        authors: set[str] = set()
        for path in map(Path, paths):
            default_space = options.space_name or path.stem
            spaces: set[str] = set()
            with _open(path) as (f, label, fingerprint):
                unit = FileUnit(label, fingerprint)
                yield unit
                if fingerprint in skip:
                    continue
                for line, data in _split(f, label):
                    yield from self._message(data, line, label, default_space, spaces, authors,
                                             options)

    def _message(self, data: bytes, line: int, label: str, default_space: str,
                 spaces: set[str], authors: set[str], options: ImportOptions) -> Iterator:
        msg = _PARSER.parsebytes(data)
        try:
            list_id = _ids(msg.get("List-Id"))
            senders = getaddresses([str(msg.get("From", ""))])
            date = str(msg.get("Date") or "")
        except (ValueError, IndexError, TypeError):
            raise BadInput(f"{label}, line {line}: a message header cannot be read") from None
        space = list_id[0] if list_id and not options.space_name else default_space
        if space not in spaces:
            spaces.add(space)
            yield SpaceRecord(space, space, "list", "closed")
        author = None
        if senders and senders[0][1]:
            name, address = senders[0]
            author = normalise_email(address)
            if author not in authors:
                authors.add(author)
                yield AuthorRecord(author, _header(name) or address, email=address)
        try:
            at = to_utc(parsedate_to_datetime(date))
        except (TypeError, ValueError, IndexError):
            raise BadInput(f"{label}, line {line}: a message has no readable Date") from None
        own = _ids(msg.get("Message-ID"))
        platform_id = own[0] if own else "sha1:" + hashlib.sha1(data).hexdigest()
        parents = _ids(msg.get("In-Reply-To")) or _ids(msg.get("References"))[-1:]
        subject = _header(msg.get("Subject")).strip()
        body, attachments = _body(msg)
        yield MessageRecord(
            space=space, platform_id=platform_id, created_at=at, author=author,
            text=f"{subject}\n\n{body}" if subject else body,
            parent=parents[0] if parents else None,
            attachments=attachments,
        )
