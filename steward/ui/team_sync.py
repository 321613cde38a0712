"""Background team sync for the main window (issue 19): when this workspace is part of a team
and the server password is remembered (OS keyring or STEWARD_SERVER_PASSWORD), sync every few
minutes off the UI thread, with its progress in the status bar like any background job, and
the last sync time in a permanent status-bar label. A sync that cannot reach the server says
so in that label (offline is normal) instead of raising a notification every few minutes."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from steward.ui import workers

SYNC_MINUTES_SETTING = "team.sync_minutes"  # a laptop's own setting (never sent to the team)
DEFAULT_SYNC_MINUTES = 5.0


def _short(at: str | None) -> str:
    """'2026-12-02 04:10:31.5' → '04:10' (today's syncs are what people look at)."""
    if not at:
        return "not yet"
    text = str(at).replace("T", " ")
    return text[11:16] if len(text) >= 16 else text


class TeamSyncer(QObject):
    """Owns the status-bar label and the timer; `sync_now()` starts a sync if none runs."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.ws = window.ws
        self.worker: workers.Worker | None = None
        self.label = QLabel(window)
        self.label.setAccessibleName("Team sync")
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.sync_now)
        block = self.ws.team_block()
        if not block:
            self.label.hide()
            return
        self.server = block["server"]
        window.statusBar().addPermanentWidget(self.label)
        self.label.setText("Team: …")
        self.refresh()
        minutes = float(self.ws.get_setting(SYNC_MINUTES_SETTING, DEFAULT_SYNC_MINUTES) or 0)
        if minutes > 0:
            self.timer.start(int(minutes * 60_000))
            QTimer.singleShot(2_000, self.sync_now)

    def refresh(self) -> None:
        """Read this laptop's team status in the background and show it in the label."""
        self.window.run_query(self._local_status, self._show_status, self._status_failed)

    def _status_failed(self, message: str) -> None:
        self.label.setText(f"Team: status not read ({message[:80]})")

    def _local_status(self) -> dict:
        from steward.team import sync as team

        return team.local_status(self.ws)

    def _show_status(self, status: dict) -> None:
        if status.get("team") is None:
            return
        line = f"Team: last sync {_short(status.get('last_sync'))}"
        if status.get("unpushed"):
            line += f", {status['unpushed']} to send"
        if status.get("waiting_for_keys") is not None:
            line += ", waiting for the team's new keys"
        self.label.setText(line)
        self.label.setToolTip(f"Team server {self.server}; last sync "
                              f"{status.get('last_sync') or 'never'}")

    def sync_now(self) -> workers.Worker | None:
        """Start a background sync (None when one is running, the window is locked, or the
        server password is not remembered: Settings → Team syncs with a typed one)."""
        from steward.team import sync as team

        if self.window.is_locked or self.worker is not None or not self.ws.team_block():
            return None
        password = team.remembered_password(self.server)
        if password is None:
            self.label.setText("Team: sync from Settings (the server password is not "
                               "remembered)")
            return None
        ws = self.ws
        worker = workers.start_job(lambda token: team.sync(ws, password, token))
        worker.label = "Team sync"
        self.worker = worker
        window = self.window
        window._jobs.append(worker)
        worker.progress.connect(lambda done, total, step: window._job_progress(worker, done,
                                                                               total, step))
        worker.finished.connect(self._synced)
        worker.failed.connect(self._failed)
        worker.done.connect(lambda: self._done(worker))
        window._show_job(worker, 0, 0, "")
        return worker

    def _synced(self, result) -> None:
        if self.window.is_locked:
            return
        self.refresh()
        for line in (*result.conflicts, *result.refused):
            self.window.notify(f"Team sync: {line}")
        if getattr(result, "waiting_for_keys", None) is not None:
            self.window.notify("Team sync: this laptop missed a change of the team keys and "
                               "asked for the new ones; it carries on once an admin's or "
                               "lead's laptop has synced")
        if result.applied:
            self.window.refresh_all()

    def _failed(self, message: str) -> None:
        if not self.window.is_locked:
            self.label.setText(f"Team: not synced ({message[:80]})")

    def _done(self, worker) -> None:
        self.worker = None
        self.window._job_done(worker)

    def stop(self) -> None:
        self.timer.stop()
