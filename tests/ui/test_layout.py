"""Layout: every page, for every role, at 1280×720 and 1920×1080: no label, button, tile or
tab shows less than its text (text measured with the widget's own font metrics)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from steward.jobs import run_to_end
from steward.moderation.scan import scan_job
from steward.ui.selftest import check_layout, clipped_texts
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE


def test_the_check_sees_a_clipped_label_and_button(qtbot):
    label, button = QLabel("Newcomers to welcome"), QPushButton("Never had a reply")
    for w in (label, button):
        qtbot.addWidget(w)
        w.show()
        w.setFixedWidth(60)
    found = clipped_texts(label) + clipped_texts(button)
    assert len(found) == 2 and "Newcomers to welcome" in found[0]
    label.setFixedWidth(label.sizeHint().width())
    button.setFixedWidth(button.sizeHint().width())
    assert clipped_texts(label) + clipped_texts(button) == []


@pytest.mark.parametrize("profile", ["admin", "steward", "volunteer", "lead"])
def test_no_clipped_text_on_any_page_at_either_size(demo_path, qtbot, profile):
    scanner = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    run_to_end(scan_job(scanner))  # flags and queue items on show, as in use
    scanner.lock()
    ws = Workspace.unlock(demo_path, profile, PASSPHRASE)
    try:
        problems = check_layout(ws)
    finally:
        ws.lock()
    assert not problems, "\n".join(problems)
