"""The Moderation page in Welsh at 1280×720 and 1920×1080 (issue 17): the Message column keeps
room to read (it had about 30 px beside "Wedi'i hawlio gan"), no column title is cut, and the
item's summary line reads in Welsh. `STEWARD_SCREENSHOTS=DIR` saves moderation-cy-<w>x<h>.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from steward.ui.pages.moderation import MESSAGE_AT
from steward.ui.selftest import clipped_headers, clipped_texts, settle
from tests.ui.conftest import wait_for_workers
from tests.ui.test_safeguarding_welsh_layout import SIZES, window_cy  # noqa: F401 (fixture)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_welsh_moderation_columns_fit(window_cy, qtbot, size):  # noqa: F811
    window_cy.resize(*size)
    window_cy.open_page("moderation")
    wait_for_workers(qtbot)
    settle()
    page = window_cy.page("moderation")
    assert page.model.rowCount() > 5 and page.detail is not None
    out = os.environ.get("STEWARD_SCREENSHOTS")
    if out:
        window_cy.grab().save(str(Path(out) / f"moderation-cy-{size[0]}x{size[1]}.png"))
    header = page.table.horizontalHeader()
    assert clipped_headers(page.table) == []
    assert header.sectionSize(MESSAGE_AT) >= 100, [header.sectionSize(c)
                                                   for c in range(header.count())]
    assert clipped_texts(page) == []
    summary = page.panel.detail_view.toPlainText()
    assert "blaenoriaeth:" in summary and " priority" not in summary
