"""The sidebar and the Overview tiles are built from `steward.permissions` (issue 12)."""

from steward import permissions


def test_pages_and_tiles_follow_the_table():
    from steward.ui import registry
    from steward.ui.pages import load_pages
    from steward.workspace import Profile

    load_pages()

    for role in permissions.ROLES:
        profile = Profile("p", role)
        for spec in registry.pages_for(profile):
            assert permissions.may_see_page(role, spec.key)
        for spec in registry.tiles_for(profile):
            assert permissions.may_see_tile(role, spec.key)
    volunteer = {p.key for p in registry.pages_for(Profile("v", "volunteer"))}
    assert volunteer == {"overview", "members", "settings"}
    assert "lapsed" not in {t.key for t in registry.tiles_for(Profile("v", "volunteer"))}
