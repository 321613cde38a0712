"""The main window: a sidebar of the pages this profile may see, the pages, background work in
the status bar, and a notification area. It is the `AppContext` every page receives."""

from __future__ import annotations

import importlib
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from steward import jobs, keychain, workspace
from steward.placement import placement_warning
from steward.ui import registry, workers
from steward.ui.i18n import translate
from steward.ui.pages import load_pages, page_modules
from steward.ui.pages.engagement_charts import load_pyqtgraph
from steward.ui.registry import AUTO_LOCK_SETTING, DEFAULT_AUTO_LOCK_MINUTES, LOCK_SHORTCUT
from steward.ui.widgets import install_keyboard_rules, seconds_since_input

log = logging.getLogger(__name__)

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
# Seconds without input, and with no background work, after which the garbage a job left frozen
# is collected (`steward.jobs.keep_heap_frozen`): a full pass pauses the window for 100-200 ms,
# which nobody sees when nobody is using it.
COLLECT_WHEN_IDLE_FOR = 10.0


def load_libraries() -> None:
    """Import, off the UI thread, what the pages' work would otherwise load on first use
    beside a page being built (importing holds the GIL, and the window waited on it): the
    page modules with their areas' core, SQLAlchemy and NumPy (the window itself needs only the
    first page's), pyqtgraph for Engagement (about a second; it paused the window 150-250 ms on the
    2M-message demo), keyring with its backends and the team module for Settings (81 and
    11 modules), and the data model's mappings, which the first query of any page set up.
    The unlock screen calls this while the passphrase is typed, a window opened without it
    (`--demo`, tests) as soon as it shows."""
    load_pages()
    load_pyqtgraph()
    keychain.status()
    importlib.import_module("steward.team.sync")
    workspace.prepare_data_model()


def libraries_loaded() -> bool:
    return all(name in sys.modules for name in ("pyqtgraph", "keyring", "steward.team.sync",
                                                *page_modules()))


