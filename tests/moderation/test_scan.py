"""The scan: the demo community's spam, rule hits, reports, membership requests and newcomers
show up in the queue with reasons; each message is scanned once; the model learns."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from steward.cli import main
from steward.jobs import run_to_end
from steward.moderation import queue, rulebook, scan, triage
from steward.moderation.model import workspace_model
from steward.store.models import Identity, Message, QueueItem, ScanState
from tests.conftest import PASSPHRASE


def _items(ws, kinds=("spam", "rule", "report", "membership", "welcome")):
    with ws.session() as s:
        return s.scalars(select(QueueItem).where(QueueItem.kind.in_(kinds))).all()


def test_scan_queues_demo_spam_rule_hits_and_newcomers_with_reasons(demo_ws):
    truth = demo_ws.get_setting("demo.truth")
    rulebook.save_rules(demo_ws, """
rules:
  - name: Phone numbers
    text_regex: '07\\d{3}\\s?\\d{3}\\s?\\d{3}'
    priority: 4
    label: Phone number shared
""")
    result = run_to_end(scan.scan_job(demo_ws))
    counts = result["moderation"]
    assert counts["messages"] > 5000
    assert "safeguarding" in result

    items = _items(demo_ws)
    held = {i.message_id for i in items if i.kind in ("spam", "rule", "report")}
    spam = set(truth["spam_messages"])
    assert spam <= held, f"missed demo spam {sorted(spam - held)}"
    for item in items:
        assert item.reasons, f"item {item.id} has no reason"
    # Rule hits carry the rule and its line.
    rule_items = [i for i in items if i.kind == "rule"]
    assert rule_items and all("Rule 'Phone numbers' (line 3)" in i.reasons for i in rule_items)
    assert all(i.priority == 4 for i in rule_items)
    # Benign look-alikes are not held as spam.
    assert not (set(truth["benign_lookalikes"]) & {i.message_id for i in items
                                                   if i.kind == "spam"})
    # Platform reports, membership requests (size-capped space) and the welcome list.
    assert any(i.kind == "report" or i.report_id for i in items)
    assert {i.membership_id for i in items if i.kind == "membership"} == set(
        truth["membership_requests"])
    with demo_ws.session() as s:
        welcomed = {s.get(Identity, s.get(Message, i.message_id).identity_id).person_id
                    for i in items if i.kind == "welcome"}
    assert set(truth["unanswered_newcomers"]) <= welcomed
    assert not welcomed & set(truth["spam_persons"])
    # Demo spam is at the top of the queue, with its reasons.
    top = queue.list_items(demo_ws, queue.QueueFilters(kind="spam"), limit=5)
    assert top and all(r.message_id in spam and r.reasons for r in top)


def test_messages_are_scanned_once_and_new_ones_incrementally(demo_ws):
    first = run_to_end(scan.scan_messages_job(demo_ws))
    again = run_to_end(scan.scan_messages_job(demo_ws))
    assert first["messages"] > 5000 and again["messages"] == 0
    with demo_ws.session() as s:
        last = s.get(ScanState, "moderation").last_message_id
        newest = s.scalar(select(Message).order_by(Message.id.desc()).limit(1))
        source_id, space_id = newest.source_id, newest.space_id
        identity = newest.identity_id
    with demo_ws.transaction() as s:
        for n in range(3):
            s.add(Message(id=last + 1 + n, source_id=source_id, space_id=space_id,
                          identity_id=identity, platform_id=f"new-{n}",
                          created_at=newest.created_at, text=f"new message {n}"))
    assert run_to_end(scan.scan_messages_job(demo_ws))["messages"] == 3
    assert scan.unscanned_count(demo_ws) == 0


def test_the_model_learns_from_decisions(demo_ws):
    text = "Join the riverside bake-off league, bring your own apron"
    before = workspace_model(demo_ws).probabilities([text])[0]
    with demo_ws.transaction() as s:
        msgs = s.scalars(select(Message).where(Message.text.is_not(None)).limit(5)).all()
        for m in msgs:
            m.text = text
            s.add(QueueItem(kind="spam", message_id=m.id, status="open", created_at=m.created_at))
    ids = [i.id for i in _items(demo_ws, ("spam",))]
    triage.decide(demo_ws, ids, "remove", "Spam")
    assert scan.learn_from_decisions(demo_ws) == 5
    model = workspace_model(demo_ws)
    assert model.learned == 5
    assert model.probabilities([text])[0] > before
    assert scan.learn_from_decisions(demo_ws) == 0  # each decision is learned once


def _queued(ws):
    return sorted((i.message_id, i.kind, i.priority, i.score, i.reasons)
                  for i in _items(ws, ("spam", "rule")))


def test_texts_kept_between_batches_give_the_same_queue(demo_ws, monkeypatch):
    """A scan keeps each text's facts between batches (and forgets the older half when it
    holds too many): the queue is the same as when every batch works them out afresh."""
    monkeypatch.setattr(scan, "BATCH", 400)
    run_to_end(scan.scan_messages_job(demo_ws))
    kept = _queued(demo_ws)
    assert kept
    with demo_ws.transaction() as s:
        s.connection().exec_driver_sql("DELETE FROM queue_items")
        s.connection().exec_driver_sql("DELETE FROM scan_state")
    monkeypatch.setattr(scan, "KNOWN_TEXTS", 1)
    run_to_end(scan.scan_messages_job(demo_ws))
    assert _queued(demo_ws) == kept


def test_authors_read_in_one_pass_give_the_same_queue_as_read_when_met(demo_ws, monkeypatch):
    """A scan of more messages than there are identities reads every identity's join time and
    staff or bot mark in one pass; the queue is the one a scan that looks each author up when
    it first meets them makes, and an identity added after the pass is still found."""
    read = []
    monkeypatch.setattr(scan.MessageScanner, "preload_authors", lambda self, s, original=(
        scan.MessageScanner.preload_authors): read.append(original(self, s)))
    run_to_end(scan.scan_messages_job(demo_ws))
    in_one_pass = _queued(demo_ws)
    assert read and in_one_pass
    with demo_ws.transaction() as s:
        s.connection().exec_driver_sql("DELETE FROM queue_items")
        s.connection().exec_driver_sql("DELETE FROM scan_state")
    monkeypatch.setattr(scan.MessageScanner, "preload_authors", lambda self, s: None)
    run_to_end(scan.scan_messages_job(demo_ws))
    assert _queued(demo_ws) == in_one_pass

    monkeypatch.undo()
    scanner = scan.MessageScanner(demo_ws, scan.RuleSet([]), None, frozenset(), 0,
                                  messages=10**9)
    with demo_ws.transaction() as s:
        known = s.scalars(select(Identity.id)).all()
        scanner.identities = tuple(a[:-1] for a in scanner.identities)  # the last one is new
        scanner._load_authors(s, set(known))
    assert set(scanner.authors) == set(known)


def test_cli_scan_json(demo_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["scan", "--json", "--workspace", str(demo_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"moderation", "safeguarding"}
    assert out["moderation"]["spam"] > 0 and out["moderation"]["membership"] == 4
    assert main(["queue", "list", "--json", "--workspace", str(demo_path)]) == 0
    items = json.loads(capsys.readouterr().out)
    assert items and all(i["message"]["platform_id"] or i["kind"] == "membership"
                         for i in items)
    assert all(i["message"]["text_start"] for i in items)
    priorities = [(i["priority"], i["score"]) for i in items]
    assert priorities == sorted(priorities, reverse=True)


def test_cli_rules_bad_file_is_one_clear_line(workspace, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - name: x\n    colour: red\n", encoding="utf-8")
    code = main(["rules", "set", str(bad), "--workspace", str(workspace.path)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == f"steward: {bad}, line 3: unknown field 'colour'"
    assert main(["rules", "check", str(tmp_path / "missing.yaml"),
                 "--workspace", str(workspace.path)]) == 2


def test_cross_posts_counted_in_the_small_form_as_in_the_general_one():
    """An author's texts are kept as hashes and one packed record per single-space text (a
    scan of millions holds them for every author): counts and marks are those of `_within_a_day`,
    with times out of order and texts forgotten at the cap."""
    import random

    from steward.moderation.scan import _AuthorTexts, _spaces_within_a_day, _within_a_day

    rng = random.Random(5)
    for _ in range(200):
        general, small, marked, marked_small = {}, _AuthorTexts(), {}, {}
        enough, keep, at = rng.choice([1, 2, 3]), rng.choice([3, 8, 64]), 0.0
        for mid in range(300):
            at += rng.choice([10, 1000, 40_000, -30_000, 90_000])
            text, space = f"text {rng.randrange(12)}", rng.randrange(4)
            assert _within_a_day(general, keep, text, space, mid, at, enough, marked) == \
                _spaces_within_a_day(small, keep, hash(text), space, mid, at, enough,
                                     marked_small)
            assert marked == marked_small and len(general) == len(small)


def test_one_pass_for_rules_and_signals_finds_what_two_passes_find():
    """The scan matches the rules' text patterns and the signals in one re2 pass on ASCII
    texts: the rule hits and the signals (names and reasons) are those of the two passes."""
    from steward.moderation import signals
    from steward.moderation.rules import parse_rules

    rules = parse_rules(
        "rules:\n"
        "  - name: money\n    text_includes: [earn money, bitcoin]\n"
        "  - name: shouting\n    text_regex: '[A-Z]{8,}'\n"
        "  - name: link\n    text_regex: '(?i)https?://'\n    min_links: 1\n")
    matcher = scan._TextMatcher(rules)
    assert matcher.both is not None
    texts = [
        "", "thanks!", "EARN MONEY fast, subscribe to my channel and win a free giveaway",
        "Check out my channel http://bit.ly/x and DM me on whatsapp for bitcoin",
        "who's watching in 2025? like if you agree", "www . cheap-pills . com",
        "𝐬𝐮𝐛𝐬𝐜𝐫𝐢𝐛𝐞 to my 𝐜𝐡𝐚𝐧𝐧𝐞𝐥 please", "сheck my profile for bitcoin (Cyrillic с)",
        "Your password expired, verify your account now at https://example.com/login",
        "Bake sale on Saturday, all welcome!", "HELLOOOOOOO everyone",
    ]
    fired = set()
    for text in texts:
        domains = ("bit.ly",) if "bit.ly" in text else ()
        hits, found = matcher.match(text, domains)
        assert sorted(hits) == sorted(rules.text_hits(text)), text
        assert found == signals.text_signals(text, domains), text
        fired.update(found.names)
        fired.update(rules.patterns[k] for k in hits)
    assert {"promotion", "giveaway", "money", "shortener", "obfuscated_link"} <= fired
    assert len(fired & set(rules.patterns)) == 3


def test_held_items_carry_their_message_author_and_space(demo_ws):
    """The scan fills each item's author and space from the batch it read (no second query):
    they are those of the message."""
    run_to_end(scan.scan_messages_job(demo_ws))
    with demo_ws.session() as s:
        held = s.execute(select(QueueItem, Message).join(
            Message, Message.id == QueueItem.message_id)).all()
    assert held
    for item, message in held:
        assert (item.identity_id, item.space_id) == (message.identity_id, message.space_id)


def test_stored_times_read_in_one_go_as_one_at_a_time():
    stored = ["2026-11-21 08:30:00.000000", "1999-12-31 23:59:59.999999", "2026-11-21 08:30:00",
              "2026-11-21 08:30:00.5", "2026-02-28T01:02:03.000123"]
    assert scan._seconds_of(stored) == [scan._seconds(t) for t in stored]
    assert scan._seconds_of([]) == []
    # A time with a zone is read one at a time, as before, and fails the same way.
    for one in (scan._seconds, lambda t: scan._seconds_of([t])):
        with pytest.raises(TypeError):
            one("2026-11-21 08:30:00+00:00")


def test_a_cancelled_scan_stops_between_batches_and_resumes_where_it_stopped(demo_ws,
                                                                            monkeypatch):
    """The next batch is read on a second thread while this one is scanned: a cancelled scan
    keeps the batches it finished (watermark and items), reads nothing more, and the next scan
    takes up the rest, queueing what one whole scan queues."""
    from steward.jobs import Cancelled, CancelToken

    monkeypatch.setattr(scan, "BATCH", 500)
    run_to_end(scan.scan_messages_job(demo_ws))
    whole = _queued(demo_ws)
    with demo_ws.transaction() as s:
        s.connection().exec_driver_sql("DELETE FROM queue_items")
        s.connection().exec_driver_sql("DELETE FROM scan_state")

    token = CancelToken()
    job = scan.scan_messages_job(demo_ws, token)
    next(job)  # the start
    next(job)  # the first batch
    token.cancel()
    with pytest.raises(Cancelled):
        run_to_end(job)
    with demo_ws.session() as s:
        stopped = s.get(ScanState, "moderation").last_message_id
        first = s.scalar(select(Message.id).order_by(Message.id).limit(1))
    assert first <= stopped < max(r[0] for r in whole)
    again = run_to_end(scan.scan_messages_job(demo_ws))
    assert again["messages"] > 0
    assert _queued(demo_ws) == whole


PROMO = "Check out my channel for new beats every week http://beats.example/x"


def _community(ws, posts) -> dict[str, list[str]]:
    """A server with three channels and four members (the first two one person, merged);
    `posts` are (member, channel, minutes after the start, text). Scans, and returns each
    post's spam reasons by its platform id ("p0", "p1", ...), [] when not queued."""
    from datetime import datetime, timedelta

    from steward.store.models import Person, Source, Space

    start = datetime(2026, 11, 2, 9, 0)
    with ws.transaction() as s:
        source = Source(platform="discord", name="Test server", created_at=start)
        s.add(source)
        s.flush()
        spaces = [Space(source_id=source.id, platform_id=f"c{n}", name=f"channel-{n}")
                  for n in range(3)]
        people = [Person(display_name=f"Member {n}", created_at=start) for n in range(3)]
        s.add_all(spaces + people)
        s.flush()
        members = [Identity(person_id=people[max(0, n - 1)].id, source_id=source.id,
                            platform_id=f"u{n}") for n in range(4)]
        s.add_all(members)
        s.flush()
        for n, (member, channel, minutes, text) in enumerate(posts):
            s.add(Message(source_id=source.id, space_id=spaces[channel].id,
                          identity_id=members[member].id, platform_id=f"p{n}",
                          created_at=start + timedelta(minutes=minutes), text=text))
    run_to_end(scan.scan_messages_job(ws, rules=scan.RuleSet([])))
    with ws.session() as s:
        held = dict(s.execute(select(Message.platform_id, QueueItem.reasons).join(
            QueueItem, QueueItem.message_id == Message.id)).all())
    return {f"p{n}": held.get(f"p{n}", []) for n in range(len(posts))}


