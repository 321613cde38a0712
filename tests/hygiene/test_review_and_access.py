"""Batch review of duplicates (with undo), merge field policies, consent purposes and expiry
with renewal, and subject access requests."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from steward import clock
from steward.cli import main
from steward.errors import BadInput
from steward.hygiene import matching
from steward.hygiene.access import subject_access
from steward.hygiene.consent import consents_to_renew, expiry_after, record_consent
from steward.hygiene.merge import merge
from steward.hygiene.review import batches, review_batch, undo_batch
from steward.jobs import run_to_end
from tests.conftest import PASSPHRASE
from tests.connectors.helpers import run_import


def _count(ws, sql: str) -> int:
    with ws.session() as s:
        return s.connection().exec_driver_sql(sql).scalar()


def test_batch_accept_merges_everything_above_a_score_and_undo_restores(demo_ws):
    found = run_to_end(matching.find_duplicates(demo_ws)).candidates
    people = _count(demo_ws, "SELECT count(*) FROM persons")
    above = sorted(c.score for c in found)[len(found) // 2]
    chosen = [c for c in found if c.score >= above]
    batch = review_batch(demo_ws, found, "accept", above)
    assert batch.pairs == len(chosen) and len(batch.merges) + batch.skipped == len(chosen)
    assert _count(demo_ws, "SELECT count(*) FROM persons") == people - len(batch.merges)
    again = {frozenset((c.person_a, c.person_b))
             for c in run_to_end(matching.find_duplicates(demo_ws)).candidates}
    assert not again & {frozenset((c.person_a, c.person_b)) for c in chosen}
    undone = undo_batch(demo_ws)
    assert undone.batch_id == batch.batch_id and undone.undone_at
    assert _count(demo_ws, "SELECT count(*) FROM persons") == people
    assert batches(demo_ws)[0].undone_at
    with pytest.raises(BadInput, match="no batch"):
        undo_batch(demo_ws)
    actions = [a for (a,) in demo_ws.engine.connect().exec_driver_sql(
        "SELECT action FROM audit_events WHERE action LIKE 'duplicates.batch%'")]
    assert actions == ["duplicates.batch_accept", "duplicates.batch_undo"]


def test_batch_reject_is_remembered_and_undone(demo_ws):
    found = run_to_end(matching.find_duplicates(demo_ws)).candidates
    batch = review_batch(demo_ws, found, "reject", min(c.score for c in found))
    assert batch.marked >= len(found)
    assert run_to_end(matching.find_duplicates(demo_ws)).candidates == []
    undo_batch(demo_ws, batch.batch_id)
    assert len(run_to_end(matching.find_duplicates(demo_ws)).candidates) == len(found)
    with pytest.raises(BadInput, match="no candidate"):
        review_batch(demo_ws, found, "accept", 1e9)


def test_merge_policies_keep_the_most_complete_or_newest_field(workspace, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Member ID,Name\n1,Sam\n2,Samuel Okoro\n3,S Okoro\n", encoding="utf-8")
    run_import(workspace, "members-csv", [path])
    ids = [pid for (pid,) in workspace.engine.connect().exec_driver_sql(
        "SELECT id FROM persons ORDER BY id")]
    merge(workspace, ids[0], [ids[1]], policy="most_complete")
    name = workspace.engine.connect().exec_driver_sql(
        f"SELECT display_name FROM persons WHERE id = {ids[0]}").scalar()
    assert name == "Samuel Okoro"
    merge(workspace, ids[0], [ids[2]], policy="newest")
    name = workspace.engine.connect().exec_driver_sql(
        f"SELECT display_name FROM persons WHERE id = {ids[0]}").scalar()
    assert name == "S Okoro"
    with pytest.raises(BadInput, match="policy"):
        merge(workspace, ids[0], [], identity_ids=[1], policy="loudest")


def test_consent_purposes_expiry_and_renewal(demo_ws):
    pid = demo_ws.engine.connect().exec_driver_sql("SELECT min(id) FROM persons").scalar()
    old = clock.now() - timedelta(days=800)
    record_consent(demo_ws, pid, "given", "consent", purpose="photos", at=old,
                   expires_at=expiry_after(2, old))
    record_consent(demo_ws, pid, "given", "consent", purpose="newsletter",
                   expires_at=expiry_after(2))
    due = [r for r in consents_to_renew(demo_ws) if r.person_id == pid]
    assert [(r.purpose, r.expired) for r in due] == [("photos", True)]
    record_consent(demo_ws, pid, "given", "consent", purpose="photos",
                   expires_at=expiry_after(2))
    assert not [r for r in consents_to_renew(demo_ws) if r.person_id == pid]
    with pytest.raises(BadInput, match="purpose"):
        record_consent(demo_ws, pid, "given", "consent", purpose="marketing-ish")
    with pytest.raises(BadInput, match="after it was given"):
        record_consent(demo_ws, pid, "given", "consent", expires_at=old)


def test_lapsed_offers_consent_renewal(demo_path, capsys, monkeypatch):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    ws = ["--workspace", str(demo_path)]
    assert main(["lapsed", "--json", *ws]) == 0
    lapsed = json.loads(capsys.readouterr().out)
    pid = lapsed[0]["person_id"]
    assert main(["consent", str(pid), "--state", "given", "--purpose", "events",
                 "--expires-after", "0.05", *ws]) == 0
    assert "to ask again on" in capsys.readouterr().out
    assert main(["lapsed", "--json", *ws]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out) if r["person_id"] == pid)
    assert [i["purpose"] for i in row["consent_renewal"]] == ["events"]
    assert main(["lapsed", *ws]) == 0
    assert "offer consent renewal: events expires" in capsys.readouterr().out


def test_subject_access_holds_everything_and_is_audited(workspace, tmp_path, capsys,
                                                        monkeypatch):
    path = tmp_path / "register.csv"
    path.write_text("Member ID,Name,Email,Post code,DOB,Notes\n"
                    "M7,Asha Patel,asha@example.org,LS6 1AA,03/04/1985,Prefers text\n",
                    encoding="utf-8")
    run_import(workspace, "members-csv", [path])
    pid = workspace.engine.connect().exec_driver_sql("SELECT min(id) FROM persons").scalar()
    record_consent(workspace, pid, "given", "consent", purpose="newsletter",
                   expires_at=expiry_after(2))
    report = subject_access(workspace, pid, tmp_path / "asha.md")
    text = report.path.read_text(encoding="utf-8")
    for held in ("Asha Patel", "asha@example.org", "LS6 1AA", "1985-04-03", "Prefers text",
                 "newsletter", "M7", "## Safeguarding"):
        assert held in text
    data = json.loads(subject_access(workspace, pid, tmp_path / "asha.json").path.read_text(
        encoding="utf-8"))
    assert data["member list details"][0]["postcode"] == "LS6 1AA"
    details = workspace.engine.connect().exec_driver_sql(
        "SELECT details FROM audit_events WHERE action = 'person.subject_access'").all()
    assert len(details) == 2 and all("Asha" not in d[0] for d in details)
    with pytest.raises(BadInput, match="does not exist"):
        subject_access(workspace, 999, tmp_path / "nobody.md")
    assert not list(tmp_path.glob(".steward-*"))


def test_subject_access_and_review_commands(demo_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    ws = ["--workspace", str(demo_path)]
    out = tmp_path / "sar.md"
    assert main(["subject-access", "5", "--out", str(out), *ws]) == 0
    assert out.exists() and "# Information held about" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["review", "accept", "--above", "5", *ws]) == 0
    said = capsys.readouterr().out
    assert "merges from" in said and "steward review undo --batch 1" in said
    assert main(["review", "undo", *ws]) == 0
    assert "undone" in capsys.readouterr().out
    assert main(["review", "accept", *ws]) == 2
