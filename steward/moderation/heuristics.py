"""Spam score with reasons: behaviour heuristics, promotion and bait signals, and the text model.

Each heuristic or signal that fires adds a reason a moderator can read and a weight; the text
model adds its probability. What the text says (model and signals) is trusted less for
established members (a long-standing volunteer posting an event is not a spammer). High
priority needs both a high score and at least one behavioural reason (a new account posting a
link, the same text from several members, a first post that is only promotion…), so words
alone never put a post at the top of the queue.

The queue threshold is the workspace's sensitivity (`SENSITIVITIES`); the default, "balanced",
was chosen on the cross-corpus figures in resources/moderation/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from steward.moderation import signals as textsignals
from steward.moderation import text as textfacts
from steward.resources import resource_path

NEW_ACCOUNT_DAYS = 7
BRAND_NEW_DAYS = 2
NEW_MEMBER_POSTS = 3
ESTABLISHED_DAYS = 30
ESTABLISHED_POSTS = 10
NEW_MEMBER_MAX_LINKS = 2
CROSS_POST_SPACES = 3
FLOOD_POSTS = 5
FLOOD_SECONDS = 120
MENTION_LIMIT = 5

SENSITIVITIES = {"relaxed": 0.7, "balanced": 0.5, "strict": 0.35}  # queue at this score
DEFAULT_SENSITIVITY = "balanced"
QUEUE_AT = SENSITIVITIES[DEFAULT_SENSITIVITY]  # a spam item is queued at this score or above
SAME_TEXT_AUTHORS = 3  # members posting one text (within a day) that make it copy-paste
MIN_SAME_TEXT = 25  # characters: shorter texts ("Happy birthday!") repeat innocently
PRIORITY_HIGH = 3
PRIORITY_MEDIUM = 2
PRIORITY_LOW = 1

WEIGHTS = {
    "new_with_link": 0.4,
    "brand_new_with_link": 0.55,
    "too_many_links": 0.35,
    "cross_posted": 0.45,
    "flooding": 0.35,
    "mentions": 0.4,
    "blocked_domain": 0.7,
    "earlier_held": 0.4,
    "same_text_authors": 0.45,
    "first_post_promotion": 0.3,
}


@dataclass
class PostFacts:
    """What the heuristics look at for one post."""

    text: str
    account_age_days: float | None  # None when the platform gave no join date
    prior_posts: int  # the author's earlier posts in this workspace
    same_text_spaces: int = 1  # spaces the same text was posted in (within a day)
    recent_posts: int = 1  # the author's posts within FLOOD_SECONDS, this one included
    links: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    mentions: int = 0
    earlier_held: int = 0  # the author's earlier posts held as possible spam
    signals: textsignals.TextSignals = textsignals.NONE  # promotion, bait and link signals
    same_text_authors: int = 1  # members who posted this same text (within a day)

    @classmethod
    def of(cls, text: str, account_age_days: float | None, prior_posts: int, **kw) -> PostFacts:
        found = textfacts.links(text)
        domains = [textfacts.domain(x) for x in found]
        return cls(text, account_age_days, prior_posts, links=found, domains=domains,
                   mentions=textfacts.mention_count(text),
                   signals=textsignals.text_signals(text, domains), **kw)

    @property
    def is_new(self) -> bool:
        """A young account; without a join date, one with hardly any posts here."""
        if self.account_age_days is not None:
            return self.account_age_days < NEW_ACCOUNT_DAYS
        return self.prior_posts < NEW_MEMBER_POSTS

    @property
    def is_established(self) -> bool:
        old = self.account_age_days is None or self.account_age_days >= ESTABLISHED_DAYS
        return old and self.prior_posts >= ESTABLISHED_POSTS


@dataclass(frozen=True)
class SpamScore:
    score: float
    priority: int  # 0 = not queued
    reasons: tuple[str, ...]


def blocked_domains(extra: list[str] | tuple[str, ...] = ()) -> frozenset[str]:
    """The shipped block list plus the workspace's own additions."""
    path = resource_path("moderation", "blocked_domains.txt")
    listed = {
        line.split("#", 1)[0].strip().lower()
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    listed.update(d.strip().lower() for d in extra)
    listed.discard("")
    return frozenset(listed)


def behaviour_reasons(f: PostFacts, blocked: frozenset[str],
                      own_evidence: bool = True) -> list[tuple[str, float]]:
    """The heuristics that fire for this post, each with a readable reason and a weight.
    `own_evidence` false (the text reads as ordinary: no link, no signal, a low model score)
    leaves out the author's earlier held posts, so one held post does not hold every later
    "Great news, well done!" from the same member."""
    out = []
    n_links = len(f.links)
    if n_links:
        if f.is_new:
            age = (f"an account {_days(f.account_age_days)} old"
                   if f.account_age_days is not None else "a new member")
            brand_new = f.account_age_days is not None and f.account_age_days < BRAND_NEW_DAYS
            out.append((f"Link posted by {age} ({f.prior_posts} earlier posts)",
                        WEIGHTS["brand_new_with_link" if brand_new else "new_with_link"]))
            if n_links > NEW_MEMBER_MAX_LINKS:
                out.append((f"{n_links} links: more than the {NEW_MEMBER_MAX_LINKS} a new "
                            "member may post", WEIGHTS["too_many_links"]))
        bad = sorted({d for d in f.domains if _blocked(d, blocked)})
        if bad:
            out.append((f"Links to a blocked domain: {', '.join(bad)}", WEIGHTS["blocked_domain"]))
    if f.same_text_spaces >= CROSS_POST_SPACES:
        out.append((f"Same text posted in {f.same_text_spaces} spaces", WEIGHTS["cross_posted"]))
    if f.recent_posts >= FLOOD_POSTS:
        out.append((f"Flooding: {f.recent_posts} posts within {FLOOD_SECONDS // 60} minutes",
                    WEIGHTS["flooding"]))
    if f.earlier_held and own_evidence:
        out.append((f"{f.earlier_held} earlier posts by this author held as possible spam",
                    WEIGHTS["earlier_held"]))
    if f.mentions >= MENTION_LIMIT:
        out.append((f"Mentions {f.mentions} people", WEIGHTS["mentions"]))
    if f.same_text_authors >= SAME_TEXT_AUTHORS:
        out.append((f"Same text posted by {f.same_text_authors} different members",
                    WEIGHTS["same_text_authors"]))
    if f.prior_posts == 0 and any(n in textsignals.PROMOTION_SIGNALS for n in f.signals.names):
        out.append(("First post here is promotion", WEIGHTS["first_post_promotion"]))
    return out


def _days(days: float) -> str:
    if days < 1:
        hours = max(1, round(days * 24))
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{days:.0f} day{'s' if round(days) != 1 else ''}"


def _blocked(host: str, blocked: frozenset[str]) -> bool:
    if host in blocked:
        return True
    parts = host.split(".")
    return any(".".join(parts[i:]) in blocked for i in range(1, len(parts) - 1))


def combine(model_p: float, f: PostFacts, blocked: frozenset[str],
            queue_at: float = QUEUE_AT) -> SpamScore:
    """One score from the model's probability, the text signals and the heuristics, with its
    priority (0 when below `queue_at`)."""
    own_evidence = bool(model_p >= min(0.5, queue_at) or f.signals.names or f.links)
    found = behaviour_reasons(f, blocked, own_evidence)
    trust = 0.5 if f.is_established else (1.0 if f.is_new else 0.8)
    keep = 1.0 - model_p * trust
    for name in f.signals.names:
        keep *= 1.0 - textsignals.WEIGHTS[name] * trust
    for _reason, weight in found:
        keep *= 1.0 - weight
    score = 1.0 - keep
    reasons = [r for r, _ in found] + list(f.signals.reasons)
    if model_p >= min(0.5, queue_at):
        reasons.append(f"Text reads like spam (model {model_p:.0%})")
    if score < queue_at or not reasons:
        return SpamScore(score, 0, tuple(reasons))
    if found and score >= 0.9:
        priority = PRIORITY_HIGH
    elif found and score >= 0.75:
        priority = PRIORITY_MEDIUM
    else:
        priority = PRIORITY_LOW
    return SpamScore(score, priority, tuple(reasons))


def queue_threshold(sensitivity: str | None) -> float:
    """The score at which a workspace's sensitivity queues an item."""
    return SENSITIVITIES.get(sensitivity or DEFAULT_SENSITIVITY, QUEUE_AT)
