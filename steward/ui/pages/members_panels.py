"""The Members page's parts: the person panel (with its activity sparkline), the side-by-side
merge panel for a duplicate pair, and the safe export dialog."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from steward import permissions
from steward.hygiene import consent, export, matching, merge, people
from steward.ui.table_model import format_ago, format_day
from steward.ui.widgets import (
    platform_title,
    result_label,
    section_title,
    show_result,
)

if TYPE_CHECKING:
    from steward.ui.pages.members import MembersPage



class Sparkline(QWidget):
    """Weekly activity as a small line: oldest week on the left."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.values: list[int] = []
        self.setMinimumHeight(36)
        self.setAccessibleName("Activity by week")

    def set_values(self, values: list[int]) -> None:
        self.values = list(values)
        self.setToolTip(f"{sum(values)} messages in the last {len(values)} weeks")
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(200, 40)

    def paintEvent(self, _event) -> None:  # noqa: N802
        if len(self.values) < 2:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width() - 4, self.height() - 4
        top = max(self.values) or 1
        step = w / (len(self.values) - 1)
        line = QPolygonF([QPointF(2 + i * step, 2 + h - h * v / top)
                          for i, v in enumerate(self.values)])
        painter.setPen(QPen(QColor("#2b7a78"), 2))
        painter.drawPolyline(line)
        painter.end()


