"""The Moderation page: keyboard triage, bulk, undo, escalation, wellbeing blur, rules."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from steward.jobs import run_to_end
from steward.moderation import queue, rulebook, rules, scan
from steward.store.models import AuditEvent, Decision, Flag, QueueItem
from steward.ui.pages.moderation import KIND_AT
from tests.ui.conftest import wait_for_workers


@pytest.fixture
def page(demo_ws, qtbot):
    """The Moderation page on the scanned small demo, as admin."""
    from steward.ui import workers
    from steward.ui.main_window import MainWindow

    run_to_end(scan.scan_messages_job(demo_ws))
    scan.queue_platform_reports(demo_ws)
    scan.queue_membership_requests(demo_ws)
    window = MainWindow(demo_ws)
    qtbot.addWidget(window)
    window.show()
    window.open_page("moderation")
    wait_for_workers(qtbot)
    yield window.page("moderation")
    window.shutdown()
    workers.wait_for_all(20_000)


def _audit(ws, action):
    with ws.session() as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _status(ws, item_id):
    with ws.session() as s:
        return s.get(QueueItem, item_id).status


def _key(qtbot, page, key):
    qtbot.keyClick(page.table, key)
    wait_for_workers(qtbot)


def test_keyboard_moves_and_decides_with_a_one_key_reason(page, qtbot, demo_ws):
    total = page.model.total
    assert total == queue.count_items(demo_ws) > 2
    first, second = (page.model.row_values(r)[-2] for r in (0, 1))
    assert page.current_item_id() == first
    _key(qtbot, page, Qt.Key.Key_J)
    assert page.current_item_id() == second
    assert page.detail is not None and page.detail.row.id == second
    assert page.detail.row.reasons and "Why it is here" in page.panel.detail_view.toHtml()
    _key(qtbot, page, Qt.Key.Key_K)
    assert page.current_item_id() == first

    _key(qtbot, page, Qt.Key.Key_A)
    assert page.reason_bar.isVisible()
    qtbot.keyClick(page.reason_bar.edit, "3")  # "Fine as it is"
    wait_for_workers(qtbot)
    assert not page.reason_bar.isVisible()
    assert _status(demo_ws, first) == "approved"
    with demo_ws.session() as s:
        assert s.scalar(select(Decision.reason).where(Decision.queue_item_id == first)) == \
            queue.COMMON_REASONS[2]
    assert page.model.total == total - 1
    assert page.current_item_id() == second  # the next item moved into place
    assert [e.subject_id for e in _audit(demo_ws, "moderation.approve")] == [first]


def test_reason_is_required_and_escape_cancels(page, qtbot, demo_ws):
    item = page.current_item_id()
    _key(qtbot, page, Qt.Key.Key_R)
    qtbot.keyClick(page.reason_bar.edit, Qt.Key.Key_Return)  # nothing typed: still asking
    wait_for_workers(qtbot)
    assert page.reason_bar.isVisible()
    qtbot.keyClick(page.reason_bar.edit, Qt.Key.Key_Escape)
    assert not page.reason_bar.isVisible()
    assert _status(demo_ws, item) == "open"
    _key(qtbot, page, Qt.Key.Key_R)
    qtbot.keyClicks(page.reason_bar.edit, "Advert for a paid service")
    qtbot.keyClick(page.reason_bar.edit, Qt.Key.Key_Return)
    wait_for_workers(qtbot)
    assert _status(demo_ws, item) == "removed"


def _mark_first(qtbot, page, n):
    for _ in range(n):
        _key(qtbot, page, Qt.Key.Key_X)
        _key(qtbot, page, Qt.Key.Key_J)


def test_bulk_decision_is_undone_as_one_step_named_and_marked_again(page, qtbot, demo_ws):
    ids = [page.model.row_values(r)[-2] for r in range(3)]
    _mark_first(qtbot, page, 3)
    assert page.marked_ids() == ids
    _key(qtbot, page, Qt.Key.Key_R)
    assert "3 items" in page.reason_bar.prompt.text()
    qtbot.keyClick(page.reason_bar.edit, "1")  # Spam
    wait_for_workers(qtbot)
    assert [_status(demo_ws, i) for i in ids] == ["removed"] * 3
    assert sorted(e.subject_id for e in _audit(demo_ws, "moderation.remove")) == sorted(ids)
    assert page.marked_ids() == []

    _key(qtbot, page, Qt.Key.Key_U)
    assert [_status(demo_ws, i) for i in ids] == ["open"] * 3  # one press, the whole batch
    assert page.result.text() == "Undone: 3 items removed (Spam)."
    assert sorted(page.marked_ids()) == sorted(ids)  # selected again, ready to decide anew
    assert page.current_item_id() in ids
    assert page.marked_label.isVisible() and "3 marked" in page.marked_label.text()
    with demo_ws.session() as s:
        undos = s.scalars(select(Decision).where(Decision.action == "undo")).all()
    assert len(undos) == 3 and all(u.undoes_id is not None for u in undos)
    assert len(_audit(demo_ws, "moderation.undo")) == 3

    _key(qtbot, page, Qt.Key.Key_U)  # nothing of this session left: the last one standing
    assert page.result.text().startswith("Undone: your last decision") or \
        "no decision" in page.result.text()


def test_single_decision_undo_names_it(page, qtbot, demo_ws):
    item = page.current_item_id()
    _key(qtbot, page, Qt.Key.Key_A)
    qtbot.keyClick(page.reason_bar.edit, "3")  # Fine as it is
    wait_for_workers(qtbot)
    _key(qtbot, page, Qt.Key.Key_U)
    assert _status(demo_ws, item) == "open"
    assert page.result.text() == f"Undone: 1 item approved ({queue.COMMON_REASONS[2]})."
    assert page.current_item_id() == item and page.marked_ids() == []


def test_after_a_bulk_decision_the_cursor_goes_to_the_next_unreviewed_row(page, qtbot, demo_ws):
    """Mark rows 1 and 3, stand on row 4: after the decision the cursor is still on that item
    (now row 2), with nothing unreviewed skipped above it; a single decision moves on to the
    item below."""
    values = [page.model.row_values(r)[-2] for r in range(8)]
    for row in (1, 3):
        page._move_to(row)
        _key(qtbot, page, Qt.Key.Key_X)
    page._move_to(4)
    wait_for_workers(qtbot)
    _key(qtbot, page, Qt.Key.Key_R)
    qtbot.keyClick(page.reason_bar.edit, "1")
    wait_for_workers(qtbot)
    assert [_status(demo_ws, values[i]) for i in (1, 3)] == ["removed"] * 2
    assert page.current_item_id() == values[4]
    earlier = {page.model.row_values(r)[-2] for r in range(page._current_row())}
    assert earlier == {values[0], values[2]}  # only what the moderator had passed over

    _key(qtbot, page, Qt.Key.Key_A)  # nothing marked: the current item alone
    qtbot.keyClick(page.reason_bar.edit, "3")
    wait_for_workers(qtbot)
    assert _status(demo_ws, values[4]) == "approved"
    assert page.current_item_id() == values[5]


def test_marking_down_with_x_and_j_then_deciding_lands_on_the_next_row(page, qtbot, demo_ws):
    values = [page.model.row_values(r)[-2] for r in range(5)]
    _mark_first(qtbot, page, 3)  # X J X J X J: rows 0-2 marked, the cursor on row 3
    _key(qtbot, page, Qt.Key.Key_S)
    qtbot.keyClick(page.reason_bar.edit, "2")
    wait_for_workers(qtbot)
    assert page.current_item_id() == values[3] and page._current_row() == 0


def test_marked_rows_look_different_from_the_current_row_and_are_counted(page, qtbot):
    page.resize(1280, 720)
    _mark_first(qtbot, page, 2)  # rows 0 and 1 marked, the cursor on row 2
    assert page._current_row() == 2 and len(page.marked_ids()) == 2
    assert page.marked_label.isVisible()
    assert page.marked_label.text().startswith("✓ 2 marked ·")
    assert page.model.data(page.model.index(0, 0)) in {"Urgent", "High", "Medium", "Low"}
    qtbot.wait(50)
    image = page.table.viewport().grab().toImage()

    def colour(row):
        rect = page.table.visualRect(page.model.index(row, 2))
        return image.pixelColor(rect.center().x(), rect.center().y() - 3).name()

    marked, current, plain = colour(0), colour(2), colour(3)
    assert len({marked, current, plain}) == 3, (marked, current, plain)
    _key(qtbot, page, Qt.Key.Key_K)
    _key(qtbot, page, Qt.Key.Key_X)  # unmark row 1
    assert "1 marked" in page.marked_label.text()
    _key(qtbot, page, Qt.Key.Key_K)
    _key(qtbot, page, Qt.Key.Key_X)
    assert not page.marked_label.isVisible()


def test_escalation_hands_over_and_the_item_disappears(page, qtbot, demo_ws):
    item = page.current_item_id()
    total = page.model.total
    _key(qtbot, page, Qt.Key.Key_E)
    qtbot.keyClick(page.reason_bar.edit, "6")  # Needs a safeguarding lead
    wait_for_workers(qtbot)
    assert _status(demo_ws, item) == "approved"  # reads as kept (docs/security.md)
    with demo_ws.session() as s:
        flags = s.scalars(select(Flag)).all()
    assert len(flags) == 1
    assert page.model.total == total - 1
    assert item not in {page.model.row_values(r)[-2] for r in range(page.model.rowCount())}
    assert _audit(demo_ws, "moderation.escalate") == []
    assert all("flag_id" not in e.details for e in _audit(demo_ws, "moderation.approve"))


def test_distressing_text_is_blurred_until_read(page, qtbot, demo_ws):
    from steward.ui.pages.moderation import BLURRED, MESSAGE_AT

    sensitive = [r for r in range(page.model.rowCount()) if page.model.row_values(r)[-1]]
    if not sensitive:  # make one: a message the safeguarding leads already hold
        row = queue.list_items(demo_ws, limit=1)[0]
        with demo_ws.transaction() as s:
            s.add(Flag(message_id=row.message_id, category="self_harm", severity="high",
                       created_at=row.created_at))
        page.reload()
        wait_for_workers(qtbot)
        sensitive = [r for r in range(page.model.rowCount()) if page.model.row_values(r)[-1]]
    row = sensitive[0]
    assert page.model.row_values(row)[MESSAGE_AT] == BLURRED
    assert page.model.data(page.model.index(row, MESSAGE_AT)) == BLURRED  # not the words
    page._move_to(row)
    wait_for_workers(qtbot)
    assert page.panel.read_button.isVisible()
    assert BLURRED in page.panel.detail_view.toPlainText()
    _key(qtbot, page, Qt.Key.Key_V)
    assert BLURRED not in page.panel.detail_view.toPlainText()
    assert not page.panel.read_button.isVisible()


def test_filters_and_the_welcome_list(page, qtbot, demo_ws):
    page.kind_choice.setCurrentIndex(page.kind_choice.findData("membership"))
    wait_for_workers(qtbot)
    assert page.model.total == 4
    assert {page.model.row_values(r)[KIND_AT] for r in range(4)} == {"membership"}
    page.kind_choice.setCurrentIndex(0)
    scan.queue_newcomers_to_welcome(demo_ws)
    page.list_choice.setCurrentIndex(1)
    wait_for_workers(qtbot)
    assert page.model.total >= 3
    assert {page.model.row_values(r)[KIND_AT] for r in range(page.model.rowCount())} == {"welcome"}


def test_notes_and_claim(page, qtbot, demo_ws):
    item = page.current_item_id()
    page.panel.note_edit.setText("Looked at their other posts")
    page.panel.note_item_button.click()
    wait_for_workers(qtbot)
    assert "Looked at their other posts" in page.panel.detail_view.toPlainText()
    page.panel.claim_button.click()
    wait_for_workers(qtbot)
    with demo_ws.session() as s:
        assert s.get(QueueItem, item).assignee == "admin"


def test_rules_editor_names_the_problem_and_keeps_previous_rules(page, qtbot, demo_ws):
    rulebook.save_rules(demo_ws, "rules:\n  - name: casino\n    text_includes: [casino]\n")
    dialog = page.open_rules()
    wait_for_workers(qtbot)
    assert "casino" in dialog.editor.toPlainText()
    dialog.editor.setPlainText("rules:\n  - name: x\n    colour: red\n")
    dialog.save()
    wait_for_workers(qtbot)
    assert "line 3: unknown field 'colour'" in dialog.result.text()
    assert [r.name for r in rules.load_rules(demo_ws).rules] == ["casino"]

    dialog.editor.setPlainText(
        "rules:\n  - name: meds\n    text_includes: [without prescription]\n")
    dialog.test()
    wait_for_workers(qtbot)
    assert "meds (line 2): would catch" in dialog.findings.toPlainText()
    assert [r.name for r in rules.load_rules(demo_ws).rules] == ["casino"]
    dialog.save()
    wait_for_workers(qtbot)
    assert [r.name for r in rules.load_rules(demo_ws).rules] == ["meds"]
    dialog.close()


def test_overview_tile_counts_open_items(demo_ws):
    from steward.ui.pages import moderation  # noqa: F401  (registers the tile)
    from steward.ui.registry import TILES

    run_to_end(scan.scan_messages_job(demo_ws))
    tile = TILES["moderation.open"].compute(demo_ws)
    assert int(tile.value.replace(",", "")) == queue.count_items(demo_ws)
    assert tile.tone == "warn"


def test_the_list_reads_at_a_glance_and_an_empty_list_says_what_next(page, qtbot):
    from steward.ui.pages.moderation import COLUMNS, MESSAGE_AT

    titles = [c.title for c in COLUMNS]
    assert titles[MESSAGE_AT] == "Message" and "From" in titles and "Why" in titles
    first = page.model.row_values(0)
    assert page.model.data(page.model.index(0, 0)) in {"Urgent", "High", "Medium", "Low"}
    assert page.model.data(page.model.index(0, 1)) == first[1][0]  # the item's label
    assert page.stack.currentWidget() is not page.empty

    page.status_choice.setCurrentIndex(page.status_choice.findData("removed"))
    wait_for_workers(qtbot)
    assert page.model.total == 0 and page.stack.currentWidget() is page.empty
    assert page.empty.headline.text() == "No removed items"
    page.status_choice.setCurrentIndex(page.status_choice.findData("open"))
    page.assignee_choice.setCurrentIndex(page.assignee_choice.findData("mine"))
    wait_for_workers(qtbot)
    assert page.model.total == 0
    assert "matches these choices" in page.empty.headline.text()


def test_an_empty_queue_says_to_scan_after_an_import(workspace, qtbot):
    from steward.ui import workers
    from steward.ui.main_window import MainWindow

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    window.open_page("moderation")
    wait_for_workers(qtbot)
    page = window.page("moderation")
    assert page.stack.currentWidget() is page.empty
    assert page.empty.headline.text() == "Nothing waiting"
    assert "press Scan now" in page.empty.next_step.text()
    window.shutdown()
    workers.wait_for_all(20_000)


def test_not_spam_decision_in_the_page_lowers_the_score_of_look_alikes_at_rescan(
        page, qtbot, demo_ws):
    """Decide in the page (approve = not spam), scan again from the page, and a new copy of
    the same text scores lower than the item did: the workspace learnt from the decision."""
    from steward.moderation.model import seed_model, workspace_model
    from steward.store.models import Message

    page.kind_choice.setCurrentIndex(page.kind_choice.findData("spam"))
    wait_for_workers(qtbot)
    item_id = page.current_item_id()
    with demo_ws.session() as s:
        item = s.get(QueueItem, item_id)
        before, message = item.score, s.get(Message, item.message_id)
        text, author, space, source = (message.text, message.identity_id, message.space_id,
                                       message.source_id)
        newest = s.scalar(select(Message).order_by(Message.id.desc()).limit(1))
    _key(qtbot, page, Qt.Key.Key_A)
    qtbot.keyClick(page.reason_bar.edit, "3")  # "Fine as it is"
    wait_for_workers(qtbot)
    assert _status(demo_ws, item_id) == "approved"

    with demo_ws.transaction() as s:  # the same text posted again, after the decision
        s.add(Message(id=newest.id + 1, source_id=source, space_id=space, identity_id=author,
                      platform_id="look-alike-1", created_at=newest.created_at, text=text))
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    wait_for_workers(qtbot)

    model = workspace_model(demo_ws)
    assert model.learned >= 1
    assert model.probabilities([text])[0] < seed_model().probabilities([text])[0]
    with demo_ws.session() as s:
        again = s.scalar(select(QueueItem).where(QueueItem.message_id == newest.id + 1,
                                                 QueueItem.kind == "spam"))
    assert again is None or again.score < before


def test_sensitivity_counts_each_setting_on_history_and_is_kept(page, qtbot, demo_ws):
    from steward.moderation.scan import SENSITIVITY_SETTING

    dialog = page.open_sensitivity()
    wait_for_workers(qtbot)
    assert dialog.choice.currentData() == "balanced"
    qtbot.mouseClick(dialog.count_button, Qt.MouseButton.LeftButton)
    wait_for_workers(qtbot)
    counts = {name: n for name, (_at, n) in dialog.preview["settings"].items()}
    assert dialog.preview["scanned"] > 5000
    assert counts["strict"] >= counts["balanced"] >= counts["relaxed"]
    assert counts["balanced"] > 0
    assert "Balanced</b> (in use)" in dialog.counts.toHtml().replace("\n", "") or \
        "(in use)" in dialog.counts.toPlainText()
    dialog.choice.setCurrentIndex(dialog.choice.findData("strict"))
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    wait_for_workers(qtbot)
    assert demo_ws.get_setting(SENSITIVITY_SETTING) == "strict"
    assert _audit(demo_ws, "moderation.sensitivity")


def test_moving_and_standing_past_the_loaded_rows_queries_off_the_ui_thread(
        page, qtbot, demo_ws, monkeypatch):
    """With three rows a page, J past the last loaded row and the cursor's place after a
    decision both load further pages in the background: no page query runs on the UI
    thread, and the cursor still lands on the right item."""
    import threading

    values = [page.model.row_values(r)[-2] for r in range(page.model.rowCount())]
    assert len(values) >= 6
    threads: list[bool] = []
    real = queue.list_items

    def list_items(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(queue, "list_items", list_items)
    page.table.hide()  # a shown view fetches pages itself until it is full
    page.model.page_size = 3
    page.reload()
    wait_for_workers(qtbot)
    assert page.model.rowCount() == 3 and page.current_item_id() == values[0]
    for expected in values[1:5]:  # rows 3 and 4 are not loaded until asked for
        page.handle_key(Qt.Key.Key_J)
        qtbot.waitUntil(lambda e=expected: page.current_item_id() == e, timeout=30_000)
    assert page.model.rowCount() >= 5

    page.handle_key(Qt.Key.Key_A)  # approve row 4: the list reloads with three rows
    qtbot.keyClick(page.reason_bar.edit, "3")
    qtbot.waitUntil(lambda: page.current_item_id() == values[5], timeout=30_000)
    assert _status(demo_ws, values[4]) == "approved"
    assert threads and not any(threads)  # every page query ran in the background
