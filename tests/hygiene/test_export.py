"""Safe exports: presets, profile limits, formula neutralisation, metadata, audit, atomic write."""

import csv
import json

import openpyxl
import pytest
from sqlalchemy import select

from steward import clock
from steward.cli import main
from steward.errors import AccessDenied, BadInput, StewardError
from steward.hygiene import export as ex
from steward.hygiene.consent import record_consent
from steward.hygiene.export import ExportRequest, export_members
from steward.hygiene.people import PeopleFilter, list_people
from steward.store.models import AuditEvent, Flag, Identity, Person, Source
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE

NASTY = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+44 7700 900123", "-2+3", "@SUM(A1)",
         "\tTabbed", "\rCarriage", "\nNewline"]
SCRIPTS = ["محمد الأحمد", "王小明", "Zoë Chen 🌻"]


@pytest.fixture
def people_ws(workspace):
    """A small workspace with formula-like names, names in several scripts, and consent."""
    with workspace.transaction() as s:
        src = Source(platform="slack", name="Slack", config={}, cursor={},
                     created_at=clock.now())
        s.add(src)
        s.flush()
        for n, name in enumerate(NASTY + SCRIPTS + ["Withdrawn Person"]):
            p = Person(display_name=name, created_at=clock.now())
            s.add(p)
            s.flush()
            s.add(Identity(person_id=p.id, source_id=src.id, platform_id=f"U{n}",
                           handle=f"=cmd|' /C calc'!A{n}" if n == 0 else f"user{n}",
                           email=f"person{n}@example.org",
                           email_normalised=f"person{n}@example.org",
                           phone=f"+447700900{n:03d}", phone_e164=f"+447700900{n:03d}"))
            s.add(Flag(person_id=p.id, category="self_harm", severity="high",
                       created_at=clock.now(), details_enc=b"secret"))
    withdrawn = len(NASTY) + len(SCRIPTS) + 1
    record_consent(workspace, withdrawn, "given", "consent")
    record_consent(workspace, withdrawn, "withdrawn", "consent")
    return workspace


def _read_xlsx(path):
    book = openpyxl.load_workbook(path)
    members = [[c.value for c in row] for row in book["Members"].iter_rows()]
    about = {row[0].value: row[1].value for row in book["About this export"].iter_rows()}
    return members, about


def test_xlsx_neutralises_formulas_and_records_metadata(people_ws, tmp_path):
    out = tmp_path / "members.xlsx"
    result = export_members(people_ws, ExportRequest("steward", "xlsx", out, "Summer mailing"))
    assert result.rows == len(NASTY) + len(SCRIPTS)  # the withdrawn person is left out
    members, about = _read_xlsx(out)
    header, rows = members[0], members[1:]
    assert header[:3] == ["Steward id", "Name", "Platform handles"]
    names = [r[1].replace("_x000D_", "\r") for r in rows]  # how XLSX stores a CR
    for nasty in NASTY:
        assert "'" + nasty in names
    assert not any(str(v).startswith(ex.RISKY_STARTS) for row in rows for v in row if v)
    assert set(SCRIPTS) <= set(names) and "Withdrawn Person" not in names
    book = openpyxl.load_workbook(out)
    assert all(c.data_type != "f" for row in book["Members"].iter_rows() for c in row)
    assert about["Purpose"] == "Summer mailing" and about["Rows"] == str(result.rows)
    assert about["Exported by"] == "admin (admin)" and about["Preset"] == "steward"
    flat = json.dumps(members)
    assert "self_harm" not in flat and "secret" not in flat
    with people_ws.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "members.export")).one()
    assert event.details["rows"] == result.rows and event.details["purpose"] == "Summer mailing"


def test_csv_has_bom_and_handles_every_script(people_ws, tmp_path):
    out = tmp_path / "members.csv"
    export_members(people_ws, ExportRequest("volunteer", "csv", out, "Ping list"))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["Name", "Platform handles", "Email (masked)", "Consent", "Last active"]
    names = [r[0] for r in rows[1:]]
    assert set(SCRIPTS) <= set(names)
    assert all(not cell.startswith(ex.RISKY_STARTS) for row in rows[1:] for cell in row)
    assert "p***@example.org" in {r[2] for r in rows[1:]}
    assert "person1@example.org" not in raw.decode("utf-8-sig")


