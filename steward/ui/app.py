"""Start the desktop app: `steward`, `steward --demo`, `steward --self-test`.

`StewardApp` moves between the gate (welcome, create, unlock) and the main window: unlocking
opens a `MainWindow`; locking destroys it (keys dropped) and shows the unlock screen, and the
next unlock returns to the page that was open.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from steward.jobs import CancelToken, Job, Progress
from steward.ui import i18n, look, workers
from steward.ui.gate import Gate
from steward.ui.main_window import MainWindow, load_libraries
from steward.ui.widgets import install_keyboard_rules
from steward.workspace import META_FILE, Workspace

log = logging.getLogger(__name__)

DEMO_MEMBERS = 2000
DEMO_MESSAGES = 50_000


def qt_app() -> QApplication:
    """The one QApplication, set up for high-DPI screens and Steward's palette-driven look."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication([sys.argv[0] if sys.argv else "steward"])
        app.setApplicationName("Steward")
        app.setApplicationDisplayName("Steward")
        app.setStyle("Fusion")  # draws with the OS palette, light or dark
        i18n.install(app)  # the system locale's language, or the one chosen in Settings
        # The look is written in palette roles, so it follows the OS palette (light or dark)
        # that Qt takes from the platform theme; each widget gets only the rules naming it.
        look.install()
        install_keyboard_rules()
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: look.refresh())
    return app


def demo_job(path: Path, members: int = DEMO_MEMBERS, messages: int = DEMO_MESSAGES,
             seed: int = 7) -> Callable[[CancelToken], Job[Path]]:
    """A job that creates a fresh demo workspace at `path` (every profile's passphrase is
    `steward-demo`) and scans it as an import would be; a cancelled or failed run removes the
    half-made folder."""

    from steward import demo  # only when a demo is asked for: it is not needed to start

    def job(token: CancelToken) -> Job[Path]:
        yield Progress(0, messages, "Creating the encrypted workspace")
        ws, _recovery = Workspace.create(path, "Riverside Young Carers Network",
                                         demo.DEMO_PASSPHRASE)
        try:
            for name, role in demo.DEMO_PROFILES:
                token.check()
                ws.add_profile(name, role, demo.DEMO_PASSPHRASE)
            yield from demo.generate(ws, members=members, messages=messages, seed=seed,
                                     token=token)
            scan = _scan_job()
            if scan is not None:  # as after any import: the queue and flags are filled in
                yield from scan(ws, token)
        except BaseException:
            ws.lock()
            shutil.rmtree(path, ignore_errors=True)
            raise
        ws.lock()
        return path

    return job


def _scan_job():
    """The moderation and safeguarding scan, when this build has it."""
    try:
        from steward.moderation.scan import scan_job
    except ModuleNotFoundError:
        return None
    return scan_job


