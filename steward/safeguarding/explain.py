"""Why a flag was raised, in plain words: the words that matched and the concern they point
to. The lexicon pattern behind a match (`{dont|do not} want to …`) is kept apart, shown only
when a lead asks for it.

Flag reasons are stored in English (sealed with the flag); they are put in the reader's language
here, where they are shown (`steward.language`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from steward.language import N_, _, stored
from steward.safeguarding.policy import CATEGORY_TITLES

_LEXICON = re.compile(r"^“(?P<words>.*)” \(pattern “(?P<pattern>.*)”\)$", re.S)
_MODEL = re.compile(r"^text model: close to messages about (?P<about>.*?), score "
                    r"(?P<score>[0-9.]+)(?: \(words: (?P<words>.*)\))?$", re.S)
# What the detectors and the severity rules add to a flag's reasons (detectors.py), and the
# concerns they name (policy.CATEGORY_TITLES), for the catalogue.
TEMPLATES = (
    N_("about self-harm in the past or managed now"),
    N_("the member speaks of dying or harming themselves now"),
    N_("the member speaks of dying or harming themselves, with a time near at hand"),
    N_("reads as talk about training, news, policy or history"),
    N_("reads as an organisation's public contact details"),
    N_("{n} different warning signs together"),
    N_("posted in a {audience} space"), N_("young people"), N_("vulnerable adults"),
    N_("posted in an open space"),
    N_("shares a {kind}"), N_("phone number"), N_("email address"), N_("street address"),
    N_("postcode"), N_("social handle"),
    N_("like a message a lead closed as not a concern (no further action)"),
)
CONCERNS = (
    N_("Suicide or self-harm"), N_("Abuse or neglect disclosed"), N_("Grooming indicators"),
    N_("Bullying or harassment"), N_("Radicalisation"), N_("Sexual content"),
    N_("Personal contact details shared"), N_("Handed over by a steward"),
)
_NESTED = frozenset({"audience", "kind"})
_CONCERN_OF = {title.lower(): title for title in CATEGORY_TITLES.values()}


@dataclass(frozen=True)
class Reason:
    text: str  # what a lead reads
    pattern: str = ""  # the lexicon line that matched, if any (shown on demand)


def concern(category: str) -> str:
    """The concern a category names, in the reader's language ("suicide or self-harm")."""
    return _(CATEGORY_TITLES.get(category, category.replace("_", " "))).lower()


def explain(category: str, reasons: list[str] | tuple[str, ...]) -> list[Reason]:
    """Each stored reason of a flag in `category`, in words a lead can act on."""
    out = []
    for reason in reasons:
        if m := _LEXICON.match(reason):
            out.append(Reason(_("The words “{words}”: a sign of {concern}").format(
                words=m["words"], concern=concern(category)), m["pattern"]))
        elif m := _MODEL.match(reason):
            about = _CONCERN_OF.get(m["about"])
            text = _("Reads like messages about {about} (how close, from 0 to 1: "
                     "{score})").format(about=_(about).lower() if about else m["about"],
                                        score=f"{float(m['score']):.2f}")
            if m["words"]:
                text += _("; the words that weighed most: {words}").format(words=m["words"])
            out.append(Reason(text))
        else:
            text = stored(reason, TEMPLATES, _NESTED)
            out.append(Reason(text[:1].upper() + text[1:]))
    return _once_each(out)


def _once_each(reasons: list[Reason]) -> list[Reason]:
    """One line per text: several lexicon patterns that matched the same words read as one
    reason, their patterns kept together (in order, each once)."""
    merged: dict[str, list[str]] = {}
    for r in reasons:
        patterns = merged.setdefault(r.text, [])
        if r.pattern and r.pattern not in patterns:
            patterns.append(r.pattern)
    return [Reason(text, "; ".join(patterns)) for text, patterns in merged.items()]
