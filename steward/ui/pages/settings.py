"""Settings: your own passphrase and "remember on this computer", auto-lock and lock now, and —
for admins — the workspace's profiles and its backups; the team of laptops, if any. Key
derivation, backups, restores and team syncs run off the UI thread."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from steward import backup, keychain, permissions
from steward.ui import i18n, widgets, workers
from steward.ui.i18n import translate
from steward.ui.registry import (
    AUTO_LOCK_SETTING,
    DEFAULT_AUTO_LOCK_MINUTES,
    LOCK_SHORTCUT,
    AppContext,
    TileData,
)
from steward.ui.table_model import Column, PagedTableModel, list_source
from steward.ui.widgets import PageHeader, result_label, show_result, table_view
from steward.workspace import MIN_PASSPHRASE, ROLES

TEAM_COLUMNS = [
    Column("name", "Laptop"),
    Column("role", "Role"),
    Column("last_sync", "Last sync"),
    Column("behind", "Changes behind"),
    Column("removed", ""),
]
PROFILE_COLUMNS = [
    Column("name", "Profile"),
    Column("role", "Role"),
    Column("remembered", "Remembered here"),
]


def _password(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


def _button(text: str, name: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name or text)
    return button


def _left(widget: QWidget) -> QHBoxLayout:
    """A row holding `widget` at its natural width, on the left."""
    row = QHBoxLayout()
    row.addWidget(widget)
    row.addStretch(1)
    return row


class SettingsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        ws = ctx.ws
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(PageHeader(
            "Settings", f"Signed in as {ws.profile.name} ({ws.profile.role})."))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        content = QWidget()
        self.column = QVBoxLayout(content)
        self.column.setContentsMargins(0, 0, 8, 0)
        self.is_admin = permissions.may_run(ws.profile.role, "profile add")
        self.column.addWidget(self._own_profile_box())
        self.column.addStretch(1)
        scroll.setWidget(content)
        outer.addWidget(scroll, 1)
        # The other boxes follow one per turn of the event loop, so the page paints first
        # (all at once they were the longest freeze of any page), then the reads that fill them.
        boxes = [self._security_box, self._language_box, self._profiles_box,
                 *([self._backup_box] if self.is_admin else []), self._team_box]
        building = workers.run_in_steps([
            *(lambda box=box: self.column.insertWidget(self.column.count() - 1, box())
              for box in boxes), self.refresh])
        building.failed.connect(lambda message: ctx.notify(
            f"Could not show all of Settings: {message}", building.details, error=True))

    # --- your profile ------------------------------------------------------------------------

    def _own_profile_box(self) -> QGroupBox:
        box = QGroupBox("Your passphrase")
        form = QFormLayout(box)
        self.old_passphrase = _password("Current passphrase")
        self.new_passphrase = _password("New passphrase")
        self.repeat_passphrase = _password("New passphrase again")
        form.addRow("Current passphrase", self.old_passphrase)
        form.addRow("New passphrase", self.new_passphrase)
        form.addRow("The same again", self.repeat_passphrase)
        self.change_button = _button("Change passphrase")
        self.change_button.clicked.connect(self.change_passphrase)
        form.addRow("", _left(self.change_button))
        self.change_result = result_label()
        form.addRow("", self.change_result)

        self.remember_status = QLabel()
        self.remember_status.setWordWrap(True)
        form.addRow("On this computer", self.remember_status)
        row = QHBoxLayout()
        self.remember_passphrase = _password("Passphrase to remember")
        self.remember_passphrase.setPlaceholderText("Your passphrase")
        self.remember_button = _button("Remember on this computer")
        self.remember_button.clicked.connect(self.remember)
        self.forget_button = _button("Forget on this computer")
        self.forget_button.clicked.connect(self.forget)
        row.addWidget(self.remember_passphrase, 1)
        row.addWidget(self.remember_button)
        row.addWidget(self.forget_button)
        form.addRow("", row)
        self.remember_result = result_label()
        form.addRow("", self.remember_result)
        return box

    def change_passphrase(self) -> None:
        old, new = self.old_passphrase.text(), self.new_passphrase.text()
        if len(new) < MIN_PASSPHRASE:
            show_result(self.change_result,
                        f"The new passphrase needs at least {MIN_PASSPHRASE} characters.", True)
            return
        if new != self.repeat_passphrase.text():
            show_result(self.change_result, "The two new passphrases differ.", True)
            return
        ws = self.ctx.ws
        self.change_button.setEnabled(False)
        self._run(lambda: ws.change_passphrase(old, new), self.change_result,
                  "Passphrase changed. Use the new one next time you unlock.",
                  after=self._passphrase_changed)

    def _passphrase_changed(self) -> None:
        for field in (self.old_passphrase, self.new_passphrase, self.repeat_passphrase):
            field.clear()

    def remember(self) -> None:
        ws = self.ctx.ws
        passphrase = self.remember_passphrase.text()

        def work() -> bool:
            if not ws.remember_on_this_computer(passphrase):
                raise RuntimeError("the system keyring refused to keep the key")
            return True

        self._run(work, self.remember_result,
                  "Remembered: this profile unlocks here without its passphrase.",
                  after=lambda: (self.remember_passphrase.clear(), self.refresh()))

    def forget(self) -> None:
        ws = self.ctx.ws
        self._run(ws.forget_on_this_computer, self.remember_result,
                  "Forgotten: the passphrase will be asked for next time.", after=self.refresh)

    # --- security ----------------------------------------------------------------------------

    def _security_box(self) -> QGroupBox:
        box = QGroupBox("Security")
        form = QFormLayout(box)
        self.auto_lock = QSpinBox()
        self.auto_lock.setAccessibleName("Auto-lock after idle minutes")
        self.auto_lock.setRange(0, 480)
        self.auto_lock.setSuffix(" minutes idle")
        self.auto_lock.setSpecialValueText("Never")
        self.auto_lock.setEnabled(False)  # until the saved minutes are read, off the UI thread
        ws = self.ctx.ws
        self.ctx.run_query(lambda: int(ws.get_setting(AUTO_LOCK_SETTING,
                                                      DEFAULT_AUTO_LOCK_MINUTES)),
                           self._show_auto_lock)
        form.addRow("Lock automatically after", _left(self.auto_lock))
        self.lock_button = _button(f"Lock now ({LOCK_SHORTCUT})", "Lock now")
        self.lock_button.clicked.connect(self._lock_now)
        form.addRow("", _left(self.lock_button))
        return box

    def _language_box(self) -> QGroupBox:
        """The window's language on this computer: the system's, or one chosen here."""
        box = QGroupBox(translate("Settings", "Language"))
        form = QFormLayout(box)
        self.language = QComboBox()
        self.language.setAccessibleName(translate("Settings", "Language on this computer"))
        system = i18n.LANGUAGES.get(i18n.system_language(), "English")
        self.language.addItem(translate("Settings", "As the system ({language})").format(
            language=system), "")
        for code, name in i18n.LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(i18n.saved_language())))
        self.language.currentIndexChanged.connect(
            lambda _i: self.set_language(self.language.currentData()))
        form.addRow(translate("Settings", "Language on this computer"), _left(self.language))
        self.language_note = QLabel()
        self.language_note.setWordWrap(True)
        self.language_note.hide()  # until a choice is saved
        form.addRow("", self.language_note)
        return box

    def set_language(self, language: str) -> None:
        """Keep the choice for this computer; it applies from the next start."""
        try:
            i18n.save_language(language)
        except (OSError, ValueError) as exc:
            show_result(self.language_note, str(exc), error=True)
            return
        show_result(self.language_note, translate(
            "Settings", "Saved: Steward will use it from the next start."))

    def _show_auto_lock(self, minutes: int) -> None:
        if not shiboken6.isValid(self.auto_lock) or self.auto_lock.isEnabled():
            return
        self.auto_lock.setValue(minutes)
        self.auto_lock.setEnabled(True)
        self.auto_lock.valueChanged.connect(self.set_auto_lock)

    def set_auto_lock(self, minutes: int) -> None:
        """Save the auto-lock minutes in the workspace and apply them at once."""
        ws = self.ctx.ws
        self.ctx.run_query(lambda: ws.set_setting(AUTO_LOCK_SETTING, minutes), lambda _: None)
        apply = getattr(self.ctx, "set_auto_lock", None)
        if apply is not None:
            apply(minutes * 60)

    def _lock_now(self) -> None:
        lock = getattr(self.ctx, "lock", None)
        if lock is not None:
            lock()

    # --- profiles (admin) --------------------------------------------------------------------

    def _profiles_box(self) -> QGroupBox:
        box = QGroupBox("Profiles on this workspace")
        layout = QVBoxLayout(box)
        fetch, count = list_source([], PROFILE_COLUMNS)
        self.profiles = PagedTableModel(PROFILE_COLUMNS, fetch, count)
        self.profile_table = table_view(self.profiles, "Profiles")
        self.profile_table.setMinimumHeight(150)
        layout.addWidget(self.profile_table)
        if not self.is_admin:
            layout.addWidget(QLabel(
                "Only an admin can add or remove profiles or reset someone's passphrase."))
            return box

        add = QHBoxLayout()
        self.new_name = QLineEdit()
        self.new_name.setAccessibleName("New profile name")
        self.new_name.setPlaceholderText("Name")
        self.new_role = QComboBox()
        self.new_role.setAccessibleName("New profile role")
        for role in ROLES:
            self.new_role.addItem(role, role)
        self.new_role_passphrase = _password("New profile passphrase")
        self.new_role_passphrase.setPlaceholderText("Their passphrase")
        self.add_button = _button("Add profile")
        self.add_button.clicked.connect(self.add_profile)
        for widget in (self.new_name, self.new_role, self.new_role_passphrase, self.add_button):
            add.addWidget(widget)
        layout.addLayout(add)

        selected = QHBoxLayout()
        selected.addWidget(QLabel("Selected profile:"))
        self.reset_passphrase = _password("Reset passphrase to")
        self.reset_passphrase.setPlaceholderText("New passphrase for them")
        self.reset_button = _button("Reset passphrase")
        self.reset_button.clicked.connect(self.reset_selected)
        self.remove_button = _button("Remove profile")
        self.remove_button.clicked.connect(self.remove_selected)
        for widget in (self.reset_passphrase, self.reset_button, self.remove_button):
            selected.addWidget(widget)
        layout.addLayout(selected)
        self.profiles_result = result_label()
        layout.addWidget(self.profiles_result)
        return box

    def selected_profile(self) -> str | None:
        index = self.profile_table.currentIndex()
        return self.profiles.row_values(index.row())[0] if index.isValid() else None

    def add_profile(self) -> None:
        ws = self.ctx.ws
        name, role = self.new_name.text().strip(), self.new_role.currentData()
        passphrase = self.new_role_passphrase.text()
        self._run(lambda: ws.add_profile(name, role, passphrase), self.profiles_result,
                  f"Profile {name} ({role}) added.",
                  after=lambda: (self.new_name.clear(), self.new_role_passphrase.clear(),
                                 self.refresh()))

    def reset_selected(self) -> None:
        ws, name = self.ctx.ws, self.selected_profile()
        if name is None:
            show_result(self.profiles_result, "Select a profile in the table first.", True)
            return
        passphrase = self.reset_passphrase.text()
        self._run(lambda: ws.reset_passphrase(name, passphrase), self.profiles_result,
                  f"Passphrase of {name} reset. Tell them the new one in person.",
                  after=lambda: (self.reset_passphrase.clear(), self.refresh()))

    def remove_selected(self) -> None:
        ws, name = self.ctx.ws, self.selected_profile()
        if name is None:
            show_result(self.profiles_result, "Select a profile in the table first.", True)
            return
        if not widgets.confirm(self, "Remove profile",
                               f"Remove the profile {name}? They will no longer be able to "
                               "unlock this workspace. Their past actions stay in the audit."):
            return
        # Removing re-encrypts what the profile held (keys rotated): a job with progress.
        self.remove_button.setEnabled(False)
        worker = self.ctx.run_job(lambda token: ws.remove_profile_job(name, token),
                                  lambda _result: self._profile_removed(name),
                                  f"Removing profile {name}")
        if worker is not None:
            worker.failed.connect(self._profile_not_removed)

    def _profile_removed(self, name: str) -> None:
        self.remove_button.setEnabled(True)
        show_result(self.profiles_result, f"Profile {name} removed; the keys they held were "
                                          "replaced.")
        self.refresh()

    def _profile_not_removed(self, message: str) -> None:
        if shiboken6.isValid(self.profiles_result):
            self.remove_button.setEnabled(True)
            show_result(self.profiles_result, message[:1].upper() + message[1:], True)

    # --- backups (admin) ---------------------------------------------------------------------

    def _backup_box(self) -> QGroupBox:
        box = QGroupBox("Backups")
        form = QFormLayout(box)
        self.backup_status = QLabel()
        self.backup_status.setWordWrap(True)
        form.addRow("Last backup", self.backup_status)
        self.remind_days = QSpinBox()
        self.remind_days.setAccessibleName("Remind me to back up after days")
        self.remind_days.setRange(0, 365)
        self.remind_days.setSuffix(" days")
        self.remind_days.setSpecialValueText("Never")
        self.remind_days.setValue(backup.DEFAULT_REMIND_DAYS)  # the saved value comes async
        form.addRow("Remind me after", _left(self.remind_days))

        row = QHBoxLayout()
        self.backup_file = QLineEdit()
        self.backup_file.setAccessibleName("Backup file")
        self.backup_file.setPlaceholderText("A file on another disk, e.g. E:/steward-backup.zip")
        choose = _button("Choose…", "Choose backup file")
        choose.clicked.connect(self._choose_backup_file)
        self.backup_button = _button("Back up now")
        self.backup_button.clicked.connect(self.back_up)
        row.addWidget(self.backup_file, 1)
        row.addWidget(choose)
        row.addWidget(self.backup_button)
        form.addRow("Back up to", row)

        row = QHBoxLayout()
        self.restore_file = QLineEdit()
        self.restore_file.setAccessibleName("Backup to restore or check")
        self.restore_file.setPlaceholderText("A backup file")
        self.restore_folder = QLineEdit()
        self.restore_folder.setAccessibleName("Folder to restore into")
        self.restore_folder.setPlaceholderText("A new, empty folder")
        row.addWidget(self.restore_file, 1)
        row.addWidget(self.restore_folder, 1)
        form.addRow("Restore", row)
        row = QHBoxLayout()
        self.restore_passphrase = _password("Your passphrase, to open the backup")
        self.restore_passphrase.setPlaceholderText("Your passphrase, to open the backup")
        self.verify_button = _button("Check backup")
        self.verify_button.clicked.connect(self.verify)
        self.restore_button = _button("Restore into folder")
        self.restore_button.clicked.connect(self.restore)
        row.addWidget(self.restore_passphrase, 1)
        row.addWidget(self.verify_button)
        row.addWidget(self.restore_button)
        form.addRow("", row)
        self.backup_result = result_label()
        form.addRow("", self.backup_result)
        hint = QLabel("Keep the workspace folder out of Dropbox, OneDrive or a network drive; "
                      "keep backups there instead. To move to a new laptop, restore a backup "
                      "there.")
        hint.setWordWrap(True)
        form.addRow("", hint)
        self._remind_days_loaded = False
        self._show_backup_age()
        return box

    def _show_backup_age(self) -> None:
        ws = self.ctx.ws

        def shown(state) -> None:
            age, overdue, days = state
            if not shiboken6.isValid(self.backup_status):
                return
            if not self._remind_days_loaded:
                self.remind_days.setValue(days)
                self.remind_days.valueChanged.connect(self.set_remind_days)
                self._remind_days_loaded = True
            text = ("Never backed up." if age is None else
                    "Today." if age == 0 else f"{age} day{'s' if age != 1 else ''} ago.")
            if overdue:
                text += " Time for a backup."
            self.backup_status.setText(text)

        self.ctx.run_query(lambda: (backup.backup_age_days(ws), backup.backup_overdue(ws), int(
            ws.get_setting(backup.REMIND_DAYS_SETTING, backup.DEFAULT_REMIND_DAYS))), shown)

    def set_remind_days(self, days: int) -> None:
        ws = self.ctx.ws
        self.ctx.run_query(lambda: ws.set_setting(backup.REMIND_DAYS_SETTING, days),
                           lambda _: self._show_backup_age())

    def _choose_backup_file(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Back up to", "steward-backup.zip",
                                              "Steward backups (*.zip)")
        if name:
            self.backup_file.setText(name)

    def back_up(self) -> None:
        from pathlib import Path

        target = self.backup_file.text().strip()
        if not target:
            show_result(self.backup_result, "Choose where the backup file goes first.", True)
            return
        ws = self.ctx.ws
        self.backup_button.setEnabled(False)
        worker = workers.start_job(lambda token: backup.write_backup(ws, Path(target), token))

        def progress(done: int, total: int, text: str) -> None:
            if shiboken6.isValid(self.backup_result):
                show_result(self.backup_result, f"{text}… {done * 100 // max(1, total)}%")

        def finished(out) -> None:
            if shiboken6.isValid(self.backup_result):
                self.backup_button.setEnabled(True)
                show_result(self.backup_result, f"Backup written to {out}.")
                self._show_backup_age()

        def failed(message: str) -> None:
            if shiboken6.isValid(self.backup_result):
                self.backup_button.setEnabled(True)
                show_result(self.backup_result, message[:1].upper() + message[1:], True)

        worker.progress.connect(progress)
        worker.finished.connect(finished)
        worker.failed.connect(failed)

    def verify(self) -> None:
        from pathlib import Path

        source, passphrase = self.restore_file.text().strip(), self.restore_passphrase.text()
        if not source:
            show_result(self.backup_result, "Give the backup file to check first.", True)
            return
        name = self.ctx.ws.profile.name
        self._run(lambda: backup.verify_backup(Path(source), name, passphrase),
                  self.backup_result, "The backup is sound: it opens, SQLite finds no damage "
                  "and every link of its audit chain holds.")

    def restore(self) -> None:
        from pathlib import Path

        source, folder = self.restore_file.text().strip(), self.restore_folder.text().strip()
        passphrase = self.restore_passphrase.text()
        if not source or not folder:
            show_result(self.backup_result, "Give the backup file and a folder to restore "
                        "into first.", True)
            return
        if Path(folder).expanduser().resolve() == self.ctx.ws.path.resolve():
            show_result(self.backup_result, "This workspace is open: restore into another "
                        "folder, or lock it and use `steward restore` instead.", True)
            return
        name = self.ctx.ws.profile.name
        self._run(lambda: backup.restore_backup(Path(source), Path(folder), name, passphrase),
                  self.backup_result, f"Restored into {folder}. Open that folder to use it.",
                  after=self.restore_passphrase.clear)

    # --- shared ------------------------------------------------------------------------------

    def _run(self, fn, label: QLabel, success: str, after=None) -> None:
        """Run `fn` off the UI thread; say `success` or the one-line problem under the form."""
        worker = workers.start_query(fn)

        def finished(_result) -> None:
            if not shiboken6.isValid(label):  # the page went away (locked) meanwhile
                return
            self.change_button.setEnabled(True)
            show_result(label, success)
            if after is not None:
                after()

        def failed(message: str) -> None:
            if not shiboken6.isValid(label):
                return
            self.change_button.setEnabled(True)
            show_result(label, message[:1].upper() + message[1:], True)

        worker.finished.connect(finished)
        worker.failed.connect(failed)

    # --- team (several laptops through the charity's server) --------------------------------

    def _team_box(self) -> QGroupBox:
        box = QGroupBox("Team")
        layout = QVBoxLayout(box)
        self.team_status = QLabel("…")
        self.team_status.setWordWrap(True)
        self.team_status.setAccessibleName("Team status")
        layout.addWidget(self.team_status)
        fetch, count = list_source([], TEAM_COLUMNS)
        self.team_devices = PagedTableModel(TEAM_COLUMNS, fetch, count)
        self.team_table = table_view(self.team_devices, "Team laptops")
        self.team_table.setMinimumHeight(120)
        layout.addWidget(self.team_table)
        row = QHBoxLayout()
        self.team_password = _password("Team server password")
        self.team_password.setPlaceholderText("Server password (kept in the OS keyring)")
        self.team_sync_button = _button("Sync now", "Sync with the team now")
        self.team_sync_button.clicked.connect(self.sync_team)
        row.addWidget(self.team_password, 1)
        row.addWidget(self.team_sync_button)
        layout.addLayout(row)
        self.team_result = result_label()
        layout.addWidget(self.team_result)
        for widget in (self.team_table, self.team_password, self.team_sync_button):
            widget.setVisible(False)
        return box

    def show_team(self, status: dict) -> None:
        if not shiboken6.isValid(self.team_status):
            return
        self._team = status
        if status.get("team") is None:
            self.team_status.setText("This workspace works on its own. An admin can share it "
                                     "with other laptops: `steward team create --server URL`.")
            return
        conflicts = len(status["conflicts"])
        text = (f"This laptop is {status['name']} ({status['role']}) in a team on "
                f"{status['server']}. Last sync: {status['last_sync'] or 'never'}; "
                f"{status['unpushed']} changes not sent yet")
        text += f"; {conflicts} conflicts kept in the record." if conflicts else "."
        if status.get("server_problem"):
            text += f" The server did not answer: {status['server_problem']}"
        self.team_status.setText(text)
        rows = [(d["name"] + (" (this laptop)" if d["this_laptop"] else ""), d["role"],
                 d["last_sync"] or "never", d["behind"], "removed" if d["removed"] else "")
                for d in status.get("devices") or []]
        self.team_devices.set_source(*list_source(rows, TEAM_COLUMNS))
        self.team_table.setVisible(bool(rows))
        self.team_password.setVisible(status.get("devices") is None)
        self.team_sync_button.setVisible(True)

    def sync_team(self) -> None:
        from steward.team import sync as team

        ws = self.ctx.ws
        server = self._team["server"]
        typed = self.team_password.text() or None
        password = typed or team.remembered_password(server)
        if password is None:
            show_result(self.team_result, "Type the team server's password first.", True)
            return
        self.team_sync_button.setEnabled(False)
        worker = workers.start_job(lambda token: team.sync(ws, password, token))

        def progress(done: int, total: int, text: str) -> None:
            if shiboken6.isValid(self.team_result):
                show_result(self.team_result, f"{text}…")

        def finished(result) -> None:
            if not shiboken6.isValid(self.team_result):
                return
            self.team_sync_button.setEnabled(True)
            if typed:
                team.remember_password(server, typed)
                self.team_password.clear()
            line = (f"Synced: {result.pushed} sent, {result.pulled} received, "
                    f"{result.applied} applied.")
            for conflict in result.conflicts:
                line += f" Conflict: {conflict}."
            show_result(self.team_result, line)
            self.ctx.run_query(lambda: team.overview(ws, password), self.show_team)

        def failed(message: str) -> None:
            if shiboken6.isValid(self.team_result):
                self.team_sync_button.setEnabled(True)
                show_result(self.team_result, message[:1].upper() + message[1:], True)

        worker.progress.connect(progress)
        worker.finished.connect(finished)
        worker.failed.connect(failed)

    def refresh(self) -> None:
        ws = self.ctx.ws
        # The keyring's backends load in a quarter of a second the first time: off the UI thread.
        self.ctx.run_query(lambda: (ws.profiles(), keychain.status()), self._show_profiles)
        self._team: dict = {}
        self.ctx.run_query(lambda: _team_overview(ws), self.show_team)

    def _show_profiles(self, found) -> None:
        profiles, (usable, reason) = found
        rows = [(p.name, p.role, p.remembered) for p in profiles]
        self.profiles.set_source(*list_source(rows, PROFILE_COLUMNS))
        self.profile_table.resizeColumnsToContents()
        me = next((p for p in profiles if p.name == self.ctx.ws.profile.name), None)
        remembered = bool(me and me.remembered)
        if not usable:
            self.remember_status.setText(f"Remembering is off: {reason}.")
        else:
            self.remember_status.setText(
                "Remembered: this profile unlocks here without its passphrase." if remembered
                else "Not remembered: the passphrase is asked for at every unlock.")
        self.remember_passphrase.setEnabled(usable and not remembered)
        self.remember_button.setEnabled(usable and not remembered)
        self.forget_button.setEnabled(remembered)


def _team_overview(ws) -> dict:
    """The team's state, with its module imported here, off the UI thread (it is big)."""
    from steward.team import sync as team

    return team.overview(ws)




def backup_tile(ws) -> TileData:
    """Overview tile for admins: how old the last backup is."""
    age, overdue = backup.backup_age_days(ws), backup.backup_overdue(ws)
    text = "never" if age is None else "today" if age == 0 else f"{age} d ago"
    return TileData(text, "back up in Settings" if overdue else "up to date",
                    "warn" if overdue else "good")
