"""One module per page. Each registers itself with `steward.ui.registry` when imported."""

import importlib

# Add your area's page module here (one line each).
PAGE_MODULES: list[str] = [
    "steward.ui.pages.engagement",
    "steward.ui.pages.connections",
    "steward.ui.pages.library",
    "steward.ui.pages.overview",
    "steward.ui.pages.sources",
    "steward.ui.pages.sources_import",
    "steward.ui.pages.settings",
    "steward.ui.pages.members",
    "steward.ui.pages.safeguarding",
    "steward.ui.pages.moderation",
]


def load_pages() -> None:
    for name in PAGE_MODULES:
        importlib.import_module(name)
