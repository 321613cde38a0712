"""How areas add themselves to the desktop app: pages in the sidebar, tiles on the Overview.

Each area lists its pages and tiles once in `steward.ui.pages`, naming the page's class and
the tile's function by `Lazy("module:name")`: the window needs only their titles to open, and a
page module (which imports its area's core, SQLAlchemy and NumPy) loads when the page is first
built or the tile first computed — or earlier, off the UI thread, while the passphrase is
typed. Nothing here imports SQLAlchemy: pages call core service functions and get plain values
back.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from steward import permissions

# Locking, shared by the main window and the Settings page.
AUTO_LOCK_SETTING = "ui.auto_lock_minutes"
DEFAULT_AUTO_LOCK_MINUTES = 10
LOCK_SHORTCUT = "Ctrl+Shift+L"

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from steward.jobs import Job
    from steward.workspace import Profile, Workspace


class AppContext(Protocol):
    """What every page gets from the main window."""

    @property
    def ws(self) -> Workspace: ...

    scan_on_open: bool  # check unscanned messages in the background when the window opens

    def run_job(
        self,
        job_factory: Callable[[Any], Job],
        on_done: Callable[[Any], None] | None = None,
        text: str = "",
    ) -> None:
        """Run `job_factory(token)` on the thread pool with the status-bar progress and Cancel;
        `on_done(result)` is called on the UI thread. Failures go to the notification area."""

    def run_query(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_failed: Callable[[str], None] | None = None,
    ) -> None:
        """Run a quick read or write (`fn()`) off the UI thread and hand its result to
        `on_done`. A failure goes to `on_failed(text)` (e.g. to say it beside the form), else
        to the notification area."""

    def notify(self, text: str, details: str = "", error: bool = False) -> None:
        """A non-blocking message in the notification area."""

    def open_page(self, key: str, **kwargs: Any) -> None:
        """Switch to another page; the page's `show_item(**kwargs)` is called if it has one."""

    def refresh_all(self) -> None:
        """Ask every page (and the Overview tiles) to reload, e.g. after an import or a scan."""


@dataclass(frozen=True)
class Lazy:
    """A class or function named "module:name", imported when it is first called."""

    target: str

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(self.module), self.target.partition(":")[2])(
            *args, **kwargs)


@dataclass(frozen=True)
class PageSpec:
    key: str  # stable id, e.g. "moderation"
    title: str  # what the sidebar says
    factory: Callable[[AppContext], QWidget]
    order: int = 50  # sidebar position
    visible: Callable[[Profile], bool] = field(default=lambda profile: True)


@dataclass(frozen=True)
class TileData:
    value: str  # the big number or word
    detail: str = ""  # one line under it
    tone: str = "neutral"  # neutral | good | warn | alert


@dataclass(frozen=True)
class TileSpec:
    key: str
    title: str
    compute: Callable[[Workspace], TileData]  # runs off the UI thread; core calls only
    page: str | None = None  # page to open when the tile is clicked
    order: int = 50
    visible: Callable[[Profile], bool] = field(default=lambda profile: True)


PAGES: dict[str, PageSpec] = {}
TILES: dict[str, TileSpec] = {}


def register_page(spec: PageSpec) -> PageSpec:
    PAGES[spec.key] = spec
    return spec


def register_tile(spec: TileSpec) -> TileSpec:
    TILES[spec.key] = spec
    return spec


def pages_for(profile: Profile) -> list[PageSpec]:
    """The pages this profile's role may open (`steward.permissions.PAGES`), in sidebar order."""
    return sorted(
        (p for p in PAGES.values()
         if permissions.may_see_page(profile.role, p.key) and p.visible(profile)),
        key=lambda p: p.order,
    )


def tiles_for(profile: Profile) -> list[TileSpec]:
    """The Overview tiles this profile's role may see (`steward.permissions.TILES`)."""
    return sorted(
        (t for t in TILES.values()
         if permissions.may_see_tile(profile.role, t.key) and t.visible(profile)),
        key=lambda t: t.order,
    )
