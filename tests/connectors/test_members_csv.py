"""Member lists as charities keep them: no emails, usual headings, Excel's encodings and
separators, UK dates of birth, hostile cells kept as text."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from steward.cli import main
from steward.connectors.base import ImportOptions
from steward.connectors.ingest import preview_files
from steward.connectors.members_csv import decode_table, parse_birth_date
from steward.errors import BadInput
from steward.hygiene.export import ExportRequest, export_members
from steward.jobs import run_to_end
from tests.conftest import PASSPHRASE
from tests.connectors.helpers import run_import


def _rows(ws, sql: str) -> list[tuple]:
    with ws.session() as s:
        return [tuple(r) for r in s.connection().exec_driver_sql(sql).all()]


def _people(ws) -> list[tuple]:
    return _rows(ws, "SELECT i.platform_id, i.display_name, i.email, i.phone_e164, d.first_name, "
                     "d.last_name, d.address, d.town, d.postcode, d.date_of_birth, d.notes "
                     "FROM identities i LEFT JOIN member_details d ON d.identity_id = i.id "
                     "ORDER BY i.id")


def test_a_register_without_emails_imports_every_field(workspace, tmp_path):
    path = tmp_path / "drop-in register.csv"
    path.write_text(
        "Member No,First name,Surname,Mobile,Address 1,Address 2,Town,Post code,DOB,Notes\n"
        "M-001,Asha,Patel,07700 900123,12 Mill Lane,Flat 2,Leeds,ls6 1aa,03/04/1985,Vegan\n"
        "M-002,Tom,Hughes,,4 Church St,,York,YO1 7HH,1990-12-31,\n"
        "M-003,Grace,Okafor,,,,,,,\n", encoding="utf-8")
    summary = run_import(workspace, "members-csv", [path])
    assert summary.people == 3
    assert _people(workspace) == [
        ("M-001", "Asha Patel", None, "+447700900123", "Asha", "Patel",
         "12 Mill Lane, Flat 2", "Leeds", "ls6 1aa", "1985-04-03", "Vegan"),
        ("M-002", "Tom Hughes", None, None, "Tom", "Hughes", "4 Church St", "York", "YO1 7HH",
         "1990-12-31", None),
        ("M-003", "Grace Okafor", None, None, "Grace", "Okafor", None, None, None, None, None),
    ]
    again = run_import(workspace, "members-csv", [path])
    assert again.people == 0


def test_usual_headings_semicolons_and_windows_text(workspace, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("E-mail;First Name;Surname;Mobile;Post code;D.O.B.\r\n"
                     "zoe@example.org;Zoë;Brontë;+44 7700 900456;SW1A 1AA;7 Mar 85\r\n"
                     .encode("cp1252"))
    run_import(workspace, "members-csv", [path])
    (row,) = _people(workspace)
    assert row[:4] == ("zoe@example.org", "Zoë Brontë", "zoe@example.org", "+447700900456")
    assert row[8:10] == ("SW1A 1AA", "1985-03-07")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-8"])
def test_unicode_text_exports_with_tabs(workspace, tmp_path, encoding):
    path = tmp_path / "unicode.txt"
    path.write_bytes("Email Address\tName\tPhone\n"
                     "ł@example.org\tŁucja Wójcik\t07700 900789\n".encode(encoding))
    run_import(workspace, "members-csv", [path])
    (row,) = _people(workspace)
    assert row[:4] == ("ł@example.org", "Łucja Wójcik", "ł@example.org", "+447700900789")


def test_utf16_without_its_mark_is_refused_by_name(tmp_path):
    with pytest.raises(BadInput, match="byte-order mark"):
        decode_table("Name,Email\nSam,s@example.org\n".encode("utf-16-le"), "list.csv")


def test_nul_characters_are_dropped(workspace, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"Name,Phone\nSam\x00 Jones,07700 900111\n")
    run_import(workspace, "members-csv", [path])
    assert _people(workspace)[0][1] == "Sam Jones"


def test_a_hostile_cell_is_data_shown_as_text_and_neutralised_on_export(workspace, tmp_path):
    path = tmp_path / "audience.csv"
    hostile = '=HYPERLINK("http://evil.example","hi")'
    path.write_text('Email Address,Name,MEMBER_RATING,OPTIN_TIME\n'
                    'ok@example.org,Ok Person,2,2024-01-02 10:00:00\n'
                    f'x@example.org,"{hostile.replace(chr(34), chr(34) * 2)}",2,\n',
                    encoding="utf-8")
    summary = run_import(workspace, "members-csv", [path])
    assert summary.people == 2
    names = [r[1] for r in _people(workspace)]
    assert names == ["Ok Person", hostile]  # Mailchimp's Name column is used, as typed
    out = tmp_path / "out.csv"
    export_members(workspace, ExportRequest("steward", "csv", out, "test"))
    with open(out, encoding="utf-8-sig", newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert "'" + hostile in cells and hostile not in cells


def test_crm_eventbrite_and_sheet_are_recognised(tmp_path):
    crm = tmp_path / "contacts.csv"
    crm.write_text("Contact ID,First Name,Last Name,Email,Mobile,Mailing Street,Mailing City,"
                   "Mailing Zip/Postal Code,Birthdate,Created Date\n"
                   "003A,Ann,Lee,ann@example.org,,1 High St,Bath,BA1 1AA,1970-01-02,"
                   "2024-01-01\n", encoding="utf-8")
    preview = run_to_end(preview_files("members-csv", [crm]))
    assert preview.people == 1
    assert preview.column_mapping == {
        "list": "CRM export (Beacon / Salesforce style)", "id": "Contact ID",
        "email": "Email", "phone": "Mobile", "first_name": "First Name",
        "last_name": "Last Name", "address": "Mailing Street", "town": "Mailing City",
        "postcode": "Mailing Zip/Postal Code", "date_of_birth": "Birthdate",
        "joined": "Created Date"}
    brite = tmp_path / "attendees.csv"
    brite.write_text("Order #,Order Date,Attendee #,First Name,Last Name,Email,Cell Phone,"
                     "Event Name\n1,2024-05-01 10:00:00,77,Bo,Ng,bo@example.org,,Picnic\n",
                     encoding="utf-8")
    mapping = run_to_end(preview_files("members-csv", [brite])).column_mapping
    assert mapping["list"] == "Eventbrite attendees" and mapping["id"] == "Attendee #"
    assert mapping["group"] == "Event Name" and mapping["phone"] == "Cell Phone"
    sheet = tmp_path / "sign-in.csv"
    sheet.write_text("Your name,Phone number,Date\nJo Bloggs,07700900222,01/06/2024\n",
                     encoding="utf-8")
    mapping = run_to_end(preview_files("members-csv", [sheet])).column_mapping
    assert mapping == {"list": "sign-up sheet or register", "phone": "Phone number",
                       "name": "Your name", "joined": "Date"}


def test_map_names_member_number_and_refuses_unknown_fields(workspace, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Ref,Who,Where\nR7,Sam Lee,LS1 4AP\n", encoding="utf-8")
    run_import(workspace, "members-csv", [path],
               column_map={"id": "Ref", "name": "Who", "postcode": "Where"})
    assert _people(workspace)[0][:2] == ("R7", "Sam Lee")
    with pytest.raises(BadInput, match="not a member field"):
        run_import(workspace, "members-csv", [path], column_map={"shoe_size": "Who"})


def test_command_line_map(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    ws = tmp_path / "ws"
    assert main(["init", "--workspace", str(ws)]) == 0
    path = tmp_path / "list.csv"
    path.write_text("Num,Nom\n1,Ann Lee\n", encoding="utf-8")
    assert main(["import", "members-csv", str(path), "--map", "id=Num", "--map", "name=Nom",
                 "--workspace", str(ws), "--json"]) == 0
    assert '"people": 1' in capsys.readouterr().out


@pytest.mark.parametrize(("text", "expected"), [
    ("31/12/1980", date(1980, 12, 31)), ("31-12-80", date(1980, 12, 31)),
    ("31.12.1980", date(1980, 12, 31)), ("1980-12-31", date(1980, 12, 31)),
    ("19801231", date(1980, 12, 31)), ("31 Dec 1980", date(1980, 12, 31)),
    ("31st December 1980", date(1980, 12, 31)), ("December 31, 1980", date(1980, 12, 31)),
    ("03/04/1985", date(1985, 4, 3)), ("04/23/1985", date(1985, 4, 23)),
    ("7/3/05", date(2005, 3, 7)), ("31/02/1980", None), ("soon", None), ("", None),
    ("01/01/2999", None),
])
def test_uk_dates_of_birth(text, expected):
    assert parse_birth_date(text) == expected


def test_options_map_is_checked_against_the_header(workspace, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Name\nSam\n", encoding="utf-8")
    with pytest.raises(BadInput, match="no column 'Mail'"):
        run_to_end(preview_files("members-csv", [path],
                                 ImportOptions(column_map={"email": "Mail"})))


def test_forgetting_a_person_erases_their_list_details(workspace, tmp_path):
    from steward.hygiene.consent import forget_person

    path = tmp_path / "register.csv"
    path.write_text("Name,Post code,DOB\nSam Lee,LS1 4AP,01/02/1990\n", encoding="utf-8")
    run_import(workspace, "members-csv", [path])
    (pid,) = _rows(workspace, "SELECT person_id FROM identities")[0]
    forget_person(workspace, pid)
    assert _rows(workspace, "SELECT count(*) FROM member_details") == [(0,)]
