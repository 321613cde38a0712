"""The case record PDF keeps every word: Welsh, Polish, Arabic, Ukrainian and emoji round-trip
exactly through `steward flags export` (text read back with pypdf)."""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader

from steward.cli import main
from tests.conftest import PASSPHRASE

QUOTED = [
    "Dw i ddim yn gallu cysgu. Mae’r ŵyn a’r ŷd yn fy atgoffa o adref.",
    "Proszę, pomóżcie mi — boję się wracać do domu, łzy mi lecą.",
    "أنا خائف ولا أعرف لمن أتحدث",
    "Мені страшно, я не знаю, кому сказати.",
    "Please help 🙏😢❤️",
]
NAME = "Siân Łukasz-Ковальчук"


@pytest.fixture
def run(demo_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)

    def _run(*argv):
        code = main([*argv, "--workspace", str(demo_path), "--profile", "lead"])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def _lines(path) -> list[str]:
    text = "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)
    return [line.strip() for line in text.splitlines()]


def test_a_record_quoting_five_scripts_round_trips_exactly(run, demo_ws, tmp_path):
    assert run("safeguarding", "scan")[0] == 0
    fid = json.loads(run("flags", "list", "--json")[1])[0]["id"]
    with demo_ws.transaction() as s:
        conn = s.connection().connection.driver_connection
        from steward.safeguarding.flags import metadata

        message_id = metadata(demo_ws)[fid].message_id  # sealed: read as the lead
        person_id = conn.execute(
            "SELECT i.person_id FROM messages m JOIN identities i ON i.id = m.identity_id "
            "WHERE m.id = ?", (message_id,)).fetchone()[0]
        conn.execute("UPDATE messages SET text = ? WHERE id = ?", ("\n".join(QUOTED), message_id))
        conn.execute("UPDATE persons SET display_name = ? WHERE id = ?", (NAME, person_id))
    assert run("flags", "note", str(fid), "Called back in Welsh: ŵ ŷ, and in Polish: ł")[0] == 0
    out = tmp_path / "record.pdf"
    code, _, err = run("flags", "export", str(fid), "--out", str(out))
    assert code == 0, err
    lines = _lines(out)
    for quoted in QUOTED:
        assert quoted in lines, quoted  # each line of the message, exactly as posted
    assert any(NAME in line for line in lines)
    assert any("Called back in Welsh: ŵ ŷ, and in Polish: ł" in line for line in lines)
    assert not any("?" * 3 in line for line in lines)
    fonts = {str(f) for page in PdfReader(str(out)).pages
             for f in page["/Resources"]["/Font"].values()}
    assert fonts  # fonts are embedded objects, not the base 14
    data = out.read_bytes()
    assert b"/FontFile2" in data and b"/Helvetica" not in data


def test_a_long_record_flows_onto_more_pages(tmp_path):
    from datetime import datetime

    from steward.safeguarding.record import CaseRecord, Section, write_pdf

    lines = [QUOTED[i % len(QUOTED)] for i in range(200)]
    rec = CaseRecord("Safeguarding chronology: person 7", "lead", datetime(2026, 5, 1, 9),
                     "Riverside", [Section("Chronology across all platforms", lines)])
    out = tmp_path / "long.pdf"
    write_pdf(rec, out)
    reader = PdfReader(str(out))
    assert len(reader.pages) > 3
    got = _lines(out)
    assert all(got.count(quoted) == 40 for quoted in QUOTED)  # none lost at a page break
    assert "Page 1 of" in " ".join(got)


def test_every_page_of_a_long_record_carries_the_confidentiality_header(demo_ws, tmp_path):
    from steward.jobs import run_to_end
    from steward.safeguarding import flags, record
    from steward.safeguarding.scan import scan_job

    run_to_end(scan_job(demo_ws))
    fid = flags.list_flags(demo_ws)[0].id
    for n in range(30):  # four pages: the first, two between and the last
        flags.add_note(demo_ws, fid, f"Follow-up call {n}: spoke with the family about support "
                                     "at school and the next steps agreed with the lead.")
    out = tmp_path / "long.pdf"
    record.write_pdf(record.flag_record(demo_ws, fid), out)
    pages = PdfReader(str(out)).pages
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        first = page.extract_text().strip().splitlines()[0]
        assert first.startswith("CONFIDENTIAL — safeguarding case record"), (number, first)
