"""The knowledge library: mark, tag, search, and an escaped digest."""

from datetime import datetime

import pytest

from steward.engagement.library import (
    clean_tags,
    digest,
    export_digest,
    library_tags,
    mark_as_resource,
    remove_resource,
    search_library,
    update_resource,
)
from steward.errors import BadInput
from steward.store import audit
from tests.engagement.activity import Activity

HOSTILE = "Use <script>alert(1)</script> and **bold** [link](javascript:x) # not a heading"


@pytest.fixture
def messages(workspace):
    a = Activity(workspace)
    space = a.space("help & advice")
    who = a.person("Helpful Person")
    grant = a.post(space, who, datetime(2026, 5, 1, 10),
                   text="The carers' grant form is at the council website.\nDeadline: June.")
    hostile = a.post(space, who, datetime(2026, 5, 2, 10), text=HOSTILE)
    return workspace, grant, hostile


def test_mark_tag_search_and_remove(messages):
    ws, grant, hostile = messages
    rid = mark_as_resource(ws, grant, tags="Money, grants ,money")
    assert mark_as_resource(ws, grant, tags=["school"]) == rid  # marking twice adds tags
    other = mark_as_resource(ws, hostile, title="Formatting tips", note="shared by a member")
    [item] = search_library(ws, "council")
    assert item.id == rid and item.title == "The carers' grant form is at the council website."
    assert item.tags == ["money", "grants", "school"] and item.author == "Helpful Person"
    assert [i.id for i in search_library(ws, tag="Money")] == [rid]
    assert [i.id for i in search_library(ws, "grants")] == [rid]  # tags are searched too
    assert [i.id for i in search_library(ws, "member")] == [other]  # and notes
    assert search_library(ws, "100%") == []
    assert library_tags(ws) == [("grants", 1), ("money", 1), ("school", 1)]
    update_resource(ws, rid, "Carers' grant", ["money"], None)
    assert search_library(ws, tag="school") == []
    remove_resource(ws, rid)
    assert [i.id for i in search_library(ws)] == [other]


def test_bad_input(messages):
    ws, grant, _ = messages
    with pytest.raises(BadInput):
        mark_as_resource(ws, 9999)
    with pytest.raises(BadInput):
        clean_tags(["x" * 41])
    rid = mark_as_resource(ws, grant)
    with pytest.raises(BadInput):
        update_resource(ws, rid, "  ", [], None)
    with pytest.raises(BadInput):
        digest([], "pdf")


def test_digest_escapes_member_text(messages, tmp_path):
    ws, grant, hostile = messages
    mark_as_resource(ws, grant, tags=["money"])
    mark_as_resource(ws, hostile, title="Tips <b>", tags=["how-to"])
    items = search_library(ws)
    page = digest(items, "html", title="May's resources")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Tips &lt;b&gt;" in page and "<h2>Money</h2>" in page
    text = digest(items, "markdown")
    assert "<script>" not in text and "\\*\\*bold\\*\\*" in text
    assert "\\[link\\]\\(javascript:x\\)" in text and "\\# not a heading" in text
    assert "Helpful Person" not in text  # the digest does not name authors
    out = tmp_path / "digest.md"
    assert export_digest(ws, out, items, "markdown") == 2
    assert out.read_text(encoding="utf-8") == text
    with ws.session() as s:
        assert audit.verify(s).ok