def test_volunteers_get_only_the_volunteer_preset(people_ws, tmp_path):
    people_ws.add_profile("vol", "volunteer", PASSPHRASE)
    vol = Workspace.unlock(people_ws.path, "vol", PASSPHRASE)
    try:
        with pytest.raises(AccessDenied, match="only the volunteer preset"):
            export_members(vol, ExportRequest("steward", "csv", tmp_path / "a.csv", "x"))
        with pytest.raises(AccessDenied, match="column 'email' is not available"):
            export_members(vol, ExportRequest("volunteer", "csv", tmp_path / "a.csv", "x",
                                              columns=("display_name", "email")))
        done = export_members(vol, ExportRequest("volunteer", "csv", tmp_path / "a.csv", "x",
                                                 columns=("display_name", "consent")))
        assert done.columns == ("display_name", "consent")
    finally:
        vol.lock()
    assert not (tmp_path / "b.csv").exists()


def test_bad_requests_are_refused(people_ws, tmp_path):
    with pytest.raises(BadInput, match="purpose"):
        export_members(people_ws, ExportRequest("volunteer", "csv", tmp_path / "a.csv", "  "))
    with pytest.raises(BadInput, match="unknown export column"):
        export_members(people_ws, ExportRequest("steward", "csv", tmp_path / "a.csv", "x",
                                                columns=("shoe_size",)))
    with pytest.raises(BadInput, match="withdrew consent"):
        export_members(people_ws, ExportRequest("steward", "csv", tmp_path / "a.csv", "x",
                                                filter=PeopleFilter(consent="withdrawn")))
    with pytest.raises(StewardError, match="does not exist"):
        export_members(people_ws, ExportRequest("steward", "csv",
                                                tmp_path / "missing" / "a.csv", "x"))
    (tmp_path / "taken.csv").mkdir()
    with pytest.raises(StewardError, match="is a folder"):
        export_members(people_ws, ExportRequest("steward", "csv", tmp_path / "taken.csv", "x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.csv", "ws"]


def test_a_failure_mid_write_leaves_nothing(people_ws, tmp_path, monkeypatch):
    out = tmp_path / "members.xlsx"
    out.write_text("the previous export")

    def broken(*args, **kwargs):
        yield ["fine"] * 5
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ex, "_people_rows", broken)
    with pytest.raises(OSError):
        export_members(people_ws, ExportRequest("volunteer", "xlsx", out, "x"))
    assert out.read_text() == "the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["members.xlsx", "ws"]
    with people_ws.session() as s:
        assert not s.scalars(select(AuditEvent).where(
            AuditEvent.action == "members.export")).all()


def test_ping_list_of_lapsed_members(demo_ws, tmp_path):
    from tests.conftest import DEMO_NOW

    req = ex.ping_list_request(tmp_path / "ping.csv", "Catch-up calls", 60)
    req = ExportRequest(req.preset, req.format, req.out, req.purpose,
                        filter=PeopleFilter(lapsed=True, now=DEMO_NOW))
    result = export_members(demo_ws, req)
    lapsed = list_people(demo_ws, PeopleFilter(lapsed=True, now=DEMO_NOW), limit=10_000)
    withdrawn = {r.id for r in lapsed if r.consent == "withdrawn"}
    assert result.rows == len(lapsed) - len(withdrawn) > 0


def test_export_command(demo_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    w = ["--workspace", str(demo_path)]
    out = tmp_path / "list.xlsx"
    args = ["export", "members", "--preset", "volunteer", "--format", "xlsx", "--out", str(out)]
    assert main([*args, *w]) == 2
    assert "purpose" in capsys.readouterr().err
    assert main([*args, "--purpose", "Welcome calls", *w]) == 0
    assert out.exists() and "Exported" in capsys.readouterr().out
    steward = ["export", "members", "--preset", "steward", "--format", "csv", "--purpose", "x",
               "--out", str(tmp_path / "s.csv")]
    assert main([*steward, "--profile", "volunteer", *w]) == 1
    assert "volunteer preset" in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()
    assert main([*steward[:-1], str(tmp_path / "nope" / "s.csv"), *w]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_export_in_small_chunks_matches_the_member_list(demo_ws, tmp_path, monkeypatch):
    """Every person once, in id order, across chunk boundaries, each with the latest message
    of any of their identities as the member list shows it (people with several identities,
    and people with none that posted)."""
    monkeypatch.setattr(ex, "CHUNK", 7)
    req = ExportRequest("steward", "csv", tmp_path / "all.csv", "checking chunks")
    export_members(demo_ws, req)
    with open(tmp_path / "all.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    listed = {r.id: r for r in list_people(demo_ws, limit=100_000)
              if r.consent != "withdrawn"}
    assert [int(r["Steward id"]) for r in rows] == sorted(listed)
    for row in rows:
        person = listed[int(row["Steward id"])]
        seen = person.last_active.strftime("%Y-%m-%d") if person.last_active else ""
        assert row["Last active"] == seen
    assert any(r["Last active"] == "" for r in rows) and any(r["Last active"] for r in rows)
