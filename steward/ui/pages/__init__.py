"""The desktop app's pages and Overview tiles: one module per page, named here so that the
window can list them without importing them (`steward.ui.registry`)."""

import importlib

from steward.ui import registry
from steward.ui.registry import Lazy, PageSpec, TileSpec, register_page, register_tile


def _holds_key(profile) -> bool:
    return profile.holds_safeguarding_key


def _lacks_key(profile) -> bool:
    return not profile.holds_safeguarding_key


_P = "steward.ui.pages."
# Add your area's page and tiles here (one entry each).
for _page in (
    PageSpec("overview", "Overview", Lazy(_P + "overview:OverviewPage"), order=0),
    PageSpec("moderation", "Moderation", Lazy(_P + "moderation:ModerationPage"), order=20),
    PageSpec("safeguarding", "Safeguarding", Lazy(_P + "safeguarding:SafeguardingPage"),
             order=30, visible=_holds_key),
    PageSpec("engagement", "Engagement", Lazy(_P + "engagement:EngagementPage"), order=40),
    PageSpec("members", "Members", Lazy(_P + "members:MembersPage"), order=40),
    PageSpec("connections", "1:1s", Lazy(_P + "connections:ConnectionsPage"), order=41),
    PageSpec("library", "Knowledge library", Lazy(_P + "library:LibraryPage"), order=42),
    # The import dialog's module adds its "Add a source" button to the Sources page.
    PageSpec("sources", "Sources", Lazy(_P + "sources_import:SourcesPage"), order=90),
    PageSpec("settings", "Settings", Lazy(_P + "settings:SettingsPage"), order=100),
):
    register_page(_page)

for _tile in (
    TileSpec("safeguarding.flags", "Safeguarding flags", Lazy(_P + "safeguarding:leads_tile"),
             page="safeguarding", order=10, visible=_holds_key),
    TileSpec("safeguarding.concerns", "Safeguarding", Lazy(_P + "safeguarding:others_tile"),
             order=10, visible=_lacks_key),
    TileSpec("moderation.open", "Open queue items", Lazy(_P + "moderation:open_items_tile"),
             page="moderation", order=20),
    TileSpec("engagement.quiet", "Quiet spaces", Lazy(_P + "engagement:quiet_spaces_tile"),
             page="engagement", order=20),
    TileSpec("engagement.newcomers", "Newcomers to welcome",
             Lazy(_P + "engagement:newcomers_tile"), page="engagement", order=21),
    TileSpec("engagement.leaders", "Leader candidates", Lazy(_P + "engagement:leaders_tile"),
             page="engagement", order=22),
    TileSpec("engagement.follow_ups", "1:1 follow-ups", Lazy(_P + "connections:follow_ups_tile"),
             page="connections", order=23),
    TileSpec("lapsed", "Lapsed members", Lazy(_P + "members:lapsed_tile"), page="members",
             order=60),
    TileSpec("backup", "Last backup", Lazy(_P + "settings:backup_tile"), page="settings",
             order=95),
):
    register_tile(_tile)


def page_modules() -> list[str]:
    """The modules the pages and tiles name."""
    named = [*(p.factory for p in registry.PAGES.values()),
             *(t.compute for t in registry.TILES.values())]
    return list(dict.fromkeys(f.module for f in named if isinstance(f, Lazy)))


def load_pages() -> None:
    """Import every page module (off the UI thread: while the passphrase is typed, or after the
    window shows), so that no page waits on its imports when it is first opened."""
    for module in page_modules():
        importlib.import_module(module)
