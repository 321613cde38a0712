"""The demo's year of messages: daily activity in every space, spam, and the planted concerns
the later features must find."""

from __future__ import annotations

import bisect
import json
import random
from collections import deque
from datetime import datetime, timedelta

from sqlalchemy import select

from steward.demo.community import (
    BATCH,
    QUIET_DAYS,
    QUIET_SPACE,
    SPACES,
    Builder,
    email_for,
    new_identity,
    new_person_id,
    words,
)
from steward.jobs import CancelToken, Job, Progress
from steward.store.bulk import insert_rows, sql_time
from steward.store.models import Message
from steward.workspace import Workspace


def _daily_counts(b: Builder, total: int) -> list[int]:
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


class MessageWriter:
    """Assigns ids, keeps reply structure, and writes batches in their own transactions."""

    COLUMNS = ("id", "source_id", "space_id", "identity_id", "platform_id", "thread_id",
               "parent_id", "kind", "created_at", "deleted", "text", "reaction_count",
               "reply_count", "attachment_count")

    def __init__(self, ws: Workspace, b: Builder):
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


def write_activity(ws: Workspace, b: Builder, total: int, token: CancelToken | None) -> Job[int]:
    rng = b.rng
    w = words()
    out = MessageWriter(ws, b)
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


def _spam(b: Builder, out: MessageWriter, at: datetime, authors: list) -> list[int]:
    rng = b.rng
    w = words()
    # A spam account posts in a burst and is gone: one older than two days is not used again.
    if not authors or rng.random() < 0.6 or at - authors[-1][2] > timedelta(days=2):
        pid = new_person_id(b)
        rng.random()  # the draw that used to pick the platform: the rest stays as it was
        src = ("forum", "discord", "slack")[len(authors) % 3]  # every platform gets its spammer
        name = f"{rng.choice(w['first_names'])}{rng.randrange(100, 999)}"
        b.persons.append((pid, name, 0, 0, "spam", sql_time(at)))
        iid = new_identity(b, None, pid, src, name, f"{name.lower()}@example.biz", None,
                            at - timedelta(hours=rng.randrange(1, 48)))
        authors.append((iid, src, at))
        b.truth.setdefault("spam_persons", []).append(pid)
    iid, src, _first = authors[-1]
    # Each kind of spam in turn, so even a small demo holds every kind.
    text = _render(w["spam"][b.spam_posts % len(w["spam"])], rng, "", "", spam=True)
    b.spam_posts += 1
    # The quiet space stays quiet: its planted silence holds whatever the date (spam too).
    hushed = {"forum-leaders"}
    if at >= b.now - timedelta(days=QUIET_DAYS + 1):
        hushed.add(QUIET_SPACE)
    spaces = [s.key for s in SPACES if s.source == src and s.key not in hushed]
    targets = spaces if rng.random() < 0.35 else [rng.choice(spaces)]
    return [out.add(key, iid, at + timedelta(seconds=7 * j), text) for j, key in enumerate(targets)]


def plant_concerns(b: Builder, out: MessageWriter) -> None:
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
        pid = new_person_id(b)
        first, last = rng.choice(w["first_names"]), rng.choice(w["surnames"])
        name = f"{first} {last}"
        joined = b.now - timedelta(days=3 + j)  # all within a week of "now", all day long
        b.persons.append((pid, name, 0, 0, "youth", sql_time(joined)))
        iid = new_identity(b, None, pid, "forum", name, email_for(b, first, last), None,
                            joined)
        b.memberships.append((None, iid, b.space_ids["forum-welcome"], "member", "active",
                              sql_time(joined), None, None))
        out.add("forum-welcome", iid, joined + timedelta(hours=1), text)
        newcomers.append(pid)
    b.truth["unanswered_newcomers"] = newcomers


def write_extras(ws: Workspace, b: Builder, spam_ids: list[int]) -> None:
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
