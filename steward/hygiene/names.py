"""People's names for matching: normalised tokens, nickname groups, contact-detail keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import jellyfish

from steward.resources import resource_path

_SEPARATORS = re.compile(r"[\s_.,/()\[\]\"]+")
_JOINERS = re.compile(r"[-'’]")


class Name(NamedTuple):
    """A name cut into a first and a last part, each lower-case without accents."""

    first: str
    last: str | None  # None when the name has a single part (王小明, "Olivia")


def fold(text: str) -> str:
    """Lower-case, accents removed, letters of any script kept (Zoë → zoe, 王 stays)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=262_144)
def parse_name(display: str | None) -> Name | None:
    """First and last part of a display name; None when it is not a person's name
    (empty, a handle with digits, only emoji)."""
    if not display:
        return None
    tokens = []
    for raw in _SEPARATORS.split(fold(display)):
        token = _JOINERS.sub("", raw)
        if not token:
            continue
        if any(ch.isdigit() for ch in token):
            return None  # "olivia123", "sunny_day99": a handle, not a name
        token = "".join(ch for ch in token if ch.isalpha())
        if token:
            tokens.append(token)
    if not tokens:
        return None
    if len(tokens) == 1:
        return Name(tokens[0], None)
    return Name(tokens[0], tokens[-1])


@lru_cache(maxsize=1)
def nickname_groups() -> dict[str, frozenset[int]]:
    """Each given name or short form → the groups (line numbers) it belongs to."""
    groups: dict[str, set[int]] = {}
    path = resource_path("hygiene", "nicknames.csv")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for name in line.split(","):
            groups.setdefault(fold(name.strip()), set()).add(number)
    return {name: frozenset(ids) for name, ids in groups.items()}


@lru_cache(maxsize=65536)
def are_nicknames(a: str, b: str) -> bool:
    """True when one name is a usual short form of the other (bob / robert)."""
    groups = nickname_groups()
    return bool(groups.get(a, frozenset()) & groups.get(b, frozenset()))


@lru_cache(maxsize=65536)
def first_name_keys(first: str) -> frozenset[str]:
    """Initials a first name blocks under: its own and those of the names it pairs with."""
    keys = {first[0]}
    groups = nickname_groups().get(first)
    if groups:
        keys |= {name[0] for name, ids in nickname_groups().items() if ids & groups}
    return frozenset(keys)


@lru_cache(maxsize=65536)
def sound_key(word: str) -> str:
    """Metaphone of a name part; the folded word itself for scripts metaphone cannot read."""
    if word.isascii():
        key = jellyfish.metaphone(word)
        if key:
            return key
    return word


@lru_cache(maxsize=262_144)
def handle_key(handle: str | None) -> str | None:
    """A handle as compared across platforms: lower-case letters and digits, at least 4."""
    if not handle:
        return None
    key = "".join(ch for ch in fold(handle).lstrip("@") if ch.isalnum())
    return key if len(key) >= 4 else None


def email_key(email_normalised: str | None) -> str | None:
    """An address as compared for matching: sub-address tags (+news) dropped."""
    if not email_normalised or "@" not in email_normalised:
        return None
    local, _, domain = email_normalised.rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"
