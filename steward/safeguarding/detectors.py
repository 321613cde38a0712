"""What in a message's text is a safeguarding concern: lexicon terms and contact details.

`Detector.detect(text, audience, visibility)` returns one `Finding` per category, with its
severity after the space's risk setting is taken into account (and, for self-harm, who the
message is about and when: `selfharm.reading`), and the reasons that a lead reads in the flag.
Nothing here touches the store.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import phonenumbers

from steward.errors import StewardError
from steward.safeguarding import contact_formats, selfharm
from steward.safeguarding.lexicon import (
    BENIGN,
    DISCUSSION,
    PUBLIC_CONTACT,
    Lexicon,
    Matcher,
    normalise_batch,
    whole_matches,
)
from steward.safeguarding.policy import (
    CATEGORY_TITLES,
    check_phone_regions,
    raise_severity,
    severity_rank,
)
from steward.safeguarding.textmodel import ModelScore, TextModel, shipped_model
from steward.safeguarding.wordhash import FoundWords, WordLists, hashes_of, word_hashes

log = logging.getLogger(__name__)

RAISED_AUDIENCES = ("young_people", "vulnerable_adults")
PAST = "past"  # the indicator of lexicon sections about self-harm in the past ([medium past])
# Why a self-harm flag was lifted (selfharm.reading)
SELF_NOW = {
    selfharm.CURRENT: "the member speaks of dying or harming themselves now",
    selfharm.PLAN: "the member speaks of dying or harming themselves, with a time near at hand",
}
# Categories where a public space makes it worse: anyone can read it.
RAISED_WHEN_OPEN = ("contact_details", "sexual_content")
MAX_PHONE_CANDIDATES = 50

_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d \-().]{6,18}\d(?!\d)")
_EMAIL = contact_formats.EMAIL
_POSTCODE = re.compile(
    r"\b(?:[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}"
    r"|[a-z]{1,2}\d[a-z\d]? \d[abd-hjlnp-uw-z]{2})\b"
)
_STREETS = (
    "Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Crescent|Cres|Court|Ct|Place|Pl|"
    "Gardens|Grove|Terrace|Hill|Park|Row|Walk|Mews|Square|Sq|View|Rise|Green"
)
# Words that are never part of a street's name but often sit between a number and "way",
# "close" or "st" in chat.
_NOT_STREET_NAME = (
    "(?:the|a|an|of|in|on|at|to|my|your|ur|our|his|her|their|its|is|was|are|were|be|so|very|"
    "really|too|quite|pretty|more|less|and|or|for|with|by|from|mins?|minutes?|hrs?|hours?|"
    "days?|weeks?|months?|years?|times?|people|of|goals?|points?|nil|all|just|still|way|no|"
    "not|im|i|we|you|u|they|it|that|this|get|got|go|going|come|coming|outside|near|behind|"
    "past|opposite|round|around|up|down|off|out|over|ever|best|worst|greatest|last|next|first|"
    "am|pm|ne|any|some|every|either|which|what|whatever|other|another|same|long|right|wrong|"
    # units before "walk", "view" or "place" ("2 mile walk", "5 star view")
    "secs?|seconds?|miles?|km|k|metres?|meters?|yards?|steps?|stars?|us|them|me|him|second|"
    "third|top)"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,4}}[A-Za-z]?,? (?:[A-Z][a-z'’]+ ){{1,3}}(?:{_STREETS})\b"
    r"|\b\d{1,4}[a-z]?,? (?:[a-z'’]+ ){1,3}(?:road|street|lane|avenue|crescent|drive|gardens|"
    r"terrace|grove|mews)\b"
    # written in lower case with a short street word ("14 elm rd", "3 mill way"): the words
    # between are a name's, not chat's ("2 people on the way", "3 goals in the park")
    rf"|\b\d{{1,4}}[a-z]?,? (?:(?!{_NOT_STREET_NAME}\b)[a-z'’]+ ){{1,3}}"
    r"(?:rd|ave|st|court|ct|cres|dr|ln|view|rise|walk|place|parade|square|hill|vale|row|"
    r"(?:close|way)(?! (?:to|by|friends?|call|one|too|more|"
    r"better|worse|less|enough|up|down|off|back|out|over|of|home|round|in|bigger|longer|harder|"
    r"easier|cooler|faster)\b))\b"
    # Welsh: the street word comes first ("12 Heol y Bont", "4 Stryd Fawr")
    r"|\b\d{1,4}[A-Za-z]?,? (?i:heol|stryd|ffordd|lôn|lon|cilgant|rhodfa|clos|teras|maes|"
    r"rhes|ystad|llwyn|bryn|sgwâr|sgwar|tan y|pen y|cae)\b ?(?:[A-Za-zâêîôûŵŷ'’]+)"
)
# The apps where a handle reaches someone privately (CEOP/Thinkuknow's list of apps children
# are asked to add each other on); "x" alone is too common a word but in "my x is …".
_APPS = (r"insta(?:gram)?|ig|snap(?:chat|code)?|sc|tik ?tok|twitter|kik|telegram|discord|wickr|"
         r"signal|twitch|roblox|xbox|psn|steam|threads|bereal|yubo|wizz|whatsapp")
_PLATFORMS = rf"(?:{_APPS}|x)"
# the apps whose names are no ordinary words, for a handle some words after the name
_AT_APPS = r"insta(?:gram)?|ig|snap(?:chat|code)?|sc|tik ?tok|twitter|kik|telegram|discord|wickr"
# a handle has a digit or _, or a dot between letters ("lily.rose"), and is not "e.g."
_HANDLE_NAME = (r"(?=[A-Za-z0-9_.]*(?:[0-9_]|\.[A-Za-z0-9]))(?![a-z]\.[a-z]\.?\b)"
                r"[A-Za-z][A-Za-z0-9_.]{2,29}\b")
_HANDLE = re.compile(
    rf"(?:\b(?:{_AT_APPS})\b|\b(?:add|follow|dm|message) me\b)[^@\n]{{0,25}}@[A-Za-z0-9_.]{{2,30}}"
    rf"|\bmy {_PLATFORMS}(?: name| username| handle| id| tag)? is @?[A-Za-z0-9_.]{{3,30}}"
    # "snap: jess_x22", "insta - lily.r", "sc is tom_99"
    rf"|\b(?:{_APPS})\s*(?:[:=\-]|\bis\b|\bits\b|'s|’s)\s*@?{_HANDLE_NAME}"
    # "snap 👻 jess_x22", "ig » lily.r": an emoji or arrow between (not a version, "v2.1")
    rf"|\b(?:{_AT_APPS})\s*(?:[^\x00-\x7f\w\s]|>)+\s*@?(?![vV]\d){_HANDLE_NAME}"
    # "add me on snap jess_x22", "kik me jess_x", "dm me on insta lily.rose"
    rf"|\b(?:{_APPS})(?: me)?\s+@?{_HANDLE_NAME}",
    re.IGNORECASE,
)
# the handle first: "@lily.rose on tiktok", "im jess_x22 on snap" (not a version, "v2.1"); found
# from the app's name back, which is rare, rather than from every word
_ON_APP = re.compile(rf"\s(?:on|in)\s+(?:{_AT_APPS})\b", re.IGNORECASE)
_HANDLE_BEFORE = re.compile(rf"(?:@[A-Za-z0-9_.]{{2,30}}|(?![vV]\d){_HANDLE_NAME})")
_DIGIT = re.compile(r"\d")
PHONE_DIGITS = 7  # the hint's phone number has seven digits or more
PHONE_WORDS = 6  # ... or six digit words ("oh seven seven double oh nine …")
# Every contact detail needs a digit or an "@", except a handle after an app's name ("my snap is
# …"), and a number or e-mail address in words (_SPELT, below).
_DIGIT_OR_AT = re.compile(r"[0-9@][^\x00]*")
_MY_PLATFORM = re.compile(
    rf" my (?:{_APPS}|tik tok|x) | (?:{_APPS}) [a-z0-9_@]| (?:on|in) (?:{_APPS}) "
    # a Telegram or WhatsApp link offered as one's own: "add me t.me/lilyrose"
    r"| (?:(?:add|follow|dm|message|msg|text|hmu|find) me|my) (?:[^ \x00]+ ){0,6}(?:t|wa) me "
    r"[a-z0-9]"
)
# ... or a phone number in words ("oh seven seven …") or an e-mail address with "at" and "dot"
# in words: a run of digit words, or "dot" or a mail provider's name.
_DIGIT_WORDS = ("zero", "oh", "o", "nought", "nil", "one", "two", "three", "four", "five", "six",
                "seven", "eight", "nine", "double", "triple", "treble", "hundred", "thousand")
_MAIL_WORDS = ("dot", "mail", *contact_formats.MAIL_PROVIDERS)  # "mail": "g mail", "gee mail"
_SPELT = re.compile(rf" (?:{'|'.join(_MAIL_WORDS)}) "
                    rf"|(?: (?:{'|'.join(_DIGIT_WORDS)})(?= )){{{PHONE_WORDS}}}")

# What a text needs (normalised: lower case, punctuation as single spaces) before the contact
# detail patterns above can find anything in it; a quick pass over the whole batch that lets
# most messages skip them. Each alternative is looser than the pattern it stands for.
_STREET_WORDS = (
    _STREETS.lower() + "|heol|stryd|ffordd|lôn|lon|cilgant|rhodfa|clos|teras|maes|rhes|ystad|"
    "llwyn|bryn|sgwâr|sgwar|tan|pen|cae"
)
_CONTACT_HINT = re.compile(
    r"\d(?: ?\d){6}"  # a phone number: seven digits or more, with separators
    r"|[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}"  # a postcode
    # a phone number with digit words or look-alike letters among the digits ("07seven…",
    # "O77OO 9OO…"): a digit and nine more digit-like characters or words
    rf"|\d(?: ?(?:\d|{'|'.join(_DIGIT_WORDS)}|l|i)){{9}}"
    # an outward postcode or a house number after a cue ("i live in ls6",
    # "i live at number 14", "postcode is ls6", "my house number is 7")
    r"| (?:live|lives|living|staying|postcode|post code|house|flat) "
    rf"|\d{{1,4}}[a-z]? (?:[^ \x00]+ ){{0,3}}(?:{_STREET_WORDS})s? "  # a street address
    rf"| (?:{_STREET_WORDS}) (?:number|no|num) ?\d"  # ... with the house number after it
    rf"| {_PLATFORMS}s? "  # a handle after a platform's name
    r"| t me [a-z]"  # a Telegram link, t.me/name
    r"| 07\d{2,4} [a-z]+ (?:[a-z]+ )?\d{3,7} "  # a mobile number split by a word or two
)


# Whole words one of which every match of _MY_PLATFORM, and of the handle and address parts of
# _CONTACT_HINT, holds: the batch's words are looked up by hash (wordhash), so most texts with
# a digit skip the hint's regular expression.
_PLATFORM_WORDS = ("insta", "instagram", "ig", "snap", "snapchat", "snapcode", "sc", "tik",
                   "tiktok", "twitter", "kik", "telegram", "discord", "wickr", "signal", "twitch",
                   "roblox", "xbox", "psn", "steam", "threads", "bereal", "yubo", "wizz",
                   "whatsapp", "x")
_CUE_WORDS = ("live", "lives", "living", "staying", "postcode", "post", "house", "flat")
_HINT_WORDS = sorted({w for word in (*_PLATFORM_WORDS, *_STREET_WORDS.split("|")) for w in
                      (word, word + "s")} | set(_CUE_WORDS))
_LINK_WORDS = ("t", "wa")  # of "t.me/…" and "wa.me/…", read with _MY_PLATFORM as a platform's
# One list, looked up once, in four parts by position: hint words that are no platform's name,
# platform names (hint words too) and link words, digit words, mail words.
_CONTACT_WORD_LIST = (*(w for w in _HINT_WORDS if w not in _PLATFORM_WORDS), *_PLATFORM_WORDS,
                      *_LINK_WORDS, *_DIGIT_WORDS, *_MAIL_WORDS)
_PLATFORM_AT = len(_CONTACT_WORD_LIST) - len(_MAIL_WORDS) - len(_DIGIT_WORDS) - len(
    _PLATFORM_WORDS) - len(_LINK_WORDS)
_LINK_WORD_AT = _PLATFORM_AT + len(_PLATFORM_WORDS)
_DIGIT_WORD_AT = _LINK_WORD_AT + len(_LINK_WORDS)
_MAIL_WORD_AT = _DIGIT_WORD_AT + len(_DIGIT_WORDS)
_CONTACT_LISTS = {"contact": hashes_of(_CONTACT_WORD_LIST)}
_CONTACT_WORDS = WordLists(_CONTACT_LISTS)
_DIGIT_BYTES = np.zeros(256, dtype=bool)
_DIGIT_BYTES[list(b"0123456789")] = True
_LETTER_BYTES = np.zeros(256, dtype=bool)
_LETTER_BYTES[list(b"abcdefghijklmnopqrstuvwxyz")] = True


def _contact_candidates(words: str, starts: list[int], data: np.ndarray | None = None,
                        hashed: tuple | None = None, found: FoundWords | None = None,
                        breaks: np.ndarray | None = None) -> set[int]:
    """The positions of the texts (in `normalise_many` form; `data` the same as UTF-8 bytes,
    `hashed` their `word_hashes`, `found` those looked up in lists that include those of
    `_CONTACT_LISTS`, `breaks` where its NULs are) that may share a contact detail: those with an
    "@", those with a digit and a hint of a number, postcode, address or handle, "my snap is …",
    and those with a run of digit words or a word of a spelt-out e-mail ("dot", "gmail"); a
    text in full-width or styled characters is read folded to plain ones.

    The hint's regular expression reads only the texts with a digit that could match it:
    seven digits or more (a phone number), a letter just before a digit (a postcode), or a
    street or platform word (an address, a handle)."""
    raw = np.frombuffer(words.encode("utf-8"), dtype=np.uint8) if data is None else data
    hashes, word_texts, count, _heads = word_hashes(words, raw) if hashed is None else hashed
    if found is None:
        found = _CONTACT_WORDS.find(hashes)
    ends = [*starts[1:], len(words)]
    listed = found["contact"]
    hit = np.flatnonzero(listed >= 0)
    at, hit_texts = listed[hit], word_texts[hit]
    out = set(hit_texts[at >= _MAIL_WORD_AT].tolist())
    spelt = np.bincount(hit_texts[(at >= _DIGIT_WORD_AT) & (at < _MAIL_WORD_AT)],
                        minlength=count)
    for i in np.flatnonzero(spelt >= PHONE_WORDS).tolist():
        if _SPELT.search(words, starts[i], ends[i]):
            out.add(i)
    for i in set(hit_texts[(at >= _PLATFORM_AT) & (at < _DIGIT_WORD_AT)].tolist()):
        if _MY_PLATFORM.search(words, starts[i], ends[i]):
            out.add(i)
    if breaks is None:
        breaks = np.flatnonzero(raw == 0)
    if not words.isascii():
        out |= _styled_candidates(words, starts, raw, breaks)
    at_sign = np.flatnonzero(raw == 64)
    out.update(np.searchsorted(breaks, at_sign).tolist())
    digits = np.flatnonzero(_DIGIT_BYTES[raw])
    if not digits.size:
        return out
    digit_texts = np.searchsorted(breaks, digits)
    per_text = np.bincount(digit_texts, minlength=count)
    hinted = per_text + spelt >= PHONE_DIGITS  # digits, and digit words among them
    hinted[digit_texts[_LETTER_BYTES[raw[np.maximum(digits - 1, 0)]] & (digits > 0)]] = True
    hinted[hit_texts[at < _LINK_WORD_AT]] = True  # (a link word needs _MY_PLATFORM's offer)
    hint = _CONTACT_HINT.search
    for i in np.flatnonzero(hinted & (per_text > 0)).tolist():
        if i not in out and hint(words, starts[i], ends[i]):
            out.add(i)
    return out


def _styled_candidates(words: str, starts: list[int], raw: np.ndarray,
                       breaks: np.ndarray) -> set[int]:
    """The texts with full-width or styled letters and digits ("０７７００", "𝟎𝟕𝟕𝟎𝟎", "ｊｅｓｓ")
    that `_contact_candidates` lets through once NFKC folds them to plain ones."""
    # their UTF-8 lead bytes: EF BC/BD (U+FF00-FF7F, full-width forms), F0 9D (U+1D000-1DFFF,
    # the mathematical letters and digits)
    lead = np.flatnonzero(((raw[:-2] == 0xEF) & ((raw[1:-1] == 0xBC) | (raw[1:-1] == 0xBD)))
                          | ((raw[:-2] == 0xF0) & (raw[1:-1] == 0x9D)))
    if not lead.size:
        return set()
    ends = [*starts[1:], len(words)]
    styled = np.unique(np.searchsorted(breaks, lead)).tolist()
    batch = normalise_batch([unicodedata.normalize("NFKC", words[starts[i]:ends[i]])
                             for i in styled])
    return {styled[i] for i in _contact_candidates(batch.words, batch.starts, batch.data,
                                                   breaks=batch.breaks)}


# Base severity of each kind of contact detail; two or more kinds together raise it.
CONTACT_KINDS = {
    "phone number": "medium",
    "street address": "medium",
    "email address": "low",
    "postcode": "low",
    "social handle": "low",
}


@dataclass(frozen=True)
class Finding:
    category: str
    severity: str
    reasons: tuple[str, ...]  # matched patterns and why the severity is what it is


_SHIPPED = object()


class Detector:
    """Lexicon matching, the text model and contact details, built once and used for many
    messages.

    The text model (`text_model`, by default the shipped one; None for lexicons only) scores
    the messages its quick prescreen picks that hold no benign phrase; where it scores a
    category the lexicons missed above that category's threshold, it raises a flag at the
    severity its score reaches (low or medium; self-harm low or high)."""

    def __init__(
        self,
        lexicons: Iterable[Lexicon],
        phone_regions: Iterable[str] = ("GB",),
        ignored_numbers: Iterable[str] = (),
        text_model: TextModel | None = _SHIPPED,
    ):
        self.model = shipped_model() if text_model is _SHIPPED else text_model
        self.matcher = _matcher(tuple(lexicons))
        # (category, fingerprint) of messages a lead closed as not a concern (learning.py)
        self.look_alikes: list[tuple[str, frozenset[int]]] = []
        self._lists: tuple[bool, WordLists] | None = None
        self.regions = check_phone_regions(list(phone_regions))
        self.ignored_numbers = {_digits(n) for n in ignored_numbers}

    def detect(
        self, text: str | None, audience: str = "general", visibility: str = "closed",
        contact_details: bool = True,
    ) -> list[Finding]:
        """Every category this text raises, with severity adjusted for the space."""
        return self.detect_many([text], [(audience, visibility, contact_details)]).get(0, [])

    def detect_many(
        self, texts: list[str | None],
        settings: Callable[[int], tuple[str, str, bool]] | list[tuple[str, str, bool]],
    ) -> dict[int, list[Finding]]:
        """Findings for many texts at once, by position (texts with none are left out).

        `settings(i)` (or `settings[i]`) is (audience, visibility, look for contact details)
        for `texts[i]`; it is asked only for texts that may raise something."""
        setting = settings if callable(settings) else settings.__getitem__
        batch = normalise_batch([t or "" for t in texts])
        words, starts = batch.words, batch.starts
        # every word of the batch hashed and looked up once, for the lexicon's first pass,
        # the contact hint and the model's prescreen
        hashed = word_hashes(words, batch.data, batch.breaks)
        found = self._word_lists().find(hashed[0])
        per_text = self.matcher.find_per_text(words, starts, hashed, found)
        candidates = _contact_candidates(words, starts, batch.data, hashed, found,
                                         batch.breaks)
        model_flags = self._model_flags(words, starts,
                                        self._woken(words, batch.data, hashed, found))
        # the benign and context phrases of texts that raise something another way
        per_text |= self.matcher.read(words, starts,
                                      (candidates | model_flags.keys()) - per_text.keys())
        matches = {i: whole_matches(words, hits) for i, hits in per_text.items() if hits}
        for i in [i for i in model_flags if any(
                term.category == BENIGN for _s, _e, term in matches.get(i, ()))]:
            del model_flags[i]  # a benign phrase silences the model
        out: dict[int, list[Finding]] = {}
        last = len(starts) - 1
        for i in sorted(per_text.keys() | candidates | model_flags.keys()):
            audience, visibility, contact_details = setting(i)
            found = matches.get(i, ())
            raw = _lexicon_findings(words, found)
            if not contact_details:  # staff and bots: their contact details are no concern
                raw.pop("contact_details", None)
            contexts = {term.category for _s, _e, term in found
                        if term.category in (DISCUSSION, PUBLIC_CONTACT)}
            for score in model_flags.get(i, ()):
                if score.category not in raw:
                    raw[score.category] = (score.severity, [_model_reason(score)], {"model"})
            if contact_details and i in candidates:
                kinds = self.contact_kinds(texts[i] or "")
                if kinds:
                    best = max((CONTACT_KINDS[k] for k in kinds), key=severity_rank)
                    shares = [f"shares a {k}" for k in kinds]
                    listed = raw.get("contact_details")
                    if listed and severity_rank(listed[0]) > severity_rank(best):
                        # a word list ranks it higher ("add me on snap"): that finding
                        # stands, with the kinds it shares named
                        raw["contact_details"] = (listed[0], shares + listed[1], listed[2])
                    else:
                        raw["contact_details"] = (best, shares, set(kinds))
            if raw:
                reading = None
                if "self_harm" in raw:
                    reading = selfharm.reading(
                        words[starts[i]:starts[i + 1] - 1 if i < last else len(words)],
                        "model" in raw["self_harm"][2])
                out[i] = [
                    _adjust(category, severity, reasons, len(indicators - {PAST}), audience,
                            visibility, contexts, PAST in indicators,
                            reading if category == "self_harm" else None)
                    for category, (severity, reasons, indicators) in raw.items()
                ]
                if self.look_alikes:
                    out[i] = self._lower_look_alikes(texts[i] or "", out[i])
        return out

    def model_context(self, texts: list[str]) -> list[tuple[frozenset[str], bool, bool]]:
        """What the lexicons leave a text model flag on each text: the categories they raise
        themselves (a model flag there is not used), whether a benign phrase silences the
        model, and whether the text reads as training, news or policy talk (a model flag is
        low there). For choosing the model's thresholds on the look-alikes it would flag."""
        batch = normalise_batch(texts)
        words, starts = batch.words, batch.starts
        hits = self.matcher.read(words, starts, range(len(texts)))
        out = []
        for i in range(len(texts)):
            found = whole_matches(words, hits[i])
            kinds = {term.category for _s, _e, term in found}
            out.append((frozenset(_lexicon_findings(words, found)), BENIGN in kinds,
                        DISCUSSION in kinds))
        return out

    def _word_lists(self) -> WordLists:
        """The word lists of the lexicon's single-word keys, the contact hint and the text
        model, in one set (made on first use, and again if the model could not load)."""
        model = self.model is not None
        if self._lists is None or self._lists[0] != model:
            self._loaded_model()  # or None, if it cannot load
            lists = {**self.matcher.word_lists(), **_CONTACT_LISTS}
            if self.model is not None:
                lists |= self.model.word_lists()
            self._lists = (self.model is not None, WordLists(lists))
        return self._lists[1]

    def _woken(self, words: str, data: np.ndarray | None = None, hashed: tuple | None = None,
               found: FoundWords | None = None) -> set[int]:
        """The texts the text model's prescreen picks (none without a model)."""
        model = self._loaded_model()
        if model is None:
            return set()
        return set(model.woken(words, data, hashed, found).tolist())

    def _loaded_model(self) -> TextModel | None:
        """The text model with its arrays loaded, or None (none, or a broken model file: the
        lexicons carry on without it)."""
        if self.model is not None:
            try:
                self.model.prescreen()  # loads the arrays
            except StewardError:
                log.exception("safeguarding text model not loaded; using the lexicons only")
                self.model = None
        return self.model

    def _model_flags(self, words: str, starts: list[int], woken: set[int]
                     ) -> dict[int, list[ModelScore]]:
        """The text model's flags for the texts its prescreen picked (`woken`), scored
        together (by position in the batch)."""
        if self.model is None or not woken:
            return {}
        woken = sorted(woken)
        ends = [*starts[1:], len(words) + 1]
        flags = self.model.flags([words[starts[i]:ends[i] - 1].strip() for i in woken])
        return {woken[j]: scores for j, scores in flags.items()}

    def _lower_look_alikes(self, text: str, findings: list[Finding]) -> list[Finding]:
        """A finding like a message a lead closed as not a concern in its category is low."""
        from steward.safeguarding.learning import alike, fingerprint

        mine = fingerprint(text)
        out = []
        for f in findings:
            if f.severity != "low" and any(
                    category == f.category and alike(mine, known)
                    for category, known in self.look_alikes):
                f = Finding(f.category, "low", (*f.reasons, "like a message a lead closed as "
                                                 "not a concern (no further action)"))
            out.append(f)
        return out

    def contact_kinds(self, text: str) -> list[str]:
        """The kinds of personal contact details in the text, in a stable order."""
        kinds = []
        if not text.isascii():  # full-width and styled letters and digits read as plain
            text = unicodedata.normalize("NFKC", text)
        digits = _has_digit(text)
        if (digits and self._has_phone(text)) or self._has_spelt_phone(text):
            kinds.append("phone number")
        if ("@" in text and _EMAIL.search(text)) or contact_formats.has_spelt_email(text):
            kinds.append("email address")
        if digits and (_ADDRESS.search(text) or contact_formats.has_house_number(text)):
            kinds.append("street address")
        if digits and (_POSTCODE.search(text) or contact_formats.has_cued_postcode(text)):
            kinds.append("postcode")
        if (_HANDLE.search(_EMAIL.sub(" ", text) if "@" in text else text)
                or _has_handle_before_app(text) or contact_formats.has_handle_shape(text)):
            kinds.append("social handle")
        return kinds

    def _has_spelt_phone(self, text: str) -> bool:
        """A phone number in digit words, look-alike letters, with odd separators, slashes or
        a word between its groups (read again only when writing it in digits changes the
        text)."""
        digits = contact_formats.digitised(contact_formats.closed_up(text))
        return digits != text and self._has_phone(digits)

    def _has_phone(self, text: str) -> bool:
        for n, match in enumerate(_PHONE.finditer(text)):
            if n >= MAX_PHONE_CANDIDATES:
                break
            candidate = match.group(0)
            digits = _digits(candidate)
            if len(digits) < 7 or digits in self.ignored_numbers:
                continue
            for region in self.regions:
                try:
                    number = phonenumbers.parse(candidate, region)
                except phonenumbers.NumberParseException:
                    continue
                if phonenumbers.is_valid_number(number):
                    return True
                # Fictional and reserved ranges (e.g. Ofcom's 07700 900xxx) are still numbers.
                national = str(number.national_number)
                if (
                    candidate.lstrip("(").startswith(("0", "+"))
                    and len(national) >= 9
                    and phonenumbers.is_possible_number(number)
                ):
                    return True
        return False


