"""A real HTTP server on 127.0.0.1 that speaks enough of the Discourse API for Steward's sync:
pagination, auth headers, 429 with Retry-After or wait_seconds, and dropped connections.

Serves a dataset written by `steward.connectors.demo_exports.write_discourse_dataset` (or any
dict of the same shape). Used by the connector tests and the connector benchmark.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

API_KEY = "test-key-0123456789"
API_USER = "steward-bot"


class Forum:
    """The forum's state, and the faults to inject."""

    def __init__(self, data: dict):
        self.lock = threading.Lock()
        self.categories = data["categories"]
        self.users = {u["id"]: dict(u) for u in data["users"]}
        self.users.setdefault(1, {"id": 1, "username": API_USER, "name": "Steward bot",
                                  "email": "bot@example.org", "created_at": "2020-01-01T00:00:00Z",
                                  "admin": True})
        self.posts = {p["id"]: dict(p) for p in data["posts"]}
        self.reviewables = {r["id"]: dict(r) for r in data.get("reviewables", [])}
        self.requests: list[tuple[str, str]] = []
        self.rate_limit_every = 0  # every Nth request gets a 429
        self.rate_limit_style = "header"  # header (Retry-After) | body (wait_seconds)
        self.drop_every = 0  # every Nth request: connection closed with no answer
        self.fail_posts_after: int | None = None  # /posts.json?before=… answers 500 after this
        self.actions: list[tuple[str, str]] = []  # what was done to the forum

    def add_posts(self, count: int, topic_every: int = 5) -> None:
        """New posts after the existing ones (as if people kept writing)."""
        with self.lock:
            next_id = max(self.posts, default=0) + 1
            next_topic = max((p["topic_id"] for p in self.posts.values()), default=1000) + 1
            user_ids = sorted(self.users)
            numbers: dict[int, int] = {}
            for n in range(count):
                if n % topic_every == 0:
                    topic = next_topic
                    next_topic += 1
                numbers[topic] = numbers.get(topic, 0) + 1
                uid = user_ids[n % len(user_ids)]
                self.posts[next_id] = {
                    "id": next_id, "topic_id": topic, "post_number": numbers[topic],
                    "reply_to_post_number": 1 if numbers[topic] > 2 else None, "user_id": uid,
                    "username": self.users[uid]["username"], "name": self.users[uid]["name"],
                    "category_id": self.categories[n % len(self.categories)]["id"],
                    "created_at": f"2026-11-20T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:"
                                  f"{n % 60:02d}Z",
                    "raw": f"New post number {n} about the Thursday drop-in.", "like_count": 0}
                next_id += 1


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: with Nagle's algorithm the second waited for the
    # client's delayed ACK, about 40 ms per request on loopback.
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: object = None, headers: dict | None = None) -> None:
        data = json.dumps(body if body is not None else {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        forum = self.server.forum
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with forum.lock:
            forum.requests.append((method, self.path))
            n = len(forum.requests)
        if forum.drop_every and n % forum.drop_every == 0:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if forum.rate_limit_every and n % forum.rate_limit_every == 0:
            if forum.rate_limit_style == "header":
                return self._send(429, {"errors": ["slow down"]}, {"Retry-After": "0"})
            return self._send(429, {"errors": ["slow down"], "extras": {"wait_seconds": 0}})
        if self.headers.get("Api-Key") != API_KEY or self.headers.get("Api-Username") != API_USER:
            return self._send(403, {"errors": ["You are not permitted to view this."]})
        with forum.lock:
            status, answer = self._route(forum, method, url.path, query, body)
        self._send(status, answer)

    def _route(self, forum: Forum, method: str, path: str, q: dict, body: bytes):
        if method == "GET" and path == "/categories.json":
            return 200, {"category_list": {"categories": forum.categories}}
        if method == "GET" and path == "/admin/users/list/active.json":
            page = int(q.get("page", 1))
            users = sorted(forum.users.values(), key=lambda u: (u["created_at"], u["id"]),
                           reverse=q.get("asc") != "true")
            chunk = users[(page - 1) * 100: page * 100]
            show = q.get("show_emails") == "true"
            return 200, [{k: v for k, v in u.items() if show or k != "email"} for u in chunk]
        if method == "GET" and path == "/posts.json":
            before = int(q.get("before", 1 << 62))
            if "before" in q and forum.fail_posts_after is not None:
                if forum.fail_posts_after <= 0:
                    return 500, {"errors": ["boom"]}
                forum.fail_posts_after -= 1
            ids = sorted((i for i in forum.posts if i < before), reverse=True)[:50]
            return 200, {"latest_posts": [forum.posts[i] for i in ids]}
        if method == "GET" and path == "/review.json":
            offset = int(q.get("offset", 0))
            items = sorted(forum.reviewables.values(), key=lambda r: r["id"])
            page = items[offset: offset + 20]
            meta = {"load_more_reviewables": f"/review.json?offset={offset + 20}"} \
                if offset + 20 < len(items) else {}
            return 200, {"reviewables": page, "meta": meta}
        if m := re.fullmatch(r"/review/(\d+)\.json", path):
            r = forum.reviewables.get(int(m[1]))
            return (200, {"reviewable": r}) if r else (404, {"errors": ["not found"]})
        if m := re.fullmatch(r"/review/(\d+)/perform/(\w+)\.json", path):
            r = forum.reviewables.get(int(m[1]))
            if r is None:
                return 404, {"errors": ["not found"]}
            if int(q.get("version", -1)) != r["version"]:
                return 409, {"errors": ["version conflict"]}
            r["status"] = 1 if m[2] == "approve_post" else 2
            r["version"] += 1
            forum.actions.append((m[2], m[1]))
            return 200, {"reviewable_perform_result": {"success": "OK"}}
        if m := re.fullmatch(r"/posts/(\d+)\.json", path):
            post = forum.posts.get(int(m[1]))
            if post is None or post.get("deleted_at"):
                return 404, {"errors": ["not found"]}
            if method == "DELETE":
                post["deleted_at"] = "2026-11-21T10:00:00Z"
                forum.actions.append(("delete_post", m[1]))
                return 200, {}
            return 200, post
        if method == "POST" and path == "/post_actions.json":
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            post = forum.posts.get(int(form.get("id", 0)))
            if post is None:
                return 404, {"errors": ["not found"]}
            post["hidden"] = True
            forum.actions.append(("hide_post", str(post["id"])))
            return 200, post
        if m := re.fullmatch(r"/admin/users/(-?\d+)\.json", path):
            user = forum.users.get(int(m[1]))
            return (200, user) if user else (404, {"errors": ["not found"]})
        if m := re.fullmatch(r"/admin/users/(-?\d+)/silence\.json", path):
            user = forum.users.get(int(m[1]))
            if user is None:
                return 404, {"errors": ["not found"]}
            payload = json.loads(body or b"{}")
            user["silenced_till"] = payload.get("silenced_till") or "3000-01-01T00:00:00Z"
            forum.actions.append(("silence_user", m[1]))
            return 200, {"silence": {"silenced": True}}
        if m := re.fullmatch(r"/u/([\w.-]+)\.json", path):
            user = next((u for u in forum.users.values() if u["username"] == m[1]), None)
            return (200, {"user": user}) if user else (404, {"errors": ["not found"]})
        return 404, {"errors": ["no such route"]}

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    forum: Forum


class ForumServer:
    """`with ForumServer(data) as server:` … `server.url`, `server.forum`."""

    def __init__(self, data: dict | Path):
        if isinstance(data, Path):
            data = json.loads(data.read_text(encoding="utf-8"))
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.forum = Forum(data)
        # shutdown() waits for the serving loop to look up: every 0.5 s by default
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       kwargs={"poll_interval": 0.02})

    @property
    def forum(self) -> Forum:
        return self.httpd.forum

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> ForumServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
