"""The screens before the main window: welcome (first run), create a workspace, the recovery key,
unlock, and the progress of preparing the demo. Key derivation and unlocking run off the UI
thread, so the window never freezes while a passphrase is checked."""

from __future__ import annotations

import math
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from steward import keychain
from steward.errors import StewardError, WrongPassphrase
from steward.ui import workers
from steward.ui.i18n import translate
from steward.ui.widgets import install_keyboard_rules
from steward.workspace import (
    MIN_PASSPHRASE,
    PassphraseNeeded,
    Workspace,
    list_profiles,
    read_meta,
)


def passphrase_strength(passphrase: str) -> tuple[str, str]:
    """A short hint on how hard a passphrase is to guess, and its tone (alert, warn, good)."""
    if len(passphrase) < MIN_PASSPHRASE:
        return f"Too short: use at least {MIN_PASSPHRASE} characters", "alert"
    pool = sum(size for chars, size in (
        ("abcdefghijklmnopqrstuvwxyz", 26), ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26),
        ("0123456789", 10)) if any(c in chars for c in passphrase))
    pool += 33 if any(not c.isalnum() for c in passphrase) else 0
    bits = len(passphrase) * math.log2(max(pool, 2))
    if len(set(passphrase)) <= 3:
        bits = min(bits, 20)
    words = len(passphrase.split())
    if bits >= 80 or (words >= 4 and len(passphrase) >= 20):
        return "Strong", "good"
    if bits >= 55 or words >= 3:
        return "Fair: another word or two would make it strong", "warn"
    return "Weak: several unrelated words are easier to remember and harder to guess", "alert"


def _card(title: str, hint: str = "") -> tuple[QWidget, QVBoxLayout]:
    """A screen with a centred card; returns the screen and the card's layout."""
    screen = QWidget()
    outer = QVBoxLayout(screen)
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    card = QFrame()
    card.setObjectName("gateCard")
    card.setMinimumWidth(460)
    card.setMaximumWidth(620)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(28, 24, 28, 24)
    layout.setSpacing(10)
    heading = QLabel(title)
    heading.setObjectName("gateTitle")
    heading.setWordWrap(True)
    layout.addWidget(heading)
    if hint:
        text = QLabel(hint)
        text.setObjectName("gateHint")
        text.setWordWrap(True)
        layout.addWidget(text)
    row.addWidget(card)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    return screen, layout


def _button(text: str, name: str, primary: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    if primary:
        button.setObjectName("primary")
        button.setDefault(True)
    return button


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("inlineError")
    label.setWordWrap(True)
    label.setAccessibleName("Problem")
    label.hide()
    return label


def _show_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class WelcomeScreen(QWidget):
    create_requested = Signal()
    open_requested = Signal(str)
    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        screen, card = _card(
            "Welcome to Steward",
            "Steward keeps your charity's groups — forums, chats and mailing lists — in one "
            "encrypted workspace on this computer, so you can moderate, safeguard and welcome "
            "people even when you are offline.",
        )
        QVBoxLayout(self).addWidget(screen)
        self.create_button = _button("Create a workspace", "Create a workspace", primary=True)
        self.create_button.clicked.connect(self.create_requested)
        self.open_button = _button("Open a workspace…", "Open a workspace folder")
        self.open_button.clicked.connect(self._pick_folder)
        self.demo_button = _button("Try the demo", "Try the demo workspace")
        self.demo_button.clicked.connect(self.demo_requested)
        for button in (self.create_button, self.open_button, self.demo_button):
            button.setMinimumHeight(38)
            card.addWidget(button)
        self.error = _error_label()
        card.addWidget(self.error)

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a Steward workspace folder")
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str) -> None:
        """Check the folder is a workspace (one clear line if not), then ask to unlock it."""
        try:
            read_meta(Path(folder))
        except StewardError as err:
            _show_error(self.error, str(err))
            return
        _show_error(self.error, "")
        self.open_requested.emit(folder)


