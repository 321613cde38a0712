"""Merge and unmerge: per-field choice, exact restore, audit chain, clear refusals."""

import pytest
from sqlalchemy import select

from steward.errors import BadInput
from steward.hygiene.groups import tag_people
from steward.hygiene.merge import last_merge_into, merge, merges, unmerge
from steward.hygiene.people import add_note, person_detail
from steward.store import audit
from steward.store.models import AuditEvent, Person

TABLES = ("persons", "identities", "consents", "person_tags", "notes", "cohort_members",
          "cadences", "one_to_ones", "flags", "case_entries")


def _snapshot(ws):
    with ws.engine.connect() as conn:
        return {t: sorted(map(tuple, conn.exec_driver_sql(f"SELECT * FROM {t}").all()))
                for t in TABLES}


def _pair(ws):
    return ws.get_setting("demo.truth")["duplicates"][0]


def test_merge_then_unmerge_restores_exactly(demo_ws):
    keep, other = _pair(demo_ws)
    tag_people(demo_ws, "leader", [keep, other])
    tag_people(demo_ws, "youth", [other])
    add_note(demo_ws, other, "Prefers email")
    before = _snapshot(demo_ws)
    ids_before = {i.id for i in person_detail(demo_ws, keep).identities}
    other_ids = {i.id for i in person_detail(demo_ws, other).identities}
    with demo_ws.session() as s:
        other_name = s.get(Person, other).display_name

    merge_id = merge(demo_ws, keep, [other], choices={"display_name": other})
    merged = person_detail(demo_ws, keep)
    assert {i.id for i in merged.identities} == ids_before | other_ids
    assert merged.display_name == other_name
    assert merged.tags == ["leader", "youth"]
    assert any(text == "Prefers email" for _, _, text in merged.notes)
    with demo_ws.session() as s:
        assert s.get(Person, other) is None
    assert merges(demo_ws, keep)[0].merge_id == merge_id

    summary = unmerge(demo_ws, last_merge_into(demo_ws, keep))
    assert summary.absorbed_person_ids == (other,)
    assert _snapshot(demo_ws) == before
    with demo_ws.session() as s:
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        details = s.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "person.merge")).one()
        assert audit.verify(s).ok
    assert actions[-2:] == ["person.merge", "person.unmerge"]
    assert other_name not in str(details)


def test_merge_single_identity_and_several_people(demo_ws):
    (a, b), (c, d) = demo_ws.get_setting("demo.truth")["duplicates"][:2]
    moved = person_detail(demo_ws, d).identities[0].id
    merge_id = merge(demo_ws, a, [b, c], identity_ids=[moved])
    assert len(person_detail(demo_ws, a).identities) >= 3
    with demo_ws.session() as s:
        assert s.get(Person, d) is None  # its only identity moved, so it was absorbed whole
    unmerge(demo_ws, merge_id)
    assert person_detail(demo_ws, d).identities[0].id == moved


def test_bad_merges_are_refused_clearly(demo_ws):
    keep, other = _pair(demo_ws)
    with pytest.raises(BadInput, match="into itself"):
        merge(demo_ws, keep, [keep])
    with pytest.raises(BadInput, match="nothing to merge"):
        merge(demo_ws, keep, [])
    with pytest.raises(BadInput, match="does not exist"):
        merge(demo_ws, keep, [999_999])
    with pytest.raises(BadInput, match="cannot choose field"):
        merge(demo_ws, keep, [other], choices={"email": other})
    with pytest.raises(BadInput, match="no merge to undo"):
        last_merge_into(demo_ws, keep)
    with pytest.raises(BadInput, match="there is no merge 42"):
        unmerge(demo_ws, 42)
    merge_id = merge(demo_ws, keep, [other])
    with pytest.raises(BadInput, match="already belongs"):
        merge(demo_ws, keep, identity_ids=[person_detail(demo_ws, keep).identities[0].id])
    unmerge(demo_ws, merge_id)
    with pytest.raises(BadInput, match="already undone"):
        unmerge(demo_ws, merge_id)


def test_later_merge_must_be_undone_first(demo_ws):
    (a, b), (c, _d) = demo_ws.get_setting("demo.truth")["duplicates"][:2]
    first = merge(demo_ws, a, [b])
    second = merge(demo_ws, c, identity_ids=[person_detail(demo_ws, a).identities[-1].id])
    with pytest.raises(BadInput, match=f"undo merge {second} first"):
        unmerge(demo_ws, first)
    with pytest.raises(BadInput, match="kept person of merge"):
        merge(demo_ws, c, [a])
    unmerge(demo_ws, second)
    unmerge(demo_ws, first)


def test_merge_commands(demo_path, capsys, monkeypatch):
    from steward.cli import main
    from steward.workspace import Workspace
    from tests.conftest import PASSPHRASE

    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    keep, other = _pair(ws)
    ws.lock()
    w = ["--workspace", str(demo_path)]
    assert main(["merge", str(keep), str(keep), *w]) == 2
    assert "into itself" in capsys.readouterr().err
    assert main(["unmerge", "--person", str(keep), *w]) == 2
    assert "no merge to undo" in capsys.readouterr().err
    assert main(["merge", str(keep), str(other), *w]) == 0
    assert main(["unmerge", "--person", str(keep), *w]) == 0
    assert "undone" in capsys.readouterr().out
    assert main(["not-same", str(keep), str(other), *w]) == 0