class StewardApp(QObject):
    """The whole app: the gate window while locked, the main window while unlocked."""

    def __init__(self, workspace: Path, profile: str | None = None,
                 demo_size: tuple[int, int] = (DEMO_MEMBERS, DEMO_MESSAGES)):
        super().__init__()
        self.demo_size = demo_size
        self.path = Path(workspace)
        self.profile = profile
        self.window: MainWindow | None = None
        self.resume_page = ""
        self.demo_passphrase: str | None = None
        self._demo_dir: str | None = None
        self._demo_worker: workers.Worker | None = None
        self.gate = Gate(self.path)
        self.gate.welcome.open_requested.connect(lambda folder: self.show_unlock(Path(folder)))
        self.gate.welcome.demo_requested.connect(self.start_demo)
        self.gate.create.created.connect(self._created)
        self.gate.recovery.done.connect(self._recovery_stored)
        self.gate.unlock.unlocked.connect(self.open_main)
        self.gate.unlock.open_other.connect(lambda: self.gate.show_screen(self.gate.welcome))
        self.gate.progress.cancel_requested.connect(self._cancel_demo)
        self._created_ws: Workspace | None = None

    def start(self, demo_mode: bool = False) -> None:
        if demo_mode:
            self.start_demo()
        elif (self.path / META_FILE).exists():
            self.show_unlock(self.path, self.profile)
        else:
            self.gate.show_screen(self.gate.welcome)
        self.gate.show()
        # Import the page modules and the libraries their work uses while the person types
        # their passphrase.
        workers.start_query(load_libraries)

    # --- gate --------------------------------------------------------------------------------

    def show_unlock(self, path: Path, profile: str | None = None) -> None:
        self.path = path
        self.gate.unlock.set_workspace(path, profile, self.demo_passphrase)
        self.gate.show_screen(self.gate.unlock)
        self.gate.unlock.passphrase.setFocus()

    def start_demo(self) -> None:
        """Generate a fresh demo workspace in a temporary folder, with progress."""
        self._demo_dir = tempfile.mkdtemp(prefix="steward-demo-")
        target = Path(self._demo_dir) / "workspace"
        self.gate.progress.error.hide()
        self.gate.progress.show_progress(0, 0, "Starting")
        self.gate.show_screen(self.gate.progress)
        worker = workers.start_job(demo_job(target, *self.demo_size))
        worker.progress.connect(self.gate.progress.show_progress)
        worker.finished.connect(self._demo_ready)
        worker.failed.connect(self._demo_failed)
        worker.cancelled.connect(lambda: self.gate.show_screen(self.gate.welcome))
        self._demo_worker = worker

    def _cancel_demo(self) -> None:
        if self._demo_worker is not None:
            self._demo_worker.cancel()

    def _demo_ready(self, path: Path) -> None:
        from steward import demo

        self._demo_worker = None
        self.demo_passphrase = demo.DEMO_PASSPHRASE
        self.show_unlock(path, "admin")

    def _demo_failed(self, message: str) -> None:
        self._demo_worker = None
        self.gate.progress.error.setText(f"The demo could not be prepared: {message}")
        self.gate.progress.error.show()

    def _created(self, ws: Workspace, recovery_key: str) -> None:
        self._created_ws = ws
        self.path = ws.path
        self.gate.recovery.show_key(recovery_key, ws.name)
        self.gate.show_screen(self.gate.recovery)

    def _recovery_stored(self) -> None:
        ws, self._created_ws = self._created_ws, None
        if ws is not None:
            self.open_main(ws)

    # --- main window -------------------------------------------------------------------------

    def open_main(self, ws: Workspace) -> None:
        self.profile = ws.profile.name
        self.window = MainWindow(ws, scan_on_open=True)
        self.window.locked.connect(self._locked)
        if self.resume_page in self.window.page_keys():
            self.window.open_page(self.resume_page)
        self.window.setGeometry(self.gate.geometry())
        self.window.show()
        self.gate.hide()

    def _locked(self, page: str) -> None:
        self.resume_page = page
        window, self.window = self.window, None
        if window is not None:
            self.gate.setGeometry(window.geometry())
            window.deleteLater()
        self.show_unlock(self.path, self.profile)
        self.gate.show()

    def lock(self) -> None:
        if self.window is not None:
            self.window.lock()

    def shutdown(self) -> None:
        """On quit: stop background work, drop the keys, remove a demo's temporary folder."""
        workers.cancel_all()
        workers.wait_for_all(10_000)
        if self.window is not None:
            self.window.shutdown()
            with contextlib.suppress(Exception):
                self.window.ws.lock()
        if self._created_ws is not None:
            self._created_ws.lock()
        if self._demo_dir:
            shutil.rmtree(self._demo_dir, ignore_errors=True)


def run(args) -> int:
    """Entry point for `steward [--workspace DIR] [--demo]`."""
    from steward.placement import workspace_location

    app = qt_app()
    folder = workspace_location(getattr(args, "workspace", None))
    steward = StewardApp(folder, getattr(args, "profile", None))
    app.aboutToQuit.connect(steward.shutdown)
    _quit_on_signals(app)
    steward.start(demo_mode=bool(getattr(args, "demo", False)))
    return app.exec()


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl+C or a terminate signal quits cleanly (keys dropped, a demo's folder removed)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    wake = QTimer(app)  # Python handles signals only when it runs: look in now and then
    wake.timeout.connect(lambda: None)
    wake.start(250)