@functools.lru_cache(maxsize=4)
def _matcher(lexicons: tuple[Lexicon, ...]) -> Matcher:
    """One automaton per set of lexicons (building one takes about a second; a scan, its
    rescans and the next scan share it). A Matcher is not changed once built."""
    return Matcher(lexicons)


def _lexicon_findings(words: str, hits) -> dict[str, tuple[str, list[str], set[str]]]:
    """Per category: the highest severity, the patterns matched (with the words that matched
    them) and the distinct indicators, leaving out matches a benign phrase explains away."""
    benign = [(s, e) for s, e, term in hits if term.category == BENIGN]
    raw: dict[str, tuple[str, list[str], set[str]]] = {}
    for start, end, term in hits:
        if term.category in (BENIGN, DISCUSSION, PUBLIC_CONTACT):
            continue
        # a benign phrase sharing any word with the match explains it away
        if any(max(bs, start) < min(be, end) for bs, be in benign):
            continue
        best, reasons, indicators = raw.get(term.category, ("low", [], set()))
        if severity_rank(term.severity) > severity_rank(best):
            best = term.severity
        reason = f"“{words[start:end + 1].strip()}” (pattern “{term.pattern}”)"
        if reason not in reasons:
            reasons.append(reason)
        indicators.add(term.indicator)
        raw[term.category] = (best, reasons, indicators)
    return raw


