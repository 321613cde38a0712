"""The demo start, the Settings page (passphrase, profiles, remembering), and the self-test."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from steward import demo
from steward.errors import WrongPassphrase
from steward.ui import widgets
from steward.ui.app import StewardApp
from steward.workspace import Workspace, list_profiles
from tests.conftest import PASSPHRASE
from tests.ui.conftest import wait_for_workers


def test_demo_is_prepared_with_progress_then_unlocks(qtbot, tmp_path):
    app = StewardApp(tmp_path / "unused", demo_size=(40, 600))
    qtbot.addWidget(app.gate)
    seen = []
    app.start(demo_mode=True)
    assert app.gate.currentWidget() is app.gate.progress
    app._demo_worker.progress.connect(lambda done, total, text: seen.append(text))
    wait_for_workers(qtbot, timeout=30_000)
    try:
        unlock = app.gate.unlock
        assert app.gate.currentWidget() is unlock
        assert seen and "steward-demo" in unlock.demo_hint.text()
        assert unlock.demo_hint.isVisibleTo(app.gate)
        unlock.passphrase.setText(demo.DEMO_PASSPHRASE)
        unlock.submit()
        wait_for_workers(qtbot)
        assert app.window is not None
        assert [p.name for p in list_profiles(app.path)] == ["admin", "steward", "volunteer",
                                                              "lead"]
        folder = Path(app._demo_dir)
    finally:
        if app.window is not None:
            app.window.close()
        app.shutdown()
    assert not folder.exists()  # the demo's temporary folder goes when the app quits


def test_cancelling_the_demo_removes_the_half_made_workspace(qtbot, tmp_path):
    app = StewardApp(tmp_path / "unused", demo_size=(2000, 100_000))
    qtbot.addWidget(app.gate)
    app.start(demo_mode=True)
    target = Path(app._demo_dir) / "workspace"
    qtbot.mouseClick(app.gate.progress.cancel_button, Qt.MouseButton.LeftButton)
    wait_for_workers(qtbot, timeout=30_000)
    assert app.gate.currentWidget() is app.gate.welcome
    assert not target.exists()
    app.shutdown()


def test_change_own_passphrase(main_window, qtbot, demo_path):
    page = main_window.page("settings")
    wait_for_workers(qtbot)
    page.old_passphrase.setText("wrong one!")
    page.new_passphrase.setText("a brand new passphrase")
    page.repeat_passphrase.setText("a brand new passphrase")
    page.change_passphrase()
    wait_for_workers(qtbot)
    assert page.change_result.objectName() == "inlineError"
    assert "wrong passphrase" in page.change_result.text().lower()
    page.old_passphrase.setText(PASSPHRASE)
    page.new_passphrase.setText("short")
    page.repeat_passphrase.setText("short")
    page.change_passphrase()
    assert "at least 8" in page.change_result.text()
    page.new_passphrase.setText("a brand new passphrase")
    page.repeat_passphrase.setText("a brand new passphrase")
    page.change_passphrase()
    wait_for_workers(qtbot)
    assert page.change_result.text().startswith("Passphrase changed")
    assert page.old_passphrase.text() == ""
    Workspace.unlock(demo_path, "admin", "a brand new passphrase").lock()
    with pytest.raises(WrongPassphrase):
        Workspace.unlock(demo_path, "admin", PASSPHRASE)


def test_admin_adds_resets_and_removes_profiles(main_window, qtbot, demo_path, monkeypatch):
    """Also: the page is built with its first box only; the others follow once the event loop
    runs (one per turn), so the page paints sooner."""
    from PySide6.QtWidgets import QGroupBox

    page = main_window.page("settings")
    first = [box.title() for box in page.findChildren(QGroupBox)]
    wait_for_workers(qtbot)
    assert first == ["Your passphrase"]
    assert [box.title() for box in page.findChildren(QGroupBox)] == [
        "Your passphrase", "Security", "Language", "Profiles on this workspace", "Backups",
        "Team"]
    assert page.profiles.total == 4
    page.new_name.setText("sam")
    page.new_role.setCurrentIndex(page.new_role.findData("volunteer"))
    page.new_role_passphrase.setText("sams passphrase")
    page.add_profile()
    wait_for_workers(qtbot)
    assert page.profiles.total == 5 and page.profiles.row_values(4)[:2] == ("sam", "volunteer")
    Workspace.unlock(demo_path, "sam", "sams passphrase").lock()

    page.new_name.setText("sam")
    page.new_role_passphrase.setText("another passphrase")
    page.add_profile()
    wait_for_workers(qtbot)
    assert "already exists" in page.profiles_result.text()

    page.profile_table.selectRow(4)
    page.reset_passphrase.setText("reset passphrase")
    page.reset_selected()
    wait_for_workers(qtbot)
    Workspace.unlock(demo_path, "sam", "reset passphrase").lock()

    page.remove_selected()  # the reload cleared the selection
    assert "Select a profile" in page.profiles_result.text()
    page.profile_table.selectRow(4)
    monkeypatch.setattr(widgets, "confirm", lambda *a: False)
    page.remove_selected()
    wait_for_workers(qtbot)
    assert page.profiles.total == 5
    monkeypatch.setattr(widgets, "confirm", lambda *a: True)
    page.remove_selected()
    # Removing rotates keys: a job on the pool with progress, never on the UI thread.
    assert "Removing profile sam" in [w.label for w in main_window._jobs]
    assert not page.remove_button.isEnabled()
    wait_for_workers(qtbot)
    assert page.profiles.total == 4 and page.remove_button.isEnabled()
    assert "keys they held were replaced" in page.profiles_result.text()
    assert "sam" not in [p.name for p in list_profiles(demo_path)]


def test_remember_and_forget_on_this_computer(main_window, qtbot, demo_path):
    page = main_window.page("settings")
    wait_for_workers(qtbot)
    assert page.remember_button.isEnabled() and not page.forget_button.isEnabled()
    page.remember_passphrase.setText(PASSPHRASE)
    page.remember()
    wait_for_workers(qtbot)
    assert list_profiles(demo_path)[0].remembered
    assert page.forget_button.isEnabled() and "Remembered" in page.remember_status.text()
    Workspace.unlock(demo_path, "admin").lock()  # no passphrase needed now
    page.forget()
    wait_for_workers(qtbot)
    assert not list_profiles(demo_path)[0].remembered


def test_non_admins_see_profiles_but_cannot_manage_them(qtbot, demo_path):
    from steward.ui.main_window import MainWindow

    ws = Workspace.unlock(demo_path, "volunteer", PASSPHRASE)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    page = window.page("settings")
    wait_for_workers(qtbot)
    assert not page.is_admin and not hasattr(page, "add_button")
    assert page.profiles.total == 4
    window.shutdown()
    ws.lock()


def test_self_test_renders_every_page_for_every_profile(qtbot, capsys):
    from steward.ui import selftest

    assert selftest._run(None, members=40, messages=600, profiles=selftest.DEMO_PROFILES) == 0
    assert "self-test passed" in capsys.readouterr().out


def test_backup_and_restore_from_settings_while_the_app_is_open(main_window, qtbot, tmp_path):
    """An admin backs up the open workspace, checks the file and restores it into a new folder,
    all from Settings, while the app keeps the workspace open; a damaged file is refused."""
    page = main_window.page("settings")
    wait_for_workers(qtbot)
    assert "Never backed up" in page.backup_status.text()
    out = tmp_path / "backup.zip"
    page.backup_file.setText(str(out))
    page.backup_button.click()
    wait_for_workers(qtbot, timeout=30_000)
    wait_for_workers(qtbot)
    assert out.exists(), page.backup_result.text()
    assert "Backup written" in page.backup_result.text()
    assert page.backup_status.text().startswith("Today")

    page.restore_file.setText(str(out))
    page.restore_passphrase.setText(PASSPHRASE)
    page.verify_button.click()
    wait_for_workers(qtbot, timeout=30_000)
    assert "The backup is sound" in page.backup_result.text()

    page.restore_folder.setText(str(main_window.ws.path))  # the open one: refused
    page.restore_button.click()
    assert "This workspace is open" in page.backup_result.text()

    target = tmp_path / "new laptop"
    page.restore_folder.setText(str(target))
    page.restore_button.click()
    wait_for_workers(qtbot, timeout=30_000)
    assert "Restored into" in page.backup_result.text(), page.backup_result.text()
    restored = Workspace.unlock(target, "admin", PASSPHRASE)
    try:
        assert restored.id == main_window.ws.id
    finally:
        restored.lock()

    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(out.read_bytes()[:4000])
    page.restore_file.setText(str(damaged))
    page.restore_folder.setText(str(tmp_path / "other"))
    page.restore_passphrase.setText(PASSPHRASE)
    page.restore_button.click()
    wait_for_workers(qtbot, timeout=30_000)
    assert "damaged.zip" in page.backup_result.text()
    assert not (tmp_path / "other").exists()
