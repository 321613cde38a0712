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

import json
import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from steward import clock
from steward.demo.community import (
    QUIET_SPACE,
    SOURCES,
    SPACES,
    Builder,
    new_identity,
    new_person_id,
)
from steward.demo.messages import (
    MessageWriter,
    plant_concerns,
    write_activity,
    write_extras,
)
from steward.demo.people import (
    add_memberships,
    add_people,
)
from steward.jobs import CancelToken, Job, Progress
from steward.store.bulk import insert_rows, sql_time
from steward.store.models import Message, Person
from steward.workspace import Workspace

DEMO_PASSPHRASE = "steward-demo"
DEMO_PROFILES = (("steward", "steward"), ("volunteer", "volunteer"), ("lead", "safeguarding-lead"))


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
    b = Builder(rng=random.Random(seed), now=now, days=days)
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
    yield from add_people(b, members)
    add_memberships(b)
    if token is not None:
        token.check()
    next_id = yield from write_activity(ws, b, messages, token)
    out = MessageWriter(ws, b)
    out.next_id = next_id
    plant_concerns(b, out)
    # A rota bot posts a weekly reminder in Slack.
    bot_pid = new_person_id(b)
    b.persons.append((bot_pid, "Rota Bot", 0, 1, "bot", sql_time(now)))
    bot = new_identity(b, None, bot_pid, "slack", "Rota Bot", None, None,
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
    write_extras(ws, b, b.truth.get("spam_messages", []))
    ws.set_setting("demo.truth", b.truth)
    with ws.session() as s:
        total = s.scalar(select(func.count()).select_from(Message))
        persons = s.scalar(select(func.count()).select_from(Person))
    yield Progress(total, total, "Demo community ready")
    return {"persons": persons, "messages": total, "seed": seed}
