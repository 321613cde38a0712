"""The Safeguarding page's flag panel: the selected flag's record, its actions, and the dialogs it
opens (close a flag, read a chronology)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGraphicsBlurEffect,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from steward.language import _ as core_words
from steward.safe_write import replaced_when_done
from steward.safeguarding import cases, explain, flags, policy, record
from steward.ui.i18n import translate
from steward.ui.registry import AppContext
from steward.ui.table_model import format_day
from steward.ui.widgets import (
    platform_title,
    result_label,
    section_title,
    show_result,
)

if TYPE_CHECKING:
    from steward.ui.pages.safeguarding import SafeguardingPage


def write_pdf_with_qt(rec: record.CaseRecord, path: Path) -> None:
    """The case record as an A4 PDF, through the same engine as the command line (embedded
    fonts, every character as posted), written beside `path` and renamed into place: a failed
    write leaves no partial record."""
    with replaced_when_done(path) as tmp:
        record.write_pdf(rec, tmp)


class TextDialog(QDialog):
    """A read-only text with an optional extra button (chronology, templates)."""

    def __init__(self, parent: QWidget, title: str, text: str):
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setAccessibleName(title)
        layout.addWidget(self.text)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(720, 520)


class FlagPanel(QScrollArea):
    """One flag: the (blurred) message, why it was flagged, signposting, the case entries and
    the lead's actions."""

    def __init__(self, page: SafeguardingPage):
        super().__init__()
        self.page = page
        self.detail: flags.FlagDetail | None = None
        self.flag_id: int | None = None
        self.close_dialog: CloseDialog | None = None
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.title = QLabel(translate("Safeguarding", "Choose a flag"))
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)  # "Fflag 1: Hunanladdiad neu hunan-niweidio" wraps
        self.meta = QLabel(translate(
            "Safeguarding", "Pick a flag in the list to see why it was raised, the helplines "
            "and its case record. The message stays hidden until you choose to read it."))
        self.meta.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAccessibleName(translate("Safeguarding", "Flagged message"))
        self.reveal = QPushButton(translate("Safeguarding", "Show the message"))
        self.reveal.setAccessibleName(translate("Safeguarding", "Show or hide the flagged message"))
        self.reveal.setCheckable(True)
        self.reveal.toggled.connect(self._set_revealed)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setTextFormat(Qt.TextFormat.PlainText)
        self.show_patterns = QPushButton(translate("Safeguarding", "Show the patterns"))
        self.show_patterns.setCheckable(True)
        self.show_patterns.setAccessibleName(translate(
            "Safeguarding", "Show the lexicon patterns that matched"))
        self.show_patterns.toggled.connect(self._patterns_toggled)

        self.signposting = QGroupBox(translate(
            "Safeguarding", "Helplines and replies (nothing is sent)"))
        sign = QVBoxLayout(self.signposting)
        self.helplines = QLabel()
        self.helplines.setWordWrap(True)
        self.helplines.setTextFormat(Qt.TextFormat.PlainText)
        self.helplines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.template = QComboBox()
        self.template.setAccessibleName(translate("Safeguarding", "Reply template"))
        self.template.currentIndexChanged.connect(self._template_chosen)
        self.reply = QPlainTextEdit()
        self.reply.setAccessibleName(translate("Safeguarding", "Reply to copy"))
        self.reply.setMaximumHeight(110)
        self.copy = QPushButton(translate("Safeguarding", "Copy reply"))
        self.copy.setAccessibleName(translate("Safeguarding", "Copy reply to the clipboard"))
        self.copy.clicked.connect(self.copy_reply)
        for w in (self.helplines, self.template, self.reply, self.copy):
            sign.addWidget(w)

        self.entries = QPlainTextEdit()
        self.entries.setReadOnly(True)
        self.entries.setAccessibleName(translate("Safeguarding", "Case entries"))
        self.entries.setMinimumHeight(120)

        actions = QHBoxLayout()
        self.status_buttons = {}
        for status, label in (("triaged", QT_TRANSLATE_NOOP("FlagActions", "Triaged")),
                              ("referred", QT_TRANSLATE_NOOP("FlagActions", "Referred")),
                              ("monitoring", QT_TRANSLATE_NOOP("FlagActions", "Monitoring"))):
            button = QPushButton(translate("FlagActions", label))
            button.setAccessibleName(translate("Safeguarding", "Mark as {status}").format(
                status=translate("Safeguarding", status.capitalize()).lower()))
            button.clicked.connect(partial(self.set_status, status))
            self.status_buttons[status] = button
            actions.addWidget(button)
        self.close_button = QPushButton(translate("Safeguarding", "Close…"))
        self.close_button.setAccessibleName(translate(
            "Safeguarding", "Close the flag with an outcome"))
        self.close_button.clicked.connect(self.close_flag)
        actions.addWidget(self.close_button)

        assign_row = QHBoxLayout()
        self.lead = QComboBox()
        self.lead.setAccessibleName(translate("Safeguarding", "Lead to assign"))
        self.assign_button = QPushButton(translate("Safeguarding", "Assign"))
        self.assign_button.setAccessibleName(translate(
            "Safeguarding", "Assign the flag to this lead"))
        self.assign_button.clicked.connect(self.assign)
        assign_row.addWidget(self.lead, 1)
        assign_row.addWidget(self.assign_button)

        note_row = QHBoxLayout()
        self.note_kind = QComboBox()
        self.note_kind.setAccessibleName(translate("Safeguarding", "Kind of entry"))
        for kind, title in (("note", QT_TRANSLATE_NOOP("Safeguarding", "Note")),
                            ("contact", QT_TRANSLATE_NOOP("Safeguarding", "Contact")),
                            ("referral", QT_TRANSLATE_NOOP("Safeguarding", "Referral"))):
            self.note_kind.addItem(translate("Safeguarding", title), kind)
        self.note = QLineEdit()
        self.note.setPlaceholderText(translate("Safeguarding", "Add a case note (append-only)"))
        self.note.setAccessibleName(translate("Safeguarding", "New case note"))
        self.note.returnPressed.connect(self.add_note)
        note_row.addWidget(self.note_kind)
        note_row.addWidget(self.note, 1)

        amend_row = QHBoxLayout()
        self.amend_entry = QComboBox()
        self.amend_entry.setAccessibleName(translate("Safeguarding", "Entry to correct"))
        self.amendment = QLineEdit()
        self.amendment.setPlaceholderText(translate(
            "Safeguarding", "Correction (the original stays in the record)"))
        self.amendment.setAccessibleName(translate("Safeguarding", "Correction"))
        self.amend_button = QPushButton(translate("Safeguarding", "Correct"))
        self.amend_button.setAccessibleName(translate("Safeguarding", "Add the correction"))
        self.amend_button.clicked.connect(self.amend)
        amend_row.addWidget(self.amend_entry)
        amend_row.addWidget(self.amendment, 1)
        amend_row.addWidget(self.amend_button)

        record_row = QHBoxLayout()
        self.chronology_button = QPushButton(translate("Safeguarding", "Person's chronology"))
        self.chronology_button.setAccessibleName(translate(
            "Safeguarding", "Show the person's chronology"))
        self.chronology_button.clicked.connect(self.show_chronology)
        self.export_button = QPushButton(translate("Safeguarding", "Export case record (PDF)…"))
        self.export_button.setAccessibleName(translate(
            "Safeguarding", "Export the case record as PDF"))
        self.export_button.clicked.connect(self.export)
        record_row.addWidget(self.chronology_button)
        record_row.addWidget(self.export_button)

        self.result = result_label()
        layout.addWidget(self.title)
        layout.addWidget(self.meta)
        self.details = QWidget()  # shown once a flag is chosen
        inner = QVBoxLayout(self.details)
        inner.setContentsMargins(0, 0, 0, 0)
        why = section_title(translate("Safeguarding", "Why it was flagged"))
        record = section_title(translate("Safeguarding", "Case record"))
        for w in (self.reveal, self.message, why, self.reasons,
                  self.show_patterns, self.signposting, record, self.entries):
            inner.addWidget(w)
        for row in (actions, assign_row, note_row, amend_row, record_row):
            inner.addLayout(row)
        inner.addWidget(self.result)
        layout.addWidget(self.details)
        layout.addStretch(1)
        self.setWidget(body)
        self.signposting.hide()
        self.details.hide()
        self.setEnabled(False)

    # --- showing -------------------------------------------------------------------------------

    def show_flag(self, flag_id: int) -> None:
        self.flag_id = flag_id
        ws = self.page.ctx.ws
        self.page.ctx.run_query(lambda: flags.flag_detail(ws, flag_id), self._fill)

    def _fill(self, d: flags.FlagDetail) -> None:
        if d.row.id != self.flag_id:
            return  # another flag was chosen meanwhile
        self.detail = d
        r = d.row
        self.setEnabled(True)
        self.details.show()
        concern = translate("Safeguarding", policy.CATEGORY_TITLES.get(r.category, r.category))
        self.title.setText(translate("Safeguarding", "Flag {id}: {concern}").format(
            id=r.id, concern=concern))
        due = f"{format_day(r.due_at)} {r.due_at:%H:%M}" if r.due_at else "—"
        space = r.space or translate("Safeguarding", "no space")
        if r.platform:
            space = translate("Safeguarding", "{space} on {platform}").format(
                space=space, platform=platform_title(r.platform))
        parts = [translate("Safeguarding", r.severity.capitalize()),
                 translate("Safeguarding", r.status.capitalize()),
                 translate("Safeguarding", "triage due {when}").format(when=due)
                 + (translate("Safeguarding", " (OVERDUE)") if r.overdue else ""),
                 space, r.person or translate("Safeguarding", "unknown person")]
        if r.assigned_to:
            parts.append(translate("Safeguarding", "lead: {lead}").format(lead=r.assigned_to))
        self.meta.setText(" · ".join(parts))
        text = d.message_text or d.handover_note or "(no message text)"
        self.message.setText(text)
        self.reveal.setChecked(False)
        self._set_revealed(False)
        self._show_reasons(d)
        self._fill_signposting(d)
        self.entries.setPlainText("\n".join(
            f"[{format_day(e.at)} {e.at:%H:%M}] #{e.id} {e.author}: {e.summary}"
            + (f"  (corrected by #{', #'.join(map(str, e.amended_by))})" if e.amended_by else "")
            for e in d.entries) or "No entries yet.")
        self.amend_entry.clear()
        for e in d.entries:
            self.amend_entry.addItem(f"#{e.id} {e.kind}", e.id)
        for w in (self.amend_entry, self.amendment, self.amend_button):
            w.setEnabled(bool(d.entries))  # nothing to correct yet
        self.lead.clear()
        for name in flags.lead_profiles(self.page.ctx.ws):
            self.lead.addItem(name)
        allowed = flags.TRANSITIONS[r.status]
        for status, button in self.status_buttons.items():
            button.setEnabled(status in allowed)
        self.close_button.setEnabled("closed" in allowed)
        self.chronology_button.setEnabled(r.person_id is not None)

    def _show_reasons(self, d: flags.FlagDetail) -> None:
        """The matched words and the concern in plain English; the patterns on demand."""
        plain = explain.explain(d.row.category, d.reasons)
        reasons = [x.text for x in plain]
        if self.show_patterns.isChecked():
            pattern = translate("Safeguarding", " (pattern: {pattern})")
            reasons = [x.text + (pattern.format(pattern=x.pattern) if x.pattern else "")
                       for x in plain]
        self.show_patterns.setVisible(any(x.pattern for x in plain))
        if d.handover_note:
            reasons.append(translate("Safeguarding", "Handed over by {who}: {note}").format(
                who=d.handed_over_by, note=d.handover_note))
        if d.outcome:
            reasons.append(translate("Safeguarding", "Outcome: {outcome}").format(
                outcome=core_words(d.outcome.get("outcome") or ""))
                + (f" ({d.outcome['reason']})" if d.outcome.get("reason") else ""))
        self.reasons.setText("\n".join(f"• {x}" for x in reasons) or "—")

    def _patterns_toggled(self, shown: bool) -> None:
        self.show_patterns.setText(translate("Safeguarding", "Hide the patterns") if shown
                                   else translate("Safeguarding", "Show the patterns"))
        if self.detail is not None:
            self._show_reasons(self.detail)

    def _fill_signposting(self, d: flags.FlagDetail) -> None:
        self.signposting.setVisible(d.signposting)
        self.helplines.setText("\n".join(
            f"{h['name']}: {h['number']}" + (f" — {h['when']}" if h.get("when") else "")
            for h in d.helplines))
        self.template.blockSignals(True)
        self.template.clear()
        for t in d.templates:
            self.template.addItem(t.title, t.text)
        self.template.blockSignals(False)
        self._template_chosen()

    def _template_chosen(self, *_args) -> None:
        text = self.template.currentData() or ""
        name = (self.detail.row.person or "there").split()[0] if self.detail else "there"
        self.reply.setPlainText(text.replace("{name}", name))

    def _set_revealed(self, shown: bool) -> None:
        """Flagged text stays blurred until the lead chooses to read it."""
        if shown:
            self.message.setGraphicsEffect(None)
        else:
            blur = QGraphicsBlurEffect(self.message)
            blur.setBlurRadius(14)
            self.message.setGraphicsEffect(blur)
        self.reveal.setText(translate("Safeguarding", "Hide the message") if shown
                            else translate("Safeguarding", "Show the message"))

    @property
    def is_blurred(self) -> bool:
        return self.message.graphicsEffect() is not None

    # --- acting --------------------------------------------------------------------------------

    def _run(self, fn, message: str) -> bool:
        try:
            fn()
        except Exception as exc:  # refusals and bad input: say it where the lead looks
            show_result(self.result, str(exc), error=True)
            return False
        show_result(self.result, message)
        if self.flag_id is not None:
            self.show_flag(self.flag_id)
        self.page.reload_flags()
        return True

    def set_status(self, status: str) -> None:
        ws, fid = self.page.ctx.ws, self.flag_id
        self._run(lambda: flags.set_status(ws, fid, status), translate(
            "Safeguarding", "Flag {id} is now {status}.").format(
                id=fid, status=translate("Safeguarding", status.capitalize()).lower()))

    def close_flag(self) -> CloseDialog | None:
        """Ask for the outcome (and reason) in a dialog that checks them itself: a refusal
        is said inside the dialog, which stays open."""
        if self.flag_id is None:
            return None
        fid = self.flag_id
        dialog = self.close_dialog = CloseDialog(self, self.page.ctx, fid)
        dialog.accepted.connect(partial(self._closed, fid))
        dialog.open()
        return dialog

    def _closed(self, fid: int) -> None:
        self.close_dialog = None
        show_result(self.result, translate("Safeguarding", "Flag {id} closed.").format(id=fid))
        if self.flag_id is not None:
            self.show_flag(self.flag_id)
        self.page.reload_flags()

    def assign(self) -> None:
        ws, fid, lead = self.page.ctx.ws, self.flag_id, self.lead.currentText()
        self._run(lambda: flags.assign(ws, fid, lead), translate(
            "Safeguarding", "Flag {id} assigned to {lead}.").format(id=fid, lead=lead))

    def add_note(self) -> None:
        ws, fid, kind, text = (self.page.ctx.ws, self.flag_id, self.note_kind.currentData(),
                               self.note.text())
        if self._run(lambda: flags.add_note(ws, fid, text, kind), "Entry added."):
            self.note.clear()

    def amend(self) -> None:
        ws, entry, text = self.page.ctx.ws, self.amend_entry.currentData(), self.amendment.text()
        if entry is None:
            return
        if self._run(lambda: cases.amend(ws, entry, text), f"Correction of #{entry} added."):
            self.amendment.clear()

    def copy_reply(self) -> None:
        QGuiApplication.clipboard().setText(self.reply.toPlainText())
        show_result(self.result, translate(
            "Safeguarding", "Reply copied. Paste it on the platform yourself if it helps."))

    def show_chronology(self) -> None:
        if self.detail is None or self.detail.row.person_id is None:
            return
        ws, pid = self.page.ctx.ws, self.detail.row.person_id
        self.page.ctx.run_query(lambda: cases.chronology(ws, pid), self._show_chronology)

    def _show_chronology(self, c: cases.Chronology) -> None:
        lines = [f"{c.person} — " + ", ".join(f"{platform_title(p)}: {n}"
                                                for p, n in c.identities), ""]
        for i in c.items:
            place = " ".join(x for x in (platform_title(i.platform) if i.platform else "",
                                         i.space or "") if x)
            lines.append(f"{i.at:%Y-%m-%d %H:%M}  {i.title}"
                         + (f" [{place}]" if place else "") + f": {i.text}")
        self.chronology = TextDialog(self, f"Chronology: {c.person}", "\n".join(lines))
        export = self.chronology.buttons.addButton(
            "Export PDF…", QDialogButtonBox.ButtonRole.ActionRole)
        export.setAccessibleName(translate("Safeguarding", "Export the chronology as PDF"))
        export.clicked.connect(partial(self.export, person_id=c.person_id))
        self.chronology.show()

    def export(self, *_args, person_id: int | None = None) -> None:
        name = f"case-record-person-{person_id}.pdf" if person_id else \
            f"case-record-flag-{self.flag_id}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Export case record", name, "PDF (*.pdf)")
        if path:
            self.export_to(Path(path), person_id=person_id)

    def export_to(self, path: Path, person_id: int | None = None) -> None:
        """Assemble the record off the UI thread, write it with Qt, log the export."""
        ws, fid = self.page.ctx.ws, self.flag_id
        if person_id is None:
            assemble = partial(record.flag_record, ws, fid)
        else:
            assemble = partial(record.person_record, ws, person_id)

        def write(rec: record.CaseRecord) -> None:
            try:
                write_pdf_with_qt(rec, path)
            except OSError as exc:
                show_result(self.result, str(exc), error=True)
                return
            ids = {"person_id": person_id} if person_id is not None else {"flag_id": fid}
            self.page.ctx.run_query(lambda: record.log_export(ws, rec, **ids), lambda _: None)
            show_result(self.result, f"Case record written to {path} (logged).")

        self.page.ctx.run_query(assemble, write)


