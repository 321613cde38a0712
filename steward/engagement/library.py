"""The knowledge library: helpful messages marked as resources, tagged, searched, shared back.

The guides say: pin and gather helpful resources, and share them back with the community. Any
page that shows a message can call `mark_as_resource`; the library lists, searches and exports
a digest in Markdown or HTML. Everything that comes from members is escaped in the digest.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, or_, select

from steward import clock
from steward.errors import BadInput
from steward.store import audit
from steward.store.models import Identity, Message, Person, Resource, Source, Space
from steward.workspace import Workspace

MAX_TAG = 40
EXCERPT = 400


@dataclass(frozen=True)
class LibraryItem:
    id: int
    message_id: int
    title: str
    tags: list[str]
    note: str
    space: str
    source: str
    author: str
    posted_at: datetime
    text: str
    added_by: str
    added_at: datetime


def clean_tags(tags: Iterable[str] | str) -> list[str]:
    """Tags as people type them ("Money, school  ,money") → ["money", "school"]."""
    if isinstance(tags, str):
        tags = tags.split(",")
    out: list[str] = []
    for tag in tags:
        tag = re.sub(r"\s+", " ", (tag or "").strip().lower())
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            raise BadInput(f"tag {tag[:20]!r}… is longer than {MAX_TAG} characters")
        if tag not in out:
            out.append(tag)
    return out


def _default_title(text: str | None) -> str:
    first = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    return (first[:80] + "…") if len(first) > 80 else (first or "Untitled resource")


def mark_as_resource(
    ws: Workspace, message_id: int, title: str | None = None,
    tags: Iterable[str] | str = (), note: str | None = None,
) -> int:
    """Add a message to the library (or add tags to it if it is already there); returns its id.

    The reusable entry point for any page that shows messages.
    """
    tags = clean_tags(tags)
    with ws.transaction() as s:
        message = s.get(Message, message_id)
        if message is None:
            raise BadInput(f"no message with id {message_id}")
        existing = s.scalar(select(Resource).where(Resource.message_id == message_id))
        if existing is not None:
            existing.tags = clean_tags([*existing.tags, *tags])
            if title and title.strip():
                existing.title = title.strip()[:300]
            if note and note.strip():
                existing.note = note.strip()
            return existing.id
        resource = Resource(
            message_id=message_id,
            title=(title or "").strip()[:300] or _default_title(message.text),
            tags=tags, note=(note or "").strip() or None,
            created_by=ws.actor, created_at=clock.now(),
        )
        s.add(resource)
        s.flush()
        return resource.id


def update_resource(ws: Workspace, resource_id: int, title: str, tags: Iterable[str] | str,
                    note: str | None) -> None:
    title = (title or "").strip()
    if not title:
        raise BadInput("a resource needs a title")
    tags = clean_tags(tags)
    with ws.transaction() as s:
        resource = s.get(Resource, resource_id)
        if resource is None:
            raise BadInput(f"no resource with id {resource_id}")
        resource.title, resource.tags = title[:300], tags
        resource.note = (note or "").strip() or None


def remove_resource(ws: Workspace, resource_id: int) -> None:
    """Take a message out of the library (the message itself is untouched)."""
    with ws.transaction() as s:
        resource = s.get(Resource, resource_id)
        if resource is None:
            raise BadInput(f"no resource with id {resource_id}")
        s.delete(resource)


def search_library(ws: Workspace, text: str = "", tag: str | None = None,
                   limit: int = 1000) -> list[LibraryItem]:
    """Resources whose title, note, tags or message contain `text`; only `tag` when given."""
    with ws.session() as s:
        query = (
            select(Resource, Message.text, Message.created_at, Space.name, Source.name,
                   Person.display_name, Identity.display_name)
            .join(Message, Message.id == Resource.message_id)
            .join(Space, Space.id == Message.space_id)
            .join(Source, Source.id == Space.source_id)
            .outerjoin(Identity, Identity.id == Message.identity_id)
            .outerjoin(Person, Person.id == Identity.person_id)
            .order_by(Resource.created_at.desc(), Resource.id.desc())
        )
        words = (text or "").strip()
        if words:
            like = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(or_(
                Resource.title.ilike(like, escape="\\"), Resource.note.ilike(like, escape="\\"),
                Message.text.ilike(like, escape="\\"),
                cast(Resource.tags, String).ilike(like, escape="\\"),
            ))
        rows = s.execute(query).all()
    wanted = clean_tags([tag])[0] if tag and clean_tags([tag]) else None
    out = []
    for r, body, at, space, source, person, identity in rows:
        if wanted and wanted not in r.tags:
            continue
        out.append(LibraryItem(r.id, r.message_id, r.title, list(r.tags), r.note or "", space,
                               source, person or identity or "", at, body or "", r.created_by,
                               r.created_at))
        if len(out) >= limit:
            break
    return out


def library_tags(ws: Workspace) -> list[tuple[str, int]]:
    """Every tag in the library with how many resources carry it, most used first."""
    counts: dict[str, int] = {}
    with ws.session() as s:
        for tags in s.scalars(select(Resource.tags)):
            for tag in tags or ():
                counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def _md(text: str) -> str:
    """Markdown-escape member text, and keep raw HTML from rendering."""
    text = html.escape(text, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def _excerpt(text: str) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")


def digest(items: list[LibraryItem], fmt: str = "markdown",
           title: str = "Helpful resources") -> str:
    """A digest to share back with the community, in Markdown or HTML, grouped by first tag.

    Authors are not named: the digest goes to the whole community.
    """
    if fmt not in ("markdown", "html"):
        raise BadInput("a digest is markdown or html")
    groups: dict[str, list[LibraryItem]] = {}
    for item in items:
        groups.setdefault(item.tags[0] if item.tags else "other", []).append(item)
    if fmt == "markdown":
        lines = [f"# {_md(title)}", ""]
        for group, members in groups.items():
            lines += [f"## {_md(group.capitalize())}", ""]
            for item in members:
                lines.append(f"- **{_md(item.title)}** ({_md(item.space)}, "
                             f"{item.posted_at:%d %b %Y})")
                lines.append(f"  {_md(_excerpt(item.text))}")
                if item.note:
                    lines.append(f"  *{_md(item.note)}*")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(title)}</title></head><body>", f"<h1>{e(title)}</h1>"]
    for group, members in groups.items():
        parts.append(f"<h2>{e(group.capitalize())}</h2><ul>")
        for item in members:
            note = f"<br><em>{e(item.note)}</em>" if item.note else ""
            parts.append(f"<li><strong>{e(item.title)}</strong> ({e(item.space)}, "
                         f"{item.posted_at:%d %b %Y})<br>{e(_excerpt(item.text))}{note}</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def export_digest(ws: Workspace, path, items: list[LibraryItem], fmt: str,
                  title: str = "Helpful resources") -> int:
    """Write a digest file and record the export in the audit chain; returns items written."""
    from steward.safe_write import replaced_when_done

    text = digest(items, fmt, title)
    with replaced_when_done(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    with ws.transaction() as s:
        audit.record(s, ws.actor, "library.digest_exported", "resource", None,
                     count=len(items), format=fmt)
    return len(items)
