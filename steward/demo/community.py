"""The demo community's places and cast: its sources and spaces, and how a member and their
accounts are made up."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from steward.normalise import normalise_email, normalise_phone
from steward.resources import resource_path
from steward.store.bulk import sql_time

RESOURCES = resource_path("demo")
BATCH = 10_000


@lru_cache(maxsize=1)
def words() -> dict:
    return json.loads((RESOURCES / "community.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class SpaceSpec:
    key: str
    source: str
    name: str
    topic: str
    weight: float
    audience: str = "general"
    visibility: str = "closed"
    kind: str = "channel"
    size_cap: int | None = None
    entry_requirements: str | None = None


SOURCES = {
    "forum": ("discourse", "Riverside forum", {"url": "https://forum.riverside-ycn.example.org"}),
    "slack": ("slack", "Volunteers Slack", {}),
    "discord": ("discord", "Youth Discord", {}),
    "whatsapp": ("whatsapp", "Parent carers WhatsApp", {}),
    "list": ("mbox", "Announcements list", {}),
}

SPACES = (
    SpaceSpec("forum-welcome", "forum", "Welcome & introductions", "forum-welcome", 0.05,
              "young_people", "open", "category"),
    SpaceSpec("forum-help", "forum", "Ask for help", "forum-help", 0.13, "young_people",
              "closed", "category"),
    SpaceSpec("forum-corner", "forum", "Carers' corner", "forum-corner", 0.07, "general",
              "open", "category"),
    SpaceSpec("forum-leaders", "forum", "Leaders' circle", "forum-corner", 0.02, "general",
              "closed", "category", 12, "Active for three months and agreed to the ground rules"),
    SpaceSpec("slack-general", "slack", "general", "slack-general", 0.08),
    SpaceSpec("slack-volunteers", "slack", "volunteer-coordination", "slack-volunteers", 0.07),
    SpaceSpec("slack-events", "slack", "events", "slack-events", 0.03),
    SpaceSpec("discord-chat", "discord", "chat", "discord-chat", 0.22, "young_people"),
    SpaceSpec("discord-gaming", "discord", "gaming", "discord-gaming", 0.10, "young_people"),
    SpaceSpec("discord-homework", "discord", "homework-help", "discord-homework", 0.08,
              "young_people"),
    SpaceSpec("whatsapp-parents", "whatsapp", "Parent carers", "whatsapp-parents", 0.13,
              "vulnerable_adults", "closed", "chat"),
    SpaceSpec("list-announce", "list", "announce@lists.riverside-ycn.example.org",
              "list-announce", 0.02, "general", "open", "list"),
)
QUIET_SPACE = "slack-events"
QUIET_DAYS = 6

# Which platforms each kind of member uses, with how likely each is.
SEGMENTS = {
    "youth": (0.55, {"discord": 0.85, "forum": 0.6, "list": 0.1}),
    "volunteer": (0.22, {"slack": 0.95, "forum": 0.45, "list": 0.5}),
    "parent": (0.23, {"whatsapp": 0.9, "list": 0.55, "forum": 0.2}),
}
SPACE_JOIN = {  # chance a platform member is in each of its spaces
    "forum-welcome": 1.0, "forum-help": 0.7, "forum-corner": 0.5, "forum-leaders": 0.0,
    "slack-general": 1.0, "slack-volunteers": 0.6, "slack-events": 0.5,
    "discord-chat": 1.0, "discord-gaming": 0.5, "discord-homework": 0.4,
    "whatsapp-parents": 1.0, "list-announce": 1.0,
}


@dataclass
class Member:
    person_id: int
    name: str
    segment: str
    weight: float
    quality: float
    start: int  # first active day index
    end: int  # last active day index
    drifting: bool
    identities: dict[str, int] = field(default_factory=dict)  # source key -> identity id


@dataclass
class Builder:
    rng: random.Random
    now: datetime
    days: int
    source_ids: dict[str, int] = field(default_factory=dict)
    space_ids: dict[str, int] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)
    persons: list[tuple] = field(default_factory=list)
    identities: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)
    space_members: dict[str, list[int]] = field(default_factory=dict)  # space -> member indexes
    next_identity: int = 1
    next_person: int = 1
    spam_posts: int = 0
    used_emails: set[str] = field(default_factory=set)
    written_identities: list[tuple] = field(default_factory=list)  # list identities, for extras
    truth: dict = field(default_factory=dict)

    def day_start(self, day: int) -> datetime:
        return self.now - timedelta(days=self.days - day)


def new_person_id(b: Builder) -> int:
    pid = b.next_person
    b.next_person += 1
    return pid


def email_for(b: Builder, first: str, last: str) -> str:
    """A unique address on a reserved example domain."""
    local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
    local = "".join(ch for ch in local if ch.isascii() and (ch.isalnum() or ch == ".")) or "member"
    domain = b.rng.choice(("example.org", "example.com", "example.net", "mail.example.co.uk"))
    email, n = f"{local}@{domain}", 1
    while email in b.used_emails:
        n += 1
        email = f"{local}{n}@{domain}"
    b.used_emails.add(email)
    return email


# Ofcom's numbers reserved for drama: nobody real answers them.
_DRAMA_RANGES = ("+447700900", "+44113496", "+44114496", "+44115496", "+44116496", "+44117496",
                 "+44118496", "+44121496", "+44131496", "+44141496", "+44151496", "+44161496",
                 "+44207946", "+44191498", "+44292018", "+441632960")


def phone_for(n: int) -> str:
    prefix = _DRAMA_RANGES[(n // 1000) % len(_DRAMA_RANGES)]
    return f"{prefix}{n % 1000:03d}"


def phone_variant(e164: str, style: int) -> str:
    """The same number as people type it: 07700 900123, +44 7700 900123, …"""
    local = "0" + e164[3:]
    return [local, f"{local[:5]} {local[5:]}", f"+44 {e164[3:7]} {e164[7:]}", e164][style % 4]


def typo(name: str, rng: random.Random) -> str:
    if len(name) < 4:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 2)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def new_identity(
    b: Builder, member: Member | None, person_id: int, source: str, display: str,
    email: str | None, phone: str | None, joined: datetime, is_bot: bool = False,
) -> int:
    iid = b.next_identity
    b.next_identity += 1
    platform = SOURCES[source][0]
    handle = display.lower().replace(" ", "_")[:30]
    if platform == "discourse":
        pid, handle = f"user-{iid}", display.split(" ")[0].lower() + str(iid % 1000)
    elif platform == "slack":
        pid = f"U{iid:08d}"
    elif platform == "discord":
        pid, handle = str(800000000000000000 + iid * 7919), f"{handle.split('_')[0]}{iid % 10000}"
    elif platform == "whatsapp":
        # WhatsApp names an author by contact name; the demo keeps the number beside it.
        pid, email = f"{display} ~{iid}", None
    else:
        pid = email or f"list-{iid}"
    if platform != "whatsapp":
        phone = None  # only WhatsApp gives a phone number
    if platform == "discord":
        email = None  # nor does Discord give an email address
    b.identities.append((
        iid, person_id, b.source_ids[source], pid, handle, display, email,
        normalise_email(email), phone, normalise_phone(phone), int(is_bot), sql_time(joined),
    ))
    if member is not None:
        member.identities[source] = iid
    return iid


def add_member(b: Builder, person_id: int, name: str, segment: str, staff: bool = False):
    rng = b.rng
    weight = rng.paretovariate(1.3)
    quality = min(3.0, rng.lognormvariate(0, 0.5))
    start = 0 if rng.random() < 0.45 else rng.randrange(0, max(1, b.days - 20))
    end = b.days
    drifting = False
    roll = rng.random()
    if not staff and roll < 0.22 and b.days - start > 120:
        end = rng.randrange(start + 30, b.days - 61)  # lapsed: nothing in the last 60 days
    elif not staff and roll < 0.32:
        drifting = True
    if staff:
        weight, quality, start = 6.0, 1.5, 0
    return Member(person_id, name, segment, weight, quality, start, end, drifting)