class PersonPanel(QScrollArea):
    """One person: identities, activity sparkline, consent ledger, notes, and actions."""

    def __init__(self, page: MembersPage):
        super().__init__()
        self.page = page
        self.person_id: int | None = None
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.name = QLabel("Choose a person")
        self.name.setObjectName("pageTitle")
        self.summary = QLabel("Pick someone in the list to see their accounts, activity, "
                              "consent and notes.")
        self.summary.setWordWrap(True)
        self.sparkline = Sparkline()
        self.identities = QLabel()
        self.identities.setWordWrap(True)
        self.identities.setTextFormat(Qt.TextFormat.PlainText)
        self.consent = QLabel()
        self.consent.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.note_input = QLineEdit()
        self.note_input.setPlaceholderText("Add a note (not for safeguarding concerns)")
        self.note_input.setAccessibleName("New note")
        self.note_input.returnPressed.connect(self.add_note)
        buttons = QGridLayout()
        self.given = QPushButton("Consent given")
        self.withdrawn = QPushButton("Consent withdrawn")
        self.forget = QPushButton("Forget this person…")
        self.given.clicked.connect(partial(self.record_consent, "given"))
        self.withdrawn.clicked.connect(partial(self.record_consent, "withdrawn"))
        self.forget.clicked.connect(self.forget_person)
        for n, b in enumerate((self.given, self.withdrawn, self.forget)):
            buttons.addWidget(b, n // 2, n % 2)
        manager = permissions.may_run(page.ctx.ws.profile.role, "consent")
        for b in (self.given, self.withdrawn, self.forget):
            b.setVisible(manager)
        self.result = result_label()
        for widget in (self.name, self.summary, self.sparkline, section_title("Accounts"),
                       self.identities, section_title("Consent"), self.consent,
                       section_title("Notes"), self.notes, self.note_input):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.setWidget(body)
        self.setEnabled(False)

    def show_person(self, person_id: int) -> None:
        self.person_id = person_id
        ws = self.page.ctx.ws
        self.page.ctx.run_query(lambda: people.person_detail(ws, person_id), self._fill)

    def _fill(self, d: people.PersonDetail) -> None:
        if d.id != self.person_id:
            return  # another person was chosen meanwhile
        self.setEnabled(True)
        self.name.setText(d.display_name)
        self.summary.setText(
            f"{d.messages:,} messages · last active "
            f"{format_ago(d.last_active) if d.last_active else 'never'}"
            + (f" · {d.programme}" if d.programme else "")
            + (f" · tags: {', '.join(d.tags)}" if d.tags else ""))
        self.sparkline.set_values(d.weekly_messages)
        self.identities.setText("\n".join(
            f"{platform_title(i.platform)}: {i.handle or i.display_name or '—'}"
            + (f" · {i.email}" if i.email else "") + (f" · {i.phone}" if i.phone else "")
            + (f"\n    in {', '.join(i.spaces)}" if i.spaces else "")
            for i in d.identities) or "No identities")
        self.consent.setText("\n".join(
            f"{format_day(c.at)}: {c.state} ({c.basis}{', ' + c.source if c.source else ''})"
            for c in d.consents) or "No consent recorded")
        self.notes.setText("\n".join(f"{format_day(at)}, {author}: {text}"
                                     for at, author, text in d.notes) or "No notes")

    def _after_change(self, message: str) -> None:
        show_result(self.result, message)
        if self.person_id is not None:
            self.show_person(self.person_id)
        self.page.reload_people()

    def _run(self, fn, message: str) -> None:
        try:
            fn()
        except Exception as exc:  # a refusal or bad input: say it where the person looks
            show_result(self.result, str(exc), error=True)
            return
        self._after_change(message)

    def add_note(self) -> None:
        text, pid = self.note_input.text(), self.person_id
        if pid is None:
            return
        self._run(lambda: people.add_note(self.page.ctx.ws, pid, text), "Note added.")
        if self.result.objectName() != "inlineError":
            self.note_input.clear()

    def record_consent(self, state: str) -> None:
        pid = self.person_id
        if pid is not None:
            self._run(lambda: consent.record_consent(self.page.ctx.ws, pid, state, "consent",
                                                     "recorded in Steward"),
                      f"Consent {state} recorded.")

    def forget_person(self) -> None:
        pid = self.person_id
        if pid is None or not self.page.confirm_forget(pid):
            return
        self._run(lambda: consent.forget_person(self.page.ctx.ws, pid),
                  "Personal data erased; counts kept.")


def describe_candidate(c: matching.DuplicateCandidate, threshold: float | None = None) -> str:
    """A candidate in words: how strong a match, the chance, the evidence score, and each
    field that agreed or disagreed."""
    head = f"{matching.match_strength(c, threshold).capitalize()} match"
    if c.probability is not None:
        head += f" (chance they are one person: {c.probability:.0%}; evidence {c.score:+g})"
    else:
        head += f" (rules' total {c.score:g}" + (f" of {threshold:g} needed)" if threshold
                                                  else ")")
    text = head + ": " + ", ".join(c.reasons)
    if c.agreeing or c.disagreeing:
        label = matching.linkage.LABELS
        text += ("\nAgree: " + (", ".join(label[f] for f in c.agreeing) or "—")
                 + "\nDiffer: " + (", ".join(label[f] for f in c.disagreeing) or "—"))
    return text


class MergePanel(QWidget):
    """Two people side by side; choose per field which value the merged person keeps."""

    FIELDS = (("display_name", "Name"), ("programme", "Programme"))

    def __init__(self, page: MembersPage):
        super().__init__()
        self.page = page
        self.candidate: matching.DuplicateCandidate | None = None
        layout = QVBoxLayout(self)
        self.grid = QGridLayout()
        self.headers = [QLabel("Person A"), QLabel("Person B")]
        self.grid.addWidget(self.headers[0], 0, 1)
        self.grid.addWidget(self.headers[1], 0, 2)
        self.choices: dict[str, QButtonGroup] = {}
        self.radios: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        for row, (key, label) in enumerate(self.FIELDS, start=1):
            self.grid.addWidget(QLabel(label), row, 0)
            group = QButtonGroup(self)
            pair = (QRadioButton(), QRadioButton())
            for col, radio in enumerate(pair):
                radio.setAccessibleName(f"Keep {label} of person {'AB'[col]}")
                group.addButton(radio, col)
                self.grid.addWidget(radio, row, col + 1)
            pair[0].setChecked(True)
            self.choices[key], self.radios[key] = group, pair
        self.identities = (QLabel(), QLabel())
        self.grid.addWidget(QLabel("Identities"), len(self.FIELDS) + 1, 0)
        for col, label in enumerate(self.identities):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.grid.addWidget(label, len(self.FIELDS) + 1, col + 1)
        layout.addLayout(self.grid)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        layout.addWidget(self.reasons)
        buttons = QHBoxLayout()
        self.merge_button = QPushButton("Merge into person A")
        self.not_same_button = QPushButton("Not the same person")
        self.undo_button = QPushButton("Undo last merge")
        self.merge_button.clicked.connect(self.merge)
        self.not_same_button.clicked.connect(self.not_same)
        self.undo_button.clicked.connect(self.undo)
        for b in (self.merge_button, self.not_same_button, self.undo_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.result = result_label()
        layout.addWidget(self.result)
        self.last_merge: int | None = None
        self.merged_pairs: list[matching.DuplicateCandidate] = []  # what the merge removed
        self.merged_pair: matching.DuplicateCandidate | None = None
        self.confirm_box: QMessageBox | None = None
        self.undo_button.setEnabled(False)
        self.set_candidate(None)

    def set_candidate(self, c: matching.DuplicateCandidate | None) -> None:
        self.candidate = c
        for b in (self.merge_button, self.not_same_button):
            b.setEnabled(c is not None)
        if c is None:  # nothing chosen: no trace of the previous pair stays on show
            self.reasons.setText("Choose a pair to compare them side by side.")
            for col, header in enumerate(self.headers):
                header.setText(f"Person {'AB'[col]}")
                self.identities[col].setText("")
                for pair in self.radios.values():
                    pair[col].setText("")
            return
        rules = self.page.match_rules
        self.reasons.setText(describe_candidate(c, rules.threshold if rules else None))
        ws = self.page.ctx.ws
        self.page.ctx.run_query(
            lambda: (people.person_detail(ws, c.person_a), people.person_detail(ws, c.person_b)),
            partial(self._fill, c))

    def _fill(self, c, details) -> None:
        if c is not self.candidate:
            return
        for col, d in enumerate(details):
            self.headers[col].setText(f"Person {'AB'[col]} (id {d.id})")
            self.radios["display_name"][col].setText(d.display_name)
            self.radios["programme"][col].setText(d.programme or "—")
            self.identities[col].setText("\n".join(
                f"{platform_title(i.platform)}: {i.handle or i.display_name or '—'}"
                + (f" · {i.email}" if i.email else "") + (f" · {i.phone}" if i.phone else "")
                for i in d.identities))

    def merge(self) -> QMessageBox | None:
        """Ask first (the safe answer is the default); the merge happens on Yes."""
        c = self.candidate
        if c is None:
            return None
        box = self.confirm_box = QMessageBox(
            QMessageBox.Icon.Question, "Merge these two people",
            f"Merge {c.name_b} (person {c.person_b}) into {c.name_a} (person {c.person_a})? "
            "Their accounts, consent, notes and tags become one person. You can undo this "
            "with 'Undo last merge'.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Merge")
        box.finished.connect(partial(self._merge_answered, c, box))
        box.open()
        return box

    def _merge_answered(self, c: matching.DuplicateCandidate, box: QMessageBox,
                        _result: int) -> None:
        self.confirm_box = None
        box.deleteLater()
        if box.clickedButton() is not box.button(QMessageBox.StandardButton.Yes):
            show_result(self.result, "Not merged.")
            return
        if c is not self.candidate:
            return
        choices = {key: (c.person_a, c.person_b)[group.checkedId()]
                   for key, group in self.choices.items()}
        try:
            self.last_merge = merge.merge(self.page.ctx.ws, c.person_a, [c.person_b],
                                          choices=choices)
        except Exception as exc:
            show_result(self.result, str(exc), error=True)
            return
        self.undo_button.setEnabled(True)
        self.merged_pair = c
        self.merged_pairs = self.page.candidate_resolved(c, merged=True)
        show_result(self.result, f"Merged person {c.person_b} into person {c.person_a}.")

    def not_same(self) -> None:
        c = self.candidate
        if c is None:
            return
        try:
            merge.mark_not_same(self.page.ctx.ws, c.person_a, c.person_b)
        except Exception as exc:
            show_result(self.result, str(exc), error=True)
            return
        show_result(self.result, "Remembered: they will not be proposed again.")
        self.page.candidate_resolved(c, merged=False)

    def undo(self) -> None:
        if self.last_merge is None:
            return
        try:
            summary = merge.unmerge(self.page.ctx.ws, self.last_merge)
        except Exception as exc:
            show_result(self.result, str(exc), error=True)
            return
        self.last_merge = None
        self.undo_button.setEnabled(False)
        restored, pair = self.merged_pairs, self.merged_pair
        self.merged_pairs, self.merged_pair = [], None
        self.page.candidates_restored(restored, pair)
        show_result(self.result, f"Merge undone: person "
                                 f"{', '.join(map(str, summary.absorbed_person_ids))} is back"
                                 + (" and the pair is chosen again." if pair else "."))


class ExportDialog(QDialog):
    """Export the filtered member list: preset, columns within the profile's reach, purpose."""

    def __init__(self, page: MembersPage, people_filter: people.PeopleFilter):
        super().__init__(page)
        self.page = page
        self.people_filter = people_filter
        self.setWindowTitle("Export members")
        role = page.ctx.ws.profile.role
        form = QFormLayout(self)
        self.preset = QComboBox()
        self.preset.setAccessibleName("Preset")
        presets = ["volunteer"] if role == "volunteer" else list(export.PRESETS)
        for name in presets:
            self.preset.addItem(name.capitalize(), name)
        self.format = QComboBox()
        self.format.setAccessibleName("Format")
        self.format.addItem("Excel (XLSX)", "xlsx")
        self.format.addItem("CSV", "csv")
        self.columns: dict[str, QCheckBox] = {}
        box = QGroupBox("Columns")
        grid = QGridLayout(box)
        for n, key in enumerate(export.allowed_columns(role)):
            check = QCheckBox(export.COLUMNS[key][0])
            self.columns[key] = check
            grid.addWidget(check, n // 2, n % 2)
        self.purpose = QLineEdit()
        self.purpose.setAccessibleName("Purpose")
        self.purpose.setPlaceholderText("Why is this list needed? (required)")
        self.path = QLineEdit(str(Path.home() / "members.xlsx"))
        self.path.setAccessibleName("Save to")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_path)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(choose)
        form.addRow("Preset", self.preset)
        form.addRow("Format", self.format)
        form.addRow(box)
        form.addRow("Purpose", self.purpose)
        form.addRow("Save to", where)
        form.addRow(QLabel(f"Filter: {people_filter.describe() or 'everyone'} · people who "
                           "withdrew consent are never included"))
        self.result = result_label()
        form.addRow(self.result)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.purpose.textChanged.connect(self._update_button)
        self._preset_changed()
        self._update_button()

    def _preset_changed(self) -> None:
        chosen = set(export.PRESETS[self.preset.currentData()])
        for key, check in self.columns.items():
            check.setChecked(key in chosen)

    def _format_changed(self) -> None:
        path = Path(self.path.text() or "members")
        self.path.setText(str(path.with_suffix("." + self.format.currentData())))

    def _update_button(self) -> None:
        self.export_button.setEnabled(bool(self.purpose.text().strip()))

    def choose_path(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export members", self.path.text())
        if name:
            self.path.setText(name)

    def request(self) -> export.ExportRequest:
        columns = tuple(k for k, c in self.columns.items() if c.isChecked())
        return export.ExportRequest(self.preset.currentData(), self.format.currentData(),
                                    Path(self.path.text()), self.purpose.text(), columns,
                                    self.people_filter)

    def start(self) -> None:
        req = self.request()
        ws = self.page.ctx.ws
        try:
            export.check_request(ws, req)
        except Exception as exc:
            show_result(self.result, str(exc), error=True)
            return
        self.export_button.setEnabled(False)
        self.page.ctx.run_job(lambda token: export.export_members_job(ws, req, token),
                              self._done, "Exporting members")

    def _done(self, result: export.ExportResult) -> None:
        self.page.ctx.notify(f"Exported {result.rows:,} people to {result.path}")
        self.page.last_export = result
        self.accept()
