"""Sources page: who each group is for (audience, open/closed, dormant), the offer to read a
space's history again, and the first-import question "Who is this group for?"."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from steward.safeguarding.spaces import list_spaces
from tests.ui.conftest import wait_for_workers
from tests.ui.test_sources_import import CHAT


def _button(widget, text: str) -> QPushButton:
    return next(b for b in widget.findChildren(QPushButton) if b.text() == text)


def _sources_page(main_window, qtbot):
    main_window.open_page("sources")
    wait_for_workers(qtbot)
    return main_window.page("sources")


def test_a_space_is_marked_for_young_people_and_read_again(main_window, qtbot):
    page = _sources_page(main_window, qtbot)
    page.table.selectRow(0)
    selected = page.selected_space()
    assert selected is not None
    _button(page, "Who is each group for…").click()
    dialog = page.settings_dialog
    wait_for_workers(qtbot)
    assert dialog.isVisible() and dialog.space.currentData() == selected
    assert not dialog.rescan_button.isEnabled()
    dialog.audience.setCurrentIndex(dialog.audience.findData("young_people"))
    dialog.visibility.setCurrentIndex(dialog.visibility.findData("open"))
    dialog.save()
    wait_for_workers(qtbot)
    setting = next(sp for sp in list_spaces(main_window.ws) if sp.id == selected)
    assert (setting.audience, setting.visibility) == ("young_people", "open")
    assert "next scan uses it" in dialog.result.text()
    assert dialog.rescan_button.isEnabled()
    dialog.rescan()
    wait_for_workers(qtbot, 60_000)
    assert "messages again" in dialog.result.text()
    assert page.model.index(0, 3).data() == "Young people"


def test_first_import_asks_who_the_group_is_for(main_window, qtbot, tmp_path):
    page = _sources_page(main_window, qtbot)
    _button(page, "Add source…").click()
    dialog = page.add_source_dialog
    assert dialog.audience.accessibleName() == "Who is this group for?"
    chat = tmp_path / "WhatsApp Chat with Youth Club.txt"
    chat.write_text(CHAT, encoding="utf-8")
    dialog.set_files([chat], "whatsapp")
    dialog.timezone.setCurrentText("Europe/London")
    dialog.run_preview()
    wait_for_workers(qtbot)
    dialog.audience.setCurrentIndex(dialog.audience.findData("young_people"))
    dialog.run_import()
    wait_for_workers(qtbot, 60_000)
    assert "marked for: young people" in dialog.result.text()
    new = [sp for sp in list_spaces(main_window.ws) if sp.source == "WhatsApp: Youth Club"]
    assert new and {sp.audience for sp in new} == {"young_people"}


def test_the_button_is_only_for_admins_and_leads(main_window, qtbot, demo_path):
    from steward.ui import workers
    from steward.ui.main_window import MainWindow
    from steward.workspace import Workspace
    from tests.conftest import PASSPHRASE

    assert _sources_page(main_window, qtbot).settings_button.isVisibleTo(
        main_window.page("sources"))
    ws = Workspace.unlock(demo_path, "steward", PASSPHRASE)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    try:
        window.show()
        page = _sources_page(window, qtbot)
        assert not page.settings_button.isVisibleTo(page)
    finally:
        window.shutdown()
        workers.wait_for_all(20_000)
        ws.lock()