class CloseDialog(QDialog):
    """Close a flag with an outcome. The dialog closes the flag itself and closes only when
    that worked; otherwise it says why, beside the field to fix."""

    def __init__(self, parent: QWidget, ctx: AppContext, flag_id: int):
        super().__init__(parent)
        self.ctx, self.flag_id = ctx, flag_id
        self.setWindowTitle(translate("Safeguarding", "Close flag {id}").format(id=flag_id))
        form = QFormLayout(self)
        self.outcome = QComboBox()
        self.outcome.setEditable(True)
        self.outcome.setAccessibleName(translate("Safeguarding", "Outcome"))
        for outcome in flags.OUTCOMES:  # shown in the reader's language, recorded in English
            self.outcome.addItem(core_words(outcome), outcome)
        self.reason = QLineEdit()
        self.reason.setAccessibleName(translate("Safeguarding", "Reason"))
        self.reason.setPlaceholderText(translate("Safeguarding", "Needed for 'no further action'"))
        form.addRow(translate("Safeguarding", "Outcome"), self.outcome)
        form.addRow(translate("Safeguarding", "Reason"), self.reason)
        self.result = result_label()
        form.addRow(self.result)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(translate("Safeguarding", "Close the flag"))
        self.buttons.accepted.connect(self.close_flag)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def chosen_outcome(self) -> str:
        """The outcome as recorded (English for a listed one, else the words typed)."""
        text = self.outcome.currentText().strip()
        index = self.outcome.findText(text)
        return self.outcome.itemData(index) if index >= 0 else text

    def close_flag(self) -> None:
        outcome, reason = self.chosen_outcome(), self.reason.text().strip()
        if outcome.lower() == flags.NO_FURTHER_ACTION and not reason:
            show_result(self.result, translate(
                "Safeguarding", "Say why no further action is needed: the reason goes into the "
                "case record."), error=True)
            self.reason.setFocus()
            return
        ws, fid = self.ctx.ws, self.flag_id
        self.ok_button.setEnabled(False)  # once: the closing is written off the UI thread

        def refused(text: str) -> None:  # a refusal or bad input: said here, the dialog stays
            self.ok_button.setEnabled(True)
            show_result(self.result, text, error=True)

        self.ctx.run_query(lambda: flags.close(ws, fid, outcome, reason),
                           lambda _: self.accept(), refused)
