"""`steward scan`: what enters the moderation queue, then the safeguarding scan.

Messages are scanned once: the `ScanState` row "moderation" holds the last message id scanned.
Each batch is read in id order, vectorised in one go for the text model (each distinct text
once a scan: texts' facts are kept between batches), matched against all rules in one
google-re2 pass, scored by the heuristics, and written with the new watermark in one
transaction, so a cancelled scan resumes where it stopped. Messages an import found edited
since their scan are scored again first, once each (`steward.store.edits`).
"""

from __future__ import annotations

import importlib
import itertools
import json
import logging
import math
import struct
import warnings
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np
import re2
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from steward import clock
from steward.jobs import CancelToken, Job, Progress, collector_steps, let_go
from steward.moderation import heuristics as h
from steward.moderation import signals as textsignals
from steward.moderation import text as textfacts
from steward.moderation.model import (
    SETTING,
    SpamModel,
    save_workspace_model,
    workspace_model,
)
from steward.moderation.rules import MessageFacts, RuleSet, load_rules, parse_rules
from steward.store import audit
from steward.store.bulk import insert_rows, sql_time
from steward.store.edits import edited_since_scan, mark_edits_read
from steward.store.models import (
    Decision,
    Identity,
    Membership,
    Message,
    PlatformReport,
    QueueItem,
    ScanState,
    Source,
    Space,
)

log = logging.getLogger(__name__)

SCANNER = "moderation"
BATCH = 20_000
KNOWN_TEXTS = 40_000  # distinct texts whose facts a scan keeps between batches
CROSS_POST_WINDOW = 86_400  # seconds
_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)
REPORT_PRIORITY = 4
MEMBERSHIP_PRIORITY = 2
LEARNED_SETTING = "moderation.model_learned_decision"
BLOCKED_SETTING = "moderation.blocked_domains"
SENSITIVITY_SETTING = "moderation.sensitivity"
QUEUE_COLUMNS = ("kind", "message_id", "identity_id", "space_id", "membership_id", "report_id",
                 "priority", "score", "label", "reasons", "status", "created_at")
_FETCH = ("SELECT id, text, identity_id, space_id, created_at FROM messages "
          "WHERE id > ? AND kind = 'message' AND deleted = 0 AND text IS NOT NULL "
          "ORDER BY id LIMIT ?")
_IDENTITIES = ("SELECT i.id, i.joined_at, i.is_bot OR p.is_bot OR p.is_staff FROM identities i "
               "JOIN persons p ON p.id = i.person_id")


class _TextFacts(NamedTuple):
    """What depends on the text alone, worked out once per distinct text in a scan. Made with
    `tuple.__new__` (a plain tuple's cost: one is made for every distinct text of a scan)."""

    probability: float  # the text model's
    rule_hits: tuple[int, ...]  # indices of the rules' text patterns that match
    key: int | None  # the hash an author's texts are kept by (`_AuthorTexts`)
    fingerprint: str | None  # None for texts too short to count as cross-posting
    copies_count: bool  # whether copies from several members are counted (`_same_text`)
    calm: bool  # nothing in the text adds to a spam score, bar the model's probability
    links: list[str]
    domains: tuple[str, ...]
    mentions: int
    signals: textsignals.TextSignals

    @staticmethod
    def of_batch(rows, rules: RuleSet, model: SpamModel,
                 known: dict[str, _TextFacts] | None = None,
                 matcher: _TextMatcher | None = None) -> dict[str, _TextFacts]:
        """The facts of every text in the batch; with `known` (the facts of earlier batches,
        kept by the scanner), only texts not seen before are worked out, and added to it."""
        out = {} if known is None else known
        matcher = _TextMatcher(rules) if matcher is None else matcher
        distinct = list({r[1] for r in rows}.difference(out))
        probs = model.probabilities(distinct).tolist() if distinct else []
        links, domain, mention_count = textfacts.links, textfacts.domain, textfacts.mention_count
        match = matcher.match
        make = tuple.__new__
        mention_limit, min_same_text = h.MENTION_LIMIT, h.MIN_SAME_TEXT
        for text, p, folded in zip(distinct, probs, textfacts.fingerprints(distinct),
                                   strict=True):
            found = links(text)
            domains = tuple(map(domain, found)) if found else ()
            hits, signals = match(text, domains)
            mentions = mention_count(text) if "@" in text else 0
            fingerprint = folded if len(text) >= 20 else None
            # Whether copies of this text from several members would look like spam.
            suspect = bool(found or signals.names or p >= 0.5)
            out[text] = make(_TextFacts, (
                p, hits, None if fingerprint is None else hash(fingerprint), fingerprint,
                fingerprint is not None and len(text) >= min_same_text and suspect,
                not found and not signals.names and mentions < mention_limit,
                found, domains, mentions, signals))
        return out


