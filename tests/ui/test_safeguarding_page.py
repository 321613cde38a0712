"""The Safeguarding page: only for key holders, overdue first, blurred text, lifecycle,
signposting, corrections, PDF export (logged), retention review and the quick-hide key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from sqlalchemy import func, select

from steward import clock
from steward.jobs import run_to_end
from steward.safeguarding import flags, retention
from steward.safeguarding.scan import scan_job
from steward.store.models import AuditEvent
from steward.ui.main_window import MainWindow
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.ui.conftest import wait_for_workers


@pytest.fixture
def page(demo_ws, main_window, qtbot):
    run_to_end(scan_job(demo_ws))
    main_window.open_page("safeguarding")
    wait_for_workers(qtbot)
    page = main_window.page("safeguarding")
    page.refresh()
    wait_for_workers(qtbot)  # the flags list loads in the background
    return page


def _select(page, qtbot, category: str) -> int:
    for row in range(page.model.loaded):
        if page.model.row_values(row)[2] == category:
            page.table.selectRow(row)
            wait_for_workers(qtbot)
            return page.model.row_values(row)[-1]
    raise AssertionError(f"no {category} flag listed")


def test_page_only_for_key_holders_and_tile_for_others(demo_path, qtbot):
    run_ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    run_to_end(scan_job(run_ws))
    run_ws.lock()
    for profile, visible in (("volunteer", False), ("steward", False), ("lead", True)):
        ws = Workspace.unlock(demo_path, profile, PASSPHRASE)
        window = MainWindow(ws)
        qtbot.addWidget(window)
        try:
            assert ("safeguarding" in window.page_keys()) is visible
            from steward.ui.registry import tiles_for

            tiles = {t.key: t for t in tiles_for(ws.profile)}
            if visible:
                data = tiles["safeguarding.flags"].compute(ws)
                assert int(data.value) > 0 and "overdue" in data.detail
            else:
                assert "safeguarding.flags" not in tiles
                data = tiles["safeguarding.concerns"].compute(ws)
                assert data.detail.endswith("concerns are with your safeguarding lead")
        finally:
            window.shutdown()
            wait_for_workers(qtbot)


def test_flags_listed_overdue_first_and_filterable(page, qtbot, demo_ws):
    assert page.model.total == flags.count_flags(demo_ws)
    first = page.model.row_values(0)
    assert first[1] == "critical"
    later = clock.now() + timedelta(hours=2)
    rows = flags.list_flags(demo_ws, now=later)
    assert rows[0].overdue
    index = page.category.findData("contact_details")
    page.category.setCurrentIndex(index)
    wait_for_workers(qtbot)
    assert page.model.total == flags.count_flags(demo_ws, category="contact_details")
    assert all(page.model.row_values(r)[2] == "contact_details"
               for r in range(page.model.loaded))


def test_blurred_until_opened_with_signposting(page, qtbot):
    _select(page, qtbot, "self_harm")
    panel = page.panel
    assert panel.isEnabled() and panel.is_blurred
    assert panel.message.text()
    panel.reveal.click()
    assert not panel.is_blurred
    assert panel.signposting.isVisibleTo(panel)
    assert "116 123" in panel.helplines.text() and "0800 1111" in panel.helplines.text()
    assert panel.template.count() >= 2 and "Samaritans" in panel.reply.toPlainText()
    panel.copy.click()
    assert QGuiApplication.clipboard().text() == panel.reply.toPlainText()
    _select(page, qtbot, "contact_details")
    assert panel.is_blurred and not panel.signposting.isVisibleTo(panel)


def test_lifecycle_notes_and_corrections_from_the_page(page, qtbot):
    _select(page, qtbot, "abuse")
    panel = page.panel
    assert not panel.status_buttons["referred"].isEnabled()
    panel.status_buttons["triaged"].click()
    wait_for_workers(qtbot)
    assert panel.detail.row.status == "triaged"
    panel.lead.setCurrentText("lead")
    panel.assign_button.click()
    wait_for_workers(qtbot)
    assert panel.detail.row.assigned_to == "lead"
    panel.note.setText("Spoke to the young person after school")
    qtbot.keyClick(panel.note, Qt.Key.Key_Return)
    wait_for_workers(qtbot)
    assert "Spoke to the young person" in panel.entries.toPlainText()
    note_id = panel.detail.entries[-1].id
    panel.amend_entry.setCurrentIndex(panel.amend_entry.findData(note_id))
    panel.amendment.setText("It was at lunchtime, not after school")
    panel.amend_button.click()
    wait_for_workers(qtbot)
    text = panel.entries.toPlainText()
    assert "after school" in text and "lunchtime" in text and "corrected by" in text
    panel.note.setText("   ")
    panel.add_note()
    assert panel.result.objectName() == "inlineError"


def test_no_further_action_without_a_reason_is_refused_inside_the_dialog_even_from_new(
        page, qtbot, demo_ws):
    fid = _select(page, qtbot, "abuse")
    panel = page.panel
    assert panel.detail.row.status == "new" and panel.close_button.isEnabled()
    qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    dialog = panel.close_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.outcome.setCurrentText("no further action")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # refused where the lead is looking, the dialog stays open
    assert dialog.result.isVisible() and "reason" in dialog.result.text()
    assert dialog.result.objectName() == "inlineError"
    assert flags.flag_detail(demo_ws, fid).row.status == "new"
    qtbot.keyClicks(dialog.reason, "Already supported by the school's DSL")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    wait_for_workers(qtbot)
    detail = flags.flag_detail(demo_ws, fid)
    assert detail.row.status == "closed"
    assert detail.outcome == {"outcome": "no further action",
                              "reason": "Already supported by the school's DSL"}
    assert f"Flag {fid} closed." in panel.result.text()


def test_pdf_export_is_written_and_logged(page, qtbot, demo_ws, tmp_path):
    fid = _select(page, qtbot, "grooming")
    out = tmp_path / "record.pdf"
    page.panel.export_to(out)
    wait_for_workers(qtbot)
    wait_for_workers(qtbot)
    assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 1000
    from sqlalchemy import select

    from steward.store.models import AuditEvent

    with demo_ws.session() as s:
        events = s.execute(select(AuditEvent.action, AuditEvent.subject_id)).all()
    assert ("safeguarding.export", fid) in events
    assert ("safeguarding.view", fid) in events


def test_retention_review_banner(page, qtbot, demo_ws):
    assert not page.review_button.isVisibleTo(page)
    fid = flags.list_flags(demo_ws, category="contact_details")[0].id
    flags.set_status(demo_ws, fid, "triaged")
    flags.close(demo_ws, fid, "support given by the charity")
    with demo_ws.transaction() as s:
        from steward.store.models import Flag

        s.get(Flag, fid).retain_until = clock.now() - timedelta(days=1)
    page.refresh()
    wait_for_workers(qtbot)
    assert page.review_button.isVisibleTo(page) and "1 closed case is" in page.review_line.text()
    assert [i.flag_id for i in retention.due_for_review(demo_ws)] == [fid]


def test_quick_hide_works_on_this_page(page, main_window, qtbot, demo_ws):
    _select(page, qtbot, "self_harm")
    page.panel.reveal.click()
    main_window.activateWindow()
    qtbot.waitUntil(main_window.isActiveWindow)
    page.panel.note.setFocus()
    qtbot.keyClick(page.panel.note, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert main_window.is_locked and demo_ws.is_locked
    assert not main_window.isVisible()


def test_nothing_chosen_until_the_lead_picks_a_flag(page, qtbot, demo_ws):
    """Opening the page views no flag (each view is audited) and shows no message text."""
    assert not page.table.currentIndex().isValid()
    assert page.panel.flag_id is None and not page.panel.details.isVisibleTo(page.panel)
    assert "Pick a flag" in page.panel.meta.text()
    with demo_ws.session() as s:
        views = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "safeguarding.view"))
    assert views == 0
    due = page.model.data(page.model.index(0, 0))
    assert due.startswith(("in ", "Overdue ")) and "(" not in due


def test_no_flags_says_what_to_do_next(page, qtbot):
    page.status.setCurrentIndex(page.status.findText("Closed only"))
    wait_for_workers(qtbot)
    assert page.model.total == 0 and page.stack.currentWidget() is page.empty
    assert page.empty.headline.text() == "No flags match these choices"


def test_an_empty_workspace_has_no_open_concerns(workspace, qtbot):
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    window.open_page("safeguarding")
    wait_for_workers(qtbot)
    page = window.page("safeguarding")
    assert page.stack.currentWidget() is page.empty
    assert page.empty.headline.text() == "No open concerns"
    assert "press Scan new messages" in page.empty.next_step.text()
    window.shutdown()
    wait_for_workers(qtbot)


def test_why_it_was_flagged_reads_as_plain_english_with_the_pattern_on_demand(page, qtbot,
                                                                            demo_ws):
    panel = page.panel
    for row in range(page.model.loaded):
        page.table.selectRow(row)
        wait_for_workers(qtbot)
        raw = [r for r in panel.detail.reasons if "(pattern “" in r]
        if raw:
            break
    else:
        raise AssertionError("no flag raised by a lexicon pattern")
    words, pattern = raw[0][1:].split("” (pattern “")
    pattern = pattern[:-2]
    concern = panel.title.text().split(": ", 1)[1].lower()
    shown = panel.reasons.text()
    assert f"The words “{words}”: a sign of {concern}" in shown
    assert "pattern" not in shown and pattern not in shown
    assert panel.show_patterns.isVisibleTo(panel) and panel.is_blurred
    qtbot.mouseClick(panel.show_patterns, Qt.MouseButton.LeftButton)
    assert f"(pattern: {pattern})" in panel.reasons.text()
    assert panel.is_blurred  # asking for the patterns does not reveal the message
    qtbot.mouseClick(panel.show_patterns, Qt.MouseButton.LeftButton)
    assert pattern not in panel.reasons.text()
