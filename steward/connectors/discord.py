"""Discord channels exported with DiscordChatExporter (JSON format), one file per channel."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from steward.connectors.base import (
    AuthorRecord,
    FileUnit,
    ImportOptions,
    MessageRecord,
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
                for n, _ in enumerate(stream.items(), 1):
                    m = stream.message(f"message {n}")
                    if not isinstance(m, dict) or "id" not in m or "timestamp" not in m:
                        continue
                    author = m.get("author")
                    if isinstance(author, dict) and author.get("id") is not None:
                        aid = str(author["id"])
                        if aid not in seen:
                            seen.add(aid)
                            yield AuthorRecord(aid, author.get("nickname") or author.get("name"),
                                               author.get("name"),
                                               is_bot=bool(author.get("isBot")))
                    else:
                        aid = None
                    yield _message(cid, m, aid, path)


def _message(channel: str, m: dict, author: str | None, path: Path) -> MessageRecord:
    try:
        at = iso_db_time(m["timestamp"])
        edited = m.get("timestampEdited")
        if edited:
            edited = iso_db_time(edited)
    except (TypeError, ValueError):
        raise BadInput(f"{path}: message {m.get('id')} has an unreadable time") from None
    kind = m.get("type") or "Default"
    parent = (m.get("reference") or {}).get("messageId") if kind == "Reply" else None
    reactions = m.get("reactions")
    attachments = m.get("attachments")
    return MessageRecord(
        channel, str(m["id"]), at, author, m.get("content"), str(parent) if parent else None,
        "join" if kind in _JOIN_TYPES else "message" if kind in _MESSAGE_TYPES else "system",
        edited or None, 0, sum(int(r.get("count") or 0) for r in reactions) if reactions else 0,
        len(attachments) if attachments else 0)
