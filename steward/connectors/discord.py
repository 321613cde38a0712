"""Discord channels exported with DiscordChatExporter (JSON format), one file per channel."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from steward.connectors.base import (
    AuthorRecord,
    ExportCoverage,
    FileUnit,
    ImportOptions,
    SpaceRecord,
)
from steward.connectors.files import JsonStream, check_file, fingerprint_file, iso_db_time
from steward.errors import BadInput

_JOIN_TYPES = {"GuildMemberJoin", "RecipientAdd"}
_MESSAGE_TYPES = {"Default", "Reply", "ThreadStarterMessage", "ApplicationCommand"}


@contextmanager
def _channel_export(path: Path) -> Iterator[tuple[dict, dict, JsonStream]]:
    """The guild, the channel, and the stream standing at the start of the messages array."""
    with open(check_file(path), "rb") as f:
        stream = JsonStream(f, str(path))
        top = {}
        if stream.peek() == "{":
            for key in stream.members():
                if key == "messages":
                    break
                top[key] = stream.value()
        guild, channel = top.get("guild"), top.get("channel")
        if not isinstance(guild, dict) or not isinstance(channel, dict) or "id" not in channel:
            raise BadInput(f"{path} does not look like a DiscordChatExporter JSON export "
                           "(no guild and channel at the top)")
        yield guild, channel, stream


class DiscordExport:
    kind = "discord-export"
    platform = "discord"
    title = "Discord channels (DiscordChatExporter JSON)"
    file_patterns = ("*.json",)
    how_to_export = (
        "1. Install DiscordChatExporter (github.com/Tyrrrz/DiscordChatExporter) and give it a "
        "token for an account or bot that can read the channels.\n2. Choose the server and "
        "channels, and set the export format to JSON.\n3. Export, then choose all the .json "
        "files here (one per channel).")

    def source_name(self, paths: Sequence[Path], options: ImportOptions) -> str:
        with _channel_export(Path(paths[0])) as (guild, _channel, _stream):
            pass
        return f"Discord: {guild.get('name') or guild.get('id')}"

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator:
        seen: set[str] = set()
        for path in map(Path, paths):
            with _channel_export(path) as (_guild, channel, stream):
                cid = str(channel["id"])
                yield SpaceRecord(cid, channel.get("name") or cid, "channel", "closed")
                unit = FileUnit(str(path), fingerprint_file(path))
                yield unit
                if unit.fingerprint in skip:
                    continue
                present: set[str] = set()
                first = last = None
                read = 0
                add = present.add
                for m in stream.array():
                    read += 1
                    if type(m) is not dict or "id" not in m or "timestamp" not in m:
                        continue
                    get = m.get
                    author = get("author")
                    if type(author) is dict and author.get("id") is not None:
                        aid = str(author["id"])
                        if aid not in seen:
                            seen.add(aid)
                            yield AuthorRecord(aid, author.get("nickname") or author.get("name"),
                                               author.get("name"),
                                               is_bot=bool(author.get("isBot")))
                    else:
                        aid = None
                    try:
                        at = iso_db_time(m["timestamp"])
                        edited = get("timestampEdited")
                        if edited:
                            edited = iso_db_time(edited)
                    except (TypeError, ValueError):
                        raise BadInput(f"{path}: message {get('id')} has an unreadable "
                                       "time") from None
                    mid = str(m["id"])
                    add(mid)
                    if first is None:
                        first = last = at
                    elif at < first:
                        first = at
                    elif at > last:
                        last = at
                    kind = get("type") or "Default"
                    parent = (get("reference") or {}).get("messageId") if kind == "Reply" \
                        else None
                    reactions, attachments = get("reactions"), get("attachments")
                    # a bare MessageRecord tuple (see base.MessageRecord)
                    yield (cid, mid, at, aid, get("content"), str(parent) if parent else None,
                           "message" if kind in _MESSAGE_TYPES else "join" if kind in _JOIN_TYPES
                           else "system", edited or None, 0,
                           sum(int(r.get("count") or 0) for r in reactions) if reactions else 0,
                           len(attachments) if attachments else 0)
                coverage = _coverage(stream, cid, first, last, present, read if present else 0)
                if coverage is not None:
                    yield coverage


def _coverage(stream: JsonStream, channel: str, first: str | None, last: str | None,
              present: set[str], read: int) -> ExportCoverage | None:
    """What this file provably covers: DiscordChatExporter writes `messageCount` after the
    messages of a whole export, and a channel's messages between its first and last one are all
    there (a partition is a contiguous part) but for those deleted on Discord. The only exports
    that lack others are filtered ones, which the file does not record: the writer refuses to
    mark when most of a span is missing."""
    count = None
    if stream.peek() == ",":
        stream.pos += 1
        for key in _rest_of_object(stream):
            value = stream.value()
            if key == "messageCount" and isinstance(value, int):
                count = value
    if first is None or count is None or count != read:
        return None
    return ExportCoverage(channel, first, last, present)


def _rest_of_object(stream: JsonStream) -> Iterator[str]:
    """The keys after the messages array, in the top object the stream stands in."""
    while stream.peek() == '"':
        key = stream.value()
        stream._take(":")
        yield key
        if stream.peek() != ",":
            break
        stream.pos += 1
