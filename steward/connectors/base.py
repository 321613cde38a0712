"""The contracts every connector meets, and the normalised records they produce.

A file importer turns export files into a stream of records (spaces, people, messages, reports,
consents, email statuses); `steward.connectors.ingest` writes that stream into the workspace in
one transaction. A live source syncs incrementally from a stored cursor and pushes outbox actions.
Records name each other by platform id only; the writer maps them to workspace ids.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol

if TYPE_CHECKING:
    from steward.jobs import CancelToken, Job
    from steward.workspace import Workspace


@dataclass
class SpaceRecord:
    platform_id: str
    name: str
    kind: str = "channel"  # channel | chat | category | list | group
    visibility: str = "closed"
    created_at: datetime | None = None
    archived: bool = False  # archived on the platform (Slack `is_archived`)


@dataclass
class AuthorRecord:
    """An account on the platform (becomes an Identity, and a Person when new)."""

    platform_id: str
    display_name: str | None = None
    handle: str | None = None
    email: str | None = None
    phone: str | None = None
    is_bot: bool = False
    joined_at: datetime | None = None


class MessageRecord(NamedTuple):
    """A message, as a plain tuple: the import's hot path builds and unpacks millions of them.

    Times are already in the database's text form (`db_time`: naive UTC, "YYYY-MM-DD
    HH:MM:SS.ffffff"), converted once by the importer; the text sorts as the time does.
    The built-in importers yield a bare tuple of these eleven fields, in this order (building
    the named tuple costs more than the rest of a message's parse); the writer takes both.
    """

    space: str  # the space's platform id
    platform_id: str
    created_at: str  # db_time text, UTC
    author: str | None = None  # the author's platform id
    text: str | None = None
    parent: str | None = None  # platform id of the message this replies to (thread follows)
    kind: str = "message"  # message | system | join
    edited_at: str | None = None  # db_time text, UTC
    deleted: int = 0
    reactions: int = 0
    attachments: int = 0


def db_time(moment: datetime | None) -> str | None:
    """A naive UTC datetime in the text form the database stores (same as `bulk.sql_time`)."""
    return moment.isoformat(" ", "microseconds") if moment is not None else None


@dataclass
class MembershipRecord:
    space: str
    author: str
    role: str = "member"
    status: str = "active"
    joined_at: datetime | None = None
    left_at: datetime | None = None


@dataclass
class ReportRecord:
    """A flag raised on the platform itself (Slack content flag, Discourse reviewable)."""

    platform_id: str
    created_at: datetime
    message: str | None = None
    author: str | None = None
    reason: str | None = None
    status: str = "pending"
    payload: dict = field(default_factory=dict)


@dataclass
class ConsentRecord:
    author: str
    state: str  # given | withdrawn
    at: datetime
    basis: str = "consent"
    wording: str | None = None


@dataclass
class EmailStatusRecord:
    email: str
    status: str  # subscribed | unsubscribed | cleaned | bounced
    at: datetime | None = None


@dataclass
class MemberDetailsRecord:
    """What a member list holds about a person beyond name and contact (members-csv)."""

    author: str
    first_name: str | None = None
    last_name: str | None = None
    address: str | None = None
    town: str | None = None
    postcode: str | None = None
    date_of_birth: str | None = None  # ISO date when it could be read, else the text as given
    notes: str | None = None


@dataclass
class CutShort:
    """The file ends in the middle of its last record (a download cut short): what was read is
    imported, and the summary says so."""

    label: str
    where: str  # e.g. "line 412: the last message ends without a line break"


@dataclass
class ExportCoverage:
    """A whole export of one space that provably holds every message the platform still has
    between `first` and `last` (db_time text): one the workspace holds in that span and this
    export lacks was deleted on the platform since."""

    space: str
    first: str
    last: str
    present: set[str]


Record = (SpaceRecord | AuthorRecord | MessageRecord | MembershipRecord | ReportRecord
          | ConsentRecord | EmailStatusRecord | MemberDetailsRecord | CutShort | ExportCoverage)


@dataclass
class ImportOptions:
    """What the person told us about the files (the CLI flags, the dialog's answers)."""

    timezone: tzinfo | None = None  # for formats without one (WhatsApp); None = this computer
    date_order: str | None = None  # "dmy" | "mdy" when the dates alone cannot tell
    space_name: str | None = None  # a name for single-space imports
    column_map: dict[str, str] | None = None  # members-csv: field -> column heading


@dataclass
class FileUnit:
    """One part of an export that is read as a whole (a file, or a member of a ZIP).

    Its fingerprint lets a re-import skip what it has already taken in.
    """

    label: str
    fingerprint: str


class FileImporter(Protocol):
    """Reads one platform's export files into records."""

    kind: ClassVar[str]  # the CLI name: slack-export, whatsapp, …
    platform: ClassVar[str]  # stored on the Source: slack, whatsapp, …
    title: ClassVar[str]  # what the person sees: "Slack workspace export"
    how_to_export: ClassVar[str]  # the steps to get this export from the platform
    file_patterns: ClassVar[Sequence[str]]  # for the file picker: "*.zip"

    def source_name(self, paths: Sequence[Path], options: ImportOptions) -> str:
        """The Source this export belongs to (the same files always give the same name)."""

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator[Record | FileUnit]:
        """Stream records. A `FileUnit` is yielded before each part's records; when its
        fingerprint is in `skip` the importer leaves that part out (already imported)."""


class LiveSource(Protocol):
    """A platform reached over its API: incremental sync from a cursor, and pushing actions."""

    platform: ClassVar[str]
    title: ClassVar[str]

    def test_connection(self, config: dict[str, Any], secret: str) -> str:
        """One line describing who we are connected as; raises StewardError if we cannot."""

    def sync(self, ws: Workspace, source_name: str, secret: str,
             token: CancelToken | None = None) -> Job[dict]:
        """Send pending outbox actions, then fetch what is new since the stored cursor."""
