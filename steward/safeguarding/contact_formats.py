"""The written shapes of a personal contact detail that the plain patterns in detectors.py miss.

Built from the formats, not from examples: how a phone number, e-mail address, handle or home
address is written in chat when someone disguises it or writes it loosely. Sources: Ofcom's
National Telephone Numbering Plan (UK numbers: 01/02/03 geographic and national, 07 mobile,
+44 or 0044 in place of the leading 0, the "(0)" convention); Royal Mail's postcode format
(outward code AREA + district, inward code digit + two letters, the letters C I K M O V never
in the inward code) and its list of postcode areas; the RFC 5322 address shape (local part
"@" domain) and the common ways of spelling out "@" and "." to dodge filters; the platforms'
own profile links and Discord's name#1234 tags; Unicode's compatibility forms (full-width and
mathematical letters and digits, which NFKC folds: detectors.contact_kinds). Each shape is
paired with the look-alikes it must stay quiet on in tests/safeguarding/test_contact_formats.py.
"""

from __future__ import annotations

import re

# --- phone numbers: spelt-out digits, letters for digits, odd separators ---------------------

_WORD_DIGITS = {"zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1",
                "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9"}
_REPEAT = {"double": 2, "triple": 3, "treble": 3}
_NOUGHTS = {"hundred": "00", "thousand": "000"}  # "nine hundred" → "900"
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_IN_TOKEN = re.compile("|".join(sorted((w for w in _WORD_DIGITS if len(w) > 2 or w == "oh"),
                                       key=len, reverse=True)), re.IGNORECASE)
# A token with a digit whose other characters are all letters that look like digits
# ("O7700", "9OOI23", "l23"): O/o for 0, I/l for 1.
_LOOKALIKE_DIGITS = str.maketrans("OoIl", "0011")
_LOOKALIKE_TOKEN = re.compile(r"(?=[^\d]*\d)[\dOoIl]+")
# What may stand between the groups of a number: spaces, dots, dashes, brackets, and any
# symbol outside ASCII (an emoji between the groups). Not commas, colons or slashes: lists,
# times, scores, dates and links.
_GAP = re.compile(r"(?:[\s.\-()_*|~]|[^\x00-\x7f\w])*\+?(?:[\s(]*)")
# Worth reading with `digitised`: a digit word between two digits or digit words ("zero seven
# 700 …", "0 seven 7"), or a digit beside a letter or an odd symbol (most texts the quick check
# lets through have none of these, and keep their digits)
_DIGIT_WORD = "(?:" + "|".join(_WORD_DIGITS) + "|double|triple|treble)"
_WORTH_DIGITISING = re.compile(
    rf"(?:\b{_DIGIT_WORD}|\d)\W+{_DIGIT_WORD}\W+(?:{_DIGIT_WORD}\b|\d)"
    r"|\d(?:[A-Za-z]|\s*[^\x00-\x7f\w\s]|[_*|~])|[A-Za-z]\d", re.IGNORECASE)
_PLAIN_GAP = re.compile(r"[ .\-()+]*")  # what detectors._PHONE reads itself: left as it is
# a comma, between digits one of which is a word ("double oh, nine"): not between digits alone
# ("1,000", "3, 4")
_COMMA = re.compile(r"\s*,\s*")


def digitised(text: str) -> str:
    """The text with a number written in words or letters turned into digits, and odd
    separators between digits into spaces, for the phone number patterns: "oh seven seven
    double oh 9 …" → "0 7 7 00 9 …", "O77OO 9OO123" → "07700 900123", "07700 📱 900" →
    "07700 900", "double oh, nine" → "00 9". Words that are not digits stay as they are."""
    if not _WORTH_DIGITISING.search(text):
        return text
    out: list[str] = []
    done = 0
    held: tuple[str, str] | None = None  # a "double"/"triple" waiting for its digit
    after_word = False  # the last digits were written as a word or with letters
    for match in _TOKEN.finditer(text):
        gap, done, token = text[done:match.start()], match.end(), match.group(0)
        if token.lower() in _REPEAT:
            if held:
                out.append("".join(held))
            held = (gap, token)
            continue
        if token.lower() in _NOUGHTS and out and out[-1][-1:].isdigit():
            out.append(_NOUGHTS[token.lower()])
            continue
        digit = _as_digits(token)
        if held:
            if digit is None:
                out.append("".join(held))
            else:
                gap, digit = held[0], digit[0] * (_REPEAT[held[1].lower()] - 1) + digit
            held = None
        if digit is None:
            out.append(gap + token)
            continue
        worded = not token.isdigit()
        if out and out[-1][-1:].isdigit() and (
                (_GAP.fullmatch(gap) and not _PLAIN_GAP.fullmatch(gap))
                or ((worded or after_word) and _COMMA.fullmatch(gap))):
            gap = " +" if "+" in gap else " "
        out.append(gap + digit)
        after_word = worded
    if held:
        out.append("".join(held))
    out.append(text[done:])
    return "".join(out)


