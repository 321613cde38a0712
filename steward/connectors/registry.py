"""Connectors are found through the entry-point group `steward.connectors`.

The built-in ones register through that same group (see pyproject.toml), so a third-party
connector is a `pip install` away. An entry point names a class; file importers have a `kind`
(the CLI name), live sources a `platform` and a `sync` method.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

from steward.errors import BadInput

GROUP = "steward.connectors"


@lru_cache(maxsize=1)
def _classes() -> dict[str, Any]:
    found = {}
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep
    return found


def names() -> list[str]:
    return sorted(_classes())


def _load(name: str) -> Any:
    ep = _classes().get(name)
    if ep is None:
        return None
    return ep.load()()


def import_kinds() -> list[str]:
    """CLI names of every file importer, in a stable order."""
    return [n for n in names() if hasattr(_classes()[n].load(), "records")]


def live_platforms() -> list[str]:
    return [n for n in names() if hasattr(_classes()[n].load(), "sync")]


def importer(kind: str):
    """The file importer for `kind`; a clear error naming the known kinds otherwise."""
    found = _load(kind)
    if found is None or not hasattr(found, "records"):
        raise BadInput(f"unknown import kind {kind!r}: choose one of {', '.join(import_kinds())}")
    return found


def live_source(platform: str):
    found = _load(platform)
    if found is None or not hasattr(found, "sync"):
        raise BadInput(f"no live connector for {platform!r}: choose one of "
                       f"{', '.join(live_platforms())}")
    return found
