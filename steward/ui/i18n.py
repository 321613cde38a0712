"""The window's language: Qt translations (`resources/i18n/steward_<lang>.qm`), chosen from the
system locale unless Settings (or `STEWARD_LANGUAGE`) names one.

Strings are wrapped where they are written: `translate("Moderation", "Remove")`, or `self.tr()`
in a class; `make translations` runs `pyside6-lupdate` over steward/ui to refresh the `.ts`
files (translators edit those, e.g. in `pyside6-linguist`) and `pyside6-lrelease` to build the
`.qm` files the app loads (both are committed; a test checks the `.qm` is built from the
`.ts`); a missing translation leaves English. The words core produces (queue and flag reasons,
errors) come through gettext (`steward.language`), set to the same language here.

Numbers go in as `{n}` placeholders, never as plural forms: Welsh (like several languages)
puts a singular noun after a number ("12 eitem"), so "{n} item"/"{n} items" both translate.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QLocale,
    QStandardPaths,
    QTranslator,
)

from steward import language as core_language
from steward.resources import resource_path

log = logging.getLogger(__name__)

# The languages shipped, in their own words (what the Settings choice shows).
LANGUAGES = {"en": "English", "cy": "Cymraeg"}
ENV = "STEWARD_LANGUAGE"
CONFIG_ENV = "STEWARD_CONFIG_DIR"
_installed: list[QTranslator] = []

# Names set in other modules' data (page, tile and column titles, roles), listed here for lupdate;
# they are translated where they are shown: translate("Pages", spec.title).
_NAMES = (
    QT_TRANSLATE_NOOP("Pages", "Overview"), QT_TRANSLATE_NOOP("Pages", "Moderation"),
    QT_TRANSLATE_NOOP("Pages", "Safeguarding"), QT_TRANSLATE_NOOP("Pages", "Engagement"),
    QT_TRANSLATE_NOOP("Pages", "Members"), QT_TRANSLATE_NOOP("Pages", "1:1s"),
    QT_TRANSLATE_NOOP("Pages", "Knowledge library"), QT_TRANSLATE_NOOP("Pages", "Sources"),
    QT_TRANSLATE_NOOP("Pages", "Settings"),
    QT_TRANSLATE_NOOP("Tiles", "Open queue items"),
    QT_TRANSLATE_NOOP("Tiles", "Safeguarding flags"), QT_TRANSLATE_NOOP("Tiles", "Safeguarding"),
    QT_TRANSLATE_NOOP("Tiles", "Quiet spaces"), QT_TRANSLATE_NOOP("Tiles", "Newcomers to welcome"),
    QT_TRANSLATE_NOOP("Tiles", "Leader candidates"), QT_TRANSLATE_NOOP("Tiles", "Lapsed members"),
    QT_TRANSLATE_NOOP("Tiles", "1:1 follow-ups"), QT_TRANSLATE_NOOP("Tiles", "Last backup"),
    QT_TRANSLATE_NOOP("Columns", "Space"),
    QT_TRANSLATE_NOOP("Columns", "Source"),
    QT_TRANSLATE_NOOP("Columns", "Platform"),
    QT_TRANSLATE_NOOP("Columns", "Messages"),
    QT_TRANSLATE_NOOP("Columns", "Last activity"),
    QT_TRANSLATE_NOOP("Columns", "Priority"),
    QT_TRANSLATE_NOOP("Columns", "Why"),
    QT_TRANSLATE_NOOP("Columns", "Message"),
    QT_TRANSLATE_NOOP("Columns", "From"),
    QT_TRANSLATE_NOOP("Columns", "Queued"),
    QT_TRANSLATE_NOOP("Columns", "Claimed by"),
    QT_TRANSLATE_NOOP("Columns", "Triage due"),
    QT_TRANSLATE_NOOP("Columns", "Severity"),
    QT_TRANSLATE_NOOP("Columns", "Concern"),
    QT_TRANSLATE_NOOP("Columns", "Status"),
    QT_TRANSLATE_NOOP("Columns", "Who and where"),
    QT_TRANSLATE_NOOP("Columns", "Lead"),
    QT_TRANSLATE_NOOP("Columns", "Flag"),
    QT_TRANSLATE_NOOP("Columns", "Closed"),
    QT_TRANSLATE_NOOP("Columns", "Kept until"),
    QT_TRANSLATE_NOOP("Columns", "Entries"),
    QT_TRANSLATE_NOOP("Moderation", "Open"), QT_TRANSLATE_NOOP("Moderation", "Snoozed"),
    QT_TRANSLATE_NOOP("Moderation", "Approved"), QT_TRANSLATE_NOOP("Moderation", "Removed"),
    QT_TRANSLATE_NOOP("Moderation", "Answered"), QT_TRANSLATE_NOOP("Moderation", "All"),
    QT_TRANSLATE_NOOP("Moderation", "Approve"), QT_TRANSLATE_NOOP("Moderation", "Remove"),
    QT_TRANSLATE_NOOP("Moderation", "Escalate"), QT_TRANSLATE_NOOP("Moderation", "Snooze"),
    QT_TRANSLATE_NOOP("Time", "never"), QT_TRANSLATE_NOOP("Time", "today"),
    QT_TRANSLATE_NOOP("Time", "yesterday"), QT_TRANSLATE_NOOP("Time", "1 day ago"),
    QT_TRANSLATE_NOOP("Time", "{n} days ago"), QT_TRANSLATE_NOOP("Time", "{n} weeks ago"),
    QT_TRANSLATE_NOOP("Time", "{n} months ago"), QT_TRANSLATE_NOOP("Time", "1 year ago"),
    QT_TRANSLATE_NOOP("Time", "{n} years ago"),
    QT_TRANSLATE_NOOP("Safeguarding", "Suicide or self-harm"),
    QT_TRANSLATE_NOOP("Safeguarding", "Abuse or neglect disclosed"),
    QT_TRANSLATE_NOOP("Safeguarding", "Grooming indicators"),
    QT_TRANSLATE_NOOP("Safeguarding", "Bullying or harassment"),
    QT_TRANSLATE_NOOP("Safeguarding", "Radicalisation"),
    QT_TRANSLATE_NOOP("Safeguarding", "Sexual content"),
    QT_TRANSLATE_NOOP("Safeguarding", "Personal contact details shared"),
    QT_TRANSLATE_NOOP("Safeguarding", "Handed over by a steward"),
    QT_TRANSLATE_NOOP("Safeguarding", "New"),
    QT_TRANSLATE_NOOP("Safeguarding", "Triaged"),
    QT_TRANSLATE_NOOP("Safeguarding", "Referred"),
    QT_TRANSLATE_NOOP("Safeguarding", "Monitoring"),
    QT_TRANSLATE_NOOP("Safeguarding", "Closed"),
    QT_TRANSLATE_NOOP("Safeguarding", "Critical"),
    QT_TRANSLATE_NOOP("Safeguarding", "High"),
    QT_TRANSLATE_NOOP("Safeguarding", "Medium"),
    QT_TRANSLATE_NOOP("Safeguarding", "Low"),
    QT_TRANSLATE_NOOP("Roles", "volunteer"), QT_TRANSLATE_NOOP("Roles", "steward"),
    QT_TRANSLATE_NOOP("Roles", "safeguarding-lead"), QT_TRANSLATE_NOOP("Roles", "admin"),
)


def translate(context: str, text: str) -> str:
    """`text` in the window's language (`context` is the page or dialog it belongs to)."""
    return QCoreApplication.translate(context, text)


