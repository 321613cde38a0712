"""Live Discourse forums: categories, users (with emails, from the admin list), posts since the
stored cursor, the review queue as platform reports; and outbox actions pushed back.

Posts are paged as Discourse pages them: `/posts.json` gives the newest 50, `?before=ID` the 50
before that id. The sync walks down from the newest post to its cursor, noting where each page
starts (and keeping the pages' posts while they are few), then writes the pages oldest first, each
with the new cursor in one transaction: a reply finds its parent already there, requests grow
with the posts there are (not with the highest id), and an interrupted sync resumes at the next
page with no gap and no duplicate. The API key lives only in the OS keyring (or is given for one
sync); never in the workspace.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from steward import clock, keychain
from steward.connectors.base import AuthorRecord, MessageRecord, ReportRecord, SpaceRecord
from steward.connectors.files import from_iso, iso_db_time
from steward.connectors.http import ApiClient, ApiError
from steward.connectors.ingest import ImportSummary, write_records
from steward.connectors.outbox import send_pending
from steward.errors import BadInput, StewardError
from steward.jobs import CancelToken, Job, Progress
from steward.store import audit
from steward.store.bulk import sql_time

WINDOW = 50  # Discourse's page size for /posts.json
KEEP_POSTS = 5000  # posts kept from the walk down; beyond that, pages are fetched again to write
_TAGS = re.compile(r"<[^>]+>")
_REVIEW_STATUS = {0: "pending", 1: "approved", 2: "rejected", 3: "ignored", 4: "deleted"}
_PERFORM = {"approve_reviewable": "approve_post", "reject_reviewable": "reject_post"}


def secret_name(ws, source: str) -> str:
    return f"discourse:{ws.id}:{source}"


def _text(post: dict) -> str:
    if post.get("raw") is not None:
        return post["raw"]
    return html.unescape(_TAGS.sub("", post.get("cooked") or "")).strip()


def _time(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def check_url(url: str) -> str:
    """https only (plain http is allowed for this computer, e.g. a test server)."""
    parts = urlsplit(url.strip())
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise BadInput(f"{url!r} is not an https:// address of a Discourse forum")
    if not parts.hostname:
        raise BadInput(f"{url!r} has no host name")
    return url.strip().rstrip("/")


class DiscourseForum:
    platform = "discourse"
    title = "Discourse forum (live)"
    how_to_connect = (
        "1. On the forum, as an admin: Admin → Advanced → API keys → New API key.\n2. Give it a "
        "description, User level 'Single user' (an admin or moderator account) and scope "
        "'Global' (or read + review + posts + users).\n3. Copy the key: Steward keeps it in this "
        "computer's keyring, never in the workspace.")

    def client(self, config: dict, secret: str, **kwargs) -> ApiClient:
        return ApiClient(check_url(config["url"]), {
            "Api-Key": secret, "Api-Username": config["api_username"],
            "Accept": "application/json"}, **kwargs)

    def test_connection(self, config: dict, secret: str) -> str:
        with self.client(config, secret, retries=1) as api:
            about = api.get_json(f"/u/{config['api_username']}.json").get("user") or {}
            if not (about.get("admin") or about.get("moderator")):
                raise StewardError(f"{config['api_username']} is neither admin nor moderator on "
                                   f"{config['url']}: Steward needs one to read the review queue")
            return f"connected to {config['url']} as {about.get('username')}"

    def sync(self, ws, source_name: str, secret: str | None = None,
             token: CancelToken | None = None,
             client_factory: Callable[..., ApiClient] | None = None) -> Job[dict]:
        return sync(ws, source_name, secret, token, client_factory)


def add_source(ws, name: str, url: str, api_username: str, secret: str | None) -> int:
    """Create a Discourse source; the key goes to the keyring only (when there is a usable
    one: see `key_is_kept`)."""
    from steward.store.models import Source

    url = check_url(url)
    if not name.strip() or not api_username.strip():
        raise BadInput("a source needs a name and an API user name")
    with ws.transaction() as s:
        if s.query(Source).filter(Source.name == name).first() is not None:
            raise BadInput(f"a source named {name!r} already exists")
        source = Source(platform="discourse", name=name, created_at=clock.now(),
                        config={"url": url, "api_username": api_username}, cursor={})
        s.add(source)
        s.flush()
        audit.record(s, ws.actor, "source.add", "source", source.id, platform="discourse")
        source_id = source.id
    if secret:  # no usable keyring is no failure: the key is then asked for at each sync
        keychain.store_token(secret_name(ws, name), secret)
    return source_id


def key_is_kept(ws, name: str) -> bool:
    """Whether this computer's keyring holds the source's API key."""
    return bool(keychain.load_token(secret_name(ws, name)))


def _load_source(ws, name: str) -> tuple[int, dict, dict]:
    with ws.session() as s:
        row = s.connection().exec_driver_sql(
            "SELECT id, platform, config, cursor FROM sources WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise BadInput(f"no source named {name!r}")
    if row[1] != "discourse":
        raise BadInput(f"{name!r} is a {row[1]} import, not a live source; import its export again")
    return row[0], json.loads(row[2] or "{}"), json.loads(row[3] or "{}")


def _save_cursor(s, source_id: int, cursor: dict) -> None:
    s.connection().exec_driver_sql("UPDATE sources SET cursor = ? WHERE id = ?",
                                   (json.dumps(cursor), source_id))


def perform(api: ApiClient, action: str, target: str, payload: dict) -> None:
    """Carry out one outbox action, checking the platform's state first (idempotent)."""
    if not re.fullmatch(r"-?\d+", target):
        raise StewardError(f"{target!r} is not a Discourse id")
    try:
        if action in _PERFORM:
            item = api.get_json(f"/review/{target}.json").get("reviewable") or {}
            if _REVIEW_STATUS.get(item.get("status"), item.get("status")) != "pending":
                return  # already decided on the forum
            api.request("PUT", f"/review/{target}/perform/{_PERFORM[action]}.json",
                        params={"version": item.get("version", 0)})
        elif action == "delete_post":
            try:
                api.request("DELETE", f"/posts/{target}.json")
            except ApiError as err:
                if err.status != 404:
                    raise  # 404: already gone
        elif action == "hide_post":
            post = api.get_json(f"/posts/{target}.json")
            if not post.get("hidden"):
                api.request("POST", "/post_actions.json", data={
                    "id": target, "post_action_type_id": payload.get("flag_type", 4),
                    "flag_topic": "false", "take_action": "true"})
        elif action == "silence_user":
            user = api.get_json(f"/admin/users/{target}.json")
            if not user.get("silenced_till"):
                api.request("PUT", f"/admin/users/{target}/silence.json", json={
                    "reason": payload.get("reason", "Silenced by a moderator"),
                    "silenced_till": payload.get("until"), "message": payload.get("message")})
        else:
            raise StewardError(f"Discourse has no action {action!r}")
    except ApiError as err:
        raise StewardError(str(err)) from None


