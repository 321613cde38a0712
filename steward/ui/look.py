"""Steward's look (`resources/ui/steward.qss`), given only to the widgets it names.

An application-wide style sheet puts every widget under Qt's style-sheet style, which roughly
doubles or triples the time to build, lay out and paint a page (it was most of the freeze when a
page first opened on a big workspace). Here the sheet is cut into its rule blocks by what each
block styles (`#tile`, `#sidebar QListView::item` → `#tile`, `#sidebar`; `QPushButton#primary` →
`QPushButton`), and a widget gets, as its own style sheet, only the blocks for its object name
or class, when it is polished (see `widgets.install_keyboard_rules`). The rules and their order
are the file's, so the look is the same; the many widgets no rule names (table cells, layouts
of form controls) stay with the plain Fusion style.
"""

from __future__ import annotations

import re
from functools import cache

from PySide6.QtWidgets import QApplication, QWidget

from steward.resources import resource_path

_BLOCK = re.compile(r"([^{}]+)\{([^{}]*)\}", re.S)
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_ROOT = re.compile(r"^([A-Za-z_]\w*)?(#[\w-]+)?")

_installed = False


@cache
def _rules() -> dict[str, list[tuple[int, str]]]:
    """Each block of the sheet (with its position) under the key of what it styles."""
    text = _COMMENT.sub("", resource_path("ui", "steward.qss").read_text(encoding="utf-8"))
    rules: dict[str, list[tuple[int, str]]] = {}
    for position, match in enumerate(_BLOCK.finditer(text)):
        selectors, body = match.group(1).strip(), match.group(2).strip()
        for selector in selectors.split(","):
            key = _key(selector.strip())
            rules.setdefault(key, []).append((position, f"{selector.strip()} {{ {body} }}"))
    return rules


def _key(selector: str) -> str:
    """`#sidebar QListView::item` → `#sidebar`; `QPushButton#primary` → `QPushButton`."""
    first = _ROOT.match(selector.split()[0])
    kind, name = first.group(1), first.group(2)
    return kind or name or selector


@cache
def _sheet(keys: tuple[str, ...]) -> str:
    rules = _rules()
    blocks = sorted(block for key in keys for block in rules.get(key, ()))
    return "\n".join(text for _position, text in blocks)


def _keys(widget: QWidget) -> tuple[str, ...]:
    rules = _rules()
    keys = [cls.__name__ for cls in type(widget).__mro__ if cls.__name__ in rules]
    name = widget.objectName()
    if name and "#" + name in rules:
        keys.append("#" + name)
    return tuple(keys)


def install() -> None:
    """Give every widget polished from now on its part of the look (the app does this once)."""
    global _installed
    _installed = True


def uninstall() -> None:
    """Widgets polished from now on get no look (for tests that compare)."""
    global _installed
    _installed = False


def installed() -> bool:
    return _installed


def style(widget: QWidget) -> None:
    """Give `widget` the rules that name it (call again after its object name changes)."""
    keys = _keys(widget)
    sheet = _sheet(keys) if keys else ""
    if sheet != widget.styleSheet() and (sheet or widget.property("stewardLook")):
        widget.setProperty("stewardLook", bool(sheet))
        widget.setStyleSheet(sheet)


def refresh() -> None:
    """The OS switched between light and dark: work the palette colours out again."""
    for widget in QApplication.allWidgets():
        if widget.property("stewardLook"):
            sheet = widget.styleSheet()
            widget.setStyleSheet("")
            widget.setStyleSheet(sheet)
