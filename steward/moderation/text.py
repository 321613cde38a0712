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


# Leetspeak: digits and symbols written for letters to dodge word filters ("ch3ck 0ut my
# ch4nnel", "subscr1be", "fr33 g1ftcard", "$ub to me"). One character for one, so a match in
# the folded text quotes the same span of the text as written. "1" reads "i" or "l" by its
# neighbours (`_one`).
_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
         "|": "l", "!": "i"}
# A letter beside a digit or symbol that could stand for one: where a folded token may be.
_BESIDE = r"[a-z][013457-8@$|]|[013457-8@$|][a-z]|[a-z]![a-z]"
_HINT = re.compile(_BESIDE, re.IGNORECASE)
# A whole token that may fold (letters, those digits and symbols, an apostrophe, punctuation at
# its edges), for a google-re2 set that says which texts `unleet` need look at.
_EDGE = r"[.,!?;:\"'()\[\]{}<>*~|-]*"
_KEEPS = r"[a-z'013457-8@$|!]*"
LEET_HINT = r"(?:^|\s)" + _EDGE + _KEEPS + r"(?:" + _BESIDE + r")" + _KEEPS + _EDGE + r"(?:\s|$)"
_SPLIT = re.compile(r"(\s+)")  # tokens, and the white space between them kept
# what a folded token holds (a token with "/", ".", "#", "_", "2", "6" or "9" is not leetspeak)
_LEET_CHARS = re.compile(r"[a-z'013457-8@$|!]+", re.IGNORECASE)
_EDGES = ".,!?;:\"'()[]{}*~<>|-"
_LETTER = re.compile(r"[a-z]", re.IGNORECASE)
# Tokens that mix letters and digits and mean what they say: ordinals, times, amounts and
# units ("2nd", "5pm", "10k", "3yo", "150ml"), rooms and groups ("4b", "y6", "js2"), codes
# and models ("mp3", "ps5", "a4", "b12", "4x4"), and text-speak whose letters are no disguise.
# (Digits no letter is written as, 2, 6 and 9, keep a token as it is: "h2o", "y2k", "covid19".)
_LEGIT = re.compile(
    r"\d+(?:[a-z]|st|nd|rd|th|am|pm|pp|pw|pcm|hr|hrs|hz|mins?|secs?|yo|yrs?|kg|mg|ml|km|cm|mm|"
    r"ft|mph|gb|mb|tb|bn|ish|er|ers|days?|wks?|mos?)"
    r"|\d{2,}[a-z]+|[a-z]{1,2}\d|[a-z]\d+|\d+[a-z]\d+"
    r"|gr8|l8r|l8|sk8|str8|h8|4u|4ever|4get|4eva|1der|w8n|b4n",
    re.IGNORECASE)
# A UK postcode ("sw1a 1aa", "ls7 4ab"): its second half reads like a folded word ("4ab").
_POSTCODE = re.compile(r"\b[a-z]{1,2}\d[a-z\d]?\s+\d[a-z]{2}\b", re.IGNORECASE)
_VOWELS = frozenset("aeiouAEIOU")


def unleet(text: str) -> str:
    """Digits and symbols folded to the letters they stand for, inside tokens that mix them
    with letters: "ch3ck 0ut my ch4nnel" reads "check out my channel", "$ub" "sub". Plain
    numbers, prices, times, dates, phone numbers, postcodes, links, e-mail addresses,
    handles, hashtags, cashtags ("$SOL") and everyday tokens ("5pm", "2nd", "4b", "y6", "mp3",
    "gr8", "covid19") stay as written. Same length as the text. A caller that scans many
    texts asks first whether `LEET_HINT` matches, in its google-re2 set (one pass for all)."""
    changes = {}
    for token in text.split():
        if not token.isalpha() and _HINT.search(token):  # most tokens are plain words
            core = token.strip(_EDGES)
            folded = _fold(core) if core else None
            if folded is not None:
                changes[token] = token.replace(core, folded, 1)
    if not changes:
        return text
    folded_text = "".join(changes.get(part, part) for part in _SPLIT.split(text))
    for match in _POSTCODE.finditer(text):  # a postcode stays as written ("LS7 4AB")
        a, b = match.span()
        folded_text = folded_text[:a] + text[a:b] + folded_text[b:]
    return folded_text


def _fold(core: str) -> str | None:
    """One token folded, or None when it is not leetspeak."""
    if (not _LEET_CHARS.fullmatch(core) or core[0] == "@" or _LEGIT.fullmatch(core)
            or (core[0] == "$" and (core[1:2].isdigit() or core[1:].isupper()))):
        return None  # a symbol of its own, a handle, an everyday token, a price, a cashtag
    if not _LETTER.search(core) or core.isalpha():
        return None
    out = []
    for i, c in enumerate(core):
        if c == "1":
            c = _one(core, i)
        out.append(_LEET.get(c, c))
    return "".join(out)


def _one(token: str, i: int) -> str:
    """"1" as "l" beside another "1" or "l", before a vowel, after one, or ending a word
    ("fo11ow", "1ike", "he1p", "channe1"), otherwise "i" ("subscr1be", "v1sit", "g1ft")."""
    before = token[i - 1] if i else ""
    after = token[i + 1] if i + 1 < len(token) else ""
    if before in ("1", "l", "L") or after in ("1", "l", "L") or after in _VOWELS:
        return "l"
    if before in _VOWELS or (before.isalpha() and not after.isalpha()):
        return "l"
    return "i"


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