def _same(reasons: list[str], what: str) -> list[str]:
    return [r for r in reasons if r.startswith(f"Same text posted {what}")]


def test_copies_that_read_the_same_from_three_members_are_counted_and_all_marked(workspace):
    """Copies that differ in case and spacing are one text; two accounts of one (merged)
    person count as two members, as the scan counts accounts; every copy within a day,
    the earlier ones too, carries the count; a copy a day later starts again."""
    reasons = _community(workspace, [
        (0, 0, 0, PROMO),
        (1, 0, 5, "  CHECK out my channel\tfor new beats   every week http://beats.example/x "),
        (2, 1, 10, PROMO.lower()),
        (3, 2, 3000, PROMO),
    ])
    for post in ("p0", "p1", "p2"):
        assert _same(reasons[post], "by") == ["Same text posted by 3 different members"], post
    assert reasons["p3"] and _same(reasons["p3"], "by") == []


def test_one_member_posting_a_text_in_three_spaces_within_a_day_is_cross_posting(workspace):
    """Counted in spaces, not posts, per account, within a day of the first copy: the first
    copy in each of three channels is marked (the earlier ones too; a repeat in a channel is
    not); three copies in two channels, or a third channel a day later, are not
    cross-posting; one member's copies are not several members."""
    text = "Anyone want to buy cheap concert tickets, message me for the price list today"
    reasons = _community(workspace, [
        (2, 0, 0, text), (2, 0, 1, text.upper()), (2, 1, 2, text), (2, 2, 90, " " + text),
        (3, 0, 0, text + "!"), (3, 0, 1, text + "!"), (3, 1, 2, text + "!"),
        (1, 0, 0, text + "?"), (1, 1, 1, text + "?"), (1, 2, 1500, text + "?"),
    ])
    for post in ("p0", "p2", "p3"):
        assert _same(reasons[post], "in") == ["Same text posted in 3 spaces"], post
    for post in ("p1", "p4", "p5", "p6", "p7", "p8", "p9"):
        assert _same(reasons[post], "in") == [], post
    assert all(_same(r, "by") == [] for r in reasons.values())


def test_texts_forgotten_at_the_cap_stay_forgotten(workspace, monkeypatch):
    """Past its cap an author's day-old texts are forgotten before a new one is kept: a copy
    that comes later but is dated earlier (imports are not in time order) then starts afresh,
    as it does in the general form."""
    monkeypatch.setattr(scan, "AUTHOR_TEXTS", 2)
    day = 24 * 60
    text = "Cheap concert tickets for sale, message me for the price list today"
    reasons = _community(workspace, [
        (2, 0, 0, text),
        (2, 0, 2 * day, "Lovely to see everyone at the quiz night last week, thank you"),
        (2, 0, 2 * day + 1, "The minibus for Saturday leaves from the church at nine"),
        (2, 1, 10, text), (2, 2, 20, text),  # dated before the two posts above
    ])
    assert all(_same(r, "in") == [] for r in reasons.values())
