"""Desktop exports (trustee report, chart pictures and data) are written beside their target
and renamed into place: a failure says so and leaves no file behind, and the report's charts
are drawn in memory, never as picture files in the system temp folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.ui.conftest import wait_for_workers


def _engagement(main_window, qtbot):
    main_window.open_page("engagement")
    page = main_window.page("engagement")
    wait_for_workers(qtbot, 30_000)
    assert page.report is not None, main_window.page_errors.get("engagement")
    return page


def test_trustee_report_writes_nothing_to_the_temp_folder(main_window, qtbot, tmp_path,
                                                          monkeypatch):
    page = _engagement(main_window, qtbot)
    notices = []
    monkeypatch.setattr(main_window, "notify", lambda text, details="", error=False:
                        notices.append((text, error)))
    temp_before = set(Path(tempfile.gettempdir()).iterdir())
    folder = tmp_path / "out"
    folder.mkdir()
    page.save_trustee_report(folder / "no such folder" / "trustees.pdf")
    wait_for_workers(qtbot, 30_000)
    assert notices and notices[-1][1] and "could not be saved" in notices[-1][0]
    out = folder / "trustees.pdf"
    page.save_trustee_report(out)
    wait_for_workers(qtbot, 30_000)
    assert out.read_bytes().startswith(b"%PDF") and notices[-1] == (
        f"Trustee report saved to {out}", False)
    assert [p.name for p in folder.iterdir()] == ["trustees.pdf"]
    assert set(Path(tempfile.gettempdir()).iterdir()) <= temp_before


def test_chart_exports_fail_cleanly(main_window, qtbot, tmp_path):
    chart = _engagement(main_window, qtbot).activity.activity_chart
    folder = tmp_path / "out"
    folder.mkdir()
    missing = folder / "gone"
    assert chart.export_png(missing / "a.png") is False
    assert chart.export_csv(missing / "a.csv") is False
    assert chart.export_png(folder / "a.png") and chart.export_csv(folder / "a.csv")
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "a.png"]
