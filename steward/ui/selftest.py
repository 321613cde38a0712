"""Render every page of a demo workspace offscreen: `steward --self-test` (exit 0 when every
page of every demo profile renders without an error) and `make screenshots` (PNG files).

    python -m steward.ui.selftest --screenshots docs/screenshots
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

DEMO_PROFILES = ("admin", "steward", "volunteer", "lead")
WINDOW_SIZE = (1280, 820)


def settle(timeout: float = 60.0) -> bool:
    """Let the event loop run until every background query has delivered; False on timeout."""
    from PySide6.QtWidgets import QApplication

    from steward.ui import workers

    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    quiet_rounds = 0
    while time.monotonic() < deadline:
        app.processEvents()
        if workers.active_workers():
            quiet_rounds = 0
            time.sleep(0.005)
        else:
            quiet_rounds += 1
            if quiet_rounds >= 5:  # results may queue follow-up queries
                return True
    return False


LAYOUT_SIZES = ((1200, 780), (1280, 720), (1920, 1080))  # the window opens at 1200×780
_BUTTON_MARGIN = 4  # the style draws a button's text this far inside each edge


def _plain(text: str) -> str:
    """A widget's text as drawn: mnemonic ampersands dropped."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _widest(widget, text: str) -> int:
    metrics = widget.fontMetrics()
    return max((metrics.horizontalAdvance(line) for line in _plain(text).splitlines()),
               default=0)


def _where(widget) -> str:
    names = []
    w = widget
    while w is not None and len(names) < 3:
        name = w.accessibleName() or w.objectName()
        if name:
            names.append(name)
        w = w.parentWidget()
    return " < ".join(names) or type(widget).__name__


def clipped_headers(view) -> list[str]:
    """Column titles of a table view wider than their column (the style's header margins
    included), one line each."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyle

    header, model = view.horizontalHeader(), view.model()
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    problems = []
    for column in range(header.count()):
        if header.isSectionHidden(column):
            continue
        text = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        need, room = _widest(header, text) + 2 * margin, header.sectionSize(column)
        if need > room:
            problems.append(f"column {_plain(text)!r} of {_where(view)}: needs {need} px, "
                            f"has {room}")
    return problems


def clipped_texts(root) -> list[str]:
    """Text wider than the widget that shows it, among the visible labels (without word
    wrap), buttons (tiles included) and tabs under `root`: one line each, naming the text and
    both widths."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import Qt as GuiQt  # mightBeRichText lives in QtGui's namespace
    from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QTabBar, QWidget

    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        if isinstance(widget, QScrollArea) and widget.widgetResizable():
            hidden = widget.horizontalScrollBar().maximum()
            if hidden > 0:  # its content is wider than it: the right-hand part is cut off
                problems.append(f"{_where(widget)} scrolls sideways: {hidden} px out of view")
            continue
        if isinstance(widget, QLabel):
            text = widget.text()
            rich = widget.textFormat() == Qt.TextFormat.RichText or (
                widget.textFormat() == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(text))
            if not text or widget.wordWrap() or rich or widget.pixmap() is not None \
                    and not widget.pixmap().isNull():
                continue
            room = widget.contentsRect().width() - 2 * max(widget.margin(), 0)
            need = _widest(widget, text)
        elif isinstance(widget, QAbstractButton):
            text = widget.text()
            if not text:
                continue
            need = _widest(widget, text)
            if not widget.icon().isNull():
                need += widget.iconSize().width() + 4
            room = widget.width() - 2 * _BUTTON_MARGIN
            if type(widget).__name__ in ("QCheckBox", "QRadioButton"):
                room = widget.width() - (widget.sizeHint().width() - need)
        elif isinstance(widget, QTabBar):
            for i in range(widget.count()):
                text, rect = widget.tabText(i), widget.tabRect(i)
                need = _widest(widget, text)
                if rect.width() - 2 * _BUTTON_MARGIN < need:
                    problems.append(f"tab {_plain(text)!r} in {_where(widget)}: needs "
                                    f"{need} px, has {rect.width() - 2 * _BUTTON_MARGIN}")
            continue
        else:
            continue
        if need > room:
            problems.append(f"{type(widget).__name__} {_plain(text)!r} in {_where(widget)}: "
                            f"needs {need} px, has {room}")
    return problems


def check_layout(ws, sizes=LAYOUT_SIZES, out_dir: Path | None = None) -> list[str]:
    """Every page this profile may see, at each window size: clipped texts, and a window that
    will not shrink to the size. Screenshots go to `out_dir` as `<page>-<w>x<h>.png`."""
    from steward.ui.main_window import MainWindow

    problems: list[str] = []
    window = MainWindow(ws)
    window.show()
    try:
        for width, height in sizes:
            window.resize(width, height)
            settle()
            if (window.width(), window.height()) != (width, height):
                problems.append(f"{ws.profile.name}: the window will not fit {width}×{height} "
                                f"(it stays {window.width()}×{window.height()})")
            for key in window.page_keys():
                window.open_page(key)
                settle()
                problems += [f"{ws.profile.name}/{key} at {width}×{height}: {p}"
                             for p in clipped_texts(window)]
                if out_dir is not None:
                    window.grab().save(str(out_dir / f"{key}-{width}x{height}.png"))
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()
        settle(5)
    return problems