class CreateScreen(QWidget):
    created = Signal(object, str)  # the unlocked workspace, its recovery key
    back = Signal()

    def __init__(self, default_folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        screen, card = _card(
            "Create a workspace",
            "Everything is encrypted with keys that only your passphrase (or the recovery key "
            "you will see next) can open. You become its admin and can add people later.",
        )
        QVBoxLayout(self).addWidget(screen)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setAccessibleName("Workspace name")
        self.name.setPlaceholderText("e.g. Riverside Young Carers")
        self.first_field = self.name  # typing the charity's name must not overwrite the folder
        form.addRow("Name", self.name)
        folder_row = QHBoxLayout()
        self.folder = QLineEdit(str(default_folder))
        self.folder.setAccessibleName("Workspace folder")
        browse = _button("Choose…", "Choose the workspace folder")
        browse.clicked.connect(self._choose_folder)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        form.addRow("Folder", folder_row)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Admin passphrase")
        self.passphrase.textChanged.connect(self._update_strength)
        form.addRow("Admin passphrase", self.passphrase)
        self.strength = QLabel()
        self.strength.setObjectName("strength")
        self.strength.setAccessibleName("Passphrase strength")
        form.addRow("", self.strength)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setAccessibleName("Admin passphrase again")
        form.addRow("The same again", self.repeat)
        card.addLayout(form)
        self.error = _error_label()
        card.addWidget(self.error)
        buttons = QHBoxLayout()
        self.back_button = _button("Back", "Back to the welcome screen")
        self.back_button.clicked.connect(self.back)
        self.create_button = _button("Create", "Create the workspace", primary=True)
        self.create_button.clicked.connect(self.submit)
        self.repeat.returnPressed.connect(self.submit)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        card.addLayout(buttons)
        self._update_strength("")

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Where should the workspace live?")
        if folder:
            self.folder.setText(str(Path(folder) / "Steward workspace"))

    def _update_strength(self, text: str) -> None:
        hint, tone = passphrase_strength(text)
        self.strength.setText(hint if text else f"At least {MIN_PASSPHRASE} characters; "
                              "a few unrelated words work well")
        self.strength.setProperty("tone", tone if text else "")
        self.strength.style().unpolish(self.strength)
        self.strength.style().polish(self.strength)

    def submit(self) -> None:
        name = self.name.text().strip()
        folder = self.folder.text().strip()
        passphrase = self.passphrase.text()
        problem = ""
        if not name:
            problem = "Give the workspace a name (your charity or group)."
        elif not folder:
            problem = "Choose a folder for the workspace."
        elif len(passphrase) < MIN_PASSPHRASE:
            problem = f"The passphrase needs at least {MIN_PASSPHRASE} characters."
        elif passphrase != self.repeat.text():
            problem = "The two passphrases differ."
        _show_error(self.error, problem)
        if problem:
            return
        self.create_button.setEnabled(False)
        self.create_button.setText("Creating…")
        worker = workers.start_query(lambda: Workspace.create(Path(folder), name, passphrase))
        worker.finished.connect(self._created)
        worker.failed.connect(self._failed)

    def _created(self, result: tuple[Workspace, str]) -> None:
        self.create_button.setEnabled(True)
        self.create_button.setText("Create")
        self.passphrase.clear()
        self.repeat.clear()
        self.created.emit(*result)

    def _failed(self, message: str) -> None:
        self.create_button.setEnabled(True)
        self.create_button.setText("Create")
        _show_error(self.error, message)


def key_lines(key: str, per_line: int = 4) -> str:
    """The recovery key on lines of `per_line` groups: a key has no spaces, so the label cannot
    wrap it and a narrow window would cut the last groups off. Typing it back ignores breaks."""
    groups = key.split("-")
    return "\n".join("-".join(groups[i:i + per_line]) for i in range(0, len(groups), per_line))


class RecoveryKeyScreen(QWidget):
    """Shows the recovery key once; the person confirms they stored it before going on."""

    done = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        screen, card = _card(
            "Your recovery key",
            "If every passphrase is forgotten, this key is the only way back into the "
            "workspace. Steward will not show it again. Print it or save it as a PDF, and keep "
            "it somewhere safe away from this computer.",
        )
        QVBoxLayout(self).addWidget(screen)
        self.key = QLabel()
        self.key.setObjectName("recoveryKey")
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setWordWrap(True)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setAccessibleName("Recovery key")
        card.addWidget(self.key)
        actions = QHBoxLayout()
        self.print_button = _button("Print…", "Print the recovery key")
        self.print_button.clicked.connect(self._print)
        self.pdf_button = _button("Save as PDF…", "Save the recovery key as a PDF")
        self.pdf_button.clicked.connect(self._save_pdf)
        actions.addWidget(self.print_button)
        actions.addWidget(self.pdf_button)
        actions.addStretch(1)
        card.addLayout(actions)
        self.stored = QCheckBox("I have stored the recovery key somewhere safe")
        self.stored.setAccessibleName("I have stored the recovery key")
        card.addWidget(self.stored)
        self.continue_button = _button("Continue", "Continue to the workspace", primary=True)
        self.continue_button.setEnabled(False)
        self.stored.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self._finish)
        card.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignRight)
        self.status = QLabel()
        self.status.setObjectName("gateHint")
        self.status.setWordWrap(True)
        card.addWidget(self.status)
        self.workspace_name = ""

    def show_key(self, key: str, workspace_name: str) -> None:
        self.key.setText(key_lines(key))
        self.workspace_name = workspace_name
        self.stored.setChecked(False)
        self.status.clear()

    def document(self) -> QTextDocument:
        """The printable sheet: the workspace's name, the key, and what it is for."""
        doc = QTextDocument()
        doc.setDefaultFont(QFont("DejaVu Sans", 12))
        from html import escape

        doc.setHtml(
            f"<h2>Steward recovery key</h2><p>Workspace: <b>{escape(self.workspace_name)}</b></p>"
            f"<p style='font-family:monospace; font-size:20pt'><b>{escape(self.key.text())}</b>"
            "</p><p>This key opens the workspace if every passphrase is forgotten. Keep it "
            "somewhere safe, away from the computer.</p>"
        )
        return doc

    def save_pdf(self, path: str) -> None:
        writer = QPdfWriter(path)
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setTitle("Steward recovery key")
        self.document().print_(writer)
        self.status.setText(f"Saved to {path}")

    def _save_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the recovery key as a PDF",
                                              "steward-recovery-key.pdf", "PDF (*.pdf)")
        if path:
            self.save_pdf(path)

    def _print(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        if dialog.exec():
            self.document().print_(printer)
            self.status.setText("Sent to the printer")

    def _finish(self) -> None:
        self.key.clear()  # not kept on screen once stored
        self.done.emit()


class UnlockScreen(QWidget):
    unlocked = Signal(object)  # the unlocked Workspace
    open_other = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.path: Path | None = None
        screen, card = _card(translate("Unlock", "Unlock"))
        self.title = card.itemAt(0).widget()
        QVBoxLayout(self).addWidget(screen)
        self.where = QLabel()
        self.where.setObjectName("gateHint")
        self.where.setWordWrap(True)
        card.addWidget(self.where)
        form = QFormLayout()
        self.profile = QComboBox()
        self.profile.setAccessibleName(translate("Unlock", "Profile"))
        self.profile.currentIndexChanged.connect(self._profile_changed)
        form.addRow(translate("Unlock", "Profile"), self.profile)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(translate("Unlock", "Passphrase"))
        self.passphrase.returnPressed.connect(self.submit)
        form.addRow(translate("Unlock", "Passphrase"), self.passphrase)
        card.addLayout(form)
        self.remember = QCheckBox(translate("Unlock", "Remember on this computer"))
        self.remember.setAccessibleName(self.remember.text())
        card.addWidget(self.remember)
        self.keyring_line = QLabel()
        self.keyring_line.setObjectName("gateHint")
        self.keyring_line.setWordWrap(True)
        card.addWidget(self.keyring_line)
        self.demo_hint = QLabel()
        self.demo_hint.setObjectName("gateHint")
        self.demo_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo_hint.hide()
        card.addWidget(self.demo_hint)
        self.error = _error_label()
        card.addWidget(self.error)
        buttons = QHBoxLayout()
        self.other_button = _button(translate("Unlock", "Open another…"),
                                    translate("Unlock", "Open another workspace"))
        self.other_button.clicked.connect(self.open_other)
        self.unlock_button = _button(translate("Unlock", "Unlock"), translate("Unlock", "Unlock"),
                                     primary=True)
        self.unlock_button.clicked.connect(self.submit)
        buttons.addWidget(self.other_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        card.addLayout(buttons)
        self.profiles = []
        self._keyring_answered = False

    def set_workspace(self, path: Path, profile: str | None = None,
                      demo_passphrase: str | None = None) -> None:
        """Show the unlock form for the workspace at `path`, with `profile` preselected."""
        self.path = Path(path)
        meta = read_meta(self.path)
        self.title.setText(translate("Unlock", "Unlock {name}").format(
            name=meta.get("name") or translate("Unlock", "the workspace")))
        self.where.setText(str(self.path))
        self.profiles = list_profiles(self.path, ask_keyring=False)
        self._keyring_answered = False
        self.profile.blockSignals(True)
        self.profile.clear()
        for p in self.profiles:
            self.profile.addItem(f"{p.name} ({translate('Roles', p.role)})", p.name)
        names = [p.name for p in self.profiles]
        self.profile.setCurrentIndex(names.index(profile) if profile in names else 0)
        self.profile.blockSignals(False)
        # Finding the system keyring loads its backends (a quarter of a second the first
        # time): off the UI thread; "Remember" and the remembered profiles wait for the answer.
        self.remember.setEnabled(False)
        self.keyring_line.setVisible(False)
        folder = self.path
        workers.start_query(lambda: _ask_keyring(folder)).finished.connect(self._show_keyring)
        if demo_passphrase:
            self.demo_hint.setText(translate(
                "Unlock", "Demo workspace — every profile's passphrase is {passphrase}")
                .format(passphrase=demo_passphrase))
        self.demo_hint.setVisible(bool(demo_passphrase))
        _show_error(self.error, "")
        self._profile_changed()
        self.passphrase.setFocus()

    def _show_keyring(self, found: tuple[Path, bool, str, list]) -> None:
        path, usable, reason, profiles = found
        if not shiboken6.isValid(self.remember) or path != self.path:
            return  # the screen is gone, or shows another workspace by now
        self.profiles = profiles
        self._keyring_answered = True
        self.remember.setEnabled(usable)
        self.keyring_line.setText("" if usable else translate(
            "Unlock", "Remembering is off: {reason}.").format(reason=reason))
        self.keyring_line.setVisible(not usable)
        self._show_remembered()

    def _profile_changed(self, *_args) -> None:
        self.passphrase.clear()
        self._show_remembered()
        _show_error(self.error, "")

    def _show_remembered(self) -> None:
        chosen = self.selected_profile()
        remembered = bool(chosen and chosen.remembered)
        self.passphrase.setPlaceholderText(
            translate("Unlock", "Remembered on this computer: just press Unlock")
            if remembered else "")
        self.remember.setChecked(remembered)

    def selected_profile(self):
        index = self.profile.currentIndex()
        return self.profiles[index] if 0 <= index < len(self.profiles) else None

    def submit(self) -> None:
        chosen = self.selected_profile()
        if self.path is None or chosen is None:
            return
        passphrase = self.passphrase.text() or None
        # With no usable keyring it keeps nothing; before the keyring has answered, whatever
        # is remembered stays as it is.
        remember = self.remember.isChecked() if self._keyring_answered else None
        path = self.path
        self.unlock_button.setEnabled(False)
        self.unlock_button.setText(translate("Unlock", "Unlocking…"))
        worker = workers.start_query(lambda: _unlock(path, chosen.name, passphrase, remember))
        worker.finished.connect(self._unlocked)
        worker.failed.connect(lambda message: self._failed(worker.details, message))

    def _reset_button(self) -> None:
        self.unlock_button.setEnabled(True)
        self.unlock_button.setText(translate("Unlock", "Unlock"))

    def _unlocked(self, ws: Workspace) -> None:
        self._reset_button()
        self.passphrase.clear()
        self.unlocked.emit(ws)

    def _failed(self, details: str, message: str) -> None:
        self._reset_button()
        if WrongPassphrase.__name__ in details:
            message = translate("Unlock", "That passphrase is not right for this profile. "
                                          "Try again.")
        elif PassphraseNeeded.__name__ in details:
            message = translate("Unlock", "Enter the passphrase: nothing is remembered for "
                                          "this profile here.")
        _show_error(self.error, message)
        self.passphrase.selectAll()
        self.passphrase.setFocus()


def _ask_keyring(path: Path) -> tuple[Path, bool, str, list]:
    """In a worker: whether the system keyring is usable, and the profiles with which of them
    are remembered on this computer."""
    usable, reason = keychain.status()
    return path, usable, reason, list_profiles(path)


def _unlock(path: Path, profile: str, passphrase: str | None,
            remember: bool | None) -> Workspace:
    """Unlock (in a worker thread: key derivation takes a moment); unticking "remember" with a
    passphrase forgets any key cached for this profile (None: leave it as it is)."""
    ws = Workspace.unlock(path, profile, passphrase, remember=bool(remember))
    if passphrase is not None and remember is False:
        ws.forget_on_this_computer()
    return ws


class ProgressScreen(QWidget):
    """Shows long preparation (the demo community) with progress and a Cancel button."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        screen, card = _card("Preparing the demo",
                             "Steward is writing a made-up community — five groups on five "
                             "platforms — into a fresh encrypted workspace.")
        QVBoxLayout(self).addWidget(screen)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress")
        card.addWidget(self.bar)
        self.text = QLabel()
        self.text.setObjectName("gateHint")
        card.addWidget(self.text)
        self.error = _error_label()
        card.addWidget(self.error)
        self.cancel_button = _button("Cancel", "Cancel preparing the demo")
        self.cancel_button.clicked.connect(self.cancel_requested)
        card.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignRight)

    def show_progress(self, done: int, total: int, text: str) -> None:
        self.bar.setRange(0, total if total > 0 else 0)
        if total > 0:
            self.bar.setValue(min(done, total))
        self.text.setText(text)


class Gate(QStackedWidget):
    """The window shown while no workspace is unlocked."""

    def __init__(self, default_folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        install_keyboard_rules()
        self.setWindowTitle("Steward")
        self.setAccessibleName("Steward")
        self.resize(1200, 780)
        self.welcome = WelcomeScreen()
        self.create = CreateScreen(default_folder)
        self.recovery = RecoveryKeyScreen()
        self.unlock = UnlockScreen()
        self.progress = ProgressScreen()
        for screen in (self.welcome, self.create, self.recovery, self.unlock, self.progress):
            self.addWidget(screen)
        self.welcome.create_requested.connect(lambda: self.show_screen(self.create))
        self.create.back.connect(lambda: self.show_screen(self.welcome))

    def show_screen(self, screen: QWidget) -> None:
        self.setCurrentWidget(screen)
        first = getattr(screen, "first_field", None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            screen.focusNextChild()
