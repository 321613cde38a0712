"""Learning from the lead's outcomes: a flag closed as "no further action" because it was not
a concern (training material, news, a quote, a game, a false alarm) makes messages like it
raise only a low flag from then on, in that category.

What is kept is a fingerprint (hashes of the message's word pairs), sealed for the
safeguarding leads, never the text. A scan run by a profile without the safeguarding key
cannot read the fingerprints, and scans without them; fingerprints sealed before the
safeguarding key was rotated (a lead removed) are forgotten.
"""

from __future__ import annotations

import json
import re
from zlib import crc32

from sqlalchemy import select

from steward import crypto
from steward.crypto import DecryptionFailed
from steward.safeguarding.lexicon import normalise
from steward.safeguarding.sealed import flag_meta
from steward.store.models import Flag, Message, Setting

LOOK_ALIKES_KEY = "safeguarding.look_alikes"
MAX_KEPT = 1000
SIMILAR = 0.6  # share of word pairs in common (Jaccard) that makes a message "like" one
NOT_A_CONCERN = re.compile(
    r"training|course|false alarm|not a concern|no concern|look.?alike|news|policy|lyric|quot"
    r"|fiction|joke|game|hyperbole|banter|history|lesson", re.IGNORECASE)


def fingerprint(text: str) -> frozenset[int]:
    """Hashes of the normalised text's neighbouring word pairs (its words, when just one)."""
    words = normalise(text).split()
    pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)] or words
    return frozenset(crc32(p.encode("utf-8")) for p in pairs)


def alike(a: frozenset[int], b: frozenset[int]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= SIMILAR


def learn_from_close(ws, flag_id: int, outcome: str, reason: str) -> bool:
    """After a lead closes a flag: remember its message as a look-alike when the outcome is
    no further action for a reason that says it was not a concern. Returns whether it did."""
    if outcome.strip().lower() != "no further action" or not NOT_A_CONCERN.search(reason):
        return False
    with ws.transaction() as s:
        flag = s.get(Flag, flag_id)
        if flag is None:
            return False
        meta = flag_meta(ws, ws.field_cipher(), flag)  # which message: sealed with the flag
        text = s.scalar(select(Message.text).where(Message.id == meta.message_id))
        if not text:
            return False
        sealed = ws.seal_for_safeguarding(
            json.dumps({"category": meta.category, "pairs": sorted(fingerprint(text))}),
            _field(ws))
        setting = s.get(Setting, LOOK_ALIKES_KEY)
        kept = list(setting.value or []) if setting else []
        kept = [*kept, crypto.b64(sealed)][-MAX_KEPT:]
        if setting is None:
            s.add(Setting(key=LOOK_ALIKES_KEY, value=kept))
        else:
            setting.value = kept
    return True


def learned_look_alikes(ws) -> list[tuple[str, frozenset[int]]]:
    """(category, fingerprint) of every remembered look-alike; none without the key."""
    if not ws.holds_safeguarding_key:
        return []
    blobs = ws.get_setting(LOOK_ALIKES_KEY, []) or []
    if not blobs:
        return []
    cipher = ws.field_cipher()
    out = []
    for blob in blobs:
        try:
            item = json.loads(cipher.open_dropbox(crypto.unb64(blob), _field(ws)) or "{}")
        except (DecryptionFailed, ValueError):  # sealed before the key was rotated: forgotten
            continue
        if item.get("pairs"):
            out.append((item["category"], frozenset(item["pairs"])))
    return out


def _field(ws) -> str:
    return ws.row_field("settings", 0, LOOK_ALIKES_KEY)
