"""Moderation: full scan with 200 rules and the text model vs a naive `re.search` loop; an
incremental scan of 10,000 new messages; opening a 50,000-item queue and moving to the next."""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from pathlib import Path

from benchmarks.common import Figure, Timer, demo_workspace, unlock

NAIVE_SAMPLE = 5_000
QUEUE_ITEMS = 50_000
INCREMENTAL = 10_000


def two_hundred_rules(seed: int = 5) -> str:
    """150 word/phrase rules and 50 regex rules, in the workspace rules format."""
    rng = random.Random(seed)
    words = ["casino", "crypto", "bitcoin", "forex", "viagra", "lottery", "jackpot", "loan",
             "payday", "followers", "giveaway", "voucher", "prize", "winner", "discount",
             "replica", "pharmacy", "pills", "dating", "singles", "investment", "profit",
             "guaranteed", "airdrop", "nft", "token", "wallet", "password", "verify", "urgent"]
    lines = ["rules:"]
    for i in range(150):
        picked = rng.sample(words, 3)
        phrase = f"{picked[0]} {rng.choice(['now', 'today', 'offer', 'deal', 'bonus'])}"
        lines += [f"  - name: words {i}", f"    text_includes: [{picked[1]}{i}, {picked[2]}, "
                  f"'{phrase}']", f"    priority: {1 + i % 5}"]
    for i in range(50):
        w = rng.choice(words)
        lines += [f"  - name: pattern {i}",
                  f"    text_regex: '(?i){w}\\s*(?:x|\\d{{{1 + i % 3}}})'", "    priority: 2"]
    return "\n".join(lines) + "\n"


def _naive_rate(ruleset, texts: list[str]) -> float:
    patterns = [re.compile(p) for rule in ruleset.rules for p in rule.text_patterns]
    with Timer() as t:
        for text in texts:
            for pattern in patterns:
                pattern.search(text)
    return len(texts) / t.seconds


def _add_queue_items(ws, n: int) -> None:
    from steward.store.bulk import insert_rows

    with ws.transaction() as s:
        rows = s.connection().exec_driver_sql(
            "SELECT id, identity_id, space_id, created_at FROM messages ORDER BY id LIMIT ?",
            (n,)).fetchall()
        rng = random.Random(3)
        insert_rows(s, "queue_items", ("kind", "message_id", "identity_id", "space_id",
                    "priority", "score", "label", "reasons", "status", "created_at"),
                    [("spam", mid, iid, sid, rng.randint(1, 5), rng.random(), "Possible spam",
                      '["Benchmark item"]', "open", at)
                     for mid, iid, sid, at in rows])


def run(scale: float):
    from steward.jobs import run_to_end
    from steward.moderation import queue
    from steward.moderation.model import seed_model
    from steward.moderation.rules import parse_rules
    from steward.moderation.scan import scan_messages_job
    from steward.overview import workspace_stats
    from steward.store.models import ScanState

    members, messages = int(100_000 * scale), int(2_000_000 * scale)
    source, _seconds, _peak = demo_workspace(members, messages)
    ruleset = parse_rules(two_hundred_rules())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ws"  # a copy: the scan writes queue items and its watermark
        shutil.copytree(source, path, ignore=shutil.ignore_patterns("*.before-*"))
        ws = unlock(path)
        try:
            with ws.session() as s:
                texts = [r[0] for r in s.connection().exec_driver_sql(
                    "SELECT text FROM messages WHERE text IS NOT NULL ORDER BY random() "
                    "LIMIT ?", (NAIVE_SAMPLE,))]
            seed_model()  # import scikit-learn before timing, as a running app already has
            with Timer() as full:
                counts = run_to_end(scan_messages_job(ws, rules=ruleset))
            with ws.transaction() as s:
                state = s.get(ScanState, "moderation")
                state.last_message_id -= INCREMENTAL
            with Timer() as incremental:
                again = run_to_end(scan_messages_job(ws, rules=ruleset))
            with ws.transaction() as s:
                s.connection().exec_driver_sql("DELETE FROM queue_items")
            _add_queue_items(ws, QUEUE_ITEMS)
            workspace_stats(ws)  # the Overview, shown before the queue, has read the table
            with Timer() as opening:
                total = queue.count_items(ws)
                first_page = queue.list_items(ws, limit=200)
                queue.item_detail(ws, first_page[0].id)
            with Timer() as moving:
                queue.item_detail(ws, first_page[1].id)
        finally:
            ws.lock()
    rate = counts["messages"] / full.seconds
    naive = _naive_rate(ruleset, texts)
    ratio = rate / naive
    yield Figure(
        f"full moderation scan of {counts['messages']:,} messages, 200 rules + model "
        f"({counts['spam']:,} spam, {counts['rule']:,} rule items)",
        rate, "msg/s", f"naive re.search per rule, {len(texts):,}-message sample",
        naive, "msg/s", ">= 20x the anchor", ratio >= 20, ratio,
    )
    yield Figure(
        f"incremental scan of {again['messages']:,} new messages", incremental.seconds, "s",
        "full scan", full.seconds, "s", "< 2 s", incremental.seconds < 2,
    )
    yield Figure(
        f"open the queue ({total:,} items: count, first page, first item)",
        opening.seconds * 1000, "ms", "move to the next item", moving.seconds * 1000, "ms",
        "< 100 ms each", opening.seconds < 0.1 and moving.seconds < 0.1,
    )
