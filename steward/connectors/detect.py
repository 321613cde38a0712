"""Guess which kind of export a file is, for drag-and-drop: the person confirms the guess."""

from __future__ import annotations

import zipfile
from pathlib import Path


def guess_kind(path: Path) -> str | None:
    """The import kind a file most likely is, or None when nothing fits."""
    path = Path(path)
    name = path.name.lower()
    if path.is_dir():
        return "telegram" if (path / "result.json").exists() else None
    suffix = path.suffix.lower()
    if suffix in (".mbox", ".mbx"):
        return "mbox"
    if suffix == ".csv":
        return "members-csv"
    if suffix == ".txt":
        return "whatsapp"
    if suffix == ".json":
        try:
            with open(path, "rb") as f:
                head = f.read(4096)
        except OSError:
            return None
        if b'"guild"' in head:
            return "discord-export"
        if b'"group_posts_v2"' in head or b'"group_comments_v2"' in head:
            return "facebook-group"
        if b'"messages"' in head or b'"chats"' in head or name == "result.json":
            return "telegram"
        return None
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as z:
                names = [n.rsplit("/", 1)[-1].lower() for n in z.namelist()[:5000]]
        except (zipfile.BadZipFile, OSError):
            return None
        if "users.json" in names or "org_users.json" in names:
            return "slack-export"
        if any(n.endswith("groups.json") and n.startswith("your_") for n in names):
            return "facebook-group"
        if any(n.endswith(".mbox") for n in names):
            return "mbox"
        if any(n.endswith(".csv") for n in names):
            return "members-csv"
        if any(n.endswith(".txt") for n in names):
            return "whatsapp"
    return None
