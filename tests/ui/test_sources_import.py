"""Sources page: Add source (steps, files by picker or drop, preview with the time-zone and
date-order questions, import with progress, summary) and live Discourse (test, sync, outbox)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from steward.connectors.outbox import list_outbox
from steward.connectors.sources import list_sources
from steward.moderation.queue import QueueFilters, list_items
from steward.store.models import Message, ScanState, Source
from tests.connectors.forum_server import API_KEY, API_USER, ForumServer
from tests.ui.conftest import wait_for_workers

CHAT = ("[03/04/2026, 9:15:00\u202fAM] Sam Carer: Is anyone going to the drop-in?\n"
        "[03/04/2026, 9:16:10\u202fAM] Alex Parent: Yes! See you there\nand bring cake\n"
        "[03/05/2026, 6:01:00\u202fPM] Sam Carer: \u200eimage omitted\n")


def _button(widget, text: str) -> QPushButton:
    return next(b for b in widget.findChildren(QPushButton) if b.text() == text)


def _sources_page(main_window, qtbot):
    main_window.open_page("sources")
    wait_for_workers(qtbot)
    return main_window.page("sources")


def test_add_source_preview_questions_and_import(main_window, qtbot, tmp_path):
    page = _sources_page(main_window, qtbot)
    _button(page, "Add source…").click()
    dialog = page.add_source_dialog
    assert dialog.isVisible()
    dialog.platform.setCurrentIndex(dialog.kinds.index("whatsapp"))
    assert "Export chat" in dialog.steps.text() and dialog.timezone.isVisible()
    chat = tmp_path / "WhatsApp Chat with Drop-in.txt"
    chat.write_text(CHAT, encoding="utf-8")
    dialog.set_files([chat])
    dialog.timezone.setCurrentText("Europe/London")
    dialog.run_preview()
    wait_for_workers(qtbot)
    text = dialog.summary.text()
    assert "3 messages from 2 people" in text and "day/month or month/day" in text
    assert dialog.date_order.isVisible() and dialog.import_button.isEnabled()
    dialog.date_order.setCurrentIndex(1)  # month/day
    dialog.run_import()
    wait_for_workers(qtbot)
    assert "3 new messages" in dialog.result.text()
    (source,) = [s for s in list_sources(main_window.ws) if s.platform == "whatsapp" and
                 s.name == "WhatsApp: Drop-in"]
    assert source.messages == 3
    dialog.run_preview()  # the same file again: nothing new to add
    wait_for_workers(qtbot)
    dialog.run_import()
    wait_for_workers(qtbot)
    assert "0 new messages" in dialog.result.text()


def test_import_through_the_page_scans_the_new_messages(main_window, qtbot, tmp_path):
    page = _sources_page(main_window, qtbot)
    _button(page, "Add source…").click()
    dialog = page.add_source_dialog
    chat = tmp_path / "WhatsApp Chat with Spammed.txt"
    chat.write_text(CHAT + "[03/06/2026, 7:00:00\u202fPM] +44 7700 900123: EARN £500 A DAY from "
                    "home!!! No experience needed, click http://quick-cash.example.net/join now\n",
                    encoding="utf-8")
    dialog.set_files([chat], "whatsapp")
    dialog.timezone.setCurrentText("Europe/London")
    dialog.run_preview()
    wait_for_workers(qtbot)
    dialog.date_order.setCurrentIndex(1)
    dialog.run_import()
    wait_for_workers(qtbot, 60_000)
    assert "4 new messages" in dialog.result.text()
    with main_window.ws.session() as s:
        imported = s.execute(select(Message.id, Message.text).join(Source).where(
            Source.name == "WhatsApp: Spammed")).all()
        watermark = s.get(ScanState, "moderation").last_message_id
    assert len(imported) == 4 and watermark >= max(mid for mid, _ in imported)
    spam = next(mid for mid, text in imported if "EARN" in (text or ""))
    held = list_items(main_window.ws, QueueFilters(kind="spam"), limit=1000)
    assert spam in {i.message_id for i in held}


def test_bad_file_shows_one_clear_error(main_window, qtbot, tmp_path):
    page = _sources_page(main_window, qtbot)
    _button(page, "Add source…").click()
    dialog = page.add_source_dialog
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04 not a zip at all")
    dialog.set_files([bad], "slack-export")
    dialog.run_preview()
    wait_for_workers(qtbot)
    assert "broken.zip" in dialog.result.text() and not dialog.import_button.isEnabled()


def test_dropping_an_export_on_the_page_opens_add_source(main_window, qtbot, tmp_path):
    page = _sources_page(main_window, qtbot)
    chat = tmp_path / "WhatsApp Chat with Dropped.txt"
    chat.write_text(CHAT, encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(chat))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    # Qt delivers a real drop only during a drag; hand the event to the page's drop handler.
    assert page.acceptDrops() and page.drop_target.eventFilter(page, event)
    dialog = page.add_source_dialog
    assert dialog.isVisible() and dialog.kind == "whatsapp" and dialog.paths == [chat]


def _forum_data() -> dict:
    users = [{"id": 10 + i, "username": f"member{i}", "name": f"Member {i}",
              "email": f"member{i}@example.org", "created_at": f"2026-01-{i + 1:02d}T10:00:00Z"}
             for i in range(5)]
    return {"categories": [{"id": 1, "name": "Ask for help"}], "users": users,
            "posts": [], "reviewables": []}


def test_discourse_test_sync_and_outbox(main_window, qtbot, memory_keyring):
    page = _sources_page(main_window, qtbot)
    _button(page, "Add source…").click()
    dialog = page.add_source_dialog
    dialog.platform.setCurrentIndex(dialog.platform.count() - 1)
    assert "API key" in dialog.steps.text()
    with ForumServer(_forum_data()) as server:
        server.forum.add_posts(60)
        dialog.live_name.setText("Test forum")
        dialog.live_url.setText(server.url)
        dialog.live_user.setText(API_USER)
        dialog.live_key.setText(API_KEY)
        dialog.test_connection()
        wait_for_workers(qtbot)
        assert dialog.result.text().startswith("Connected to")
        dialog.add_live()
        wait_for_workers(qtbot)
        assert "60 new posts" in dialog.result.text()
        _button(page, "Syncs and outbox…").click()
        live = page.live_sources_dialog
        wait_for_workers(qtbot)
        names = [live.sources_model.row_values(r)[0] for r in range(live.sources_model.rowCount())]
        assert "Test forum" in names
        row = names.index("Test forum")
        assert live.sources_model.row_values(row)[5] is not None  # last sync shown
        ws = main_window.ws
        from steward.clock import now as utcnow
        from steward.store.models import OutboxAction

        with ws.transaction() as s:
            source_id = next(x.id for x in list_sources(ws) if x.name == "Test forum")
            s.add(OutboxAction(source_id=source_id, action="delete_post", target="3",
                               payload={}, mode="api", created_at=utcnow()))
        live.sources.selectRow(row)
        live.sync_selected()
        wait_for_workers(qtbot)
        assert ("delete_post", "3") in server.forum.actions
        statuses = [live.outbox_model.row_values(r)[0]
                    for r in range(live.outbox_model.rowCount())]
        assert statuses[0] == "done" == list_outbox(ws)[0].status
