"""Write the demo community as real export files, one per platform format, plus the dataset the
Discourse test server serves. Used by `steward demo --exports DIR`, the tests and benchmarks.

Everything streams from the workspace: memory stays bounded at any size.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from steward.store.bulk import sql_time

LONDON = ZoneInfo("Europe/London")
TELEGRAM_SPACE = "discord-homework"  # rendered as a Telegram group too
_DB_TIME = "%Y-%m-%d %H:%M:%S.%f"


def _t(text: str | None) -> datetime | None:
    return datetime.strptime(text, _DB_TIME) if text else None


def _db(ws):
    s = ws.session()
    return s, s.connection().connection.driver_connection


def _sources(db) -> dict[str, tuple[int, str]]:
    return {platform: (sid, name) for sid, platform, name in
            db.execute("SELECT id, platform, name FROM sources ORDER BY id")}


def _messages(db, source_id: int, space_id: int | None = None,
              by_time: bool = False) -> Iterator[tuple]:
    """(id, space id, space platform id, identity id, created_at, thread root id, parent id,
    text, reactions, attachments) in time order per space."""
    where, args = "m.source_id = ?", [source_id]
    if space_id is not None:
        where, args = where + " AND m.space_id = ?", [source_id, space_id]
    yield from db.execute(
        "SELECT m.id, m.space_id, sp.platform_id, m.identity_id, m.created_at, m.thread_id, "
        "m.parent_id, m.text, m.reaction_count, m.attachment_count FROM messages m "
        f"JOIN spaces sp ON sp.id = m.space_id WHERE {where} ORDER BY "
        f"{'' if by_time else 'm.space_id, '}m.created_at, m.id", args)


def _identities(db, source_id: int) -> dict[int, tuple]:
    """identity id -> (platform id, handle, display name, email, phone, is_bot, joined, person)"""
    return {r[0]: r[1:] for r in db.execute(
        "SELECT id, platform_id, handle, display_name, email, phone, is_bot, joined_at, "
        "person_id FROM identities WHERE source_id = ?", (source_id,))}


def _spaces(db, source_id: int) -> list[tuple]:
    return list(db.execute("SELECT id, platform_id, name, visibility, created_at FROM spaces "
                           "WHERE source_id = ? ORDER BY id", (source_id,)))


def _members(db, space_id: int) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT identity_id FROM memberships WHERE space_id = ? AND status = 'active'",
        (space_id,))]


def _ts(at: datetime, mid: int) -> str:
    return f"{int(at.replace(tzinfo=UTC).timestamp())}.{mid % 1_000_000:06d}"


def write_slack(db, folder: Path) -> Path:
    sid, name = _sources(db)["slack"]
    people = _identities(db, sid)
    spaces = _spaces(db, sid)
    out = folder / f"{name} Slack export.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("users.json", json.dumps([{
            "id": pid, "name": handle, "real_name": display, "deleted": False,
            "is_bot": bool(bot), "profile": {"real_name": display, "display_name": handle,
                                              "email": email or "", "phone": phone or ""},
        } for pid, handle, display, email, phone, bot, *_ in people.values()], indent=1))
        z.writestr("channels.json", json.dumps([{
            "id": f"C{space_id:08d}", "name": space_name,
            "created": int(_t(created).replace(tzinfo=UTC).timestamp()) if created else 0,
            "members": [people[i][0] for i in _members(db, space_id) if i in people],
            "is_archived": False, "topic": {"value": ""}, "purpose": {"value": ""},
        } for space_id, _p, space_name, _v, created in spaces], indent=1))
        names = {space_id: space_name for space_id, _p, space_name, _v, _c in spaces}
        roots: dict[int, str] = {}
        flags = []
        day_key, day = None, []
        for mid, space_id, _sp, ident, created, thread, _parent, text, reacts, files in \
                _messages(db, sid):
            at = _t(created)
            ts = _ts(at, mid)
            if thread == mid or thread is None:
                roots[mid] = ts
            key = (space_id, at.date())
            if key != day_key and day:
                z.writestr(f"{names[day_key[0]]}/{day_key[1]:%Y-%m-%d}.json",
                           json.dumps(day, indent=1))
                day = []
            day_key = key
            author = people.get(ident)
            m = {"type": "message", "user": author[0] if author else None, "text": text,
                 "ts": ts}
            if author and author[5]:
                m.update(subtype="bot_message", bot_id=author[0])
            if thread is not None and thread != mid and thread in roots:
                m["thread_ts"] = roots[thread]
            if reacts:
                m["reactions"] = [{"name": "+1", "count": reacts, "users": []}]
            if files:
                m["files"] = [{"id": f"F{mid}", "name": "photo.jpg"}]
            day.append(m)
            joined = _t(author[6]) if author and author[6] else None
            if joined and at - joined < timedelta(days=2) and "http" in (text or ""):
                flags.append({"id": f"FLAG{mid}", "channel": f"C{space_id:08d}", "ts": ts,
                              "user": author[0], "reported_by": "member",
                              "reason": "spam", "date_create": int(at.timestamp()) + 600})
        if day:
            z.writestr(f"{names[day_key[0]]}/{day_key[1]:%Y-%m-%d}.json", json.dumps(day, indent=1))
        z.writestr("content_flags.json", json.dumps(flags, indent=1))
    return out


def write_discord(db, folder: Path) -> list[Path]:
    sid, name = _sources(db)["discord"]
    people = _identities(db, sid)
    written = []
    for space_id, _pid, space_name, _v, _c in _spaces(db, sid):
        path = folder / f"{name} - {space_name} [{space_id}].json"
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps({"guild": {"id": "700000000000000001", "name": name},
                                "channel": {"id": str(710000000000000000 + space_id),
                                            "type": "GuildTextChat", "category": "Text Channels",
                                            "name": space_name, "topic": None},
                                "dateRange": {"after": None, "before": None}})[:-1])
            f.write(', "messages": [\n')
            count = 0
            for mid, _s, _sp, ident, created, _thread, parent, text, reacts, files in \
                    _messages(db, sid, space_id):
                author = people.get(ident)
                local = _t(created).replace(tzinfo=UTC).astimezone(LONDON)
                m = {"id": str(900000000000000000 + mid),
                     "type": "Reply" if parent else "Default",
                     "timestamp": local.isoformat(timespec="milliseconds"),
                     "timestampEdited": None, "isPinned": False, "content": text or "",
                     "author": {"id": author[0], "name": author[1], "discriminator": "0000",
                                "nickname": author[2], "isBot": bool(author[5])},
                     "attachments": [{"id": str(mid), "fileName": "image.png"}] * files,
                     "reactions": [{"emoji": {"name": "👍"}, "count": reacts}] if reacts else [],
                     "mentions": []}
                if parent:
                    m["reference"] = {"messageId": str(900000000000000000 + parent),
                                      "channelId": str(710000000000000000 + space_id)}
                f.write((",\n" if count else "") + json.dumps(m, ensure_ascii=False))
                count += 1
            f.write(f'\n], "messageCount": {count}}}\n')
        written.append(path)
    return written


def _whatsapp_names(people: dict) -> dict[int, str]:
    seen: dict[str, int] = {}
    for _iid, row in people.items():
        seen[row[2]] = seen.get(row[2], 0) + 1
    return {iid: row[2] if seen[row[2]] == 1 else f"{row[2]} ({row[4] or iid})"
            for iid, row in people.items()}


def write_whatsapp(db, folder: Path) -> list[Path]:
    """The same chat as Android (.txt, 24-hour, day first) and iPhone (.zip, 12-hour, US)."""
    sid, _name = _sources(db)["whatsapp"]
    people = _identities(db, sid)
    names = _whatsapp_names(people)
    (space_id, _p, chat, _v, _c), = _spaces(db, sid)[:1]
    android = folder / f"WhatsApp Chat with {chat}.txt"
    ios = folder / f"WhatsApp Chat - {chat}.zip"
    with open(android, "w", encoding="utf-8") as a, \
            zipfile.ZipFile(ios, "w", zipfile.ZIP_DEFLATED) as z, \
            io.TextIOWrapper(z.open("_chat.txt", "w"), encoding="utf-8") as ios_text:
        first = True
        for _mid, _s, _sp, ident, created, _t2, _par, text, _r, files in _messages(db, sid):
            local = _t(created).replace(tzinfo=UTC).astimezone(LONDON)
            if first:
                a.write(f"{local:%d/%m/%Y, %H:%M} - Messages and calls are end-to-end encrypted."
                        " No one outside of this chat, not even WhatsApp, can read or listen to "
                        "them. Tap to learn more.\n")
                ios_text.write(f"[{local.month}/{local.day}/{local:%y}, {_clock12(local)}] "
                               f"{chat}: \u200eMessages and calls are end-to-end encrypted.\n")
                first = False
            who = names.get(ident, "Unknown")
            body = "<Media omitted>" if files else (text or "")
            a.write(f"{local:%d/%m/%Y, %H:%M} - {who}: {body}\n")
            ios_body = "\u200eimage omitted" if files else (text or "")
            ios_text.write(f"[{local.month}/{local.day}/{local:%y}, {_clock12(local)}] "
                           f"{who}: {ios_body}\n")
    return [android, ios]


def _clock12(local: datetime) -> str:
    hour = local.hour % 12 or 12
    return f"{hour}:{local:%M:%S}\u202f{'AM' if local.hour < 12 else 'PM'}"


def write_telegram(db, folder: Path) -> Path:
    sid, _name = _sources(db)["discord"]
    people = _identities(db, sid)
    space = next(s for s in _spaces(db, sid) if s[1] == TELEGRAM_SPACE)
    out_dir = folder / "Telegram ChatExport"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / "result.json"
    numbers: dict[int, int] = {}
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps({"name": "Homework help (Telegram)", "type": "private_supergroup",
                            "id": 1234567890})[:-1] + ', "messages": [\n')
        for n, (mid, _s, _sp, ident, created, _thread, parent, text, reacts, files) in \
                enumerate(_messages(db, sid, space[0]), start=1):
            numbers[mid] = n
            at = _t(created).replace(tzinfo=UTC)
            author = people[ident]
            parts = (text or "").split("http", 1)
            m = {"id": n, "type": "message", "date": at.astimezone(LONDON).replace(
                     tzinfo=None).isoformat(), "date_unixtime": str(int(at.timestamp())),
                 "from": author[2], "from_id": f"user{author[0]}",
                 "text": parts[0] if len(parts) == 1 else
                 [parts[0], {"type": "link", "text": "http" + parts[1]}]}
            if parent and parent in numbers:
                m["reply_to_message_id"] = numbers[parent]
            if reacts:
                m["reactions"] = [{"type": "emoji", "count": reacts, "emoji": "👍"}]
            if files:
                m["photo"] = "(File not included.)"
            f.write((",\n" if n > 1 else "") + json.dumps(m, ensure_ascii=False))
        f.write("\n]}\n")
    return path


def write_mbox(db, folder: Path) -> Path:
    sid, _name = _sources(db)["mbox"]
    people = _identities(db, sid)
    path = folder / "announce.mbox"
    with open(path, "wb") as f:
        for mid, _s, list_address, ident, created, thread, parent, text, _r, _f in \
                _messages(db, sid):
            author = people[ident]
            msg = EmailMessage()
            msg["From"] = f"{author[2]} <{author[3] or author[0]}>"
            msg["To"] = list_address
            msg["Subject"] = ("Re: " if parent else "") + " ".join((text or "").split()[:6])
            at = _t(created).replace(tzinfo=UTC)
            msg["Date"] = format_datetime(at.astimezone(LONDON))
            msg["Message-ID"] = f"<list-{mid}@lists.riverside-ycn.example.org>"
            msg["List-Id"] = f"Announcements <{list_address.replace('@', '.')}>"
            if parent:
                msg["In-Reply-To"] = f"<list-{parent}@lists.riverside-ycn.example.org>"
                msg["References"] = f"<list-{thread}@lists.riverside-ycn.example.org>"
            msg.set_content(text or "")
            body = msg.as_bytes().replace(b"\nFrom ", b"\n>From ")
            f.write(f"From list-{mid} {at:%a %b %d %H:%M:%S %Y}\n".encode() + body + b"\n")
    return path


def _mojibake(value):
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [_mojibake(v) for v in value]
    if isinstance(value, dict):
        return {k: _mojibake(v) for k, v in value.items()}
    return value


def write_facebook(db, folder: Path) -> Path:
    """The forum's most active member's posts and comments, as their Facebook download for
    groups (one member's activity: a realistic share of a community's messages)."""
    sid, _name = _sources(db)["discourse"]
    people = _identities(db, sid)
    top = db.execute("SELECT m.identity_id FROM messages m JOIN identities i ON i.id = "
                     "m.identity_id WHERE m.source_id = ? AND i.is_bot = 0 GROUP BY "
                     "m.identity_id ORDER BY count(*) DESC, m.identity_id LIMIT 1",
                     (sid,)).fetchone()
    owner_id = top[0] if top else None
    spaces = {s[0]: s[2] for s in _spaces(db, sid)}
    owner = people[owner_id][2] if owner_id else "Account owner"
    posts, comments = [], []
    for _mid, space_id, _sp, ident, created, _thread, parent, text, _r, files in _messages(db, sid):
        if ident != owner_id:
            continue
        stamp = int(_t(created).replace(tzinfo=UTC).timestamp())
        group = spaces[space_id]
        if parent:
            comments.append({"timestamp": stamp, "title": f"{owner} commented on a post.",
                             "data": [{"comment": {"timestamp": stamp, "comment": text,
                                                   "author": owner, "group": group}}]})
        else:
            posts.append({"timestamp": stamp, "title": f"{owner} posted in {group}.",
                          "data": [{"post": text}],
                          "attachments": [{"data": [{"media": {}}]}] * files})
    joined = [{"timestamp": 1_700_000_000 + i, "title": f"You became a member of {g}.",
               "data": [{"name": g}]} for i, g in enumerate(spaces.values())]
    path = folder / "facebook-riverside-download.zip"
    base = "your_facebook_activity/groups/"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, key, items in (
                ("your_posts_and_comments_in_groups.json", "group_posts_v2", posts),
                ("your_comments_in_groups.json", "group_comments_v2", comments),
                ("your_group_membership_activity.json", "groups_joined_v2", joined)):
            z.writestr(base + name, json.dumps({key: _mojibake(items)}, indent=2))
    return path


def write_members(db, folder: Path) -> list[Path]:
    """The mailing list as a Mailchimp audience ZIP, and an Eventbrite attendee report."""
    sid, _name = _sources(db)["mbox"]
    people = _identities(db, sid)
    withdrawn = dict(db.execute("SELECT person_id, at FROM consents WHERE state = 'withdrawn'"))
    bounced = dict(db.execute("SELECT email_normalised, status FROM email_statuses WHERE "
                              "source_id = ?", (sid,)))
    given = dict(db.execute("SELECT person_id, min(at) FROM consents WHERE state = 'given' "
                            "GROUP BY person_id"))
    base = ["Email Address", "First Name", "Last Name", "MEMBER_RATING", "OPTIN_TIME",
            "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE", "LONGITUDE", "GMTOFF",
            "DSTOFF", "TIMEZONE", "CC", "REGION", "LAST_CHANGED", "LEID", "EUID", "NOTES", "TAGS"]
    files = {"subscribed": (base, []), "unsubscribed": (base + ["UNSUB_TIME",
             "UNSUB_CAMPAIGN_TITLE", "UNSUB_CAMPAIGN_ID", "UNSUB_REASON", "UNSUB_REASON_OTHER"],
             []), "cleaned": (base + ["CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID"],
                              [])}
    for iid, (_pid, _h, display, email, _ph, _bot, _joined, person) in people.items():
        if not email:
            continue
        first, _, last = (display or "").partition(" ")
        opt = (given.get(person) or sql_time(datetime(2025, 1, 1)))[:19]
        row = [email, first, last, "3", opt, "", opt, "", "", "", "", "", "", "GB", "", opt,
               str(iid), f"e{iid}", "", ""]
        if bounced.get(email.lower()) in ("cleaned", "bounced"):
            files["cleaned"][1].append(row + [opt, "November newsletter", "c1"])
        elif person in withdrawn:
            files["unsubscribed"][1].append(row + [withdrawn[person][:19], "October newsletter",
                                                   "c0", "NORMAL", ""])
        else:
            files["subscribed"][1].append(row)
    mailchimp = folder / "members_export_riverside.zip"
    with zipfile.ZipFile(mailchimp, "w", zipfile.ZIP_DEFLATED) as z:
        for status, (header, rows) in files.items():
            text = io.StringIO()
            w = csv.writer(text)
            w.writerow(header)
            w.writerows(rows)
            z.writestr(f"{status}_members_export_riverside.csv", text.getvalue())
    eventbrite = folder / "eventbrite-attendees-summer-picnic.csv"
    slack_id, _ = _sources(db)["slack"]
    volunteers = _identities(db, slack_id)
    with open(eventbrite, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Order #", "Order Date", "First Name", "Last Name", "Email", "Quantity",
                    "Ticket Type", "Attendee #", "Event Name", "Attendee Status", "Cell Phone"])
        for n, (iid, row) in enumerate(sorted(volunteers.items())):
            if not row[3] or n % 3:
                continue
            first, _, last = (row[2] or "").partition(" ")
            w.writerow([f"10{iid}", "2026-06-01 10:00:00", first, last, row[3], 1,
                        "Volunteer", f"20{iid}", "Summer picnic 2026", "Attending", ""])
    return [mailchimp, eventbrite]


def write_discourse_dataset(db, folder: Path) -> Path:
    """What the Discourse test server serves: categories, users, posts, reviewables."""
    sid, _name = _sources(db)["discourse"]
    people = _identities(db, sid)
    user_ids = {iid: n for n, iid in enumerate(sorted(people), start=10)}
    users = [{"id": user_ids[iid], "username": row[1], "name": row[2], "email": row[3],
              "created_at": (_t(row[6]) or datetime(2025, 1, 1)).isoformat() + "Z",
              "admin": row[7] == 1, "moderator": row[7] == 1}
             for iid, row in sorted(people.items())]
    categories = [{"id": space_id, "name": name, "read_restricted": vis == "closed"}
                  for space_id, _p, name, vis, _c in _spaces(db, sid)]
    topics: dict[int, dict] = {}
    post_ids: dict[int, int] = {}
    path = folder / "discourse-forum.json"
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"categories": ' + json.dumps(categories) + ', "users": ' + json.dumps(users))
        f.write(', "posts": [\n')
        for n, (mid, space_id, _sp, ident, created, thread, _parent, text, reacts, _files) in \
                enumerate(_messages(db, sid, by_time=True), start=1):
            root = thread if thread in topics or thread == mid else mid
            topic = topics.setdefault(root, {"id": 1000 + len(topics), "count": 0})
            topic["count"] += 1
            post_ids[mid] = n
            post = {"id": n, "topic_id": topic["id"], "post_number": topic["count"],
                    "reply_to_post_number": None, "user_id": user_ids[ident],
                    "username": people[ident][1], "name": people[ident][2],
                    "category_id": space_id, "created_at": _t(created).isoformat() + "Z",
                    "raw": text or "", "like_count": reacts}
            f.write((",\n" if n > 1 else "") + json.dumps(post, ensure_ascii=False))
        reviewables = [{"id": rid, "type": "ReviewableFlaggedPost", "status": 0, "version": 1,
                        "target_type": "Post", "target_id": post_ids.get(msg),
                        "target_created_by_id": user_ids.get(ident),
                        "created_at": _t(at).isoformat() + "Z", "score": 5.0,
                        "reviewable_scores": [{"reason": reason}]}
                       for rid, (msg, ident, at, reason) in enumerate(db.execute(
                           "SELECT message_id, identity_id, created_at, reason FROM "
                           "platform_reports WHERE source_id = ? ORDER BY id", (sid,)), start=1)
                       if msg in post_ids]
        f.write('\n], "reviewables": ' + json.dumps(reviewables) + "}\n")
    return path


def write_all(ws, folder: Path) -> list[Path]:
    """Every export format, written into `folder` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    s, db = _db(ws)
    try:
        written = [write_slack(db, folder), *write_discord(db, folder),
                   *write_whatsapp(db, folder), write_telegram(db, folder),
                   write_mbox(db, folder), write_facebook(db, folder),
                   *write_members(db, folder), write_discourse_dataset(db, folder)]
    finally:
        s.close()
    return written
