"""Everything from this author on the Moderation page (issue 17): F (or the button) shows every
message the person posted across spaces; one confirmation decides them all; U undoes it all."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from steward.jobs import run_to_end
from steward.moderation import author, queue, scan
from steward.moderation.queue import QueueFilters
from steward.store.models import AuditEvent
from steward.ui.pages.moderation_author import AuthorDialog
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.ui.conftest import wait_for_workers


def _window(ws, qtbot):
    from steward.ui.main_window import MainWindow

    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    window.open_page("moderation")
    wait_for_workers(qtbot)
    return window


@pytest.fixture
def page(demo_ws, qtbot):
    from steward.ui import workers

    run_to_end(scan.scan_messages_job(demo_ws))
    window = _window(demo_ws, qtbot)
    yield window.page("moderation")
    window.shutdown()
    workers.wait_for_all(20_000)


def _spammer_row(page, ws) -> tuple[int, author.AuthorMessages]:
    """The first loaded row whose author posted in two spaces, not all of it queued."""
    for row in range(page.model.rowCount()):
        item_id = page.model.row_values(row)[-2]
        person = author.person_of_item(ws, item_id)
        found = author.messages_by_person(ws, person) if person else None
        if found and found.spaces > 1 and any(m.item_id is None for m in found.messages):
            return row, found
    raise AssertionError("no spammer in the demo queue posting in two spaces")


def test_f_shows_everything_and_one_confirmation_decides_it_all(page, qtbot, demo_ws):
    row, found = _spammer_row(page, demo_ws)
    n, open_before = len(found.to_decide), queue.count_items(demo_ws)
    page._move_to(row)
    wait_for_workers(qtbot)
    qtbot.keyClick(page.table, Qt.Key.Key_F)
    wait_for_workers(qtbot)
    dialog = page.author_dialog
    assert isinstance(dialog, AuthorDialog) and dialog.isVisible()
    assert dialog.model.total == len(found.messages)
    spaces = {dialog.model.row_values(r)[1] for r in range(dialog.model.rowCount())}
    assert len(spaces) == found.spaces > 1
    assert f"{n} without a decision" in dialog.summary.text()
    assert dialog.reason.currentText() == "Spam"
    # One confirmation, inside the dialog; Esc steps back from it without deciding.
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert dialog.steps.currentIndex() == 1 and f"Remove all {n} messages" in \
        dialog.question.text() and "removes nothing itself" in dialog.question.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.steps.currentIndex() == 0 and dialog.isVisible()
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(dialog.yes_button, Qt.Key.Key_Return)  # Enter presses a focused button
    wait_for_workers(qtbot)
    assert not dialog.isVisible()
    assert author.messages_by_person(demo_ws, found.person_id).to_decide == []
    with demo_ws.session() as s:
        assert s.scalars(select(AuditEvent.subject_id).where(
            AuditEvent.action == "moderation.everything_from_author")).all() == [found.person_id]
    assert f"{n} items removed (Spam)" in page.result.text()
    assert page.model.total == queue.count_items(demo_ws) < open_before
    # U undoes the whole step and names it.
    qtbot.keyClick(page.table, Qt.Key.Key_U)
    wait_for_workers(qtbot)
    assert len(author.messages_by_person(demo_ws, found.person_id).to_decide) == n
    assert f"Undone: {n} items removed (Spam)." in page.result.text()


def test_the_button_is_there_for_stewards(demo_path, qtbot):
    from steward.ui import workers

    ws = Workspace.unlock(demo_path, "steward", PASSPHRASE)
    run_to_end(scan.scan_messages_job(ws))
    window = _window(ws, qtbot)
    try:
        page = window.page("moderation")
        assert page.panel.author_button.isVisibleTo(page) and page.panel.author_button.isEnabled()
        assert queue.count_items(ws, QueueFilters()) > 0
        page.panel.author_button.click()
        wait_for_workers(qtbot)
        assert page.author_dialog is not None and page.author_dialog.model.total > 0
        page.author_dialog.close()
    finally:
        window.shutdown()
        workers.wait_for_all(20_000)
        ws.lock()


def test_distressing_messages_are_hidden_and_named_before_removing_all(demo_ws, qtbot):
    from steward.ui import workers

    run_to_end(scan.scan_job(demo_ws))  # the safeguarding scan too: flagged messages known
    window = _window(demo_ws, qtbot)
    try:
        page = window.page("moderation")
        for row in range(page.model.rowCount()):
            person = author.person_of_item(demo_ws, page.model.row_values(row)[-2])
            found = author.messages_by_person(demo_ws, person) if person else None
            if found and any(m.sensitive for m in found.messages):
                break
        else:
            raise AssertionError("no queued author with a flagged message in the demo")
        page._move_to(row)
        dialog = page.open_author()
        wait_for_workers(qtbot)
        hidden = [m for m in found.messages if m.sensitive]
        assert f"{len(hidden)} of them may be distressing" in dialog.summary.text()
        shown = {dialog.model.row_values(r)[3] for r in range(dialog.model.rowCount())}
        assert "Hidden: may be distressing" in shown
        assert not any(m.excerpt in shown for m in hidden)
        dialog.close()
    finally:
        window.shutdown()
        workers.wait_for_all(20_000)