# "07700/900/123", "+44/7700/900123": slashes between the groups of a number that starts as a
# mobile number does (07, or a "+"), ten digits or more in all; dates ("12/05/2025"),
# fractions, reference numbers and links' paths start otherwise or are shorter
_SLASHED = re.compile(r"(?<![\w/.])(?:\+\d{1,3}|07\d{2,4})(?: ?/ ?\d{2,8}){1,3}(?![\w/])")
# "07700 then 900123", "07700 and then 900123", "07700⏎900123": a mobile number split by a
# word or two, or across two lines
_SPLIT_BY_WORDS = re.compile(
    r"(?<![\w+])(07\d{2,4})(?:\s+(?:[A-Za-z]+\s+){1,2}|[^\S\n]*\n\s*)(\d{3,7})(?!\w)")


def closed_up(text: str) -> str:
    """The text with the slashes in a slashed phone number turned into spaces, and the words
    or line break splitting a mobile number into eleven digits taken out, for the phone
    number patterns."""
    if "/" in text:
        text = _SLASHED.sub(_unslashed, text)
    return _SPLIT_BY_WORDS.sub(_rejoined, text)


def _unslashed(match: re.Match) -> str:
    number = match.group(0)
    return number.replace("/", " ") if sum(c.isdigit() for c in number) >= 10 else number


def _rejoined(match: re.Match) -> str:
    first, rest = match.group(1), match.group(2)
    return f"{first} {rest}" if len(first) + len(rest) == 11 else match.group(0)


def _as_digits(token: str) -> str | None:
    """A digit word ("seven", "oh"), or a token of digits with digit words or look-alike
    letters in it ("07seven", "O77OO"), as digits; None for any other word."""
    digit = _WORD_DIGITS.get(token.lower())
    if digit is None and any(c.isdigit() for c in token):
        mixed = _IN_TOKEN.sub(lambda m: _WORD_DIGITS[m.group(0).lower()], token)
        if _LOOKALIKE_TOKEN.fullmatch(mixed):
            digit = mixed.translate(_LOOKALIKE_DIGITS)
    return digit


# --- e-mail addresses with "@" and "." spelt out or spaced -----------------------------------

_AT_MARKED = r"(?:\s*[(\[{<]\s*(?:at|@)\s*[)\]}>]\s*|\s+@\s+)"  # also "jess(@)gmail"
_DOT_MARKED = r"(?:\s*[(\[{<]\s*(?:dot|\.)\s*[)\]}>]\s*|\s+\.\s*|\s*\.\s+)"
_AT = rf"(?:{_AT_MARKED}|\s+at\s+|@)"
_TLD = r"(?:com|net|org|co|uk|ie|io|me|edu|ac|gov|info|cymru|wales|scot|biz)"
# "period" for "." only before an ending ("gmail period com"): otherwise it is a full stop
_DOT = rf"(?:{_DOT_MARKED}|\s+dot\s+|\s+period\s+(?={_TLD}\b)|\.)"
MAIL_PROVIDERS = ("gmail", "googlemail", "hotmail", "outlook", "yahoo", "ymail", "icloud",
                  "aol", "btinternet", "protonmail", "proton", "msn", "gmx",
                  "virginmedia", "talktalk")
# ... and "gmail" and "hotmail" split or sounded out: "g mail", "gee mail", "hot mail"
_PROVIDER = "(?:" + "|".join(MAIL_PROVIDERS) + r"|(?:g|gee|google|hot|y) ?-? ?mail)"
_LOCAL = r"[A-Za-z0-9][\w.+-]{1,40}"
# "jess(at)hotmail(dot)co(dot)uk", "jess [at] outlook [dot] com", "jess @ gmail . com": the
# marked forms are never ordinary prose.
_EMAIL_MARKED = re.compile(
    rf"\b{_LOCAL}(?:{_AT_MARKED}[A-Za-z0-9-]{{2,30}}(?:{_DOT}[A-Za-z0-9-]{{1,20}})*{_DOT}{_TLD}"
    rf"|{_AT}[A-Za-z0-9-]{{2,30}}(?:{_DOT}[A-Za-z0-9-]{{1,20}})*{_DOT_MARKED}{_TLD})\b",
    re.IGNORECASE)
