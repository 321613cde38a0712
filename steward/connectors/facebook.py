"""Facebook "Download your information" (JSON) for groups: your posts and comments in groups,
and the groups you joined. Facebook writes UTF-8 as escaped Latin-1 (mojibake); it is undone."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from steward.connectors.base import (
    AuthorRecord,
    FileUnit,
    ImportOptions,
    MembershipRecord,
    SpaceRecord,
)
from steward.connectors.files import (
    check_file,
    fingerprint_file,
    fingerprint_member,
    from_unix,
    is_zip,
    json_items,
    open_zip,
    unix_db_time,
    zip_member,
)
from steward.errors import BadInput

_FILES = {
    "your_posts_and_comments_in_groups.json": "group_posts_v2",
    "your_comments_in_groups.json": "group_comments_v2",
    "your_group_membership_activity.json": "groups_joined_v2",
}
_POSTED_IN = re.compile(
    r"^(?P<who>.+?) (?:posted|shared .+?|updated .+?|wrote) in (?P<group>.+?)\.?$")
OWNER = "owner"
_MEMBER_OF = re.compile(r"(?:became a member of|joined) (?P<group>.+?)\.?$")


def fix_mojibake(text: str) -> str:
    """Facebook's escaped Latin-1 back to the UTF-8 it was."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _fix(value):
    """A text read from the download, mended (anything else as it is): only the few texts an
    entry gives are mended, not every string of it."""
    return fix_mojibake(value) if type(value) is str else value


@contextmanager
def _parts(path: Path):
    """(file name, opened stream, label, fingerprint) for each groups file in the download."""
    check_file(path)
    if is_zip(path):
        with open_zip(path) as archive:
            found = [i for i in archive.infolist() if i.filename.rsplit("/", 1)[-1] in _FILES]
            if not found:
                raise BadInput(f"{path} holds no group activity; request 'Groups' in JSON format")

            def members():
                for info in found:
                    label = f"{path}: {info.filename}"
                    with zip_member(archive, info.filename, label) as f:
                        yield info.filename.rsplit("/", 1)[-1], f, label, fingerprint_member(info)

            yield members()
        return
    if path.name not in _FILES:
        raise BadInput(f"{path} is not one of Facebook's group files ({', '.join(_FILES)})")

    def single():
        with open(path, "rb") as f:
            yield path.name, f, str(path), fingerprint_file(path)

    yield single()


class FacebookGroups:
    kind = "facebook-group"
    platform = "facebook"
    title = "Facebook groups (Download your information)"
    file_patterns = ("*.zip", "*.json")
    how_to_export = (
        "1. On Facebook: Settings & privacy → Settings → Accounts Centre → Your information and "
        "permissions → Download your information.\n2. Choose 'Some of your information', tick "
        "Groups, set Format to JSON (not HTML) and Media quality low.\n3. Download the ZIP when "
        "it is ready and choose it here. Only your own posts and comments are included.")

    def source_name(self, paths: Sequence[Path], options: ImportOptions) -> str:
        return "Facebook groups"

    def records(self, paths: Sequence[Path], options: ImportOptions,
                skip: set[str]) -> Iterator:
        state = {"spaces": set(), "authors": set()}
        for path in map(Path, paths):
            with _parts(path) as parts:
                for name, f, label, fingerprint in parts:
                    yield FileUnit(label, fingerprint)
                    if fingerprint in skip:
                        continue
                    key = _FILES[name]
                    items = json_items(f, f"{key}.item", label, "entry")
                    if key == "groups_joined_v2":
                        for item in items:
                            yield from _joined(item, label, state)
                    else:
                        yield from _activity(key, items, label, state)


def _space(group: str, state: dict) -> SpaceRecord | None:
    """The group, the first time it is met."""
    if group in state["spaces"]:
        return None
    state["spaces"].add(group)
    return SpaceRecord(group, group, "group", "closed")


def _owner(name: str | None, state: dict) -> AuthorRecord | None:
    """The download holds one account's activity: its owner is one identity (met first)."""
    if state["authors"]:
        return None
    state["authors"].add(OWNER)
    return AuthorRecord(OWNER, name or "Account owner")


def _entry(item, label: str) -> dict:
    if not isinstance(item, dict) or "timestamp" not in item:
        raise BadInput(f"{label}: an entry without a timestamp; is this Facebook's JSON?")
    return item


def _joined(item, label: str, state: dict) -> Iterator:
    """A group joined: the group, the owner and the membership."""
    item = _entry(item, label)
    title = str(_fix(item.get("title")) or "")
    data = item.get("data") or []
    m = _MEMBER_OF.search(title)
    group = (_fix(data[0].get("name")) if data and isinstance(data[0], dict) else None) or \
        (m.group("group") if m else None)
    if group:
        for new in (_space(group, state), _owner(None, state)):
            if new is not None:
                yield new
        yield MembershipRecord(group, OWNER, joined_at=from_unix(item["timestamp"]))


def _activity(key: str, items: Iterator, label: str, state: dict) -> Iterator:
    """Posts or comments: each as a bare `MessageRecord` tuple (see base.MessageRecord), after
    its group and the owner the first time they are met."""
    kind = key[:-3]
    titles: dict[str, tuple[str | None, str | None]] = {}  # title -> who and group it names
    for item in items:
        item = _entry(item, label)
        get = item.get
        stamp = item["timestamp"]
        at = unix_db_time(stamp)
        text, who, group = None, None, None
        for entry in get("data") or []:
            if "post" in entry:
                text = _fix(entry["post"])
            elif "comment" in entry and isinstance(entry["comment"], dict):
                c = entry["comment"]
                text, who, group = (_fix(c.get("comment")), _fix(c.get("author")),
                                    _fix(c.get("group")))
        if not (who and group):  # a post: who wrote it where is in its title
            title = get("title")
            named = titles.get(title) if type(title) is str else None
            if named is None:
                m = _POSTED_IN.match(str(_fix(title)) or "")
                named = (m.group("who"), m.group("group")) if m else (None, None)
                if type(title) is str and len(title) <= 1000:  # posts in a group share titles
                    if len(titles) > 10_000:
                        titles.clear()
                    titles[title] = named
            who, group = who or named[0], group or named[1]
        group = group or "Facebook group"
        if not state["authors"]:
            yield _owner(who, state)
        if group not in state["spaces"]:
            yield _space(group, state)
        digest = hashlib.sha1(f"{who}\x00{text}".encode()).hexdigest()[:12]
        yield (group, f"{kind}:{stamp}:{digest}", at, OWNER, text, None, "message", None, 0, 0,
               len(get("attachments") or []))