class _TextMatcher:
    """The rules' text patterns and the promotion and bait signals in one google-re2 pass
    over a plain ASCII text (most texts); other texts take the two passes each part makes
    (the signals read the text with look-alike letters folded), as do texts with a token of
    leetspeak ("ch3ck 0ut my ch4nnel": the signals read it folded too)."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.n_rules = len(rules.patterns)
        self.both = None
        opts = re2.Options()
        opts.max_mem = 128 << 20
        both = re2.Set.SearchSet(opts)
        signal_patterns = textsignals.patterns()
        # last: a token that may read as leetspeak (`textfacts.LEET_HINT`)
        self.leet = self.n_rules + len(signal_patterns)
        for pattern in (*rules.patterns, *signal_patterns, "(?i)" + textfacts.LEET_HINT):
            both.Add(pattern)
        try:
            both.Compile()
        except re2.error:  # too large for one set: two passes, as each part makes alone
            return
        self.both = both

    def match(self, text: str, domains: tuple[str, ...]) -> tuple[tuple[int, ...],
                                                                  textsignals.TextSignals]:
        """(the rules' text pattern hits, the signals) of one text."""
        if self.both is None or not text or not text.isascii():
            return self.rules.text_hits(text), textsignals.text_signals(text, domains)
        found = self.both.Match(text.encode())  # bytes: the wrapper skips a step
        if not found:  # most texts
            return (), (textsignals.text_signals(text, domains, []) if domains
                         else textsignals.NONE)
        n = self.n_rules
        rule_hits = tuple(k for k in found if k < n) if n else ()
        if self.leet in found:  # may hold leetspeak: the signals fold it and read both
            return rule_hits, textsignals.text_signals(text, domains)
        could = [k - n for k in found if n <= k < self.leet]
        return rule_hits, textsignals.text_signals(text, domains, could)


_TEXT = struct.Struct("<qdqq")  # hash of a text, first seen, space, message id
AUTHOR_TEXTS = 64  # an author's texts past which those a day old are forgotten
_HASH = struct.Struct("<q")
_RECORDS = np.dtype([("key", "<i8"), ("first", "<f8"), ("space", "<i8"), ("message", "<i8")])


class _AuthorTexts:
    """One author's texts for `_spaces_within_a_day` (a scan of millions keeps them for every
    author, so they are held small): each text in one space so far is a 32-byte record
    (hash, first seen, space, message id) in one byte array; a text seen in a second space
    moves to `spread` as hash -> (first seen, {space: message id})."""

    __slots__ = ("packed", "spread")

    def __init__(self) -> None:
        self.packed = bytearray()
        self.spread: dict[int, tuple[float, dict[int, int]]] | None = None

    def __len__(self) -> int:
        return len(self.packed) // _TEXT.size + (len(self.spread) if self.spread else 0)

    def forget_older(self, at: float) -> None:
        """Forget the texts first seen more than a day before `at`."""
        if self.packed:
            records = np.frombuffer(self.packed, dtype=_RECORDS)
            self.packed = bytearray(records[at - records["first"] <= CROSS_POST_WINDOW])
        if self.spread:
            for key in [k for k, v in self.spread.items() if at - v[0] > CROSS_POST_WINDOW]:
                del self.spread[key]


@dataclass(slots=True)
class _Author:
    joined: float | None  # seconds since 1970 (naive UTC), like every time in a scan
    skip: bool  # staff or bot: never scored as spam
    posts: int  # posts seen so far (before the one being scored)
    held: int  # posts held as possible spam so far
    recent: list = field(default_factory=list)  # times of their posts in the flood window
    texts: _AuthorTexts = field(default_factory=_AuthorTexts)  # their recent texts


class MessageScanner:
    """Scores messages batch by batch, keeping what it learns about authors between batches."""

    def __init__(self, ws, rules: RuleSet, model: SpamModel, blocked: frozenset[str],
                 watermark: int, queue_at: float = h.QUEUE_AT, messages: int = 0):
        """`messages`: about how many messages the scan will read (its authors are read in
        one pass when they are more than the workspace's identities)."""
        self.ws, self.rules, self.model, self.blocked = ws, rules, model, blocked
        self.watermark = watermark
        self.queue_at = queue_at
        self.keep_scores = False  # when set, the score of every item with reasons is kept
        self.scores: list[float] = []
        self.authors: dict[int, _Author] = {}
        # every identity's (ids, join times, skips) when read in one pass (`preload_authors`)
        self.identities: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        # fingerprint -> (first seen, {author: message id}) for suspect texts, over a day
        self.same_text: dict[str, tuple[float, dict[int, int]]] = {}
        with ws.session() as s:
            self.spaces = {
                sid: (name, platform) for sid, name, platform in s.execute(
                    select(Space.id, Space.name, Source.platform).join(
                        Source, Source.id == Space.source_id))
            }
            if messages > (s.scalar(select(func.max(Identity.id))) or 0):
                self.preload_authors(s)
        self.rule_reports: dict[str, int] = defaultdict(int)
        # text -> its facts, kept between batches: communities repeat short texts ("thanks!")
        # across the whole history, and each is scored once per scan instead of once a batch
        self.known_texts: dict[str, _TextFacts] = {}
        self.matcher = _TextMatcher(rules)

    # --- authors --------------------------------------------------------------------------

    def preload_authors(self, s) -> None:
        """Read every identity's join time and staff or bot mark in one pass, for a scan of
        more messages than there are identities. Looked up by id as each author is first met,
        each cost a page read and its decryption (the page cache starts afresh each batch):
        about 50 µs an author on the 2M-message demo, where this pass costs about 4 an
        identity."""
        ids, stamps, skips = [], [], []
        for iid, joined, skip in s.connection().exec_driver_sql(_IDENTITIES + " ORDER BY i.id"):
            ids.append(iid)
            stamps.append(joined)
            skips.append(bool(skip))
        dated = [k for k, joined in enumerate(stamps) if joined]
        joined_at = np.full(len(ids), np.nan)
        joined_at[dated] = _seconds_of([stamps[k] for k in dated])
        self.identities = (np.array(ids, dtype=np.int64), joined_at, np.array(skips))

    def _read_identities(self, conn, chunk: list[int]) -> list[tuple]:
        """(identity id, join time in seconds or None, skip) of the identities in `chunk`:
        from the preloaded ones, and from the database those added since."""
        if self.identities is None:
            return _query_identities(conn, chunk)
        ids, joined_at, skips = self.identities
        wanted = np.array(chunk, dtype=np.int64)
        at = np.minimum(np.searchsorted(ids, wanted), max(len(ids) - 1, 0))
        found = ids[at] == wanted if len(ids) else np.zeros(len(chunk), dtype=bool)
        rows = [(iid, None if math.isnan(joined) else joined, skip) for iid, joined, skip in zip(
            wanted[found].tolist(), joined_at[at[found]].tolist(), skips[at[found]].tolist(),
            strict=True)]
        if not found.all():
            rows.extend(_query_identities(conn, wanted[~found].tolist()))
        return rows

    def _load_authors(self, s, identity_ids: set[int]) -> None:
        missing = [i for i in identity_ids if i not in self.authors]
        conn = s.connection()
        for start in range(0, len(missing), 900):
            chunk = missing[start:start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self._read_identities(conn, chunk)
            counts, held = {}, {}
            if self.watermark:
                counts = dict(conn.exec_driver_sql(
                    "SELECT identity_id, count(*) FROM messages WHERE identity_id IN "
                    f"({marks}) AND id <= ? GROUP BY identity_id", (*chunk, self.watermark)
                ).fetchall())
                held = dict(conn.exec_driver_sql(
                    "SELECT identity_id, count(*) FROM queue_items WHERE identity_id IN "
                    f"({marks}) AND kind IN ('spam', 'rule') AND status != 'approved' "
                    "GROUP BY identity_id", tuple(chunk)).fetchall())
            for iid, joined, skip in rows:
                self.authors[iid] = _Author(joined, skip, counts.get(iid, 0), held.get(iid, 0))

    # --- one batch ------------------------------------------------------------------------

    def scan_batch(self, s, rows: list[tuple]) -> list[tuple]:
        """Queue rows (see QUEUE_COLUMNS) for a batch of (id, text, identity, space, at).
        A scan calls it within `jobs.collector_steps`, taking a step after each batch."""
        self._load_authors(s, {r[2] for r in rows if r[2] is not None})
        if len(self.known_texts) > KNOWN_TEXTS:  # keep the newer half
            for text in list(itertools.islice(self.known_texts, len(self.known_texts) // 2)):
                del self.known_texts[text]
        texts = _TextFacts.of_batch(rows, self.rules, self.model, self.known_texts,
                                     self.matcher)
        scored: dict[int, tuple] = {}  # message id -> (facts, model probability, SpamScore)
        rule_hits: dict[int, list] = {}
        cross: dict[int, int] = {}
        copies: dict[int, int] = {}  # message id -> members who posted its text
        queue_at = self.queue_at
        check_every = self.rules.needs_every_message
        authors = self.authors
        flood_seconds, flood_posts = h.FLOOD_SECONDS, h.FLOOD_POSTS
        cross_spaces, same_enough = h.CROSS_POST_SPACES, h.SAME_TEXT_AUTHORS
        same_text = self._same_text
        rules = self.rules
        for (mid, text, iid, sid, _), at in zip(rows, _seconds_of([r[4] for r in rows]),
                                                strict=True):
            t = texts[text]
            author = authors.get(iid)
            if t.rule_hits or check_every:
                space, platform = self.spaces.get(sid, ("", ""))
                hits = rules.match(MessageFacts(
                    text, len(t.links), t.domains, _age(author, at),
                    author.posts if author else 0, space, platform), t.rule_hits)
                if hits:
                    rule_hits[mid] = hits
            if author is None:
                continue
            # In how many spaces this author posted this text within a day, marking the
            # earlier copies too (many people answering "Well done!" is not spam).
            key = t.key
            spaces_with_text = 1 if key is None else _spaces_within_a_day(
                author.texts, AUTHOR_TEXTS, key, sid, mid, at, cross_spaces, cross)
            same_authors = (same_text(t.fingerprint, iid, mid, at, copies) if t.copies_count
                            else 1)
            prior = author.posts
            author.posts = prior + 1
            recent = author.recent
            recent.append(at)
            if at - recent[0] > flood_seconds:
                drop = 1
                while at - recent[drop] > flood_seconds:
                    drop += 1
                del recent[:drop]
            if author.skip:
                continue
            if (t.calm and t.probability < queue_at and not author.held
                    and same_authors < same_enough and spaces_with_text < cross_spaces
                    and len(recent) < flood_posts):
                continue  # nothing that could add up to a spam score
            age = _age(author, at)
            post = h.PostFacts(text, age, prior, spaces_with_text, len(recent), t.links,
                               list(t.domains), t.mentions, author.held, t.signals,
                               same_authors)
            spam = h.combine(t.probability, post, self.blocked, queue_at)
            if spam.priority:
                author.held += 1
            scored[mid] = (post, t.probability, spam)
        for mid, spaces in cross.items():  # earlier copies of a text later cross-posted
            if mid in scored and scored[mid][0].same_text_spaces < spaces:
                post, p, _ = scored[mid]
                post.same_text_spaces = spaces
                scored[mid] = (post, p, h.combine(p, post, self.blocked, queue_at))
        for mid, members in copies.items():  # earlier copies of a text others pasted later
            if mid in scored and scored[mid][0].same_text_authors < members:
                post, p, _ = scored[mid]
                post.same_text_authors = members
                scored[mid] = (post, p, h.combine(p, post, self.blocked, queue_at))
        if self.keep_scores:
            self.scores.extend(spam.score for _post, _p, spam in scored.values()
                               if spam.reasons)
        return self._queue_rows(rows, scored, rule_hits)

    def _same_text(self, fingerprint: str, iid: int, mid: int, at: float,
                   copies: dict[int, int]) -> int:
        """How many members posted this text within a day; marks the earlier copies too."""
        return _within_a_day(self.same_text, 50_000, fingerprint, iid, mid, at,
                             h.SAME_TEXT_AUTHORS, copies)

    def _queue_rows(self, rows: list[tuple], scored: dict, rule_hits: dict) -> list[tuple]:
        now = sql_time(clock.now())
        out = []
        wanted = set(scored) | set(rule_hits)
        where = {r[0]: (r[2], r[3]) for r in rows if r[0] in wanted}  # author, space
        for mid in sorted(wanted):
            spam = scored[mid][2] if mid in scored else None
            hits = [r for r in rule_hits.get(mid, []) if r.action == "queue"]
            for r in rule_hits.get(mid, []):
                if r.action == "report":
                    self.rule_reports[r.name] += 1
            spam_queued = spam is not None and spam.priority > 0
            if not hits and not spam_queued:
                continue
            reasons = [f"Rule {r.name!r} (line {r.line})" for r in hits]
            if spam is not None:
                reasons.extend(spam.reasons)
            if hits:
                kind, label = "rule", hits[0].label or hits[0].name
                priority = max([r.priority for r in hits] + [spam.priority if spam else 0])
            else:
                kind, label, priority = "spam", "Possible spam", spam.priority
            score = round(spam.score, 4) if spam else 0.0
            out.append((kind, mid, *where[mid], None, None, priority, score, label,
                        json.dumps(reasons, ensure_ascii=False), "open", now))
        return out


def _query_identities(conn, ids: list[int]) -> list[tuple]:
    """(identity id, join time in seconds or None, skip) of these identities, looked up by id."""
    return [(iid, _seconds(joined) if joined else None, bool(skip))
            for iid, joined, skip in conn.exec_driver_sql(
                f"{_IDENTITIES} WHERE i.id IN ({','.join('?' * len(ids))})", tuple(ids))]


def _age(author: _Author | None, at: float) -> float | None:
    """The author's account age in days at `at`, when known."""
    if author is None or author.joined is None:
        return None
    return (at - author.joined) / 86400


def _seconds(stored: str) -> float:
    """A stored time ("2026-11-21 08:30:00.000000", naive UTC) as seconds since 1970."""
    return (datetime.fromisoformat(stored) - _EPOCH) / _SECOND


def _seconds_of(stored: list[str]) -> list[float]:
    """`_seconds` of each stored time, read by NumPy in one go (the same values: whole
    microseconds over a million)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (NumPy warns of a time zone, and drops it)
        try:
            times = np.array(stored, dtype="datetime64[us]")
        except (ValueError, UserWarning):
            times = None
    if times is None or np.isnat(times).any():  # a time NumPy does not read
        return [_seconds(t) for t in stored]
    return (times.astype(np.int64) / 1e6).tolist()


def _watermark(s) -> int:
    state = s.get(ScanState, SCANNER)
    return state.last_message_id if state else 0


def _fetch_batch(s, after: int) -> list[tuple]:
    """The next batch of messages to scan, straight from the driver (no row objects)."""
    cursor = s.connection().connection.driver_connection.cursor()
    try:
        return cursor.execute(_FETCH, (after, BATCH)).fetchall()
    finally:
        cursor.close()


def _read_ahead(ws, after: int, token: CancelToken | None):
    """The batches of messages after `after`, in id order. The next batch is read (and
    decrypted, which releases the GIL) on a second thread while the caller works on this one,
    as the safeguarding scan reads."""

    def read(start: int) -> list[tuple]:
        with ws.session() as s:
            return _fetch_batch(s, start)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="moderation-read") as reader:
        upcoming = reader.submit(read, after)
        while True:
            if token is not None:
                token.check()
            rows = upcoming.result()
            if not rows:
                return
            upcoming = reader.submit(read, rows[-1][0])
            yield rows


def scan_messages_job(ws, token: CancelToken | None = None, rules: RuleSet | None = None,
                      model: SpamModel | None = None) -> Job[dict]:
    """Scan the messages not yet scanned; returns counts by kind of what it queued."""
    rules = load_rules(ws) if rules is None else rules
    model = workspace_model(ws) if model is None else model
    blocked = h.blocked_domains(ws.get_setting(BLOCKED_SETTING, []) or [])
    queue_at = h.queue_threshold(ws.get_setting(SENSITIVITY_SETTING))
    counts = {"messages": 0, "spam": 0, "rule": 0}
    counts["edited"] = _scan_edits(ws, rules, model, blocked, queue_at, counts)
    with ws.session() as s:
        start = _watermark(s)
        total = s.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
    scanner = MessageScanner(ws, rules, model, blocked, start, queue_at, messages=total - start)
    last = start
    yield Progress(0, max(0, total - start), "Scanning messages for moderation")
    with collector_steps() as step:
        for rows in _read_ahead(ws, start, token):
            with ws.transaction() as s:
                queue_rows = scanner.scan_batch(s, rows)
                if queue_rows:
                    insert_rows(s, "queue_items", QUEUE_COLUMNS, queue_rows)
                last = rows[-1][0]
                s.merge(ScanState(scanner=SCANNER, last_message_id=last))
            step()
            counts["messages"] += len(rows)
            for r in queue_rows:
                counts[r[0]] += 1
            yield Progress(last - start, max(1, total - start),
                           "Scanning messages for moderation")
    if total > last:  # system messages and deletions at the end are scanned too
        with ws.transaction() as s:
            s.merge(ScanState(scanner=SCANNER, last_message_id=total))
    counts["rule_reports"] = dict(scanner.rule_reports)
    let_go(scanner.known_texts, scanner.authors, scanner.same_text)
    return counts


def _scan_edits(ws, rules: RuleSet, model: SpamModel, blocked: frozenset[str],
                queue_at: float, counts: dict) -> int:
    """Score again the messages edited on the platform since they were scanned; returns how
    many. Each is scored as at its posting (the author's posts before it, their held posts
    now) on its new text; an item it makes is queued unless the message already has an open
    item of that kind (which the moderator reads with the new text), with the edit named
    first among its reasons."""
    with ws.session() as s:
        ids, seq = edited_since_scan(s, SCANNER)
        cursor = s.connection().connection.driver_connection.cursor()
        rows = []
        try:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                rows += cursor.execute(
                    "SELECT id, text, identity_id, space_id, created_at, edited_at FROM messages "
                    f"WHERE id IN ({','.join('?' * len(chunk))}) AND kind = 'message' AND "
                    "deleted = 0 AND text IS NOT NULL ORDER BY id", chunk).fetchall()
        finally:
            cursor.close()
    if seq is None:
        return 0
    scanner = MessageScanner(ws, rules, model, blocked, 0, queue_at) if rows else None
    with ws.transaction() as s:
        open_items = {tuple(r) for r in s.execute(
            select(QueueItem.message_id, QueueItem.kind).where(
                QueueItem.message_id.in_([r[0] for r in rows]), QueueItem.status == "open"))}
        queue_rows = []
        for row in rows:
            scanner.authors.clear()  # the author as at this message: posts before it
            scanner.same_text.clear()
            scanner.watermark = row[0] - 1
            for item in scanner.scan_batch(s, [row[:5]]):
                if (item[1], item[0]) in open_items:
                    continue
                reasons = json.loads(item[9])
                when = f" on {row[5][:16]} UTC" if row[5] else ""
                reasons.insert(0, f"Edited on the platform{when} after an earlier scan: "
                                  "the new text")
                queue_rows.append((*item[:9], json.dumps(reasons, ensure_ascii=False),
                                   *item[10:]))
        if queue_rows:
            insert_rows(s, "queue_items", QUEUE_COLUMNS, queue_rows)
        mark_edits_read(s, SCANNER, seq)
    for r in queue_rows:
        counts[r[0]] += 1
    return len(rows)


def sensitivity_preview_job(ws, token: CancelToken | None = None) -> Job[dict]:
    """How many messages in the stored history each sensitivity setting would queue as possible
    spam (with this workspace's model as it stands), without changing anything.

    Returns {"scanned": n, "current": name, "settings": {name: (threshold, count)}}."""
    model = workspace_model(ws)
    blocked = h.blocked_domains(ws.get_setting(BLOCKED_SETTING, []) or [])
    lowest = min(h.SENSITIVITIES.values())
    with ws.session() as s:
        total = s.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
    scanner = MessageScanner(ws, RuleSet([]), model, blocked, 0, lowest, messages=total)
    scanner.keep_scores = True
    last, scanned = 0, 0
    yield Progress(0, max(1, total), "Scoring the stored history")
    with collector_steps() as step:
        for rows in _read_ahead(ws, 0, token):
            with ws.session() as s:
                scanner.scan_batch(s, rows)
            step()
            last, scanned = rows[-1][0], scanned + len(rows)
            yield Progress(last, max(1, total), "Scoring the stored history")
    scores = scanner.scores
    settings = {name: (at, sum(1 for x in scores if x >= at))
                for name, at in h.SENSITIVITIES.items()}
    current = ws.get_setting(SENSITIVITY_SETTING) or h.DEFAULT_SENSITIVITY
    return {"scanned": scanned, "current": current, "settings": settings}


def set_sensitivity(ws, name: str) -> None:
    """Choose how readily the scan queues possible spam (a key of SENSITIVITIES)."""
    if name not in h.SENSITIVITIES:
        raise ValueError(f"unknown sensitivity {name!r}: choose one of "
                         f"{', '.join(h.SENSITIVITIES)}")
    with ws.transaction() as s:
        audit.record(s, ws.actor, "moderation.sensitivity", None, None, sensitivity=name)
    ws.set_setting(SENSITIVITY_SETTING, name)


# --- other sources of queue items -----------------------------------------------------------


def learn_from_decisions(ws) -> int:
    """Teach the text model the spam/not-spam calls moderators made since the last scan (all of
    them again when the stored model predates the current seed model's format)."""
    since = ws.get_setting(LEARNED_SETTING, 0) or 0
    if not SpamModel.setting_is_current(ws.get_setting(SETTING)):
        since = 0
    undo = aliased(Decision)
    with ws.session() as s:
        rows = s.execute(
            select(Decision.id, Decision.action, Message.text)
            .join(QueueItem, QueueItem.id == Decision.queue_item_id)
            .join(Message, Message.id == QueueItem.message_id)
            .outerjoin(undo, and_(undo.undoes_id == Decision.id))
            .where(Decision.id > since, Decision.action.in_(("approve", "remove")),
                   QueueItem.kind.in_(("spam", "rule", "report")), undo.id.is_(None),
                   Message.text.is_not(None))
            .order_by(Decision.id)
        ).all()
        newest = s.scalar(select(Decision.id).order_by(Decision.id.desc()).limit(1)) or 0
    if rows:
        model = workspace_model(ws)
        model.learn([r.text for r in rows], [1 if r.action == "remove" else 0 for r in rows])
        save_workspace_model(ws, model)
    if newest > since:
        ws.set_setting(LEARNED_SETTING, newest)
    return len(rows)


def queue_platform_reports(ws) -> int:
    """Each platform report not yet in the queue becomes a "report" item; a report on a message
    already held (spam or a rule) joins that item instead, so a message appears once."""
    with ws.transaction() as s:
        taken = select(QueueItem.report_id).where(QueueItem.report_id.is_not(None))
        reports = s.execute(
            select(PlatformReport, Source.platform, Message.space_id)
            .join(Source, Source.id == PlatformReport.source_id)
            .outerjoin(Message, Message.id == PlatformReport.message_id)
            .where(PlatformReport.status == "pending", PlatformReport.id.not_in(taken))
        ).all()
        now = clock.now()
        for report, platform, space_id in reports:
            why = f"Reported on {platform.title()}: {(report.reason or 'no reason given').strip()}"
            held = None
            if report.message_id is not None:
                held = s.scalar(select(QueueItem).where(
                    QueueItem.message_id == report.message_id, QueueItem.report_id.is_(None),
                    QueueItem.kind.in_(("spam", "rule")), QueueItem.status == "open"))
            if held is not None:
                held.report_id, held.reasons = report.id, [why, *held.reasons]
                held.priority, held.updated_at = max(held.priority, REPORT_PRIORITY), now
                continue
            s.add(QueueItem(
                kind="report", message_id=report.message_id, identity_id=report.identity_id,
                space_id=space_id, report_id=report.id, priority=REPORT_PRIORITY, score=0.0,
                label=f"Reported on {platform.title()}", reasons=[why], status="open",
                created_at=now,
            ))
        return len(reports)


def queue_membership_requests(ws) -> int:
    """Requests to join a space with entry requirements or a size cap become items."""
    with ws.transaction() as s:
        taken = select(QueueItem.membership_id).where(QueueItem.membership_id.is_not(None))
        requests = s.execute(
            select(Membership, Space)
            .join(Space, Space.id == Membership.space_id)
            .where(Membership.status == "requested", Membership.id.not_in(taken),
                   (Space.entry_requirements.is_not(None)) | (Space.size_cap.is_not(None)))
        ).all()
        now = clock.now()
        for membership, space in requests:
            reasons = [f"Asks to join {space.name}"]
            if space.entry_requirements:
                reasons.append(f"Entry requirements: {space.entry_requirements}")
            if space.size_cap:
                members = s.scalar(
                    select(func.count()).select_from(Membership)
                    .where(Membership.space_id == space.id, Membership.status == "active"))
                reasons.append(f"{members} of {space.size_cap} places taken")
            s.add(QueueItem(
                kind="membership", identity_id=membership.identity_id, space_id=space.id,
                membership_id=membership.id, priority=MEMBERSHIP_PRIORITY, score=0.0,
                label=f"Asks to join {space.name}", reasons=reasons, status="open",
                created_at=now,
            ))
        return len(requests)


def queue_newcomers_to_welcome(ws) -> dict:
    """The separate "welcome" list: newcomers nobody has welcomed or answered yet."""
    try:
        newcomers_mod = importlib.import_module("steward.engagement.newcomers")
    except ModuleNotFoundError:
        return {"skipped": "the engagement newcomers list is not available in this build"}
    waiting = newcomers_mod.unwelcomed_newcomers(ws)  # the same window as Overview and Engagement
    waiting_messages = {n.first_message_id: n for n in waiting}
    added = resolved = 0
    with ws.transaction() as s:
        open_items = dict(s.execute(
            select(QueueItem.message_id, QueueItem.id)
            .where(QueueItem.kind == "welcome", QueueItem.status == "open")).all())
        known = set(s.scalars(select(QueueItem.message_id).where(QueueItem.kind == "welcome")))
        now = clock.now()
        for mid, item_id in open_items.items():
            if mid not in waiting_messages:  # someone answered since
                item = s.get(QueueItem, item_id)
                item.status, item.updated_at = "answered", now
                resolved += 1
        for mid, n in waiting_messages.items():
            if mid in known:
                continue
            identity = s.scalar(select(Message.identity_id).where(Message.id == mid))
            days_text = "today" if n.days_waiting < 1 else f"{n.days_waiting} days ago"
            s.add(QueueItem(
                kind="welcome", message_id=mid, identity_id=identity, space_id=n.space_id,
                priority=1, score=float(n.days_waiting), label="Newcomer to welcome",
                reasons=[f"First post {days_text} in {n.space_name}; nobody has welcomed or "
                         "answered them yet"],
                status="open", created_at=now,
            ))
            added += 1
    return {"welcome": added, "answered_since": resolved}


def _safeguarding_scan(ws, token):
    try:
        module = importlib.import_module("steward.safeguarding.scan")
    except ModuleNotFoundError:
        return {"skipped": "the safeguarding scan is not available in this build"}
    return (yield from module.scan_job(ws, token=token))


def scan_job(ws, token: CancelToken | None = None) -> Job[dict]:
    """Everything `steward scan` does: moderation first, then the safeguarding scan."""
    learned = learn_from_decisions(ws)
    counts = yield from scan_messages_job(ws, token)
    counts["learned_from_decisions"] = learned
    yield Progress(0, None, "Reports, membership requests and newcomers")
    counts["report"] = queue_platform_reports(ws)
    counts["membership"] = queue_membership_requests(ws)
    counts.update(queue_newcomers_to_welcome(ws))
    with ws.transaction() as s:
        audit.record(s, ws.actor, "moderation.scan", None, None,
                     messages=counts["messages"], spam=counts["spam"], rule=counts["rule"],
                     report=counts["report"], membership=counts["membership"])
    safeguarding = yield from _safeguarding_scan(ws, token)
    return {"moderation": counts, "safeguarding": safeguarding}


# --- rules over the stored history ----------------------------------------------------------


def recent_facts(ws, limit: int) -> list[MessageFacts]:
    """What rules would see for the newest `limit` messages (to spot match-everything rules)."""
    with ws.session() as s:
        newest = s.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
    facts: list[MessageFacts] = []
    for _rows, batch in _facts_batches(ws, max(0, newest - limit), None):
        facts.extend(f for _, f in batch)
    return facts


def _facts_batches(ws, after: int, token: CancelToken | None):
    """(rows, [(row, MessageFacts)]) batch by batch from message id `after` on."""
    scanner = MessageScanner(ws, RuleSet([]), None, frozenset(), after)
    last = after
    while True:
        if token is not None:
            token.check()
        with ws.session() as s:
            rows = _fetch_batch(s, last)
            scanner._load_authors(s, {r[2] for r in rows if r[2] is not None})
        if not rows:
            return
        batch = []
        for mid, text, iid, sid, at in rows:
            author = scanner.authors.get(iid)
            age = None
            when = datetime.fromisoformat(at)
            if author is not None and author.joined is not None:
                age = ((when - _EPOCH) / _SECOND - author.joined) / 86400
            found = textfacts.links(text)
            space, platform = scanner.spaces.get(sid, ("", ""))
            batch.append(((mid, text, iid, sid, when), MessageFacts(
                text, len(found), tuple(textfacts.domain(x) for x in found), age,
                author.posts if author else 0, space, platform)))
            if author is not None:
                author.posts += 1
        last = rows[-1][0]
        yield rows, batch


@dataclass(frozen=True)
class RuleTest:
    """What a rule would have caught over the stored history, before it is switched on."""

    name: str
    line: int
    caught: int
    samples: list[dict]


def test_rules_job(ws, source: str, samples: int = 5,
                   token: CancelToken | None = None) -> Job[dict]:
    """Run a rules file over every stored message: per rule, how many it catches, with samples.

    Returns {"scanned": n, "rules": [RuleTest…]}; the file is checked first (RuleError).
    """
    ruleset = parse_rules(source)
    singles = [(rule, RuleSet([rule])) for rule in ruleset.rules]
    caught = {rule.name: 0 for rule, _ in singles}
    found: dict[str, list[int]] = {rule.name: [] for rule, _ in singles}
    with ws.session() as s:
        total = s.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
    scanned = 0
    for rows, batch in _facts_batches(ws, 0, token):
        for row, facts in batch:
            for rule, one in singles:
                if one.match(facts):
                    caught[rule.name] += 1
                    if len(found[rule.name]) < samples:
                        found[rule.name].append(row[0])
        scanned += len(rows)
        yield Progress(rows[-1][0], max(1, total), "Testing rules on the stored history")
    wanted = {mid for ids in found.values() for mid in ids}
    with ws.session() as s:
        info = {
            m.id: m for m in s.execute(
                select(Message.id, Message.platform_id, Message.text, Message.created_at,
                       Space.name.label("space"))
                .join(Space, Space.id == Message.space_id).where(Message.id.in_(wanted)))
        }
    results = [
        RuleTest(rule.name, rule.line, caught[rule.name], [
            {"message_id": mid, "platform_id": info[mid].platform_id,
             "space": info[mid].space, "at": info[mid].created_at.isoformat(timespec="minutes"),
             "text": textfacts.excerpt(info[mid].text, 120)}
            for mid in found[rule.name]
        ])
        for rule, _ in singles
    ]
    return {"scanned": scanned, "rules": results}


def unscanned_count(ws) -> int:
    """Messages waiting for the moderation scan (past its watermark, or edited since)."""
    with ws.session() as s:
        waiting = s.scalar(
            select(func.count()).select_from(Message).where(Message.id > _watermark(s))) or 0
        return waiting + len(edited_since_scan(s, SCANNER)[0])


def _within_a_day(texts: dict[str, tuple[float, dict[int, int]]], keep: int, fingerprint: str,
                  who: int, mid: int, at: float, enough: int, marks: dict[int, int]) -> int:
    """How many different `who` (members, spaces) sent this text within a day. Once there are
    `enough`, every copy's message id is marked in `marks`; past `keep` texts, day-old ones are
    forgotten."""
    seen = texts.get(fingerprint)
    if seen is None or at - seen[0] > CROSS_POST_WINDOW:
        if len(texts) >= keep:
            for key in [k for k, v in texts.items() if at - v[0] > CROSS_POST_WINDOW]:
                del texts[key]
        texts[fingerprint] = (at, {who: mid})
        return 1
    senders = seen[1]
    senders.setdefault(who, mid)
    if len(senders) >= enough:
        for other in senders.values():
            marks[other] = len(senders)
    return len(senders)


def _spaces_within_a_day(texts: _AuthorTexts, keep: int, key: int, space: int, mid: int,
                         at: float, enough: int, marks: dict[int, int]) -> int:
    """`_within_a_day` for one author's texts, each counted in spaces, held small (see
    `_AuthorTexts`): a text is its hash (not its copy) and, while it is in one space, one
    packed record. Counts and marks are the same. (Runs once per message of a scan: the
    record is looked up and counted here rather than through `_AuthorTexts`' methods.)"""
    spread = texts.spread
    seen = spread.get(key) if spread else None
    packed = texts.packed
    offset = -1
    if seen is None and packed:
        wanted = _HASH.pack(key)
        offset = packed.find(wanted)
        while offset > 0 and offset % _TEXT.size:  # the bytes matched inside another record
            offset = packed.find(wanted, offset + 1)
        if offset >= 0:
            _key, first, first_space, first_mid = _TEXT.unpack_from(packed, offset)
            seen = (first, first_space, first_mid)
    if seen is None or at - seen[0] > CROSS_POST_WINDOW:
        held = len(packed) // _TEXT.size + (len(spread) if spread else 0)
        if seen is not None:  # a day old: this copy starts the day again
            if offset >= 0:
                del packed[offset:offset + _TEXT.size]
            else:
                del spread[key]
            if held >= keep:  # as many as before this copy's old record went
                texts.forget_older(at)
        elif held >= keep:
            texts.forget_older(at)
        texts.packed += _TEXT.pack(key, at, space, mid)
        return 1
    if offset >= 0:  # in one space so far
        if seen[1] == space:
            if enough <= 1:
                marks[seen[2]] = 1
            return 1
        del packed[offset:offset + _TEXT.size]
        senders = {seen[1]: seen[2], space: mid}
        if spread is None:
            spread = texts.spread = {}
        spread[key] = (seen[0], senders)
    else:
        senders = seen[1]
        senders.setdefault(space, mid)
    if len(senders) >= enough:
        for other in senders.values():
            marks[other] = len(senders)
    return len(senders)
