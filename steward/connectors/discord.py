"""Discord channels exported with DiscordChatExporter (JSON format), one file per channel."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from steward.connectors.base import (
    AuthorRecord,
    FileUnit,
    ImportOptions,
    MessageRecord,
    SpaceRecord,
)
from steward.connectors.files import (
    check_file,
    fingerprint_file,
    from_iso,
    json_items,
    json_kvitems,
)
from steward.errors import BadInput

_JOIN_TYPES = {"GuildMemberJoin", "RecipientAdd"}
_MESSAGE_TYPES = {"Default", "Reply", "ThreadStarterMessage", "ApplicationCommand"}


def _header(path: Path) -> tuple[dict, dict]:
    guild = channel = None
    with open(check_file(path), "rb") as f:
        for key, value in json_kvitems(f, "", str(path)):
            if key == "guild":
                guild = value
            elif key == "channel":
                channel = value
            if guild is not None and channel is not None or key == "messages":
                break
    if not isinstance(guild, dict) or not isinstance(channel, dict) or "id" not in channel:
        raise BadInput(f"{path} does not look like a DiscordChatExporter JSON export "
                       "(no guild and channel at the top)")
    return guild, channel


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
        guild, _ = _header(Path(paths[0]))
        return f"Discord: {guild.get('name') or guild.get('id')}"

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator:
        seen: set[str] = set()
        for path in map(Path, paths):
            guild, channel = _header(path)
            cid = str(channel["id"])
            name = channel.get("name") or cid
            yield SpaceRecord(cid, name, "channel", "closed")
            unit = FileUnit(str(path), fingerprint_file(path))
            yield unit
            if unit.fingerprint in skip:
                continue
            with open(path, "rb") as f:
                for m in json_items(f, "messages.item", str(path)):
                    rec = _message(cid, m, path, seen)
                    if rec is not None:
                        yield from rec


def _message(channel: str, m: dict, path: Path, seen: set[str]) -> list | None:
    if not isinstance(m, dict) or "id" not in m or "timestamp" not in m:
        return None
    author = m.get("author") or {}
    out: list = []
    aid = str(author["id"]) if author.get("id") else None
    if aid and aid not in seen:
        seen.add(aid)
        out.append(AuthorRecord(aid, author.get("nickname") or author.get("name"),
                                author.get("name"), is_bot=bool(author.get("isBot"))))
    try:
        at = from_iso(m["timestamp"])
        edited = from_iso(m["timestampEdited"]) if m.get("timestampEdited") else None
    except (TypeError, ValueError):
        raise BadInput(f"{path}: message {m.get('id')} has an unreadable time") from None
    kind = m.get("type") or "Default"
    reference = m.get("reference") or {}
    parent = reference.get("messageId") if kind == "Reply" else None
    out.append(MessageRecord(
        space=channel, platform_id=str(m["id"]), created_at=at, author=aid,
        text=m.get("content"), parent=str(parent) if parent else None,
        kind="join" if kind in _JOIN_TYPES else "message" if kind in _MESSAGE_TYPES else "system",
        edited_at=edited,
        reactions=sum(int(r.get("count") or 0) for r in m.get("reactions") or []),
        attachments=len(m.get("attachments") or []),
    ))
    return out