class _Notice(QFrame):
    """One message in the notification area, with its details on demand."""

    def __init__(self, text: str, details: str, error: bool, area: NotificationArea):
        super().__init__(area)
        self.text = text
        self.setObjectName("noticeError" if error else "notice")
        self.setAccessibleName(("Problem: " if error else "Notice: ") + text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        row = QHBoxLayout()
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(label, 1)
        self.details_box: QPlainTextEdit | None = None
        if details:
            self.details_box = QPlainTextEdit(details)
            self.details_box.setReadOnly(True)
            self.details_box.setAccessibleName("Details")
            self.details_box.setMaximumHeight(160)
            self.details_box.hide()
            toggle = QPushButton(translate("Window", "Details"))
            toggle.setAccessibleName("Show details")
            toggle.setCheckable(True)
            toggle.toggled.connect(self.details_box.setVisible)
            row.addWidget(toggle)
        dismiss = QPushButton(translate("Window", "Dismiss"))
        dismiss.setAccessibleName("Dismiss notice")
        dismiss.clicked.connect(lambda: area.dismiss(self))
        row.addWidget(dismiss)
        layout.addLayout(row)
        if self.details_box is not None:
            layout.addWidget(self.details_box)


class NotificationArea(QWidget):
    """Non-blocking messages above the page: notices fade after a while, problems stay."""

    MAX_SHOWN = 3
    NOTICE_SECONDS = 10

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Notifications")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.history: list[tuple[str, bool]] = []  # (text, error), oldest first
        self.hide()

    def notify(self, text: str, details: str = "", error: bool = False) -> _Notice:
        self.history.append((text, error))
        notice = _Notice(text, details, error, self)
        self._layout.insertWidget(0, notice)
        shown = self.shown()
        for old in shown[self.MAX_SHOWN:]:
            self.dismiss(old)
        if not error:
            QTimer.singleShot(self.NOTICE_SECONDS * 1000, notice, lambda: self.dismiss(notice))
        self.show()
        return notice

    def shown(self) -> list[_Notice]:
        return [self._layout.itemAt(i).widget() for i in range(self._layout.count())]

    def dismiss(self, notice: _Notice) -> None:
        self._layout.removeWidget(notice)
        notice.deleteLater()
        if not self._layout.count():
            self.hide()


class MainWindow(QMainWindow):
    """The unlocked app. Emits `locked(page_key)` once the keys are dropped."""

    locked = Signal(str)

    def __init__(self, ws, parent: QWidget | None = None, scan_on_open: bool = False):
        super().__init__(parent)
        install_keyboard_rules()
        self.ws = ws
        # The app passes True: messages no scan has read yet (a workspace made or imported
        # from the command line) are checked in the background when the window opens.
        self.scan_on_open = scan_on_open
        self.is_locked = False
        self.page_errors: dict[str, str] = {}
        self._pages: dict[str, QWidget] = {}
        self._frames: dict[str, QScrollArea] = {}  # each page sits in its own scroll area
        self._jobs: list[workers.Worker] = []
        self._stale: set[str] = set()  # built pages to reload when next shown
        self._current: str | None = None  # the page opened last
        self.setWindowTitle(f"Steward — {ws.name}" if ws.name else "Steward")
        self.setAccessibleName("Steward")
        self.resize(1200, 780)
        self.specs = registry.pages_for(ws.profile)

        body = QWidget()
        outer = QHBoxLayout(body)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._build_sidebar())
        right = QWidget()
        right.setObjectName("content")
        column = QVBoxLayout(right)
        column.setContentsMargins(16, 12, 16, 8)
        self.notifications = NotificationArea()
        column.addWidget(self.notifications)
        self.stack = QStackedWidget()
        column.addWidget(self.stack, 1)
        outer.addWidget(right, 1)
        self.setCentralWidget(body)
        self._build_status_bar()
        from steward.ui.team_sync import TeamSyncer

        self.team_syncer = TeamSyncer(self)  # background team sync and its status-bar label
        self._build_shortcuts()

        self._opened_at = time.monotonic()
        self._idle_timer = QTimer(self)
        self._idle_timer.timeout.connect(self._check_idle)
        self._auto_lock_choices = 0  # how often set_auto_lock was called
        self.set_auto_lock(DEFAULT_AUTO_LOCK_MINUTES * 60)  # until the stored minutes are read
        chosen = self._auto_lock_choices
        self.run_query(lambda: ws.get_setting(AUTO_LOCK_SETTING, DEFAULT_AUTO_LOCK_MINUTES),
                       lambda minutes: self._stored_auto_lock(minutes, chosen))
        self._collect_timer = QTimer(self)
        self._collect_timer.timeout.connect(self._collect_when_idle)
        self._collect_timer.start(int(COLLECT_WHEN_IDLE_FOR * 1000) // 2)

        if self.specs:
            self.open_page(self.specs[0].key)
        placement = placement_warning(ws.path)
        if placement:
            self.notify(placement[:1].upper() + placement[1:] + ".", error=True)
        self._check_health_in_background()
        jobs.keep_heap_frozen()  # no full GC pass over the window's heap while it is in use
        if not libraries_loaded():  # the unlock screen has usually imported them
            workers.start_query(load_libraries)

    def _check_health_in_background(self) -> None:
        """A big workspace skipped the quick check at unlock: run it now, off the UI thread."""
        from steward.backup import health_problem

        ws = self.ws
        worker = workers.start_query(lambda: health_problem(ws))
        worker.finished.connect(lambda problem: problem and self.notify(problem, error=True))

    # --- building ----------------------------------------------------------------------------

    def _build_sidebar(self) -> QWidget:
        side = QFrame()
        side.setObjectName("sidebar")
        side.setFixedWidth(210)
        layout = QVBoxLayout(side)
        layout.setContentsMargins(8, 12, 8, 8)
        name = QLabel(self.ws.name or "Steward")
        name.setObjectName("workspaceName")
        name.setWordWrap(True)
        layout.addWidget(name)
        who = QLabel(f"{self.ws.profile.name} · {translate('Roles', self.ws.profile.role)}")
        who.setObjectName("profileLine")
        layout.addWidget(who)
        self._sidebar_model = QStandardItemModel(self)
        for n, spec in enumerate(self.specs, start=1):
            item = QStandardItem(translate("Pages", spec.title))
            item.setData(spec.key, KEY_ROLE)
            item.setEditable(False)
            if n <= 9:
                item.setToolTip(f"{item.text()} (Ctrl+{n})")
            self._sidebar_model.appendRow(item)
        self.sidebar = QListView()
        self.sidebar.setObjectName("sections")
        self.sidebar.setAccessibleName("Sections")
        self.sidebar.setModel(self._sidebar_model)
        self.sidebar.setFrameShape(QFrame.Shape.NoFrame)
        self.sidebar.selectionModel().currentChanged.connect(self._sidebar_changed)
        layout.addWidget(self.sidebar, 1)
        self.lock_button = QPushButton(translate("Window", "Lock"))
        self.lock_button.setAccessibleName(translate("Window", "Lock now"))
        self.lock_button.setToolTip(translate(
            "Window", "Hide everything and drop the keys ({shortcut})").format(
            shortcut=LOCK_SHORTCUT))
        self.lock_button.clicked.connect(self.lock)
        layout.addWidget(self.lock_button)
        return side

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.job_text = QLabel()
        self.job_text.setAccessibleName("Background work")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton(translate("Window", "Cancel"))
        self.cancel_button.setAccessibleName("Cancel background work")
        self.cancel_button.clicked.connect(self.cancel_jobs)
        for widget in (self.job_text, self.progress, self.cancel_button):
            widget.hide()
        bar.addWidget(self.job_text, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)

    def _build_shortcuts(self) -> None:
        lock = QShortcut(QKeySequence(LOCK_SHORTCUT), self)
        lock.setContext(Qt.ShortcutContext.ApplicationShortcut)
        lock.activated.connect(self.lock)
        refresh = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self)
        refresh.activated.connect(self.refresh_all)
        for n, spec in enumerate(self.specs[:9], start=1):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
            shortcut.activated.connect(lambda key=spec.key: self.open_page(key))

    # --- pages -------------------------------------------------------------------------------

    def page_keys(self) -> list[str]:
        return [spec.key for spec in self.specs]

    def page(self, key: str) -> QWidget:
        """The page widget for `key`, built on first use."""
        if key in self._pages:
            return self._pages[key]
        spec = next((s for s in self.specs if s.key == key), None)
        if spec is None:
            raise KeyError(f"no page {key!r} for profile {self.ws.profile.name}")
        try:
            widget = spec.factory(self)
        except Exception as exc:
            import traceback

            self.page_errors[key] = traceback.format_exc()
            log.warning("page %s could not be built: %s", key, type(exc).__name__)
            widget = QLabel(f"The {spec.title} page could not be opened: {workers.error_text(exc)}")
            widget.setWordWrap(True)
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
        widget.setObjectName(f"page:{key}")
        # A page wider or taller than a small laptop screen scrolls instead of growing the window.
        frame = QScrollArea()
        frame.setWidgetResizable(True)
        frame.setFrameShape(QFrame.Shape.NoFrame)
        frame.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        frame.setWidget(widget)
        self._pages[key] = widget
        self._frames[key] = frame
        self.stack.addWidget(frame)
        return widget

    def current_page_key(self) -> str | None:
        """The page on screen (or coming on screen in the next turn of the event loop)."""
        return self._current if self._current in self._frames else None

    def open_page(self, key: str, **kwargs: Any) -> None:
        first_visit = key not in self._pages
        if first_visit and self.isVisible():
            # Built in this turn, shown (laid out and painted) in the next, before the parts
            # the page builds later: two shorter stalls instead of one long one. Its queries
            # start once it has painted (`workers.hold_starts`).
            with workers.hold_starts() as held:
                widget = self.page(key)
            self._current = key
            workers.run_in_steps([lambda: self._show_current(key, held)], first=True)
        else:
            widget = self.page(key)
            self._current = key
            self._show_current(key)
        row = self.page_keys().index(key)
        index = self._sidebar_model.index(row, 0)
        if self.sidebar.currentIndex() != index:
            self.sidebar.selectionModel().blockSignals(True)
            self.sidebar.setCurrentIndex(index)
            self.sidebar.selectionModel().blockSignals(False)
        if key in self._stale:
            self._stale.discard(key)
            self._refresh(widget)
        if kwargs and hasattr(widget, "show_item"):
            widget.show_item(**kwargs)

    def _show_current(self, key: str, held: list[workers.Worker] | None = None) -> None:
        if key in self._frames:  # not locked meanwhile
            if key == self._current:  # not left meanwhile
                self.stack.setCurrentWidget(self._frames[key])
            if held:  # Qt paints before it fires a timer set now
                QTimer.singleShot(1, lambda: workers.start_held(held))

    def _sidebar_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.open_page(current.data(KEY_ROLE))

    def refresh_all(self) -> None:
        """The data changed (a scan, an import, a decision): reload the page on screen now;
        every other built page reloads, in the background, when it is next shown."""
        current = self.current_page_key()
        for key, widget in list(self._pages.items()):
            if key == current:
                self._refresh(widget)
            else:
                self._stale.add(key)

    def stale_pages(self) -> set[str]:
        """The built pages that will reload when next shown."""
        return set(self._stale)

    @staticmethod
    def _refresh(widget: QWidget) -> None:
        refresh = getattr(widget, "refresh", None)
        if callable(refresh):
            refresh()

    # --- background work ---------------------------------------------------------------------

    def run_job(self, job_factory: Callable, on_done: Callable[[Any], None] | None = None,
                text: str = "") -> workers.Worker:
        worker = workers.start_job(job_factory)
        worker.label = text or "Working"
        self._jobs.append(worker)
        worker.progress.connect(lambda done, total, step: self._job_progress(worker, done, total,
                                                                             step))
        worker.finished.connect(lambda result: self._deliver(on_done, result))
        worker.failed.connect(
            lambda message: self.notify(f"{worker.label} failed: {message}", worker.details,
                                        error=True))
        worker.cancelled.connect(lambda: self.notify(f"{worker.label}: cancelled"))
        worker.done.connect(lambda: self._job_done(worker))
        self._show_job(worker, 0, 0, "")
        return worker

    def run_query(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
                  on_failed: Callable[[str], None] | None = None) -> workers.Worker:
        worker = workers.start_query(fn)
        worker.finished.connect(lambda result: self._deliver(on_done, result))
        if on_failed is not None:
            worker.failed.connect(lambda message: self._deliver(on_failed, message))
        else:
            worker.failed.connect(lambda message: self.notify(
                f"Could not load: {message}", worker.details, error=True))
        return worker

    def _deliver(self, on_done: Callable[[Any], None] | None, result: Any) -> None:
        if on_done is None or self.is_locked:
            return  # a result that arrives after the lock is dropped with the pages
        try:
            on_done(result)
        except Exception as exc:
            import traceback

            self.notify(f"Could not show the result: {workers.error_text(exc)}",
                        traceback.format_exc(), error=True)

    def _show_job(self, worker: workers.Worker, done: int, total: int, step: str) -> None:
        others = len(self._jobs) - 1
        suffix = f" (+{others} more)" if others > 0 else ""
        self.job_text.setText(f"{worker.label}{': ' + step if step else ''}{suffix}")
        self.progress.setRange(0, total if total > 0 else 0)
        if total > 0:
            # QProgressBar.setValue repaints at once, and a repaint at once paints everything
            # waiting to be painted in the window (a page just built, a table just filled) in
            # this turn of the event loop; with updates off for the call it is painted with the
            # rest, when the event loop gets to it.
            self.progress.setUpdatesEnabled(False)
            self.progress.setValue(min(done, total))
            self.progress.setUpdatesEnabled(True)
        for widget in (self.job_text, self.progress, self.cancel_button):
            widget.show()

    def _job_progress(self, worker: workers.Worker, done: int, total: int, step: str) -> None:
        if not self.is_locked and self._jobs and worker is self._jobs[-1]:
            self._show_job(worker, done, total, step)

    def _job_done(self, worker: workers.Worker) -> None:
        if worker in self._jobs:
            self._jobs.remove(worker)
        if self.is_locked:
            return  # the window is going away with its widgets
        if self._jobs:
            self._show_job(self._jobs[-1], 0, 0, "")
        else:
            for widget in (self.job_text, self.progress, self.cancel_button):
                widget.hide()

    def cancel_jobs(self) -> None:
        """Ask every running job to stop at its next checkpoint."""
        for worker in self._jobs:
            worker.cancel()
        if self._jobs:
            self.job_text.setText("Cancelling…")

    def notify(self, text: str, details: str = "", error: bool = False) -> None:
        if not self.is_locked:  # after a lock nobody is there to read it
            self.notifications.notify(text, details, error)

    # --- security ----------------------------------------------------------------------------

    def set_auto_lock(self, seconds: float) -> None:
        """Lock after this many idle seconds (0 turns auto-lock off)."""
        self._auto_lock_choices += 1
        self.auto_lock_seconds = seconds
        if seconds > 0:
            self._idle_timer.start(int(max(50, min(seconds * 250, 5000))))
        else:
            self._idle_timer.stop()

    def _stored_auto_lock(self, minutes, chosen: int) -> None:
        if self._auto_lock_choices == chosen:  # nobody set it meanwhile
            self.set_auto_lock(float(minutes or 0) * 60)

    def _check_idle(self) -> None:
        idle = min(seconds_since_input(), time.monotonic() - self._opened_at)
        if self.auto_lock_seconds > 0 and idle >= self.auto_lock_seconds:
            self.lock()

    def _collect_when_idle(self) -> None:
        if (jobs.frozen_garbage_waiting() and not workers.active_workers()
                and seconds_since_input() >= COLLECT_WHEN_IDLE_FOR):
            jobs.collect_frozen()

    def lock(self) -> None:
        """Hide everything at once, destroy the pages, drop the keys; emit `locked(page)`."""
        if self.is_locked:
            return
        page = self.current_page_key() or ""
        self.is_locked = True
        self.hide()
        self._teardown()
        self.ws.lock(wait=False)  # the volunteer store is rebuilt off the UI thread
        log.info("locked")
        self.locked.emit(page)

    def _teardown(self) -> None:
        self.team_syncer.stop()
        self._idle_timer.stop()
        self._collect_timer.stop()
        self.cancel_jobs()
        for frame in self._frames.values():
            self.stack.removeWidget(frame)
            frame.deleteLater()
        self._pages.clear()
        self._frames.clear()

    def shutdown(self) -> None:
        """Stop background work and let go of the pages (closing without locking)."""
        if not self.is_locked:
            self.is_locked = True
            self._teardown()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)
