"""Telegram Desktop exports in JSON (`result.json`): one chat, or the full export's chat list."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from steward.connectors.base import (
    AuthorRecord,
    FileUnit,
    ImportOptions,
    SpaceRecord,
    db_time,
)
from steward.connectors.files import (
    JsonStream,
    check_file,
    fingerprint_file,
    to_utc,
    unix_db_time,
)
from steward.errors import BadInput

_CHAT_FIELDS = ("name", "id", "type")
_JOIN_ACTIONS = {"invite_members", "join_group_by_link", "join_group_by_request"}
_HTML_HINT = ("is a Telegram HTML export; export again from Telegram Desktop (Settings → Advanced "
              "→ Export Telegram data) with the format set to 'Machine-readable JSON', and "
              "choose result.json")


def _check(path: Path) -> Path:
    path = Path(path)
    if path.is_dir():
        if (path / "result.json").exists():
            return path / "result.json"
        if any(path.glob("messages*.html")):
            raise BadInput(f"{path} {_HTML_HINT}")
    check_file(path)
    with open(path, "rb") as f:
        head = f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if path.suffix.lower() in (".html", ".htm") or head.startswith((b"<!doctype", b"<html")):
        raise BadInput(f"{path} {_HTML_HINT}")
    return path


class TelegramExport:
    kind = "telegram"
    platform = "telegram"
    title = "Telegram chat export (JSON)"
    file_patterns = ("result.json", "*.json")
    how_to_export = (
        "In Telegram Desktop (the computer app, not the phone):\n1. Open the group, ⋮ → Export "
        "chat history (or Settings → Advanced → Export Telegram data for everything).\n2. Untick "
        "photos and files if you like, and set Format to 'Machine-readable JSON'.\n3. Export, "
        "then choose the result.json it writes.")

    def source_name(self, paths: Sequence[Path], options: ImportOptions) -> str:
        path = _check(Path(paths[0]))
        with open(path, "rb") as f:
            stream = JsonStream(f, str(path))
            if stream.peek() == "{":
                for key in stream.members():
                    if key in ("about", "personal_information", "chats", "messages"):
                        break
                    value = stream.value()
                    if key == "name" and isinstance(value, str):
                        return f"Telegram: {value}"
        return "Telegram: full export"

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator:
        for raw_path in paths:
            path = _check(Path(raw_path))
            unit = FileUnit(str(path), fingerprint_file(path))
            yield unit
            if unit.fingerprint in skip:
                continue
            yield from self._read(path, options)

    def _read(self, path: Path, options: ImportOptions) -> Iterator:
        label = str(path)
        seen = {"announced": None, "chats": 0, "fields": False}
        with open(path, "rb") as f:
            stream = JsonStream(f, label)
            if stream.peek() == "{":
                yield from _chat(stream, options, set(), seen, label, top=True)
        if not seen["chats"] and not seen["fields"]:
            raise BadInput(f"{path} does not look like a Telegram export (no chat or messages)")


def _chat(stream: JsonStream, options: ImportOptions, authors: set[str], seen: dict,
          label: str, top: bool) -> Iterator:
    """One chat object (the whole file for a single-chat export); at the top, also the full
    export's `chats.list` and `left_chats.list`."""
    chat: dict = {}
    for key in stream.members():
        if key == "messages" and stream.peek() == "[":
            yield from _messages(stream, str(chat.get("id", "chat")), chat, options, authors,
                                 seen, label)
        elif top and key in ("chats", "left_chats") and stream.peek() == "{":
            for inner in stream.members():
                if inner != "list" or stream.peek() != "[":
                    stream.value()
                    continue
                for _ in stream.items():
                    if stream.peek() == "{":
                        yield from _chat(stream, options, authors, seen, label, top=False)
                    else:
                        stream.value()
        else:
            value = stream.value()
            if key in _CHAT_FIELDS and isinstance(value, str | int | float) \
                    and not isinstance(value, bool):
                chat[key] = value
                seen["fields"] = True


def _messages(stream: JsonStream, chat_id: str, chat: dict, options: ImportOptions,
              authors: set[str], seen: dict, label: str) -> Iterator:
    """The chat's messages (the array the stream stands at), each as a bare `MessageRecord`
    tuple (see base.MessageRecord), after its chat and its author the first time they are
    met."""
    announced = seen["announced"] == chat_id
    for m in stream.array():
        if type(m) is not dict:
            continue
        if not announced:
            announced, seen["announced"] = True, chat_id
            seen["chats"] += 1
            yield SpaceRecord(chat_id, str(chat.get("name") or chat_id), "chat", "closed")
        if "id" not in m:
            continue
        get = m.get
        service = get("type") == "service"
        author = get("actor_id") if service else get("from_id")
        # Ids are tested with `is None`: a real export has `from_id: 0`, a person like any other.
        if author is not None:
            if author not in authors:
                authors.add(author)
                name = get("actor") if service else get("from")
                yield AuthorRecord(str(author), name or str(author))
            if type(author) is not str:
                author = str(author)
        try:
            unixtime = get("date_unixtime")
            if unixtime:
                at = unix_db_time(unixtime)
            else:
                from datetime import datetime

                at = db_time(to_utc(datetime.fromisoformat(m["date"]), options.timezone))
            edited = get("edited_unixtime")
            if edited:
                edited = unix_db_time(edited)
        except (KeyError, TypeError, ValueError):
            raise BadInput(f"{label}: message {get('id')} has an unreadable date") from None
        reply = get("reply_to_message_id")
        text = get("text")
        if type(text) is not str:
            text = _text(text)
        reactions = get("reactions")
        yield (chat_id, f"{chat_id}:{m['id']}", at, author, text or None,
               f"{chat_id}:{reply}" if reply is not None else None,
               ("join" if get("action") in _JOIN_ACTIONS else "system") if service
               else "message", edited or None, 0,
               sum(int(r.get("count") or 0) for r in reactions) if reactions else 0,
               1 if (get("photo") or get("file") or get("media_type")) else 0)


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part if isinstance(part, str) else str(part.get("text", ""))
                       for part in value)
    return ""
