"""In Welsh, the words core produces read in Welsh too (issue 17): the queue's reasons and
labels on the Moderation page, a refusal from the queue, and "Why it was flagged" on the
Safeguarding page — while the stored rows stay English."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from steward import language
from steward.jobs import run_to_end
from steward.moderation import scan
from steward.ui import i18n, workers
from tests.ui.conftest import wait_for_workers


@pytest.fixture
def window_cy(qapp, qtbot, demo_ws):
    from steward.ui.main_window import MainWindow

    run_to_end(scan.scan_job(demo_ws))
    assert i18n.install(qapp, "cy") == "cy" and language.language() == "cy"
    window = MainWindow(demo_ws)
    qtbot.addWidget(window)
    window.show()
    wait_for_workers(qtbot)
    yield window
    window.shutdown()
    workers.wait_for_all(20_000)
    i18n.install(qapp, "en")
    assert language.language() == "en"


def test_queue_reasons_and_refusals_in_welsh(window_cy, qtbot, demo_ws):
    window_cy.open_page("moderation")
    wait_for_workers(qtbot)
    page = window_cy.page("moderation")
    whys = {page.model.index(r, 1).data() for r in range(page.model.rowCount())}
    assert "Sbam posibl" in whys and "Possible spam" not in whys
    assert page.detail is not None and page.detail.row.label == "Possible spam"  # stored
    html = page.panel.detail_view.toPlainText()
    assert "Pam mae yma" in html and page.detail.row.reasons
    assert not any(r in html for r in page.detail.row.reasons), "reasons shown in English"
    assert "[1] Sbam" in " ".join(w.text() for w in page.reason_bar.findChildren(
        type(page.count_label)))
    qtbot.keyClick(page.table, Qt.Key.Key_U)  # nothing of this profile's to undo
    wait_for_workers(qtbot)
    assert page.result.text() == "does dim penderfyniad o'ch eiddo i'w ddadwneud"


def test_why_it_was_flagged_in_welsh(window_cy, qtbot):
    window_cy.open_page("safeguarding")
    wait_for_workers(qtbot)
    page = window_cy.page("safeguarding")
    panel = page.panel
    for row in range(page.model.loaded):
        page.table.selectRow(row)
        wait_for_workers(qtbot)
        if any("(pattern “" in r for r in panel.detail.reasons):
            break
    else:
        raise AssertionError("no flag raised by a lexicon pattern")
    text = panel.reasons.text()
    assert "Y geiriau “" in text and "arwydd o bryder" in text
    assert "The words" not in text and "a sign of" not in text
    qtbot.mouseClick(panel.show_patterns, Qt.MouseButton.LeftButton)
    assert "(patrwm: " in panel.reasons.text()