def render_pages(ws, out_dir: Path | None = None, prefix: str = "") -> list[str]:
    """Open every page this profile may see, wait for its data, render it; return problems."""
    from steward.ui.main_window import MainWindow

    problems: list[str] = []
    window = MainWindow(ws)
    window.resize(*WINDOW_SIZE)
    window.show()
    try:
        for key in window.page_keys():
            window.open_page(key)
            if not settle():
                problems.append(f"{ws.profile.name}/{key}: still loading after 60 s")
            image = window.grab()
            if image.isNull() or image.width() < 100:
                problems.append(f"{ws.profile.name}/{key}: nothing was drawn")
            elif out_dir is not None:
                image.save(str(out_dir / f"{prefix}{key}.png"))
        problems += [f"{ws.profile.name}/{key}: {text.splitlines()[-1]}"
                     for key, text in window.page_errors.items()]
        problems += [f"{ws.profile.name}: {text}"
                     for text, error in window.notifications.history if error]
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()
        settle(5)
    return problems


def render_gate(path: Path, out_dir: Path | None) -> list[str]:
    """The screens before unlocking: welcome, create, unlock (and the recovery key layout)."""
    from steward import demo
    from steward.ui.gate import Gate

    problems = []
    gate = Gate(path.parent / "new-workspace")
    gate.resize(*WINDOW_SIZE)
    gate.show()
    gate.unlock.set_workspace(path, "admin", demo.DEMO_PASSPHRASE)
    gate.recovery.show_key("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789", "Riverside Young Carers")
    gate.create.name.setText("Riverside Young Carers")
    gate.create.passphrase.setText("kettle orchard velvet")
    for name, screen in (("welcome", gate.welcome), ("create-workspace", gate.create),
                         ("recovery-key", gate.recovery), ("unlock", gate.unlock)):
        gate.show_screen(screen)
        settle(5)
        image = gate.grab()
        if image.isNull():
            problems.append(f"{name} screen: nothing was drawn")
        elif out_dir is not None:
            image.save(str(out_dir / f"{name}.png"))
    gate.close()
    gate.deleteLater()
    return problems


def _quiet_platform_warnings() -> None:
    """The offscreen platform warns about window size hints it cannot pass on; drop that one."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def bundle_problems() -> list[str]:
    """What a packaged build may have left out: resources and the connectors' entry points."""
    from importlib.metadata import entry_points

    from steward.resources import resource_path

    problems = []
    for needed in (resource_path("ui", "steward.qss"), resource_path("demo")):
        if not needed.exists():
            problems.append(f"resources are missing from this build (no {needed})")
    if not entry_points(group="steward.connectors"):
        problems.append("no connectors are registered (entry points missing from the build)")
    return problems


def _run(out_dir: Path | None, members: int, messages: int, profiles: tuple[str, ...],
         sizes: tuple[tuple[int, int], ...] = ()) -> int:
    from steward import demo
    from steward.jobs import CancelToken, run_to_end
    from steward.ui import workers
    from steward.ui.app import demo_job, qt_app
    from steward.workspace import Workspace

    _quiet_platform_warnings()
    qt_app()
    problems: list[str] = bundle_problems()
    pages = 0
    with tempfile.TemporaryDirectory(prefix="steward-selftest-") as tmp:
        path = Path(tmp) / "workspace"
        run_to_end(demo_job(path, members=members, messages=messages)(CancelToken()))
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        problems += render_gate(path, out_dir)
        for profile in profiles:
            ws = Workspace.unlock(path, profile, demo.DEMO_PASSPHRASE)
            try:
                before = len(problems)
                problems += render_pages(ws, out_dir if profile == "admin" else None)
                if sizes:  # every page at each size: clipped text, and a screenshot of each
                    problems += check_layout(ws, sizes, out_dir if profile == "admin" else None)
                from steward.ui import registry

                pages += len(registry.pages_for(ws.profile))
                if len(problems) == before:
                    print(f"self-test: {profile}: every page rendered", flush=True)
            finally:
                workers.wait_for_all(10_000)
                ws.lock()
    for problem in problems:
        print(f"self-test FAILED: {problem}", file=sys.stderr)
    if not problems:
        print(f"self-test passed: {pages} page views across {len(profiles)} profiles")
    return 1 if problems else 0


def self_test() -> int:
    """`steward --self-test`: a demo workspace, offscreen, every page of every profile."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        return _run(None, members=300, messages=3000, profiles=DEMO_PROFILES)
    except Exception as exc:
        import traceback

        traceback.print_exc()
        print(f"self-test FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--screenshots", type=Path, required=True, help="folder for the PNGs")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--sizes", default="1280x720,1920x1080",
                        help="window sizes for the layout check and the <page>-WxH.png files "
                             "('' for none)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sizes = tuple(tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")
                  if size)
    # Files are overwritten, never swept: other screenshots (reports, dialogs) live here too.
    return _run(args.screenshots, args.members, args.messages, ("admin",), sizes)


if __name__ == "__main__":
    raise SystemExit(main())