# "jess at gmail dot com", "jess22 at hotmail": with plain words, the domain is a mail
# provider's (so "look at this dot com" is not an address).
_EMAIL_PROVIDER = re.compile(rf"\b{_LOCAL}(?:{_AT}|\s*@\s*){_PROVIDER}\b(?:{_DOT}[a-z]{{2,6}}\b)*",
                             re.IGNORECASE)
# "jess_22 at mysite dot co dot uk": any domain, with a name-like local part or an e-mail cue
# (so "sign up at barnardos dot org" is a web address, not an e-mail)
_EMAIL_WORDS = re.compile(
    rf"\b{_LOCAL}\s+at\s+[A-Za-z0-9-]{{2,30}}(?:{_DOT}[A-Za-z0-9-]{{1,20}})*\s+dot\s+{_TLD}\b",
    re.IGNORECASE)
_EMAIL_CUE = re.compile(r"\b(?:e-?mail|e mail|mail me|addy|address)\b", re.IGNORECASE)
_NAME_LIKE = re.compile(r"[\d_.]")
# what every spelt-out address holds: "dot" or a provider's name, or a marked or spaced "@"/"."
_MAYBE_EMAIL = re.compile(rf"\bdot\b|{_PROVIDER}|[(\[{{<]\s*(?:at|@)\s*[)\]}}>]|\s[@.]\s",
                          re.IGNORECASE)
_DOT_AFTER = re.compile(_DOT, re.IGNORECASE)


# five or more single letters, digits or marks with a space between each: "j e s s @ g m a i l"
_SPACED_OUT = re.compile(r"(?<!\S)(?:[\w@.] ){4,}[\w@.](?!\S)")
# an e-mail address as written plainly (detectors.py reads these too)
EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def has_spelt_email(text: str) -> bool:
    """An e-mail address written with "at"/"dot" in words or marks, or spaced out, or with
    a space between every letter ("j e s s @ g m a i l . c o m")."""
    if not _MAYBE_EMAIL.search(text):
        return False
    if _SPACED_OUT.search(text):
        closed = _SPACED_OUT.sub(lambda m: m.group(0).replace(" ", ""), text)
        if EMAIL.search(closed) or _is_spelt_email(closed):
            return True
    return _is_spelt_email(text)


def _is_spelt_email(text: str) -> bool:
    if _EMAIL_MARKED.search(text):
        return True
    for match in _EMAIL_PROVIDER.finditer(text):
        local = re.split(r"\s|@", match.group(0), maxsplit=1)[0]
        dotted = _DOT_AFTER.search(match.group(0), len(local)) is not None
        joined = match.group(0)[len(local):len(local) + 1] == "@"  # "jess@gmail"
        if dotted or joined or _NAME_LIKE.search(local) or _EMAIL_CUE.search(text):
            return True
    for match in _EMAIL_WORDS.finditer(text):
        local = match.group(0).split(None, 1)[0]
        if _NAME_LIKE.search(local) or _EMAIL_CUE.search(text):
            return True
    return False


# --- handles: profile links, Discord tags and ids, "my @ is …" -------------------------------

_PROFILE_LINK = re.compile(
    r"\b(?:snapchat\.com/add|t\.me|wa\.me|kik\.me|signal\.me)/[\w.@-]{2,}", re.IGNORECASE)
_DISCORD = re.compile(
    r"\b(?:discord|dc)\b[^\n]{0,30}?(?:\b[A-Za-z][\w.]{1,31}#\d{4}\b"
    r"|\b(?:user ?id|id)\W{0,3}\d{17,19}\b)",
    re.IGNORECASE)
# A link to a profile whose name is all letters ("t.me/lilyrose", "instagram.com/lilyrose"),
# only when the member offers it as their own: bare links are mostly brands' and channels'.
_OFFER = (r"(?:add|follow|dm|message|msg|text|hmu|find) me|my (?:insta(?:gram)?|ig|telegram|tg"
          r"|tele|snap(?:chat)?|tik ?tok|whatsapp|signal|kik|profile|page|account|acc)")
