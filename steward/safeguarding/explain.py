"""Why a flag was raised, in plain English: the words that matched and the concern they point
to. The lexicon pattern behind a match (`{dont|do not} want to …`) is kept apart, shown only
when a lead asks for it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from steward.safeguarding.policy import CATEGORY_TITLES

_LEXICON = re.compile(r"^“(?P<words>.*)” \(pattern “(?P<pattern>.*)”\)$", re.S)
_MODEL = re.compile(r"^text model: close to messages about (?P<about>.*?), score "
                    r"(?P<score>[0-9.]+)(?: \(words: (?P<words>.*)\))?$", re.S)


@dataclass(frozen=True)
class Reason:
    text: str  # what a lead reads
    pattern: str = ""  # the lexicon line that matched, if any (shown on demand)


def explain(category: str, reasons: list[str] | tuple[str, ...]) -> list[Reason]:
    """Each stored reason of a flag in `category`, in words a lead can act on."""
    concern = CATEGORY_TITLES.get(category, category.replace("_", " ")).lower()
    out = []
    for reason in reasons:
        if m := _LEXICON.match(reason):
            out.append(Reason(f"The words “{m['words']}”: a sign of {concern}", m["pattern"]))
        elif m := _MODEL.match(reason):
            text = (f"Reads like messages about {m['about']} (how close, from 0 to 1: "
                    f"{float(m['score']):.2f})")
            if m["words"]:
                text += f"; the words that weighed most: {m['words']}"
            out.append(Reason(text))
        else:
            out.append(Reason(reason[:1].upper() + reason[1:]))
    return out
