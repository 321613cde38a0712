"""A deterministic synthetic community: the Riverside Young Carers Network.

`generate(ws, members, messages, seed)` is a job (see `steward.jobs`) that fills an empty
workspace with a believable charity: a Discourse forum, a Slack workspace for volunteers, a
Discord server for young people, a WhatsApp group for parent carers and an announcements mailing
list. It plants what the later features must find — duplicates, lapsed members, a space quiet
for six days, unanswered newcomers, spam, contact details shared, distress, a request to move to
private chat — and records where it planted them in the `demo.truth` setting, for tests only.

Memory stays bounded whatever the size: people are kept as small arrays and messages are
written in batches, each batch its own transaction, so a cancelled run leaves a consistent
(shorter) history.
"""

from __future__ import annotations

import bisect
import json
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select

from steward import clock
from steward.jobs import CancelToken, Job, Progress
from steward.normalise import normalise_email, normalise_phone
from steward.resources import resource_path
from steward.store.bulk import insert_rows, sql_time
from steward.store.models import Message, Person
from steward.workspace import Workspace

DEMO_PASSPHRASE = "steward-demo"
DEMO_PROFILES = (("steward", "steward"), ("volunteer", "volunteer"), ("lead", "safeguarding-lead"))
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
class _Member:
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
class _Builder:
    rng: random.Random
    now: datetime
    days: int
    source_ids: dict[str, int] = field(default_factory=dict)
    space_ids: dict[str, int] = field(default_factory=dict)
    members: list[_Member] = field(default_factory=list)
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


def _next_person(b: _Builder) -> int:
    pid = b.next_person
    b.next_person += 1
    return pid


def _email(b: _Builder, first: str, last: str) -> str:
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


