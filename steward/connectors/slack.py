"""Slack workspace export (the ZIP an owner or admin downloads from Settings → Import/Export)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from steward.connectors.base import (
    AuthorRecord,
    FileUnit,
    ImportOptions,
    MembershipRecord,
    ReportRecord,
    SpaceRecord,
)
from steward.connectors.files import (
    MemberBytes,
    check_file,
    fingerprint_member,
    from_unix,
    json_array,
    json_array_bytes,
    open_zip,
    read_whole,
    small_json,
    unix_db_time,
    zip_member,
)
from steward.errors import BadInput

_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_JOIN_SUBTYPES = {"channel_join", "group_join"}
_SYSTEM_SUBTYPES = {"channel_leave", "group_leave", "channel_topic", "channel_purpose",
                    "channel_name", "channel_archive", "channel_unarchive", "pinned_item",
                    "group_topic", "group_purpose", "group_name"}
_CONVERSATION_LISTS = (("channels.json", "channel", "open"), ("groups.json", "channel", "closed"),
                       ("mpims.json", "group-dm", "closed"), ("dms.json", "dm", "closed"))


class SlackExport:
    kind = "slack-export"
    platform = "slack"
    title = "Slack workspace export"
    file_patterns = ("*.zip",)
    how_to_export = (
        "1. In Slack, open your workspace menu → Settings & administration → Workspace settings."
        "\n2. Choose Import/Export Data → Export, pick the date range and Start Export."
        "\n3. Slack emails the owner a link when it is ready: download the ZIP and choose it "
        "here (do not unzip it).")

    def source_name(self, paths: Sequence[Path], options: ImportOptions) -> str:
        stem = re.sub(r"\s*slack export.*$", "", Path(paths[0]).stem, flags=re.I).strip()
        return f"Slack: {stem or Path(paths[0]).stem}"

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator:
        for path in paths:
            yield from self._one(check_file(path), skip)

    def _one(self, path: Path, skip: set[str]) -> Iterator:
        with open_zip(path) as archive:
            names = {n.replace("\\", "/"): n for n in archive.namelist()}
            top = {n.rsplit("/", 1)[-1]: n for n in names if n.count("/") <= 1}
            users_file = top.get("users.json") or top.get("org_users.json")
            if users_file is None or not any(lst in top for lst, _, _ in _CONVERSATION_LISTS):
                raise BadInput(f"{path} does not look like a Slack export (no users.json and "
                               "channels.json inside)")
            prefix = users_file.rsplit("/", 1)[0] + "/" if "/" in users_file else ""
            with zip_member(archive, users_file, f"{path}: {users_file}") as f:
                users = small_json(f, f"{path}: {users_file}")
            if not isinstance(users, list):
                raise BadInput(f"{path}: {users_file} is not a list of users")
            for u in users:
                if isinstance(u, dict) and u.get("id"):
                    yield _author(u)
            folders: dict[str, str] = {}
            for list_name, kind, visibility in _CONVERSATION_LISTS:
                if list_name not in top:
                    continue
                label = f"{path}: {list_name}"
                with zip_member(archive, top[list_name], label) as f:
                    conversations = small_json(f, label)
                for c in conversations if isinstance(conversations, list) else []:
                    if not isinstance(c, dict) or not c.get("id"):
                        continue
                    cid = str(c["id"])
                    name = c.get("name") or ("DM: " + ", ".join(c.get("members", [])))
                    folders[c.get("name") or cid] = cid
                    yield SpaceRecord(cid, str(name), kind, visibility,
                                      from_unix(c["created"]) if c.get("created") else None,
                                      archived=c.get("is_archived") is True)
                    for member in c.get("members") or []:
                        yield MembershipRecord(cid, str(member))
            day_files = sorted(
                n for n in names
                if _DAY_FILE.match(n.rsplit("/", 1)[-1]) and n.startswith(prefix)
                and n[len(prefix):].count("/") == 1
            )
            with MemberBytes(path) as bulk:
                for name in day_files:
                    folder = name[len(prefix):].split("/")[0]
                    channel = folders.get(folder)
                    if channel is None:
                        continue  # a folder no conversation list mentions
                    info = archive.getinfo(names[name])
                    unit = FileUnit(f"{path}: {name}", fingerprint_member(info))
                    yield unit
                    if unit.fingerprint in skip:
                        continue
                    data = bulk.read(info) if read_whole(info.file_size) else None
                    if data is not None:
                        yield from _messages(channel, json_array_bytes(data, unit.label),
                                             unit.label)
                        continue
                    with zip_member(archive, names[name], unit.label) as f:
                        yield from _messages(channel, json_array(f, unit.label, info.file_size),
                                             unit.label)
            if "content_flags.json" in top:
                label = f"{path}: content_flags.json"
                with zip_member(archive, top["content_flags.json"], label) as f:
                    size = archive.getinfo(top["content_flags.json"]).file_size
                    for flag in json_array(f, label, size):
                        yield _report(flag, label)


def _author(u: dict) -> AuthorRecord:
    profile = u.get("profile") or {}
    return AuthorRecord(
        platform_id=str(u["id"]),
        display_name=profile.get("real_name") or u.get("real_name") or u.get("name"),
        handle=profile.get("display_name") or u.get("name"),
        email=profile.get("email"),
        phone=profile.get("phone") or None,
        is_bot=bool(u.get("is_bot") or u.get("is_app_user")),
    )


def _messages(channel: str, items, label: str) -> Iterator[tuple]:
    for m in items:
        rec = _message(channel, m, label)
        if rec is not None:
            yield rec


def _message(channel: str, m: dict, label: str) -> tuple | None:
    """The message as a bare `MessageRecord` tuple (see base.MessageRecord), or None."""
    if type(m) is not dict:
        return None
    get = m.get
    ts = get("ts")
    if get("type") != "message" or not ts:
        return None
    try:
        at = unix_db_time(ts)
    except (TypeError, ValueError):
        raise BadInput(f"{label}: a message has an unreadable time {ts!r}") from None
    subtype = get("subtype")
    author = get("user") or get("bot_id")
    thread = get("thread_ts")
    edited = get("edited")
    reactions, files = get("reactions"), get("files")
    return (
        channel, f"{channel}:{ts}", at, str(author) if author else None, get("text"),
        f"{channel}:{thread}" if thread and thread != ts else None,
        "message" if subtype is None else "join" if subtype in _JOIN_SUBTYPES
        else "system" if subtype in _SYSTEM_SUBTYPES else "message",
        unix_db_time(edited["ts"]) if edited and edited.get("ts") else None,
        int(subtype == "tombstone"),
        sum(int(r.get("count") or len(r.get("users") or [])) for r in reactions)
        if reactions else 0,
        len(files) if files else 0)


def _report(flag: dict, label: str) -> ReportRecord:
    if not isinstance(flag, dict) or not flag.get("id"):
        raise BadInput(f"{label}: a content flag without an id")
    channel, ts = flag.get("channel"), flag.get("ts") or flag.get("message_ts")
    return ReportRecord(
        platform_id=str(flag["id"]),
        created_at=from_unix(flag.get("date_create") or ts or 0),
        message=f"{channel}:{ts}" if channel and ts else None,
        author=flag.get("user"),
        reason=flag.get("reason"),
        status=flag.get("status") or "pending",
        payload={k: flag[k] for k in ("reported_by", "reason", "channel") if k in flag},
    )
