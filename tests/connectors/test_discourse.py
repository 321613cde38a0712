"""Live Discourse against a real HTTP server on 127.0.0.1: sync, pagination, 429s, dropped
connections, resume with no gap and no duplicate, the review queue, and the outbox."""

from __future__ import annotations

import json

import pytest

from steward import keychain
from steward.cli import main
from steward.clock import now as utcnow
from steward.connectors import discourse
from steward.connectors.outbox import list_outbox, mark_checklist_done
from steward.errors import StewardError
from steward.jobs import Cancelled, CancelToken, run_to_end
from steward.store.models import OutboxAction
from tests.conftest import PASSPHRASE
from tests.connectors.forum_server import API_KEY, API_USER, ForumServer


def _client_factory(**kwargs):
    def make(config, secret):
        kwargs.setdefault("sleep", lambda s: None)
        return discourse.DiscourseForum().client(config, secret, **kwargs)
    return make


def _add(ws, forum, name="Forum"):
    discourse.add_source(ws, name, forum.url, API_USER, API_KEY)


def _sync(ws, name="Forum", token=None, **client):
    return run_to_end(discourse.sync(ws, name, token=token,
                                     client_factory=_client_factory(**client)))


def _posts(ws) -> list[str]:
    with ws.session() as s:
        return [r[0] for r in s.connection().exec_driver_sql(
            "SELECT platform_id FROM messages ORDER BY CAST(platform_id AS INTEGER)")]


def test_key_lives_only_in_the_keyring(workspace, forum, memory_keyring):
    _add(workspace, forum)
    assert keychain.load_token(discourse.secret_name(workspace, "Forum")) == API_KEY
    raw = (workspace.path / "steward.db").read_bytes() + \
        (workspace.path / "workspace.json").read_bytes()
    assert API_KEY.encode() not in raw
    with workspace.session() as s:
        config = s.connection().exec_driver_sql("SELECT config FROM sources").scalar()
    assert API_KEY not in config


def test_full_sync_threads_users_and_reviews(workspace, forum):
    _add(workspace, forum)
    result = _sync(workspace)
    data = forum.forum
    assert result["posts"] == len(data.posts) == len(set(_posts(workspace)))
    with workspace.session() as s:
        db = s.connection()
        replies = db.exec_driver_sql("SELECT count(parent_id) FROM messages").scalar()
        emails = db.exec_driver_sql(
            "SELECT count(*) FROM identities WHERE email_normalised IS NOT NULL").scalar()
        reports = db.exec_driver_sql(
            "SELECT count(*), count(message_id) FROM platform_reports").one()
    assert replies == sum(1 for p in data.posts.values() if p["post_number"] > 1)
    assert emails == sum(1 for u in data.users.values() if u.get("email"))
    assert reports[0] == reports[1] == len(data.reviewables) > 0
    again = _sync(workspace)
    assert again["posts"] == again["people"] == again["reports"] == 0
    assert again["requests"] < 10


def test_incremental_sync_with_429s_and_dropped_connections(workspace, forum):
    _add(workspace, forum)
    _sync(workspace)
    before = len(_posts(workspace))
    forum.forum.add_posts(230)
    forum.forum.rate_limit_every = 4
    forum.forum.drop_every = 7
    result = _sync(workspace)
    assert result["posts"] == 230
    ids = _posts(workspace)
    assert len(ids) == len(set(ids)) == before + 230
    assert ids == [str(i) for i in sorted(forum.forum.posts)]
    forum.forum.rate_limit_style = "body"
    forum.forum.add_posts(20)
    assert _sync(workspace)["posts"] == 20