def _users(api: ApiClient, known: set[str]) -> list[AuthorRecord]:
    """Newest accounts first, until a page holds only accounts already known."""
    out = []
    page = 1
    while True:
        users = api.get_json("/admin/users/list/active.json", show_emails="true",
                             order="created", asc="false", page=page)
        if not users:
            return out
        fresh = [u for u in users if str(u["id"]) not in known]
        for u in fresh:
            out.append(AuthorRecord(str(u["id"]), u.get("name") or u.get("username"),
                                    u.get("username"), email=u.get("email"),
                                    is_bot=int(u["id"]) <= 0, joined_at=_time(u.get("created_at"))))
        if not fresh:
            return out
        page += 1


def _parent_posts(s, source_id: int, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    found = {}
    for topic, number in wanted:
        row = s.connection().exec_driver_sql(
            "SELECT m.platform_id FROM post_positions p JOIN messages m ON m.id = p.message_id "
            "WHERE p.source_id = ? AND p.topic_id = ? AND p.post_number = ?",
            (source_id, topic, number)).fetchone()
        if row is not None:
            found[(topic, number)] = row[0]
    return found


def _write_window(s, source_id: int, name: str, posts: list[dict],
                  summary: ImportSummary) -> None:
    here = {(str(p["topic_id"]), int(p["post_number"])): str(p["id"]) for p in posts}
    wanted = set()
    for p in posts:
        number = p.get("reply_to_post_number") or (1 if p["post_number"] > 1 else None)
        if number and (str(p["topic_id"]), number) not in here:
            wanted.add((str(p["topic_id"]), int(number)))
    known = _parent_posts(s, source_id, wanted)
    records: list = []
    for p in posts:
        topic = str(p["topic_id"])
        number = p.get("reply_to_post_number") or (1 if p["post_number"] > 1 else None)
        parent = here.get((topic, number)) or known.get((topic, number)) if number else None
        if p.get("user_id") is not None:
            records.append(AuthorRecord(str(p["user_id"]), p.get("name") or p.get("username"),
                                        p.get("username")))
        records.append(MessageRecord(
            space=f"category-{p.get('category_id') or 'none'}", platform_id=str(p["id"]),
            created_at=iso_db_time(p["created_at"]),
            author=str(p["user_id"]) if p.get("user_id") is not None else None,
            text=_text(p), parent=parent, edited_at=None,
            deleted=int(bool(p.get("deleted_at"))), reactions=int(p.get("reaction_count") or
                                                             p.get("like_count") or 0)))
    list(write_records(s, source_id, name, records, summary))
    db = s.connection().connection.driver_connection
    ids = dict(db.execute(
        "SELECT platform_id, id FROM messages WHERE source_id = ? AND platform_id IN "
        f"({','.join('?' * len(posts))})", (source_id, *[str(p["id"]) for p in posts])))
    db.executemany("INSERT OR IGNORE INTO post_positions (source_id, topic_id, post_number, "
                   "message_id) VALUES (?,?,?,?)",
                   [(source_id, str(p["topic_id"]), int(p["post_number"]), ids[str(p["id"])])
                    for p in posts if str(p["id"]) in ids])


def _pages(api: ApiClient, low: int, name: str,
           token: CancelToken | None) -> Job[list[list]]:
    """Walk down from the newest post to the cursor `low`: [before, posts, new] for each page,
    newest first, where `before` is the `before=` that gives the page (None: the newest),
    `posts` its posts (None once more than `KEEP_POSTS` are kept: fetched again to write) and
    `new` how many are above the cursor."""
    pages: list[list] = []
    kept, found, before = 0, 0, None
    while True:
        if token is not None:
            token.check()
        answer = api.get_json("/posts.json", before=before) if before else \
            api.get_json("/posts.json")
        posts = answer.get("latest_posts") or []
        ids = [int(p["id"]) for p in posts if before is None or int(p["id"]) < before]
        new = sum(i > low for i in ids)
        if not new:
            break
        pages.append([before, posts, new])
        kept, found = kept + len(posts), found + new
        for page in pages:  # the newest pages are written last: theirs go first
            if kept <= KEEP_POSTS:
                break
            if page[1] is not None:
                kept -= len(page[1])
                page[1] = None
        yield Progress(0, None, f"Finding new posts on {name}: {found:,} so far")
        if min(ids) <= low + 1 or len(posts) < WINDOW:
            break  # down to the cursor, or to the forum's first post
        before = min(ids)
    return pages


def sync(ws, name: str, secret: str | None = None, token: CancelToken | None = None,
         client_factory: Callable[..., ApiClient] | None = None) -> Job[dict]:
    """Push pending outbox actions, then pull categories, new users, new posts and the review
    queue. Returns counts."""
    source_id, config, cursor = _load_source(ws, name)
    secret = secret or keychain.load_token(secret_name(ws, name))
    if not secret:
        raise StewardError(f"no API key for {name!r} on this computer: set "
                           "STEWARD_DISCOURSE_API_KEY or add the source again")
    forum = DiscourseForum()
    api = (client_factory or forum.client)(config, secret)
    summary = ImportSummary(source=name, kind="discourse")
    result = {"source": name}
    try:
        yield Progress(0, None, f"Sending decisions to {name}")
        result["actions_done"], result["actions_failed"] = send_pending(
            ws, source_id, lambda a, t, p: perform(api, a, t, p), token)

        yield Progress(0, None, f"Fetching categories and people from {name}")
        categories = api.get_json("/categories.json").get("category_list", {}).get(
            "categories", [])
        with ws.transaction() as s:
            known = {r[0] for r in s.connection().exec_driver_sql(
                "SELECT platform_id FROM identities WHERE source_id = ?", (source_id,))}
            spaces = [SpaceRecord(f"category-{c['id']}", c.get("name") or str(c["id"]),
                                  "category", "closed" if c.get("read_restricted") else "open")
                      for c in categories]
            records = spaces + [SpaceRecord("category-none", "Uncategorised", "category")]
            records += _users(api, known)
            list(write_records(s, source_id, name, records, summary))

        low = int(cursor.get("last_post_id", 0))
        pages = yield from _pages(api, low, name, token)
        total, written = sum(p[2] for p in pages), 0
        for before, cached, _new in reversed(pages):  # oldest first: a reply finds its parent
            if token is not None:
                token.check()
            page = cached
            if page is None:
                page = api.get_json("/posts.json", **({"before": before} if before else {})) \
                    .get("latest_posts") or []
            posts = sorted((p for p in page if low < int(p["id"]) < (before or 1 << 62)),
                           key=lambda p: int(p["id"]))
            with ws.transaction() as s:
                if posts:
                    _write_window(s, source_id, name, posts, summary)
                low = (before - 1) if before else max((int(p["id"]) for p in posts), default=low)
                cursor["last_post_id"] = low
                _save_cursor(s, source_id, cursor)
            written += len(posts)
            yield Progress(written, total, f"Fetching posts from {name}")
        yield Progress(written, total, f"Fetching the review queue of {name}")
        reports, offset = [], 0
        while True:
            body = api.get_json("/review.json", status="all", offset=offset)
            items = body.get("reviewables") or []
            for r in items:
                target = str(r["target_id"]) if r.get("target_type") == "Post" and \
                    r.get("target_id") else None
                scores = r.get("reviewable_scores") or []
                reason = (scores[0].get("reason") or (scores[0].get("score_type") or {})
                          .get("title")) if scores else None
                reports.append(ReportRecord(
                    str(r["id"]), _time(r.get("created_at")) or clock.now(), target,
                    str(r["target_created_by_id"]) if r.get("target_created_by_id") else None,
                    reason or r.get("type"), _REVIEW_STATUS.get(r.get("status"),
                                                                 str(r.get("status"))),
                    {"type": r.get("type"), "score": r.get("score"),
                     "version": r.get("version")}))
            if not items or not body.get("meta", {}).get("load_more_reviewables"):
                break
            offset += len(items)
        with ws.transaction() as s:
            list(write_records(s, source_id, name, reports, summary))
            s.connection().exec_driver_sql(
                "UPDATE sources SET last_sync_at = ? WHERE id = ?",
                (sql_time(clock.now()), source_id))
            audit.record(s, ws.actor, "sync", "source", source_id, posts=summary.messages,
                         people=summary.people, reports=summary.reports)
    finally:
        result["requests"] = api.requests
        api.close()
    result.update(posts=summary.messages, people=summary.people, reports=summary.reports,
                  spaces=summary.spaces, last_post_id=cursor.get("last_post_id", 0))
    return result