def _model_reason(score: ModelScore) -> str:
    title = CATEGORY_TITLES[score.category].lower()
    words = ", ".join(f"“{w}”" for w in score.words)
    return (f"text model: close to messages about {title}, score {score.score:.2f}"
            + (f" (words: {words})" if words else ""))


def _has_handle_before_app(text: str) -> bool:
    for match in _ON_APP.finditer(text):
        before = text[:match.start()].rsplit(None, 1)
        if before and _HANDLE_BEFORE.fullmatch(before[-1]):
            return True
    return False


_NOT_DIGITS = bytes(c for c in range(256) if not 48 <= c <= 57)


def _has_digit(text: str) -> bool:
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _NOT_DIGITS))
    return _DIGIT.search(text) is not None


def _digits(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits[2:] if digits.startswith("44") and len(digits) > 10 else digits.lstrip("0")


def _adjust(
    category: str, severity: str, reasons: list[str], indicators: int, audience: str,
    visibility: str, contexts: set[str] = frozenset(), past: bool = False,
    reading: str | None = None,
) -> Finding:
    why = list(reasons)
    now = reading in (selfharm.CURRENT, selfharm.PLAN)
    if reading == selfharm.PAST or (past and not now and severity != "critical"):
        # past or managed: medium (a word list's low finding stays low)
        if reading == selfharm.PAST or severity_rank(severity) > severity_rank("medium"):
            severity = "medium"
        why.append("about self-harm in the past or managed now")
    if DISCUSSION in contexts:
        # training, news or policy: low, and a critical phrase inside it medium, never high
        severity = "medium" if severity == "critical" else "low"
        why.append("reads as talk about training, news, policy or history")
        return Finding(category, severity, tuple(why))
    if now:
        # Samaritans/NSPA, C-SSRS: a member speaking of dying or harming themselves now is
        # answered promptly (high), even after a time clean; with a time near at hand it is a
        # plan (critical)
        floor = "critical" if reading == selfharm.PLAN else "high"
        if severity_rank(severity) < severity_rank(floor):
            severity = floor
            why.append(SELF_NOW[reading])
    if category == "contact_details" and PUBLIC_CONTACT in contexts:
        why.append("reads as an organisation's public contact details")
        return Finding(category, "low", tuple(why))
    steps = 0
    if indicators >= 2 and reading not in (selfharm.PAST, selfharm.CURRENT):
        steps += 1
        why.append(f"{indicators} different warning signs together")
    if audience in RAISED_AUDIENCES:
        # Every finding with the detector's own evidence is raised here, the text model's
        # lowest band too: on the tuning sets that band held more real concerns than
        # look-alikes (42 to 30 in 2026-12; among them an overdose taken and a child's
        # disclosure of sexual abuse no word list caught), and a child's should not wait three
        # days. Look-alikes are quietened at their cause (benign.txt, bare lexicon entries);
        # training, news and policy talk returned above, unraised: it is about others.
        steps += 1
        why.append(f"posted in a {audience.replace('_', ' ')} space")
    if visibility == "open" and category in RAISED_WHEN_OPEN:
        steps += 1
        why.append("posted in an open space")
    return Finding(category, raise_severity(severity, steps), tuple(why))
