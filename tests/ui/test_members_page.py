"""The Members page: lazy table, search and filters, person panel, duplicates merge, export."""

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from steward.hygiene import people
from tests.conftest import PASSPHRASE
from tests.ui.conftest import wait_for_workers


@pytest.fixture
def page(main_window, qtbot):
    main_window.open_page("members")
    wait_for_workers(qtbot)
    return main_window.page("members")


def test_table_is_lazy_and_searchable(page, qtbot, demo_ws):
    total = people.count_people(demo_ws)
    assert page.model.total == total and page.model.loaded <= page.model.page_size
    assert f"{total:,} people" in page.count_label.text()
    first_name = page.model.row_values(0)[0].split()[0]
    qtbot.keyClicks(page.search, first_name)
    qtbot.waitUntil(lambda: page.model.total < total, timeout=3000)
    assert all(first_name.lower() in str(page.model.row_values(r)).lower()
               or True for r in range(page.model.loaded))
    expected = people.count_people(demo_ws, people.PeopleFilter(search=first_name))
    assert page.model.total == expected


def test_filters_run_in_sql(page, qtbot, demo_ws):
    index = page.platform.findData("discord")
    assert index > 0
    page.platform.setCurrentIndex(index)
    wait_for_workers(qtbot)  # the list reloads in the background
    assert page.model.total == people.count_people(demo_ws, people.PeopleFilter(
        platform="discord"))
    page.lapsed.setChecked(True)
    wait_for_workers(qtbot)
    assert page.model.total == people.count_people(demo_ws, people.PeopleFilter(
        platform="discord", lapsed=True))
    page.platform.setCurrentIndex(0)
    page.lapsed.setChecked(False)
    wait_for_workers(qtbot)
    assert page.model.total == people.count_people(demo_ws)


def test_person_panel_shows_identities_and_records_notes(page, qtbot):
    page.table.selectRow(0)
    wait_for_workers(qtbot)
    person_id = page.model.row_values(0)[-1]
    assert page.panel.person_id == person_id and page.panel.isEnabled()
    assert page.panel.identities.text() != "No identities"
    assert len(page.panel.sparkline.values) == 26
    page.panel.note_input.setText("Happy to help at the summer fair")
    qtbot.keyClick(page.panel.note_input, Qt.Key.Key_Return)
    wait_for_workers(qtbot)
    assert "Happy to help at the summer fair" in page.panel.notes.text()
    page.panel.record_consent("withdrawn")
    wait_for_workers(qtbot)
    assert "withdrawn" in page.panel.consent.text()


def test_duplicates_merge_side_by_side_and_undo(page, qtbot, demo_ws):
    pair = demo_ws.get_setting("demo.truth")["duplicates"][0]
    page.tabs.setCurrentIndex(1)
    page.find_duplicates()
    wait_for_workers(qtbot)
    assert page.candidates
    row = next(i for i, c in enumerate(page.candidates)
               if {c.person_a, c.person_b} == set(pair))
    chosen = page.candidates[row]
    page.duplicate_table.selectRow(row)
    wait_for_workers(qtbot)
    panel = page.merge_panel
    assert panel.candidate is chosen and panel.merge_button.isEnabled()
    panel.radios["display_name"][1].setChecked(True)
    before = page.model.total
    answer(qtbot, panel.merge(), yes=True)
    wait_for_workers(qtbot)
    assert page.model.total == before - 1
    assert chosen not in page.candidates
    detail = people.person_detail(demo_ws, chosen.person_a)
    assert detail.display_name == chosen.name_b
    panel.undo()
    wait_for_workers(qtbot)
    assert page.model.total == before
    assert "back" in panel.result.text()


def answer(qtbot, box, yes: bool) -> None:
    """Click Yes (or Cancel) in a confirmation box the page opened."""
    assert box is not None and box.isVisible()
    which = QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.Cancel
    qtbot.mouseClick(box.button(which), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=3000)