def test_interrupted_sync_resumes_with_no_gap_and_no_duplicate(workspace, forum, monkeypatch):
    _add(workspace, forum)
    # keep only the oldest pages from the walk down, so the rest are fetched again to write:
    # the walk down asks for every page but the newest with before=…, then 3 pages are fetched
    # again and written, then the forum fails
    monkeypatch.setattr(discourse, "KEEP_POSTS", 100)
    every = sorted(forum.forum.posts)
    walk = len(every) // 50
    forum.forum.fail_posts_after = walk + 3
    with pytest.raises(StewardError, match="could not be reached"):
        _sync(workspace, retries=1)
    with workspace.session() as s:
        cursor = json.loads(s.connection().exec_driver_sql("SELECT cursor FROM sources").scalar())
    done = [str(i) for i in every if i <= cursor["last_post_id"]]
    assert 150 < len(done) < 300 and _posts(workspace) == done
    forum.forum.fail_posts_after = None
    token = CancelToken()
    job = discourse.sync(workspace, "Forum", token=token, client_factory=_client_factory())
    with pytest.raises(Cancelled):
        for progress in job:
            if progress.done >= 100:
                token.cancel()
    # a cancelled sync keeps what it committed; the next one finishes the rest
    result = _sync(workspace)
    ids = _posts(workspace)
    assert ids == [str(i) for i in sorted(forum.forum.posts)]
    assert result["posts"] < len(forum.forum.posts) - len(done)


def _sparse_forum(count: int, step: int) -> dict:
    """`count` posts whose ids climb by `step` (a forum whose other posts are private messages,
    deleted or in hidden categories): the highest id is far above the number of posts."""
    users = [{"id": 10 + i, "username": f"user{i}", "name": f"User {i}",
              "email": f"user{i}@example.org", "created_at": "2024-01-01T00:00:00Z"}
             for i in range(5)]
    posts, numbers = [], {}
    for n in range(count):
        topic = 500 + n // 6
        numbers[topic] = numbers.get(topic, 0) + 1
        user = users[n % len(users)]
        posts.append({"id": 1_000 + n * step, "topic_id": topic, "post_number": numbers[topic],
                      "reply_to_post_number": 1 if numbers[topic] > 2 else None,
                      "user_id": user["id"], "username": user["username"], "name": user["name"],
                      "category_id": 1, "created_at": f"2026-11-{1 + n % 28:02d}T10:00:00Z",
                      "raw": f"post {n}", "like_count": 0})
    return {"categories": [{"id": 1, "name": "General"}], "users": users, "posts": posts}


@pytest.mark.parametrize("count, step", [(24, 83_000), (130, 15_000)])
def test_first_sync_requests_grow_with_the_posts_not_the_highest_id(workspace, count, step):
    with ForumServer(_sparse_forum(count, step)) as server:
        _add(workspace, server)
        result = _sync(workspace)
        post_requests = [path for method, path in server.forum.requests
                         if path.startswith("/posts.json")]
        assert result["posts"] == count and len(_posts(workspace)) == count
        assert len(post_requests) == count // 50 + 1  # one per page of 50, nothing more
        with workspace.session() as s:
            replies = s.connection().exec_driver_sql(
                "SELECT count(parent_id) FROM messages").scalar()
        assert replies == sum(1 for p in server.forum.posts.values() if p["post_number"] > 1)
        server.forum.add_posts(3)
        server.forum.requests.clear()
        again = _sync(workspace)
        assert again["posts"] == 3
        assert sum(p.startswith("/posts.json") for _m, p in server.forum.requests) == 1


def test_cancel_raises_between_windows(workspace, forum):
    _add(workspace, forum)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        _sync(workspace, token=token)


def test_wrong_key_is_one_clear_error(workspace, forum):
    discourse.add_source(workspace, "Forum", forum.url, API_USER, "wrong-key")
    with pytest.raises(StewardError, match="refused the API key"):
        _sync(workspace)
    assert forum.forum.requests  # it did ask


def test_test_connection(forum):
    config = {"url": forum.url, "api_username": API_USER}
    assert "connected to" in discourse.DiscourseForum().test_connection(config, API_KEY)


