"""The demo's people: members across platforms (with planted duplicates), and who is in which
space."""

from __future__ import annotations

from datetime import timedelta

from steward.demo.community import (
    SEGMENTS,
    SPACE_JOIN,
    SPACES,
    Builder,
    SpaceSpec,
    add_member,
    email_for,
    new_identity,
    new_person_id,
    phone_for,
    phone_variant,
    typo,
    words,
)
from steward.jobs import Job, Progress
from steward.store.bulk import sql_time


def add_people(b: Builder, count: int) -> Job[None]:
    w = words()
    rng = b.rng
    firsts, lasts = w["first_names"], w["surnames"]
    seg_names = list(SEGMENTS)
    seg_weights = [SEGMENTS[s][0] for s in seg_names]
    created = sql_time(b.now)
    duplicates: list[list[int]] = []
    for i in range(count):
        person_id = new_person_id(b)
        staff = i < 3
        if i % 997 == 500:
            name = w["international_names"][(i // 997) % len(w["international_names"])]
            first, last = name.split(" ")[0], name.split(" ")[-1]
        else:
            first, last = rng.choice(firsts), rng.choice(lasts)
            name = f"{first} {last}"
        segment = "volunteer" if staff else rng.choices(seg_names, seg_weights)[0]
        m = add_member(b, person_id, name, segment, staff)
        b.members.append(m)
        b.persons.append((person_id, name, int(staff), 0, segment, created))
        email = email_for(b, first, last)
        phone = phone_for(i)
        joined = b.day_start(m.start) - timedelta(days=rng.randrange(0, 400))
        platforms = SEGMENTS[segment][1]
        chosen = [p for p, chance in platforms.items() if rng.random() < chance]
        if staff:
            chosen = ["forum", "slack", "discord", "whatsapp", "list"]
        if not chosen:
            chosen = [max(platforms, key=platforms.get)]
        for src in chosen[:3] if not staff else chosen:
            new_identity(b, m, person_id, src, name, email, phone_variant(phone, i), joined)

        # About one person in thirty also turns up a second time, unlinked: a duplicate.
        if not staff and rng.random() < 1 / 30 and i % 997 != 500:
            person_id = new_person_id(b)
            style = rng.randrange(4)
            nick = w["nicknames"].get(first)
            if style == 0 and nick:
                dname, demail = f"{nick} {last}", email_for(b, nick, last)
            elif style == 1:
                dname, demail = f"{typo(first, rng)} {last}", email.upper()
            elif style == 2:
                dname, demail = name, email_for(b, first, last + ".home")
            else:
                dname, demail = f"{first} {last}", None
            dm = add_member(b, person_id, dname, segment)
            dm.start, dm.end = m.start, m.end
            b.members.append(dm)
            b.persons.append((person_id, dname, 0, 0, segment, created))
            spare = [p for p in ("forum", "slack", "list", "whatsapp") if p not in chosen]
            src = rng.choice(spare or ["list"])
            if src == "whatsapp" or demail is None:
                src = "whatsapp"
            new_identity(b, dm, person_id, src, dname, demail,
                          phone_variant(phone, style + 1), joined)
            duplicates.append([m.person_id, person_id])
        if i % 5000 == 0:
            yield Progress(i, count, "Creating people")
    b.truth["duplicates"] = duplicates


def add_memberships(b: Builder) -> None:
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