def config_file() -> Path:
    """This computer's Steward preferences (not a workspace's): only the language so far."""
    folder = os.environ.get(CONFIG_ENV) or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppConfigLocation) or str(Path.home() / ".config")
    return Path(folder) / "steward-preferences.json"


def saved_language() -> str:
    """The language chosen in Settings ('' = follow the system)."""
    try:
        value = json.loads(config_file().read_text(encoding="utf-8")).get("language", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return value if value in LANGUAGES else ""


def save_language(language: str) -> None:
    """Keep the Settings choice for the next start ('' = follow the system)."""
    if language and language not in LANGUAGES:
        raise ValueError(f"no translation for {language!r}: choose one of "
                         f"{', '.join(LANGUAGES)}")
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"language": language}), encoding="utf-8")


def system_language() -> str:
    """The first shipped language among the locale's UI languages, else English."""
    for name in QLocale().uiLanguages():
        code = name.replace("_", "-").split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return "en"


def chosen_language() -> str:
    """`STEWARD_LANGUAGE`, else the Settings choice, else the system locale's."""
    forced = os.environ.get(ENV, "").strip().lower()
    if forced in LANGUAGES:
        return forced
    return saved_language() or system_language()


def qm_file(language: str) -> Path:
    return resource_path("i18n", f"steward_{language}.qm")


def install(app: QCoreApplication, language: str | None = None) -> str:
    """Load the translation for `language` (default: `chosen_language()`) into `app`, in
    place of any loaded before; returns the language in use ('en' when none is found)."""
    language = language or chosen_language()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language == "en":
        core_language.set_language("en")
        return "en"
    translator = QTranslator(app)
    if not translator.load(str(qm_file(language))):
        log.warning("no translation file for %s; showing English", language)
        core_language.set_language("en")
        return "en"
    app.installTranslator(translator)
    _installed.append(translator)
    core_language.set_language(language)  # the core's words (queue reasons, errors) follow
    return language
