"""The Safeguarding page in Welsh at 1280×720 and 1920×1080 (issue 17): every column title of
the flag list fits its column, the "Who and where" column keeps room to read, and no label is
clipped. `STEWARD_SCREENSHOTS=DIR` saves safeguarding-cy-<w>x<h>.png there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from steward.jobs import run_to_end
from steward.moderation import scan
from steward.ui import i18n, workers
from steward.ui.selftest import clipped_headers, clipped_texts, settle
from tests.ui.conftest import wait_for_workers

SIZES = [(1280, 720), (1920, 1080)]
WHO_AT = 4


@pytest.fixture
def window_cy(qapp, qtbot, demo_ws, steward_look):
    from steward.ui.main_window import MainWindow

    run_to_end(scan.scan_job(demo_ws))
    i18n.install(qapp, "cy")
    window = MainWindow(demo_ws)
    qtbot.addWidget(window)
    window.show()
    wait_for_workers(qtbot)
    yield window
    window.shutdown()
    workers.wait_for_all(20_000)
    i18n.install(qapp, "en")


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_welsh_safeguarding_columns_fit(window_cy, qtbot, size):
    window_cy.resize(*size)
    window_cy.open_page("safeguarding")
    wait_for_workers(qtbot)
    settle()
    page = window_cy.page("safeguarding")
    assert page.model.rowCount() > 5
    out = os.environ.get("STEWARD_SCREENSHOTS")
    if out:
        window_cy.grab().save(str(Path(out) / f"safeguarding-cy-{size[0]}x{size[1]}.png"))
    header = page.table.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(header.count())]
    assert clipped_headers(page.table) == []
    assert header.sectionSize(WHO_AT) >= 130, widths  # it was 54 px, its title cut
    assert page.table.horizontalScrollBar().maximum() == 0
    assert clipped_texts(page) == []
    page.table.selectRow(0)  # the flag panel beside the narrower list still fits
    wait_for_workers(qtbot)
    settle()
    assert page.panel.detail is not None
    if out:
        window_cy.grab().save(str(Path(out) / f"safeguarding-cy-flag-{size[0]}x{size[1]}.png"))
    assert clipped_texts(page) == []
