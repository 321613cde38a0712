"""The Moderation page's dialogs: the rules file and the sensitivity, and the small helpers they
share with the page."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

from steward.ui.widgets import (
    result_label,
    show_result,
)

if TYPE_CHECKING:
    from steward.ui.pages.moderation import ModerationPage

SENSITIVITY_WORDS = {
    "relaxed": "Relaxed: only what is clearly spam",
    "balanced": "Balanced (the default, chosen on figures from five kinds of text)",
    "strict": "Strict: also what only might be spam",
}


class RulesDialog(QDialog):
    """Edit the workspace's rules: check them, test them on the stored history, switch them on."""

    def __init__(self, page: ModerationPage):
        super().__init__(page)
        self.page = page
        self.setWindowTitle("Moderation rules")
        self.resize(760, 620)
        layout = QVBoxLayout(self)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Rules (YAML)")
        layout.addWidget(self.editor, 2)
        buttons = QHBoxLayout()
        self.example_button = QPushButton("Insert the example rules")
        self.check_button = QPushButton("Check")
        self.test_button = QPushButton("Test on stored history")
        self.save_button = QPushButton("Switch on")
        for b in (self.example_button, self.check_button, self.test_button, self.save_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.result = result_label()
        layout.addWidget(self.result)
        self.findings = QTextBrowser()
        self.findings.setAccessibleName("Test results")
        layout.addWidget(self.findings, 1)
        self.example_button.clicked.connect(self._example)
        self.check_button.clicked.connect(self.check)
        self.test_button.clicked.connect(self.test)
        self.save_button.clicked.connect(self.save)
        page.ctx.run_query(lambda: rules_text(page.ctx.ws), self.editor.setPlainText)

    def _example(self) -> None:
        from steward.moderation.rules import example_rules

        self.editor.setPlainText(example_rules())

    def check(self) -> bool:
        from steward.moderation.rules import RuleError, parse_rules

        try:
            ruleset = parse_rules(self.editor.toPlainText())
        except RuleError as err:
            show_result(self.result, str(err), error=True)
            return False
        show_result(self.result, f"{len(ruleset.rules)} rules, all fine.")
        return True

    def test(self) -> None:
        from steward.moderation.scan import test_rules_job

        if not self.check():
            return
        source = self.editor.toPlainText()
        self.page.ctx.run_job(lambda token: test_rules_job(self.page.ctx.ws, source,
                                                           token=token),
                              self._show_test, "Testing rules")

    def _show_test(self, result: dict) -> None:
        parts = [f"<p>Over {result['scanned']:,} stored messages:</p>"]
        for t in result["rules"]:
            parts.append(f"<h4>{escape(t.name)} (line {t.line}): would catch {t.caught:,}</h4>")
            parts += [f"<p>• {escape(s['space'])}, {s['at']}: {escape(s['text'])}</p>"
                      for s in t.samples]
        self.findings.setHtml("".join(parts))

    def save(self) -> None:
        from steward.moderation.rulebook import save_rules

        if not self.check():
            return
        source = self.editor.toPlainText()
        self.page.ctx.run_query(lambda: attempt(lambda: save_rules(self.page.ctx.ws, source)),
                                self._saved)

    def _saved(self, outcome) -> None:
        ok, value = outcome
        if ok:
            show_result(self.result, f"{len(value.rules)} rules in force from the next scan.")
        else:
            show_result(self.result, f"{value} — the previous rules stay in force.", error=True)


class SensitivityDialog(QDialog):
    """How readily the scan queues possible spam, with what each setting would have queued on
    the stored history (scored with this workspace's model, decisions learnt included)."""

    def __init__(self, page: ModerationPage):
        super().__init__(page)
        self.page = page
        self.setWindowTitle("Spam sensitivity")
        self.resize(620, 360)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            "A message is queued as possible spam when its score reaches the setting's "
            "threshold. Count first to see what each setting would queue on your history."))
        self.choice = QComboBox()
        self.choice.setAccessibleName("Sensitivity")
        from steward.moderation.heuristics import SENSITIVITIES

        for name, at in SENSITIVITIES.items():
            self.choice.addItem(f"{SENSITIVITY_WORDS.get(name, name)} — score {at:.2f}", name)
        layout.addWidget(self.choice)
        self.counts = QTextBrowser()
        self.counts.setAccessibleName("What each setting would queue")
        layout.addWidget(self.counts, 1)
        buttons = QHBoxLayout()
        self.count_button = QPushButton("Count on stored history")
        self.use_button = QPushButton("Use this setting")
        buttons.addWidget(self.count_button)
        buttons.addWidget(self.use_button)
        layout.addLayout(buttons)
        self.result = result_label()
        layout.addWidget(self.result)
        self.preview: dict | None = None
        self.count_button.clicked.connect(self.count)
        self.use_button.clicked.connect(self.use)
        page.ctx.run_query(lambda: current_sensitivity(page.ctx.ws), self._show_current)

    def _show_current(self, name: str) -> None:
        index = self.choice.findData(name)
        if index >= 0:
            self.choice.setCurrentIndex(index)

    def count(self) -> None:
        from steward.moderation.scan import sensitivity_preview_job

        self.page.ctx.run_job(lambda token: sensitivity_preview_job(self.page.ctx.ws, token),
                              self._show_counts, "Counting what each setting would queue")

    def _show_counts(self, result: dict) -> None:
        self.preview = result
        rows = [f"<p>Over {result['scanned']:,} stored messages, possible spam queued:</p>"]
        for name, (at, n) in result["settings"].items():
            mark = " (in use)" if name == result["current"] else ""
            rows.append(f"<p><b>{escape(name.capitalize())}</b>{mark} (score ≥ {at:.2f}): "
                        f"{n:,} items</p>")
        self.counts.setHtml("".join(rows))

    def use(self) -> None:
        from steward.moderation.scan import set_sensitivity

        name = self.choice.currentData()
        self.page.ctx.run_query(lambda: attempt(lambda: set_sensitivity(self.page.ctx.ws, name)),
                                lambda outcome: self._used(name, outcome))

    def _used(self, name: str, outcome) -> None:
        ok, value = outcome
        if ok:
            show_result(self.result, f"{name.capitalize()} from the next scan.")
        else:
            show_result(self.result, str(value), error=True)


def current_sensitivity(ws) -> str:
    from steward.moderation.heuristics import DEFAULT_SENSITIVITY
    from steward.moderation.scan import SENSITIVITY_SETTING

    return ws.get_setting(SENSITIVITY_SETTING) or DEFAULT_SENSITIVITY


def rules_text(ws) -> str:
    from steward.moderation.rules import rules_text as text

    return text(ws)


def attempt(fn):
    """(True, result) or (False, the one-line error) for refusals the person can fix."""
    from steward.errors import StewardError

    try:
        return True, fn()
    except StewardError as err:
        return False, str(err)