def test_outbox_actions_sent_once_with_status_and_retry(workspace, forum):
    _add(workspace, forum)
    _sync(workspace)
    data = forum.forum
    post_id = max(data.posts)
    reviewable = min(data.reviewables)
    user_id = max(data.users)
    with workspace.transaction() as s:
        source_id = s.connection().exec_driver_sql("SELECT id FROM sources").scalar()
        for action, target, payload in (
                ("reject_reviewable", str(reviewable), {}), ("hide_post", str(post_id - 1), {}),
                ("delete_post", str(post_id), {}),
                ("silence_user", str(user_id), {"reason": "spam", "until": "2027-01-01"}),
                ("delete_post", "999999", {}), ("approve_reviewable", "424242", {})):
            s.add(OutboxAction(source_id=source_id, action=action, target=target,
                               payload=payload, mode="api", created_at=utcnow()))
    result = _sync(workspace)
    assert result["actions_done"] == 5 and result["actions_failed"] == 1
    assert sorted(data.actions) == sorted([
        ("reject_post", str(reviewable)), ("hide_post", str(post_id - 1)),
        ("delete_post", str(post_id)), ("silence_user", str(user_id))])
    entries = {e.target: e for e in list_outbox(workspace, source="Forum")}
    assert entries["424242"].status == "failed" and "404" in entries["424242"].error
    assert entries["999999"].status == "done"  # already gone: nothing to do
    assert entries[str(post_id)].description.startswith("Delete post")
    # the next sync retries only the failure, and sends nothing twice
    data.actions.clear()
    _sync(workspace)
    assert data.actions == []
    assert {e.target: e.attempts for e in list_outbox(workspace)}["424242"] == 2
    with workspace.session() as s:
        status = s.connection().exec_driver_sql(
            "SELECT status FROM platform_reports WHERE platform_id = ?",
            (str(reviewable),)).scalar()
    assert status == "rejected"


def test_checklist_items_are_never_sent(workspace, forum):
    _add(workspace, forum)
    with workspace.transaction() as s:
        source_id = s.connection().exec_driver_sql("SELECT id FROM sources").scalar()
        s.add(OutboxAction(source_id=source_id, action="delete_post", target="1",
                           payload={}, mode="checklist", created_at=utcnow()))
    _sync(workspace)
    assert forum.forum.actions == []
    (item,) = list_outbox(workspace, mode="checklist")
    assert item.status == "pending"
    mark_checklist_done(workspace, item.id)
    assert list_outbox(workspace, mode="checklist")[0].status == "done"


def test_cli_source_add_sync_and_outbox(demo_path, forum, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("STEWARD_DISCOURSE_API_KEY", API_KEY)
    ws_args = ["--workspace", str(demo_path)]
    assert main(["source", "add", "discourse", "Live forum", "--url", forum.url,
                 "--api-username", API_USER, *ws_args]) == 0
    monkeypatch.delenv("STEWARD_DISCOURSE_API_KEY")  # from the keyring from now on
    capsys.readouterr()
    assert main(["sync", "Live forum", "--json", *ws_args]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["posts"] == len(forum.forum.posts)
    assert main(["outbox", "list", "--json", *ws_args]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["source", "add", "discourse", "Plain", "--url", "http://forum.example.org",
                 "--api-username", "x", *ws_args]) == 2
    assert main(["sync", "Nope", *ws_args]) == 2


def test_cli_source_add_without_a_keyring_says_the_key_is_asked_at_each_sync(
        demo_path, forum, monkeypatch, capsys):
    import keyring

    from tests.memory_keyring import RaisingKeyring

    keyring.set_keyring(RaisingKeyring())  # the conftest fixture puts the memory one back
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("STEWARD_DISCOURSE_API_KEY", API_KEY)
    ws_args = ["--workspace", str(demo_path)]
    assert main(["source", "add", "discourse", "No keyring", "--url", forum.url,
                 "--api-username", API_USER, *ws_args]) == 0
    out = capsys.readouterr()
    assert "asked for at each sync" in out.out and out.err == ""
    assert main(["sync", "No keyring", "--json", *ws_args]) == 0  # the key from the environment
    assert json.loads(capsys.readouterr().out)["posts"] == len(forum.forum.posts)
    monkeypatch.delenv("STEWARD_DISCOURSE_API_KEY")
    assert main(["sync", "No keyring", *ws_args]) == 2  # no terminal to ask on: says so
    assert "API key" in capsys.readouterr().err