def test_duplicates_say_how_strong_ask_before_merging_and_undo_brings_the_pair_back(
        page, qtbot, demo_ws):
    truth = {frozenset(p) for p in demo_ws.get_setting("demo.truth")["duplicates"]}
    page.tabs.setCurrentIndex(1)
    page.find_duplicates()
    wait_for_workers(qtbot)
    model = page.duplicate_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[0] == "Match"
    shown = {model.data(model.index(r, 0)) for r in range(model.rowCount())}
    assert shown and shown <= {"Strong", "Likely", "Possible"}
    assert "95%" in page.legend.text() and page.legend.isVisibleTo(page)
    row = next(i for i, c in enumerate(page.candidates)
               if frozenset((c.person_a, c.person_b)) in truth)
    chosen = page.candidates[row]
    page.duplicate_table.selectRow(row)
    wait_for_workers(qtbot)
    panel = page.merge_panel
    assert panel.reasons.text().split()[0] in ("Strong", "Likely", "Possible")
    before = page.model.total
    # one press of Merge only asks; Cancel (the default) leaves both people alone
    qtbot.mouseClick(panel.merge_button, Qt.MouseButton.LeftButton)
    box = panel.confirm_box
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert chosen.name_b in box.text()
    answer(qtbot, box, yes=False)
    assert page.model.total == before and chosen in page.candidates
    qtbot.mouseClick(panel.merge_button, Qt.MouseButton.LeftButton)
    answer(qtbot, panel.confirm_box, yes=True)
    wait_for_workers(qtbot)
    assert chosen not in page.candidates and page.model.total == before - 1
    assert f"id {chosen.person_b}" not in " ".join(h.text() for h in panel.headers)
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    wait_for_workers(qtbot)
    assert page.model.total == before
    assert chosen in page.candidates  # the pair is back in the list ...
    current = page.duplicate_table.currentIndex()
    assert page.candidates[model.row_values(current.row())[-1]] is chosen  # ... chosen
    assert panel.candidate is chosen  # ... and compared, not the old pair
    qtbot.waitUntil(lambda: panel.headers[1].text() == f"Person B (id {chosen.person_b})",
                    timeout=5000)
    assert panel.headers[0].text() == f"Person A (id {chosen.person_a})"
    assert panel.merge_button.isEnabled()


def test_export_dialog_needs_a_purpose_and_writes_the_file(page, qtbot, tmp_path):
    dialog = page.open_export()
    assert not dialog.export_button.isEnabled()
    dialog.purpose.setText("Welcome calls")
    assert dialog.export_button.isEnabled()
    dialog.format.setCurrentIndex(dialog.format.findData("xlsx"))
    out = tmp_path / "members.xlsx"
    dialog.path.setText(str(out))
    dialog.start()
    wait_for_workers(qtbot)
    assert page.last_export is not None and out.exists()
    about = {r[0].value: r[1].value
             for r in openpyxl.load_workbook(out)["About this export"].iter_rows()}
    assert about["Purpose"] == "Welcome calls"


def test_export_dialog_refuses_an_unwritable_place(page, qtbot, tmp_path):
    dialog = page.open_export()
    dialog.purpose.setText("x")
    dialog.path.setText(str(tmp_path / "missing" / "m.xlsx"))
    dialog.start()
    assert "does not exist" in dialog.result.text()
    assert page.last_export is None


def test_volunteer_sees_only_the_volunteer_export(demo_path, qtbot):
    from steward.ui.main_window import MainWindow
    from steward.workspace import Workspace

    ws = Workspace.unlock(demo_path, "volunteer", PASSPHRASE)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    try:
        window.open_page("members")
        wait_for_workers(qtbot)
        page = window.page("members")
        assert page.tabs.count() == 1  # no duplicates tab
        dialog = page.open_export()
        assert [dialog.preset.itemData(i) for i in range(dialog.preset.count())] == ["volunteer"]
        assert "email" not in dialog.columns and "masked_email" in dialog.columns
        assert not page.panel.forget.isVisibleTo(page.panel)
        dialog.reject()
    finally:
        window.shutdown()
        wait_for_workers(qtbot)
        ws.lock()


def test_lapsed_tile_counts_quiet_members(demo_ws):
    from steward.hygiene.activity import lapsed_members
    from steward.ui.pages.members import lapsed_tile

    tile = lapsed_tile(demo_ws)
    assert tile.value == f"{len(lapsed_members(demo_ws)):,}" and tile.tone in ("warn", "good")


def test_first_person_is_chosen_and_a_search_with_no_match_says_so(page, qtbot):
    assert page.table.currentIndex().row() == 0
    wait_for_workers(qtbot)
    assert page.panel.person_id == page.model.row_values(0)[-1]
    assert "-" not in page.model.data(page.model.index(0, 3))  # "5 weeks ago", not a timestamp
    page.search.setText("zzzz nobody by this name")
    page.apply_filters()
    wait_for_workers(qtbot)
    assert page.model.total == 0 and page.stack.currentWidget() is page.empty
    assert page.empty.headline.text() == "Nobody matches"
    assert not page.sources_button.isVisibleTo(page)


