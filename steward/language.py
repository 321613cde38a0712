"""Core messages in the reader's language: stdlib gettext, domain "steward".

The desktop sets the language when it installs its Qt translation (`steward.ui.i18n.install`),
so the window and the words core produces (queue reasons, flag reasons, errors shown on a page)
follow one choice; the command line stays English. Catalogues live in
`resources/i18n/<lang>/LC_MESSAGES/steward.po` (translators edit these) and `.mo` (what is
loaded); `make translations` extracts the `_()` and `N_()` strings of the core into
`resources/i18n/steward.pot` and compiles with pybabel; a test checks each `.mo` is built from
its `.po`.

Stored data stays English and language-neutral (queue labels and reasons, flag reasons,
decision reasons): `stored()` translates such a text where it is shown, by its exact words or by
the template its producer filled in ("Same text posted in {n} spaces"), so a workspace read in
Welsh on one laptop and English on another holds the same rows.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from functools import lru_cache

from steward.resources import resource_path

DOMAIN = "steward"
_state: dict = {"language": "en", "catalogue": gettext.NullTranslations()}


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a message for the catalogue without translating it (stored or translated later)."""
    return message


def _(message: str) -> str:
    """`message` in the chosen language (English when there is no translation)."""
    return _state["catalogue"].gettext(message)


def locale_folder():
    return resource_path("i18n")


def set_language(language: str | None) -> str:
    """Use `language` ("cy", "en", …) for core messages; returns the one in use ("en" when
    there is no catalogue for it)."""
    language = (language or "en").lower()
    catalogue: gettext.NullTranslations = gettext.NullTranslations()
    if language != "en":
        try:
            catalogue = gettext.translation(DOMAIN, str(locale_folder()), [language])
        except OSError:
            language = "en"
    _state["language"], _state["catalogue"] = language, catalogue
    _templates.cache_clear()
    return language


def language() -> str:
    return _state["language"]


def stored(text: str, templates: Iterable[str] = (), nested: frozenset[str] = frozenset()
           ) -> str:
    """A stored English text in the chosen language: its own translation, else the first of
    `templates` (msgids with {fields}) it fills in, translated and filled with the same values.
    Fields named in `nested` are themselves stored texts, translated the same way; others
    (names, quoted words, numbers) are kept as they are. Unknown text is shown unchanged."""
    if language() == "en" or not text:
        return text
    own = _(text)
    if own != text:
        return own
    for msgid, pattern in _templates(tuple(templates)):
        m = pattern.match(text)
        if m is None:
            continue
        translated = _(msgid)
        values = {k: stored(v, templates, nested) if k in nested else v
                  for k, v in m.groupdict().items()}
        return translated.format(**values)
    return text


@lru_cache(maxsize=32)
def _templates(templates: tuple[str, ...]) -> list[tuple[str, re.Pattern]]:
    """Each template as a pattern, most literal text first (the most specific wins)."""
    out = []
    for msgid in templates:
        parts = re.split(r"\{(\w+)\}", msgid)
        if len(parts) == 1:
            continue
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                        for i, p in enumerate(parts))
        literal = sum(len(p) for p in parts[::2])
        out.append((literal, msgid, re.compile(regex + r"\Z", re.S)))
    out.sort(key=lambda t: -t[0])
    return [(msgid, pattern) for _n, msgid, pattern in out]
