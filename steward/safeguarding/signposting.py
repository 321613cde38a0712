"""Signposting: helplines and reply templates shown beside a flag. Nothing is ever sent.

The UK defaults are shipped in `resources/safeguarding/`; each workspace may replace the list
with its own (setting `safeguarding.helplines`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from steward.errors import BadInput
from steward.resources import resource_path
from steward.store.models import Setting

HELPLINES_KEY = "safeguarding.helplines"
# Shown beside every flag in these categories (and offered, though not required, for others).
SIGNPOSTED_CATEGORIES = ("self_harm", "abuse")


@dataclass(frozen=True)
class ReplyTemplate:
    title: str
    text: str
    categories: tuple[str, ...]


def _shipped(name: str) -> dict[str, Any]:
    return json.loads(resource_path("safeguarding", name).read_text(encoding="utf-8"))


def default_helplines() -> list[dict[str, Any]]:
    return _shipped("helplines.json")["helplines"]


def helplines(session: Session) -> list[dict[str, Any]]:
    """The workspace's helplines (name, number, when, categories)."""
    row = session.get(Setting, HELPLINES_KEY)
    return list(row.value) if row is not None and row.value else default_helplines()


def current_helplines(ws) -> list[dict[str, Any]]:
    """The workspace's helplines, for the settings editor."""
    with ws.session() as s:
        return helplines(s)


def check_helplines(value: Any) -> list[dict[str, Any]]:
    """Validate an edited helpline list; one clear message for the first problem."""
    if isinstance(value, dict) and "helplines" in value:
        value = value["helplines"]
    if not isinstance(value, list) or not value:
        raise BadInput("helplines must be a non-empty list of {name, number, when, categories}")
    out = []
    for n, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise BadInput(f"helpline {n} is not an object")
        name, number = str(item.get("name", "")).strip(), str(item.get("number", "")).strip()
        if not name or not number:
            raise BadInput(f"helpline {n} needs a name and a number")
        categories = item.get("categories", ["*"])
        if not isinstance(categories, list):
            raise BadInput(f"helpline {n}: categories must be a list")
        out.append({"name": name, "number": number, "when": str(item.get("when", "")),
                    "categories": [str(c) for c in categories]})
    return out


def helplines_as_text(items: list[dict[str, Any]]) -> str:
    """One helpline per line: name | number | when to use it | categories (comma-separated)."""
    return "\n".join(
        f"{h['name']} | {h['number']} | {h.get('when', '')} | {', '.join(h.get('categories', []))}"
        for h in items
    )


def helplines_from_text(text: str) -> list[dict[str, Any]]:
    """Parse the one-per-line form; a bad line is named by its number."""
    items = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise BadInput(f"helpline line {n}: write name | number | when | categories")
        categories = [c.strip() for c in (parts[3] if len(parts) > 3 else "*").split(",")]
        items.append({"name": parts[0], "number": parts[1],
                      "when": parts[2] if len(parts) > 2 else "",
                      "categories": [c for c in categories if c] or ["*"]})
    return check_helplines(items)


def save_helplines(ws, items: list[dict[str, Any]]) -> None:
    """Replace the workspace's helplines (leads only); logged."""
    from steward.safeguarding.access import require_lead
    from steward.store import audit

    require_lead(ws)
    items = check_helplines(items)
    with ws.transaction() as s:
        s.merge(Setting(key=HELPLINES_KEY, value=items))
        audit.record(s, ws.actor, "safeguarding.settings", None, None, helplines=len(items))


def helplines_for(session: Session, category: str) -> list[dict[str, Any]]:
    """Helplines relevant to a flag's category ('*' means every category)."""
    return [h for h in helplines(session)
            if "*" in h.get("categories", ["*"]) or category in h.get("categories", [])]


def reply_templates(category: str | None = None) -> list[ReplyTemplate]:
    """Copyable replies for the lead, for one category (or all)."""
    out = []
    for t in _shipped("reply_templates.json")["templates"]:
        cats = tuple(t["categories"])
        if category is None or "*" in cats or category in cats:
            out.append(ReplyTemplate(t["title"], t["text"], cats))
    return out


def shows_signposting(category: str) -> bool:
    return category in SIGNPOSTED_CATEGORIES
