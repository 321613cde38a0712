"""Trustee report content, chart CSV safety, and the messages behind a chart point."""

import shutil
import subprocess
from datetime import date, datetime, timedelta

import pytest

from steward.engagement.csvout import csv_text, write_csv
from steward.engagement.drilldown import day_message_count, day_messages
from steward.engagement.metrics import Period, Scope, silence_alerts
from steward.engagement.trustee import save_trustee_report, trustee_report, write_trustee_pdf
from tests.conftest import DEMO_NOW
from tests.engagement.activity import Activity


def test_csv_cells_cannot_become_formulas(tmp_path):
    text = csv_text(["day", "=cmd"], [["=HYPERLINK(\"x\")", 3], ["+1", -2], ["@a", None],
                                      ["\tx", 1.5], ["-x", 0], ["plain", 1]])
    lines = text.splitlines()
    assert lines[0] == "day,'=cmd"
    assert lines[1] == '"\'=HYPERLINK(""x"")",3'
    assert lines[2] == "'+1,-2"  # numbers stay numbers
    assert lines[3] == "'@a," and lines[4].startswith("'\tx") and lines[5] == "'-x,0"
    path = tmp_path / "out.csv"
    write_csv(path, ["a"], [["b"]])
    assert path.read_bytes().startswith(b"\xef\xbb\xbfa\r\nb")


def test_day_messages_follow_the_local_day(workspace):
    a = Activity(workspace)
    space = a.space("chat")
    who, staff = a.person("Owl"), a.person("Staff", staff=True)
    a.post(space, who, datetime(2026, 7, 1, 22, 30), text="late")  # 23:30 BST: 1 July
    a.post(space, who, datetime(2026, 7, 1, 23, 30), text="later")  # 00:30 BST: 2 July
    a.post(space, staff, datetime(2026, 7, 1, 12), text="staff")
    scope = Scope()
    assert [m.text for m in day_messages(workspace, date(2026, 7, 1), scope, "UTC")] == [
        "late", "later"]
    assert [m.text for m in day_messages(workspace, date(2026, 7, 1), scope,
                                         "Europe/London")] == ["late"]
    assert day_message_count(workspace, date(2026, 7, 2), scope, "Europe/London") == 1
    assert day_message_count(workspace, date(2026, 7, 1), Scope(include_staff=True), "UTC") == 3
    assert day_message_count(workspace, date(2026, 7, 1),
                             Scope(space_ids=frozenset({999})), "UTC") == 0


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_trustee_report_on_demo(demo_ws, tmp_path):
    truth = demo_ws.get_setting("demo.truth")
    period = Period((DEMO_NOW - timedelta(days=81)).date(), (DEMO_NOW - timedelta(days=1)).date())
    report = trustee_report(demo_ws, period, now=DEMO_NOW)
    labels = dict(report.figures)
    assert int(labels["Messages from members"].replace(",", "")) > 1000
    assert any("events" in h for h in report.highlights)
    assert any("newcomer" in h for h in report.highlights)
    for h in report.headlines:  # every figure compared twice, in words
        assert len(h.changes) == 2 and h.meaning
        assert "previous 81 days" in h.changes[0] and "last year" in h.changes[1]
    assert report.previous == Period(period.since - timedelta(days=81),
                                     period.since - timedelta(days=1))
    assert "Stickiness" not in str(report.headlines)  # no jargon
    # The demo's history is shorter than a year: last year's days are not in the records, so
    # no comparison with them (not "ten times as many as last year").
    from steward.engagement.activity import load_activity

    first = datetime(1970, 1, 1) + timedelta(seconds=int(load_activity(demo_ws).ts.min()))
    assert first.date() > report.last_year.since
    assert all(h.changes[1] == "no figure for the same days last year (the records start "
               "later)" for h in report.headlines)
    assert [label for label, _ in report.comparison] == ["Previous 81 days", "This period"]
    out = tmp_path / "trustees.pdf"
    write_trustee_pdf(report, out)
    text = _pdf_text(out)
    names = [c.name for c in silence_alerts(demo_ws, now=DEMO_NOW)]
    assert names[0] == "events"
    with demo_ws.session() as s:
        from sqlalchemy import select

        from steward.store.models import Person
        top = s.scalars(select(Person.display_name).where(
            Person.id.in_(truth["top_contributors"]))).all()
    assert not any(name in text for name in top)  # the board report names nobody
    assert len(report.charts[0].days) == period.days
    assert "Messages from members, per day" in text and "What needs attention" in text
    # The admin holds the safeguarding key: counts by category, never a name.
    assert report.safeguarding is not None and "Safeguarding concerns raised" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_trustee_report_renders_to_pages(demo_ws, tmp_path):
    """Drawn by poppler, page by page: every page has ink, the charts are there."""
    from PySide6.QtGui import QImage

    period = Period((DEMO_NOW - timedelta(days=90)).date(), (DEMO_NOW - timedelta(days=1)).date())
    out = tmp_path / "trustees.pdf"
    save_trustee_report(demo_ws, period, out, now=DEMO_NOW)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")],
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    for page in pages:
        image = QImage(str(page))
        assert image.width() > 250 and image.height() > 300
        inked = sum(1 for y in range(0, image.height(), 4) for x in range(0, image.width(), 4)
                    if image.pixelColor(x, y).lightness() < 200)
        assert inked > 100, page  # not a blank page
    text = _pdf_text(out)
    for title in ("Messages from members, per day", "Messages from members, per month",
                  "Members who wrote: each day, and in the 30 days up to each day"):
        assert title in text


def test_safeguarding_counts_by_kind_and_outcome_only_for_key_holders(demo_path, tmp_path):
    """Counted independently from the flags table; a steward's report has no such section."""
    from steward import clock
    from steward.jobs import run_to_end
    from steward.safeguarding.flags import close, set_status
    from steward.safeguarding.policy import CATEGORY_TITLES
    from steward.safeguarding.scan import scan_job
    from steward.workspace import Workspace
    from tests.conftest import PASSPHRASE

    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    try:
        run_to_end(scan_job(ws))
        from steward.safeguarding.flags import metadata  # categories are sealed: leads read

        rows = sorted((fid, m.category) for fid, m in metadata(ws).items())
        assert len(rows) >= 3
        closed_id, referred_id = rows[0][0], rows[1][0]
        set_status(ws, closed_id, "triaged")
        close(ws, closed_id, "no further action", reason="a song lyric")
        set_status(ws, referred_id, "triaged")
        today = clock.now().date()
        period = Period(today - timedelta(days=30), today)
        report = trustee_report(ws, period)
        c = report.safeguarding
        expected: dict[str, int] = {}
        for _id, category in rows:
            expected[CATEGORY_TITLES.get(category, category)] = \
                expected.get(CATEGORY_TITLES.get(category, category), 0) + 1
        assert c.total == len(rows) and c.by_category == expected
        assert c.by_outcome["no further action"] == 1
        assert c.by_outcome["still open (triaged)"] == 1
        assert sum(c.by_outcome.values()) == len(rows)
        out = tmp_path / "lead.pdf"
        write_trustee_pdf(report, out)
        text = _pdf_text(out)
        assert "No further action" in text and "Safeguarding concerns raised" in text
    finally:
        ws.lock()
    steward = Workspace.unlock(demo_path, "steward", PASSPHRASE)
    try:
        report = trustee_report(steward, period)
        assert report.safeguarding is None
        out = tmp_path / "steward.pdf"
        write_trustee_pdf(report, out)
        assert "Safeguarding" not in _pdf_text(out)
    finally:
        steward.lock()
