"""Connectors are found through the entry-point group `steward.connectors`.

The built-in ones register through that same group (see pyproject.toml), so a third-party
connector is a `pip install` away. An entry point names a class; file importers have a `kind`
(the CLI name) and a `records` method, live sources a `platform` and a `sync` method. A plugin
that fails to load is logged and left out; it never stops Steward.
"""

from __future__ import annotations

import logging
from functools import cache, lru_cache
from importlib.metadata import entry_points
from typing import Any

from steward.errors import BadInput

GROUP = "steward.connectors"
log = logging.getLogger(__name__)


def _load(ep) -> Any | None:
    try:
        return ep.load()
    except Exception as exc:  # a broken plugin must not break the app
        log.warning("connector %s could not be loaded: %s", ep.name, type(exc).__name__)
        return None


@lru_cache(maxsize=1)
def _classes() -> dict[str, Any]:
    found = {ep.name: _load(ep) for ep in entry_points(group=GROUP)}
    return {name: cls for name, cls in found.items() if cls is not None}


@cache
def _class(name: str) -> Any | None:
    """One connector's class, loading only its own module (the others may be slow to import)."""
    return next((_load(ep) for ep in entry_points(group=GROUP) if ep.name == name), None)


def names() -> list[str]:
    """Every registered connector's name, read from the entry points without loading them
    (cheap enough for building the command line)."""
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def import_kinds() -> list[str]:
    """CLI names of every file importer, in a stable order."""
    return sorted(n for n, cls in _classes().items() if hasattr(cls, "records"))


def live_platforms() -> list[str]:
    return sorted(n for n, cls in _classes().items() if hasattr(cls, "sync"))


def importer(kind: str):
    """The file importer for `kind`; a clear error naming the known kinds otherwise."""
    cls = _class(kind)
    if cls is None or not hasattr(cls, "records"):
        raise BadInput(f"unknown import kind {kind!r}: choose one of {', '.join(import_kinds())}")
    return cls()
