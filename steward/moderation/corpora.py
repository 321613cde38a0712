"""The labelled spam/ham corpora the seed model learns from, and how each was prepared.

Each source is one `label<TAB>text` file in `resources/moderation/corpora/` (label `spam` or
`ham`; text on one line). Every fifth line of each file (line 0, 5, 10, …) is held out: the
shipped model never trains on it, nor on any text equal to a held-out one, and the quality
tests score the shipped model on those lines. `python -m steward.moderation.train prepare`
rebuilds the files from the raw downloads (see resources/moderation/README.md for where each
comes from and its licence).
"""

from __future__ import annotations

import csv
import email
import email.policy
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from steward.resources import resource_path

HELD_OUT_EVERY = 5
MAX_TEXT = 1000  # characters kept of one text (e-mails are long)


@dataclass(frozen=True)
class Source:
    name: str
    kind: str  # what sort of text: sms, email, comment, social, community
    description: str


SOURCES = (
    Source("sms", "sms", "SMS Spam Collection v.1 (Almeida, Gómez Hidalgo; CC BY 4.0)"),
    Source("email", "email", "Apache SpamAssassin public corpus (Apache 2.0)"),
    Source("instagram", "comment", "ScamSpot Instagram comments, rated (MIT)"),
    Source("x", "social", "Janitr labelled X/Twitter posts and replies (MIT)"),
    Source("community", "community", "Community-style posts written for Steward"),
    Source("community2", "community",
           "Community chat and comment posts written for Steward, second set (2026-12-02)"),
)
# Staged: prepared and checked against the evaluation set, not yet trained on (see
# resources/moderation/README.md, "Staged"). Moving one into SOURCES (and its file into
# corpora/) trains on it.
STAGED = (
    Source("instagram_reported", "comment",
           "ScamSpot Instagram comments reported as scams, beyond the rated set (MIT)"),
    Source("community3", "community",
           "Video-comment and community posts written for Steward, third set (2026-12-02)"),
)
COMMENT_KINDS = ("comment", "social", "community")  # the targets apply to these


def corpora_dir() -> Path:
    return resource_path("moderation", "corpora")


def staged_dir() -> Path:
    return resource_path("moderation", "staged")


def load(name: str, folder: Path | None = None) -> list[tuple[int, str]]:
    """(label, text) pairs of one source, label 1 for spam, in file order."""
    staged = folder is None and name in {s.name for s in STAGED}
    path = Path(folder or (staged_dir() if staged else corpora_dir())) / f"{name}.tsv"
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        label, _, text = line.partition("\t")
        if label not in ("ham", "spam") or not text.strip():
            raise ValueError(f"{path}, line {number}: expected ham or spam, a tab, then text")
        rows.append((1 if label == "spam" else 0, text))
    return rows


def split(rows: list[tuple[int, str]]) -> tuple[list, list]:
    """(training, held_out): every fifth row is held out."""
    train = [r for i, r in enumerate(rows) if i % HELD_OUT_EVERY]
    held = [r for i, r in enumerate(rows) if i % HELD_OUT_EVERY == 0]
    return train, held


def load_all(folder: Path | None = None,
             sources: tuple[Source, ...] = SOURCES) -> dict[str, tuple[list, list]]:
    """{source: (training, held_out)}; a training row whose text equals any held-out text
    (in any source) is dropped, so a duplicate cannot carry a held-out line into training."""
    parts = {s.name: split(load(s.name, folder)) for s in sources}
    held_texts = {_key(t) for _, held in parts.values() for _, t in held}
    return {name: ([r for r in train if _key(r[1]) not in held_texts], held)
            for name, (train, held) in parts.items()}


def _key(text: str) -> str:
    return " ".join(text.lower().split())


# --- preparing the files from the raw downloads ---------------------------------------------

_TAGS = re.compile(r"<(?:style|script)[^>]*>.*?</(?:style|script)>|<[^>]+>", re.S | re.I)
_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()[:MAX_TEXT]


def prepare_sms(path: Path) -> list[tuple[str, str]]:
    """The SMS Spam Collection's own file, unchanged (so the held-out fifth stays the same)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        if label in ("ham", "spam") and text.strip():
            out.append((label, text))
    return out


def prepare_instagram_reported(rated: Path, plus_reported: Path) -> list[tuple[str, str]]:
    """ScamSpot's comments-rated-plus-reported.csv less every text already in
    comments-rated.csv: the comments reported as scams after the rating."""
    seen = {_key(text) for _, text in prepare_instagram(rated)}
    return [(label, text) for label, text in prepare_instagram(plus_reported)
            if _key(text) not in seen]


def _decode(payload, charset: str | None) -> str:
    if not isinstance(payload, bytes):
        return str(payload)
    try:
        return payload.decode(charset or "latin-1", "replace")
    except LookupError:  # a charset Python does not know ("default", "x-unknown")
        return payload.decode("latin-1", "replace")


def _email_text(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = str(msg.get("Subject", "") or "")
    plain, htmls = [], []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True) or b""
        text = _decode(payload, part.get_content_charset())
        (plain if ctype == "text/plain" else htmls).append(text)
    body = "\n".join(plain) if plain else html.unescape(_TAGS.sub(" ", "\n".join(htmls)))
    # Quoted replies and signatures belong to other messages.
    lines = [ln for ln in body.splitlines() if not ln.lstrip().startswith(">")]
    return _flat(f"{subject}. {' '.join(lines)}")


def prepare_spamassassin(folder: Path) -> list[tuple[str, str]]:
    """Subject and body text of each message; folders named *spam* are spam, *ham* ham."""
    out = []
    for sub in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        label = "spam" if "spam" in sub.name else "ham" if "ham" in sub.name else None
        if label is None:
            continue
        for path in sorted(sub.iterdir()):
            if path.name.startswith("cmds") or path.suffix == ".json":
                continue
            text = _email_text(path.read_bytes())
            if len(text) > 20:
                out.append((label, text))
    return out


def prepare_instagram(path: Path) -> list[tuple[str, str]]:
    """ScamSpot's comments-rated.csv: columns number, scam (1/0), msg_length, msg."""
    out = []
    with Path(path).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = _flat(row["msg"])
            if text and row["scam"] in ("0", "1"):
                out.append(("spam" if row["scam"] == "1" else "ham", text))
    return out


X_SPAM = {"scam", "spam", "promo", "affiliate", "phishing", "recovery_scam", "lead_gen",
          "engagement_bait", "giveaway", "follow_train", "reply_spam", "bot", "impersonation"}
X_UNSURE = {"ai_generated_reply", "low_effort", "ragebait", "conspiracy", "profanity",
            "vaguepost", "misinformation", "ai_slop", "clickbait"}


def prepare_x(path: Path) -> list[tuple[str, str]]:
    """Janitr's sample.jsonl: spam when any spam/scam/promotion label is set; posts with only
    `clean` and topic labels are ham; posts labelled only as low quality are left out."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        labels = set(row.get("labels") or [])
        text = _flat(row.get("text") or "")
        if not text:
            continue
        if labels & X_SPAM:
            out.append(("spam", text))
        elif not labels & X_UNSURE:
            out.append(("ham", text))
    return out


def write(name: str, rows: list[tuple[str, str]], folder: Path, dedupe: bool = True) -> int:
    """One source file, in order; exact duplicates dropped (first kept) unless `dedupe` is
    false (the SMS file stays as published, so its held-out fifth stays the same)."""
    seen, lines = set(), []
    for label, text in rows:
        key = _key(text)
        if dedupe and key in seen:
            continue
        seen.add(key)
        lines.append(f"{label}\t{text}")
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / f"{name}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)