def _phone(n: int) -> str:
    prefix = _DRAMA_RANGES[(n // 1000) % len(_DRAMA_RANGES)]
    return f"{prefix}{n % 1000:03d}"


def _phone_variant(e164: str, style: int) -> str:
    """The same number as people type it: 07700 900123, +44 7700 900123, …"""
    local = "0" + e164[3:]
    return [local, f"{local[:5]} {local[5:]}", f"+44 {e164[3:7]} {e164[7:]}", e164][style % 4]


def _typo(name: str, rng: random.Random) -> str:
    if len(name) < 4:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 2)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _new_identity(
    b: _Builder, member: _Member | None, person_id: int, source: str, display: str,
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


def _add_member(b: _Builder, person_id: int, name: str, segment: str, staff: bool = False):
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
    return _Member(person_id, name, segment, weight, quality, start, end, drifting)


def _people(b: _Builder, count: int) -> Job[None]:
    w = words()
    rng = b.rng
    firsts, lasts = w["first_names"], w["surnames"]
    seg_names = list(SEGMENTS)
    seg_weights = [SEGMENTS[s][0] for s in seg_names]
    created = sql_time(b.now)
    duplicates: list[list[int]] = []
    for i in range(count):
        person_id = _next_person(b)
        staff = i < 3
        if i % 997 == 500:
            name = w["international_names"][(i // 997) % len(w["international_names"])]
            first, last = name.split(" ")[0], name.split(" ")[-1]
        else:
            first, last = rng.choice(firsts), rng.choice(lasts)
            name = f"{first} {last}"
        segment = "volunteer" if staff else rng.choices(seg_names, seg_weights)[0]
        m = _add_member(b, person_id, name, segment, staff)
        b.members.append(m)
        b.persons.append((person_id, name, int(staff), 0, segment, created))
        email = _email(b, first, last)
        phone = _phone(i)
        joined = b.day_start(m.start) - timedelta(days=rng.randrange(0, 400))
        platforms = SEGMENTS[segment][1]
        chosen = [p for p, chance in platforms.items() if rng.random() < chance]
        if staff:
            chosen = ["forum", "slack", "discord", "whatsapp", "list"]
        if not chosen:
            chosen = [max(platforms, key=platforms.get)]
        for src in chosen[:3] if not staff else chosen:
            _new_identity(b, m, person_id, src, name, email, _phone_variant(phone, i), joined)

        # About one person in thirty also turns up a second time, unlinked: a duplicate.
        if not staff and rng.random() < 1 / 30 and i % 997 != 500:
            person_id = _next_person(b)
            style = rng.randrange(4)
            nick = w["nicknames"].get(first)
            if style == 0 and nick:
                dname, demail = f"{nick} {last}", _email(b, nick, last)
            elif style == 1:
                dname, demail = f"{_typo(first, rng)} {last}", email.upper()
            elif style == 2:
                dname, demail = name, _email(b, first, last + ".home")
            else:
                dname, demail = f"{first} {last}", None
            dm = _add_member(b, person_id, dname, segment)
            dm.start, dm.end = m.start, m.end
            b.members.append(dm)
            b.persons.append((person_id, dname, 0, 0, segment, created))
            spare = [p for p in ("forum", "slack", "list", "whatsapp") if p not in chosen]
            src = rng.choice(spare or ["list"])
            if src == "whatsapp" or demail is None:
                src = "whatsapp"
            _new_identity(b, dm, person_id, src, dname, demail,
                          _phone_variant(phone, style + 1), joined)
            duplicates.append([m.person_id, person_id])
        if i % 5000 == 0:
            yield Progress(i, count, "Creating people")
    b.truth["duplicates"] = duplicates


def _memberships(b: _Builder) -> None:
    rng = b.rng
    by_source: dict[str, list[SpaceSpec]] = {}
    for spec in SPACES:
        by_source.setdefault(spec.source, []).append(spec)
        b.space_members[spec.key] = []
    next_id = 1
    for idx, m in enumerate(b.members):
        for src, iid in m.identities.items():
            for spec in by_source[src]:
                staff = m.person_id <= 3
                if not staff and rng.random() >= SPACE_JOIN[spec.key]:
                    continue
                if spec.key == "forum-leaders" and not staff:
                    continue
                joined = sql_time(b.day_start(m.start))
                b.memberships.append((next_id, iid, b.space_ids[spec.key], "member", "active",
                                      joined, None, None))
                next_id += 1
                b.space_members[spec.key].append(idx)
    # Top contributors sit in the small Leaders' circle; a few more have asked to join it.
    ranked = sorted(range(len(b.members)),
                    key=lambda k: -b.members[k].weight * b.members[k].quality)
    forum_ranked = [k for k in ranked if "forum" in b.members[k].identities and k > 2]
    for k in forum_ranked[:8]:
        m = b.members[k]
        b.memberships.append((next_id, m.identities["forum"], b.space_ids["forum-leaders"],
                              "member", "active", sql_time(b.day_start(m.start)), None, None))
        b.space_members["forum-leaders"].append(k)
        next_id += 1
    requests = []
    for k in forum_ranked[8:12]:
        m = b.members[k]
        b.memberships.append((next_id, m.identities["forum"], b.space_ids["forum-leaders"],
                              "member", "requested", sql_time(b.now - timedelta(days=2)), None,
                              "I'd love to help run the Thursday drop-in chats."))
        requests.append(next_id)
        next_id += 1
    b.truth["membership_requests"] = requests
    # The busiest members who are still active at the end (not lapsed, not drifting away).
    active_to_end = [k for k in ranked if k > 2 and b.members[k].end >= b.days - 1
                     and not b.members[k].drifting]
    b.truth["top_contributors"] = [b.members[k].person_id for k in active_to_end[:10]]
    b.truth["lapsed"] = [m.person_id for m in b.members if m.end < b.days - 60]


def _daily_counts(b: _Builder, total: int) -> list[int]:
    rng = b.rng
    weekday = [1.0, 1.05, 1.1, 1.0, 0.9, 0.55, 0.5]
    weights = []
    for d in range(b.days):
        growth = 0.7 + 0.5 * d / max(1, b.days - 1)
        burst = 2.5 if rng.random() < 0.04 else 1.0
        weights.append(weekday[b.day_start(d).weekday()] * growth * burst)
    scale = total / sum(weights)
    counts, carry = [], 0.0
    for wgt in weights:
        carry += wgt * scale
        n = int(carry)
        counts.append(n)
        carry -= n
    counts[-1] += total - sum(counts)
    return counts


def _render(template: str, rng: random.Random, topic: str, name: str, spam: bool = False) -> str:
    w = words()
    return template.format(
        opener=rng.choice(w["openers"]), topic=topic, name=name.split(" ")[0],
        day=rng.choice(w["days"]), link=rng.choice(w["spam_links" if spam else "useful_links"]),
        town=rng.choice(w["towns"]), link2=rng.choice(w["spam_links"]),
    ).strip()


class _MessageWriter:
    """Assigns ids, keeps reply structure, and writes batches in their own transactions."""

    COLUMNS = ("id", "source_id", "space_id", "identity_id", "platform_id", "thread_id",
               "parent_id", "kind", "created_at", "deleted", "text", "reaction_count",
               "reply_count", "attachment_count")

    def __init__(self, ws: Workspace, b: _Builder):
        self.ws, self.b = ws, b
        self.next_id = 1
        self.rows: list[tuple] = []
        self.recent: dict[str, deque] = {s.key: deque(maxlen=25) for s in SPACES}
        self.written = 0

    def add(self, spec_key: str, identity: int | None, at: datetime, text: str,
            parent: int | None = None, reactions: int = 0, kind: str = "message") -> int:
        mid = self.next_id
        self.next_id += 1
        spec = _SPEC[spec_key]
        thread = parent if parent is not None else mid
        self.rows.append((
            mid, self.b.source_ids[spec.source], self.b.space_ids[spec_key], identity,
            f"{spec_key}-{mid}", thread, parent, kind, sql_time(at), 0, text, reactions, 0,
            1 if self.b.rng.random() < 0.03 else 0,
        ))
        return mid

    def flush(self) -> None:
        """Write people who appeared since the last batch, then the messages, as one unit."""
        b = self.b
        with self.ws.transaction() as s:
            insert_rows(s, "persons", ("id", "display_name", "is_staff", "is_bot", "programme",
                        "created_at"), b.persons)
            insert_rows(s, "identities", (
                "id", "person_id", "source_id", "platform_id", "handle", "display_name", "email",
                "email_normalised", "phone", "phone_e164", "is_bot", "joined_at"), b.identities)
            insert_rows(s, "memberships", ("id", "identity_id", "space_id", "role", "status",
                        "joined_at", "left_at", "request_text"), b.memberships)
            insert_rows(s, "messages", self.COLUMNS, self.rows)
        b.written_identities.extend(row for row in b.identities if row[2] == b.source_ids["list"])
        b.persons.clear()
        b.identities.clear()
        b.memberships.clear()
        self.written += len(self.rows)
        self.rows.clear()


_SPEC = {s.key: s for s in SPACES}


def _activity(ws: Workspace, b: _Builder, total: int, token: CancelToken | None) -> Job[int]:
    rng = b.rng
    w = words()
    out = _MessageWriter(ws, b)
    counts = _daily_counts(b, total)
    keys = [s.key for s in SPACES]
    space_weights = [s.weight for s in SPACES]
    cum = {}
    for key, idxs in b.space_members.items():
        acc, run = [], 0.0
        for k in idxs:
            run += b.members[k].weight
            acc.append(run)
        cum[key] = acc
    spam_authors: list[tuple[int, str, datetime]] = []
    spam_ids: list[int] = []
    quiet_from = b.days - QUIET_DAYS
    for day, n in enumerate(counts):
        if token is not None:
            token.check()
        base = b.day_start(day)
        seconds = sorted(
            int(rng.triangular(7 * 3600, 86399, 19 * 3600)) for _ in range(n)
        )
        for sec in seconds:
            at = base + timedelta(seconds=sec)
            key = rng.choices(keys, space_weights)[0]
            if key == QUIET_SPACE and day >= quiet_from:
                key = "slack-general"
            idxs = cum[key]
            if not idxs:
                continue
            member = None
            for _ in range(8):
                k = b.space_members[key][bisect.bisect_left(idxs, rng.random() * idxs[-1])]
                m = b.members[k]
                if m.start <= day <= m.end and (
                    not m.drifting or rng.random() < 1.0 - 0.9 * (day - m.start) / max(1, b.days)
                ):
                    member = m
                    break
            if member is None:  # nobody active drew the short straw: a staff member posts
                member = b.members[day % 3]
            spec = _SPEC[key]
            identity = member.identities[spec.source]
            reactions = int(rng.expovariate(1 / (0.6 * member.quality)))
            recent = out.recent[key]
            if recent and rng.random() < (0.3 if spec.kind == "list" else 0.68):
                root, root_name = recent[min(len(recent) - 1, int(rng.expovariate(0.3)))]
                text = _render(rng.choice(w["replies"]), rng, "", root_name)
                out.add(key, identity, at, text, parent=root, reactions=reactions)
            else:
                topic = rng.choice(w["topics"][spec.topic]).format(town=rng.choice(w["towns"]))
                text = _render(rng.choice(w["templates"]), rng, topic, member.name)
                mid = out.add(key, identity, at, text, reactions=reactions)
                recent.appendleft((mid, member.name))
            # Spam: now and then a brand-new account posts links, sometimes in several spaces.
            if rng.random() < 0.002 and spec.source in ("forum", "discord", "slack"):
                spam_ids.extend(_spam(b, out, at, spam_authors))
        if len(out.rows) >= BATCH or day == b.days - 1:
            out.flush()
            yield Progress(out.written, total, "Writing messages")
    b.truth["spam_messages"] = spam_ids
    return out.next_id


def _spam(b: _Builder, out: _MessageWriter, at: datetime, authors: list) -> list[int]:
    rng = b.rng
    w = words()
    # A spam account posts in a burst and is gone: one older than two days is not used again.
    if not authors or rng.random() < 0.6 or at - authors[-1][2] > timedelta(days=2):
        pid = _next_person(b)
        rng.random()  # the draw that used to pick the platform: the rest stays as it was
        src = ("forum", "discord", "slack")[len(authors) % 3]  # every platform gets its spammer
        name = f"{rng.choice(w['first_names'])}{rng.randrange(100, 999)}"
        b.persons.append((pid, name, 0, 0, "spam", sql_time(at)))
        iid = _new_identity(b, None, pid, src, name, f"{name.lower()}@example.biz", None,
                            at - timedelta(hours=rng.randrange(1, 48)))
        authors.append((iid, src, at))
        b.truth.setdefault("spam_persons", []).append(pid)
    iid, src, _first = authors[-1]
    # Each kind of spam in turn, so even a small demo holds every kind.
    text = _render(w["spam"][b.spam_posts % len(w["spam"])], rng, "", "", spam=True)
    b.spam_posts += 1
    spaces = [s.key for s in SPACES if s.source == src and s.key != "forum-leaders"]
    targets = spaces if rng.random() < 0.35 else [rng.choice(spaces)]
    return [out.add(key, iid, at + timedelta(seconds=7 * j), text) for j, key in enumerate(targets)]


def _planted(b: _Builder, out: _MessageWriter) -> None:
    """Safeguarding-relevant messages, benign look-alikes and unanswered newcomers, all recent."""
    rng = b.rng
    w = words()
    youth = [m for m in b.members if m.segment == "youth" and m.end == b.days and m.identities]
    found: dict[str, list[int]] = {}
    places = {"self_harm": "forum-help", "abuse": "discord-chat", "grooming": "discord-chat",
              "bullying": "discord-homework", "contact_details": "discord-chat"}
    for category, texts in w["safeguarding"].items():
        for j, text in enumerate(texts):
            key = places[category]
            src = _SPEC[key].source
            pool = [m for m in youth if src in m.identities] or youth
            m = pool[(j * 31 + len(category)) % len(pool)]
            if src not in m.identities:
                continue
            at = b.now - timedelta(days=rng.randrange(1, 20), minutes=rng.randrange(600))
            found.setdefault(category, []).append(
                out.add(key, m.identities[src], at, text)
            )
    benign = []
    for text in w["benign_lookalikes"]:
        m = rng.choice([m for m in youth if "discord" in m.identities] or youth)
        src = next(iter(m.identities))
        key = next(s.key for s in SPACES if s.source == src)
        benign.append(out.add(key, m.identities[src], b.now - timedelta(days=rng.randrange(1, 30)),
                              text))
    b.truth["safeguarding_messages"] = found
    # The events channel's last word, six days ago; nothing since. Every other space has heard
    # from staff in the last day, so only the planted silence shows, whatever the date.
    quiet = b.members[0]
    for n, spec in enumerate(SPACES):
        if spec.key != QUIET_SPACE and spec.source in quiet.identities:
            out.add(spec.key, quiet.identities[spec.source],
                    b.now - timedelta(hours=20, minutes=7 * n), w["staff_checkin"])
    out.add(QUIET_SPACE, quiet.identities["slack"], b.now - timedelta(days=QUIET_DAYS, hours=2),
            "Photos from the bake sale are in the shared drive. Thanks all!")
    b.truth["benign_lookalikes"] = benign

    newcomers = []
    for j, text in enumerate(w["unanswered_newcomer"]):
        pid = _next_person(b)
        first, last = rng.choice(w["first_names"]), rng.choice(w["surnames"])
        name = f"{first} {last}"
        joined = b.now - timedelta(days=3 + j)  # all within a week of "now", all day long
        b.persons.append((pid, name, 0, 0, "youth", sql_time(joined)))
        iid = _new_identity(b, None, pid, "forum", name, _email(b, first, last), None,
                            joined)
        b.memberships.append((None, iid, b.space_ids["forum-welcome"], "member", "active",
                              sql_time(joined), None, None))
        out.add("forum-welcome", iid, joined + timedelta(hours=1), text)
        newcomers.append(pid)
    b.truth["unanswered_newcomers"] = newcomers


def _extras(ws: Workspace, b: _Builder, spam_ids: list[int]) -> None:
    """Platform reports, a bot, consent and email status, in one transaction."""
    rng = b.rng
    now = sql_time(b.now)
    with ws.transaction() as s:
        forum_spam = s.execute(
            select(Message.id, Message.identity_id, Message.created_at).where(
                Message.id.in_(spam_ids[:400]), Message.source_id == b.source_ids["forum"]
            )
        ).all()
        reports = [
            (b.source_ids["forum"], f"reviewable-{mid}", mid, iid, "spam", "pending",
             sql_time(at), json.dumps({"type": "ReviewableFlaggedPost", "score": 5}))
            for mid, iid, at in forum_spam[:6]
        ]
        insert_rows(s, "platform_reports", ("source_id", "platform_id", "message_id",
                    "identity_id", "reason", "status", "created_at", "payload"), reports)
        list_people = {m.person_id: m for m in b.members if "list" in m.identities}
        consents, statuses = [], []
        for pid, m in list_people.items():
            given = b.day_start(m.start)
            consents.append((pid, "given", "consent", sql_time(given), "Announcements list",
                             "Yes, email me news and event dates from Riverside YCN."))
            if rng.random() < 0.03:
                consents.append((pid, "withdrawn", "consent",
                                 sql_time(given + timedelta(days=20)), "Announcements list",
                                 "Unsubscribed by reply"))
        for row in b.written_identities:
            if row[7] and rng.random() < 0.04:
                statuses.append((row[7], b.source_ids["list"], rng.choice(("cleaned", "bounced")),
                                 now))
        insert_rows(s, "consents", ("person_id", "state", "basis", "at", "source", "wording"),
                    consents)
        insert_rows(s, "email_statuses", ("email_normalised", "source_id", "status", "at"),
                    statuses, on_conflict_ignore=True)


def generate(
    ws: Workspace,
    members: int = 2000,
    messages: int = 50_000,
    seed: int = 7,
    days: int = 365,
    now: datetime | None = None,
    token: CancelToken | None = None,
) -> Job[dict]:
    """Fill an empty workspace with the demo community; returns what it wrote."""
    with ws.session() as s:
        if s.scalar(select(func.count()).select_from(Person)):
            raise ValueError("the demo needs an empty workspace")
    if members < 10 or messages < 100 or days < 30:
        raise ValueError("the demo needs at least 10 members, 100 messages and 30 days")
    now = now or clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    b = _Builder(rng=random.Random(seed), now=now, days=days)
    yield Progress(0, messages, "Creating spaces")
    with ws.transaction() as s:
        for n, (key, (platform, name, config)) in enumerate(SOURCES.items(), start=1):
            insert_rows(s, "sources", ("id", "platform", "name", "config", "cursor", "created_at"),
                        [(n, platform, name, json.dumps(config), "{}", sql_time(now))])
            b.source_ids[key] = n
        for n, spec in enumerate(SPACES, start=1):
            insert_rows(s, "spaces", (
                "id", "source_id", "platform_id", "name", "kind", "visibility", "audience",
                "silence_amber_days", "silence_red_days", "entry_requirements", "size_cap",
                "created_at"), [(
                    n, b.source_ids[spec.source], spec.key, spec.name, spec.kind,
                    spec.visibility, spec.audience, 5, 7, spec.entry_requirements, spec.size_cap,
                    sql_time(now - timedelta(days=days))),
                ])
            b.space_ids[spec.key] = n
    b.truth["quiet_space"] = b.space_ids[QUIET_SPACE]
    yield from _people(b, members)
    _memberships(b)
    if token is not None:
        token.check()
    next_id = yield from _activity(ws, b, messages, token)
    out = _MessageWriter(ws, b)
    out.next_id = next_id
    _planted(b, out)
    # A rota bot posts a weekly reminder in Slack.
    bot_pid = _next_person(b)
    b.persons.append((bot_pid, "Rota Bot", 0, 1, "bot", sql_time(now)))
    bot = _new_identity(b, None, bot_pid, "slack", "Rota Bot", None, None,
                        now - timedelta(days=days), is_bot=True)
    for week in range(days // 7):
        out.add("slack-volunteers", bot, now - timedelta(days=7 * week + 1, hours=-9),
                "Reminder: please fill in next week's rota.", kind="message")
    out.flush()
    with ws.transaction() as s:
        s.connection().exec_driver_sql(
            "UPDATE messages SET reply_count = r.c FROM (SELECT thread_id AS t, count(*) - 1 AS c "
            "FROM messages GROUP BY thread_id HAVING count(*) > 1) AS r WHERE messages.id = r.t"
        )
    _extras(ws, b, b.truth.get("spam_messages", []))
    ws.set_setting("demo.truth", b.truth)
    with ws.session() as s:
        total = s.scalar(select(func.count()).select_from(Message))
        persons = s.scalar(select(func.count()).select_from(Person))
    yield Progress(total, total, "Demo community ready")
    return {"persons": persons, "messages": total, "seed": seed}