_OWN_LINK = re.compile(
    rf"\b(?:{_OFFER})\b[^\n]{{0,40}}?\b(?:instagram\.com|tiktok\.com|t\.me|snapchat\.com/add"
    r"|kik\.me|signal\.me)/(?!(?:p|reels?|explore|stories|tv|joinchat)/)@?[A-Za-z][\w.]{2,29}",
    re.IGNORECASE)
# "ig: lilyrose 💕": a name of letters only after an app's name and a colon, with nothing
# after it but emoji (so "sc: great game today" is no handle)
_APP_COLON = re.compile(
    r"\b(?:insta(?:gram)?|ig|snap(?:chat)?|tik ?tok|telegram|kik|discord)\s*[:=]\s*"
    r"@?[A-Za-z]{4,30}"
    r"(?=(?:[^\S\n]|[^\x00-\x7f\w\s])*$)", re.IGNORECASE | re.MULTILINE)
_MY_AT = re.compile(r"\bmy @ ?(?:is|=|:|'s|’s|s) ?@?[A-Za-z][\w.]{2,29}", re.IGNORECASE)


def has_handle_shape(text: str) -> bool:
    """A handle written as a profile link, a Discord tag or id, "my @ is …", or an app's
    name, a colon and a name."""
    return bool(_PROFILE_LINK.search(text) or _DISCORD.search(text) or _MY_AT.search(text)
                or _OWN_LINK.search(text) or _APP_COLON.search(text))


# --- postcodes and house numbers given with a cue --------------------------------------------

# Royal Mail's postcode areas (the letters of the outward code), as listed in its Postcode
# Address File documentation; an outward code alone ("LS6") is read only after "i live in"
# or "postcode", and only with one of these areas (so "year 9" is no postcode).
POSTCODE_AREAS = (
    "AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL "
    "DN DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW "
    "KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM "
    "S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN "
    "WR WS WV YO ZE")
_AREAS = frozenset(POSTCODE_AREAS.split())
_POSTCODE_CUE = (r"(?:i live in|we live in|postcode(?: is|'s|’s| s"
                 r"|:)?|post code(?: is|'s|’s| s|:)?|my area is)")
_OUTWARD_WITH_CUE = re.compile(
    rf"\b{_POSTCODE_CUE}\s+([A-Z]{{1,2}})\d[A-Z\d]?(?:\s?\d[ABD-HJLNP-UW-Z]{{2}})?\b",
    re.IGNORECASE)
# "i live at number 14", "we live at no. 7", "my house number is 12", "i live at 14"
_HOUSE_NUMBER = re.compile(
    r"\b(?:i|we|my family|my mum|my dad|my nan) (?:live|lives|stay|am staying|m staying) "
    r"(?:at|in) (?:(?:house )?(?:number|no\.?|num) ?)?\d{1,4}[a-z]?\b(?! (?:years?|yrs?|mins?"
    r"|minutes?|miles?|hours?|days?|weeks?|months?)\b)"
    r"|\b(?:my|our) (?:house|flat) (?:(?:number|no\.?) (?:is|s|'s|’s)|is (?:number|no\.?)) "
    r"\d{1,4}[a-z]?\b"
    # "we live in the flats above the shop on the high street, number 7"
    r"|\b(?:i|we) live (?:in|on|at|above|over)\b[^.!?\n]{0,60}\b(?:number|no\.?|flat|house) "
    r"\d{1,4}[a-z]?\b"
    # the street first, then the house number: "meadow lane, number 14", "Mill Rd no. 3"
    r"|\b[a-z]+ (?:road|rd|street|lane|avenue|ave|close|drive|crescent|gardens|grove|terrace"
    r"|way|court|place)\W{1,3}(?:number|no\.?|num) ?\d{1,4}[a-z]?\b", re.IGNORECASE)


# a whole postcode in lower case without its space ("ls62qt"), only with one of the areas
_RUN_TOGETHER = re.compile(r"\b([a-z]{1,2})\d[a-z\d]?\d[abd-hjlnp-uw-z]{2}\b", re.IGNORECASE)


def has_cued_postcode(text: str) -> bool:
    """A postcode given after "i live in" or "postcode", in any case, spaced or not, or a
    whole one run together in lower case; either only in one of the postcode areas."""
    return any(match.group(1).upper() in _AREAS for pattern in (_OUTWARD_WITH_CUE, _RUN_TOGETHER)
               for match in pattern.finditer(text))


def has_house_number(text: str) -> bool:
    """Where someone lives given as a house number after "i live at"."""
    return _HOUSE_NUMBER.search(text) is not None