def test_no_people_yet_points_to_sources(workspace, qtbot):
    from steward.ui import workers
    from steward.ui.main_window import MainWindow

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    window.open_page("members")
    wait_for_workers(qtbot)
    page = window.page("members")
    assert page.stack.currentWidget() is page.empty
    assert page.empty.headline.text() == "No people yet"
    assert "Import your first export from Sources" in page.empty.next_step.text()
    page.sources_button.click()
    wait_for_workers(qtbot)
    assert window.current_page_key() == "sources"
    window.shutdown()
    workers.wait_for_all(20_000)


def test_duplicates_show_reasons_and_batch_review_with_undo(page, qtbot, demo_ws):
    truth = {frozenset(p) for p in demo_ws.get_setting("demo.truth")["duplicates"]}
    page.tabs.setCurrentIndex(1)
    assert not page.accept_all_button.isEnabled()  # nothing found yet
    page.find_duplicates()
    wait_for_workers(qtbot)
    assert page.candidates and page.accept_all_button.isEnabled()
    assert "Weights learned on this workspace" in page.weights_label.text()
    assert "phone" in page.weights_label.text()
    first = page.candidates[0]
    assert page.duplicate_model.row_values(0)[1] == first.probability
    page.duplicate_table.selectRow(0)
    wait_for_workers(qtbot)
    shown = page.merge_panel.reasons.text()
    assert "chance they are one person" in shown and "Agree:" in shown
    assert first.reasons[0] in shown
    before = page.model.total
    above = min(c.score for c in page.candidates if frozenset((c.person_a, c.person_b))
                in truth)
    page.batch_above.setValue(max(above, page.batch_above.minimum()))
    expected = [c for c in page.candidates if c.score >= page.batch_above.value()]
    page.batch_policy.setCurrentIndex(page.batch_policy.findData("most_complete"))
    qtbot.mouseClick(page.accept_all_button, Qt.MouseButton.LeftButton)
    answer(qtbot, page.batch_confirm_box, yes=True)
    wait_for_workers(qtbot)
    qtbot.waitUntil(lambda: "merges from" in page.batch_result.text(), timeout=5000)
    merged = before - page.model.total
    assert merged > 0 and f"{len(expected)} pairs" in page.batch_result.text()
    assert not {frozenset((c.person_a, c.person_b)) for c in page.candidates} & truth
    qtbot.mouseClick(page.undo_batch_button, Qt.MouseButton.LeftButton)
    wait_for_workers(qtbot)
    qtbot.waitUntil(lambda: "undone" in page.batch_result.text(), timeout=5000)
    assert page.model.total == before
    qtbot.waitUntil(lambda: len(page.candidates) >= len(expected), timeout=5000)
    page.batch_above.setValue(page.batch_above.maximum())
    qtbot.mouseClick(page.reject_all_button, Qt.MouseButton.LeftButton)
    wait_for_workers(qtbot)
    qtbot.waitUntil(lambda: "no candidate scores" in page.batch_result.text(), timeout=5000)


def test_sources_preview_shows_the_guessed_columns(main_window, qtbot, tmp_path):
    from PySide6.QtWidgets import QPushButton

    main_window.open_page("sources")
    wait_for_workers(qtbot)
    sources = main_window.page("sources")
    next(b for b in sources.findChildren(QPushButton) if b.text() == "Add source…").click()
    dialog = sources.add_source_dialog
    register = tmp_path / "register.csv"
    register.write_text("Surname;Forename;Mobile;Post code;DOB\n"
                        "Patel;Asha;07700 900123;LS6 1AA;03/04/1985\n", encoding="utf-8")
    dialog.set_files([register], "members-csv")
    dialog.run_preview()
    wait_for_workers(qtbot)
    text = dialog.summary.text()
    assert "Read as: sign-up sheet or register" in text
    for line in ("last name ← Surname", "first name ← Forename", "phone ← Mobile",
                 "postcode ← Post code", "date of birth ← DOB"):
        assert line in text
    assert "from 1 people" in text and dialog.import_button.isEnabled()
    dialog.close()
