"""Small, fast text facts the heuristics and rules share: links, their domains, mentions."""

from __future__ import annotations

import re
import unicodedata

# A link: a scheme, or "www.", or a bare domain followed by a path.
_LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s<>\"')\]]*",
    re.IGNORECASE,
)
_HOST = re.compile(r"^(?:https?://)?([^/:?#\s]+)", re.IGNORECASE)
# @handle, Slack <@U123>, Discord <@123> / <@!123>.
_MENTION = re.compile(r"<@!?[A-Za-z0-9]+>|(?<![\w.])@[A-Za-z0-9_.-]{2,}")
_SPACES = re.compile(r"\s+")
_LOOKALIKES = str.maketrans({
    # Cyrillic and Greek letters that look Latin, written to dodge word filters.
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ո": "n", "ν": "v", "ο": "o", "α": "a", "ε": "e",
    "ι": "i", "κ": "k", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "А": "A", "В": "B", "Е": "E",
    "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "І": "I",
    "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Χ": "X", "Υ": "Y", "Ζ": "Z",
})

_HAS_LOOKALIKE = re.compile("[" + "".join(map(chr, _LOOKALIKES)) + "]")


def plain(text: str) -> str:
    """Styled, full-width, accented and look-alike letters folded to plain ones: "𝐜𝐡𝐞𝐜𝐤",
    "ｃｈｅｃｋ", "chéck" and "сhесk" (with Cyrillic letters) all read "check". Plain ASCII text
    comes back as it is."""
    if text.isascii():
        return text
    if _HAS_LOOKALIKE.search(text):  # translate() looks up every character: only when needed
        text = text.translate(_LOOKALIKES)
    text = unicodedata.normalize("NFKD", text)
    # Drop the combining marks NFKD split off (one look at each distinct character, not one
    # Python step per character: this runs on every non-ASCII text a scan scores).
    marks = [c for c in set(text) if c >= "\u0300" and _combining(c)]
    return text.translate(dict.fromkeys(map(ord, marks))) if marks else text


_COMBINING: dict[str, bool] = {}


def _combining(c: str) -> bool:
    known = _COMBINING.get(c)
    if known is None:
        known = _COMBINING[c] = bool(unicodedata.combining(c))
    return known


def links(text: str) -> list[str]:
    """Every link in a message, as written."""
    # Every link has a scheme ("://"), "www." or a path ("/"): most messages have none.
    if not text or ("/" not in text and "ww." not in text and "WW." not in text):
        return []
    return _LINK.findall(text)


def domain(link: str) -> str:
    """The host of a link, lower-case and without a leading "www."."""
    match = _HOST.match(link)
    host = (match.group(1) if match else link).lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def domains(text: str) -> list[str]:
    return [domain(link) for link in links(text)]


def domain_matches(host: str, listed: str) -> bool:
    """True when `host` is `listed` or one of its subdomains."""
    return host == listed or host.endswith("." + listed)


def mention_count(text: str) -> int:
    if not text or "@" not in text:
        return 0
    return len(_MENTION.findall(text))


def fingerprint(text: str) -> str:
    """The text with case and spacing folded: the same post pasted into several spaces."""
    return " ".join(text.lower().split())


def fingerprints(texts: list[str]) -> list[str]:
    """`fingerprint` of each text, folded in one go: the texts joined by NUL (neither white
    space nor a letter, so it splits no run of spaces and ends every word for `lower`), each
    run of white space made one space, split again at the NULs, and the one space a text's
    edge leaves beside a NUL dropped."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):  # a text holds a NUL of its own
        return [fingerprint(t) for t in texts]
    return [t.strip(" ") for t in " ".join(joined.lower().split()).split("\x00")][
        : len(texts)]


def excerpt(text: str | None, length: int = 80) -> str:
    """The start of a message on one line."""
    flat = _SPACES.sub(" ", (text or "").strip())
    return flat if len(flat) <= length else flat[: length - 1] + "…"
