"""Steward in Welsh: the system locale (or the Settings choice) picks the translation, and the
unlock, Overview, Moderation and Safeguarding pages read in Cymraeg."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QLocale, Qt

from steward.resources import resource_path
from steward.ui import i18n, workers
from tests.ui.conftest import wait_for_workers


@pytest.fixture
def locale_cy(qapp):
    """The system locale is Welsh for this test; English again afterwards."""
    before = QLocale()
    QLocale.setDefault(QLocale("cy_GB"))
    yield
    QLocale.setDefault(before)
    i18n.install(qapp, "en")


def test_with_a_welsh_locale_the_unlock_page_reads_in_welsh(locale_cy, qapp, qtbot, workspace):
    from steward.ui.gate import Gate

    assert i18n.chosen_language() == "cy"
    assert i18n.install(qapp) == "cy"
    gate = Gate(workspace.path)
    qtbot.addWidget(gate)
    gate.unlock.set_workspace(workspace.path)
    gate.show_screen(gate.unlock)
    unlock = gate.unlock
    assert unlock.unlock_button.text() == "Datgloi"
    assert unlock.title.text() == "Datgloi Test charity"
    assert unlock.remember.text() == "Cofio ar y cyfrifiadur hwn"
    assert unlock.other_button.text() == "Agor un arall…"
    assert unlock.profile.currentText() == "admin (gweinyddwr)"
    unlock.passphrase.setText("not the passphrase")
    unlock.submit()
    qtbot.waitUntil(lambda: bool(unlock.error.text()), timeout=30_000)
    assert unlock.error.text().startswith("Nid yw'r cyfrinymadrodd hwnnw'n gywir")


def test_the_settings_choice_overrides_the_system_locale(locale_cy, qapp, monkeypatch):
    assert i18n.saved_language() == ""
    i18n.save_language("en")
    assert i18n.chosen_language() == "en"
    assert i18n.install(qapp) == "en"
    assert i18n.translate("Unlock", "Unlock") == "Unlock"
    i18n.save_language("")
    assert i18n.chosen_language() == "cy"
    monkeypatch.setenv(i18n.ENV, "en")
    assert i18n.chosen_language() == "en"
    with pytest.raises(ValueError, match="no translation for 'xx'"):
        i18n.save_language("xx")


def test_the_pages_read_in_welsh(locale_cy, qapp, qtbot, demo_ws):
    from steward.ui.main_window import MainWindow

    i18n.install(qapp)
    window = MainWindow(demo_ws)
    qtbot.addWidget(window)
    window.show()
    try:
        wait_for_workers(qtbot)
        sidebar = window.sidebar.model()
        titles = [sidebar.index(r, 0).data() for r in range(sidebar.rowCount())]
        assert titles[:3] == ["Trosolwg", "Cymedroli", "Diogelu"]
        overview = window.page("overview")
        assert overview.header.title.text() == "Trosolwg"
        assert {t.title.text() for t in overview.tiles} >= {"Eitemau agored yn y ciw",
                                                            "Gofodau tawel"}
        window.open_page("moderation")
        wait_for_workers(qtbot)
        moderation = window.page("moderation")
        assert moderation.model.headerData(0, Qt.Orientation.Horizontal) == "Blaenoriaeth"
        assert moderation.panel.undo_button.text() == "Dadwneud (U)"
        window.open_page("safeguarding")
        wait_for_workers(qtbot)
        safeguarding = window.page("safeguarding")
        assert safeguarding.scan_button.text() == "Sganio negeseuon newydd"
        assert safeguarding.status.itemText(0) == "Fflagiau agored"
    finally:
        window.shutdown()
        workers.wait_for_all(20_000)


def test_every_welsh_string_is_translated_and_keeps_its_placeholders():
    """Each message in the .ts is finished, and `{n}`-style placeholders survive translation
    (a lost placeholder would raise KeyError or drop a number on screen)."""
    root = ET.parse(resource_path("i18n", "steward_cy.ts")).getroot()
    messages = [m for c in root.findall("context") for m in c.findall("message")]
    assert len(messages) > 200
    for m in messages:
        source, translation = m.find("source").text, m.find("translation")
        if translation.get("type") in ("vanished", "obsolete"):
            continue
        assert translation.get("type") is None and translation.text, source
        assert sorted(re.findall(r"\{\w+\}", source)) == \
            sorted(re.findall(r"\{\w+\}", translation.text)), source


def test_the_built_translation_is_up_to_date(tmp_path):
    """The shipped .qm is what `make translations` builds from the .ts (run it after editing)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from PySide6.QtCore import QTranslator

    ts, qm = resource_path("i18n", "steward_cy.ts"), i18n.qm_file("cy")
    tool = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent))
    assert tool, "pyside6-lrelease comes with PySide6"
    built = tmp_path / "steward_cy.qm"
    subprocess.run([tool, "-silent", str(ts), "-qm", str(built)], check=True, timeout=60)
    assert built.read_bytes() == qm.read_bytes(), "run `make translations`"
    translator = QTranslator()
    assert translator.load(str(qm))
    assert translator.translate("Pages", "Moderation") == "Cymedroli"
