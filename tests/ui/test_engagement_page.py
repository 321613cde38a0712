"""Engagement, 1:1s and the knowledge library, end to end in the desktop (offscreen)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from steward import clock
from steward.engagement import connections, library
from steward.ui.pages import engagement as page_module
from tests.ui.conftest import wait_for_workers


def _engagement(main_window, qtbot):
    main_window.open_page("engagement")
    page = main_window.page("engagement")
    wait_for_workers(qtbot, 30_000)
    assert page.report is not None, main_window.page_errors.get("engagement")
    return page


def _ink(image, top: int, bottom: int) -> int:
    return sum(1 for y in range(top, min(bottom, image.height()))
               for x in range(0, image.width(), 2) if image.pixelColor(x, y).lightness() < 128)


def _scene_point(chart, i: int):
    x = (chart.days[i] - date(1970, 1, 1)).days * 86400
    return chart.plot.getPlotItem().vb.mapViewToScene(QPointF(x, 1))


def test_charts_show_the_community_and_drill_down(main_window, qtbot, tmp_path, demo_ws):
    """Also: the charts are made only as far as they show (each costs the UI thread tens of
    milliseconds): the activity charts without their right-click menus (a right click makes
    one), the cohort chart (on a tab of its own) not until its tab is shown."""
    page = _engagement(main_window, qtbot)
    report = page.report
    chart = page.activity.activity_chart
    assert len(chart.days) == 90 and sum(chart.series["Messages"]) == report.messages > 500
    assert len(chart.curves) == 2 and len(chart.curves[0].xData) == 90
    view_box = chart.plot.getPlotItem().vb
    assert view_box.menu is None and not page.cohorts.built
    centre = chart.plot.mapFromScene(view_box.sceneBoundingRect().center())
    qtbot.mouseClick(chart.plot.viewport(), Qt.MouseButton.RightButton, pos=centre)
    qtbot.waitUntil(lambda: view_box.menu is not None and view_box.menu.isVisible())
    view_box.menu.hide()
    page.show_item(tab="cohorts")
    wait_for_workers(qtbot)
    assert page.cohorts.colour_bar is not None
    assert page.cohorts.image.image.shape[0] == len(report.cohorts) >= 10
    busiest = max(range(90), key=lambda i: chart.series["Messages"][i])
    point = _scene_point(chart, busiest)
    assert chart.index_at(point) == busiest
    chart._moved(point)
    assert f"{chart.days[busiest]:%d %b %Y}" in chart.hover.text()
    with qtbot.waitSignal(chart.day_clicked) as clicked:
        chart.day_clicked.emit(chart.days[chart.index_at(point)])
    assert clicked.args == [chart.days[busiest]]
    wait_for_workers(qtbot)
    assert page.activity.day_model.total == chart.series["Messages"][busiest]
    assert page.selected_day == chart.days[busiest]

    png, csv = tmp_path / "chart.png", tmp_path / "chart.csv"
    assert chart.export_png(png) and not QImage(str(png)).isNull()
    # The picture carries its title (drawn above the plot) and labelled axes.
    plain, exported = chart.plot.grab().toImage(), QImage(str(png))
    assert _ink(exported, 0, 24) > _ink(plain, 0, 24) + 20
    item = chart.plot.getPlotItem()
    assert item.getAxis("left").labelText == "Per day"
    assert item.getAxis("bottom").labelText.startswith("Date (")
    assert f"{chart.days[0]:%b %Y}" in item.getAxis("bottom").labelText
    assert item.getAxis("left").tickStrings([0, 1500, 25000], 1, 500) == ["0", "1,500", "25k"]
    heat = page.cohorts.plot.getPlotItem().getAxis("left")
    assert heat.labelText.startswith("First posted in")
    assert report.cohorts[0].cohort in heat._tickLevels[0][0][1]
    chart.export_csv(csv)
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "date,Messages,Active members" and len(lines) == 91
    page.cohorts.export_csv(tmp_path / "cohorts.csv")
    assert (tmp_path / "cohorts.csv").read_text(encoding="utf-8-sig").startswith("cohort,people")
    assert page.cohorts.export_png(tmp_path / "cohorts.png")


def test_quiet_space_newcomers_and_leaders_show_first(main_window, qtbot, demo_ws):
    """Also: the tabs (the first one too) are filled after the page is built, one per turn
    of the event loop, so the page paints sooner."""
    from PySide6.QtWidgets import QTableView

    truth = demo_ws.get_setting("demo.truth")
    built = main_window.page("engagement")  # no turn of the event loop yet

    def tables(i: int) -> int:
        tab = built.tabs.widget(i)
        return isinstance(tab, QTableView) + len(tab.findChildren(QTableView))

    assert [tables(i) for i in range(built.tabs.count())] == [0, 0, 0, 0, 0, 0]
    page = _engagement(main_window, qtbot)
    assert [tables(i) for i in range(page.tabs.count())] == [1, 1, 1, 1, 0, 1]
    first = page.silence_model.row_values(0)
    assert first[-1] == truth["quiet_space"] and first[2] in ("amber", "red")
    assert page.leader_model.total == len(page.report.leader_candidates) >= 1
    tile = page_module.quiet_spaces_tile(demo_ws)
    assert tile.value == "1" and "events" in tile.detail and tile.tone in ("warn", "alert")
    assert page_module.leaders_tile(demo_ws).value == str(len(page.report.leader_candidates))
    assert page_module.newcomers_tile(demo_ws).value.isdigit()


def test_period_space_and_thresholds(main_window, qtbot, demo_ws):
    truth = demo_ws.get_setting("demo.truth")
    page = _engagement(main_window, qtbot)
    page.period.setCurrentIndex(0)  # last 30 days
    wait_for_workers(qtbot, 30_000)
    assert len(page.report.days) == 30
    page.space.setCurrentIndex(page.space.findData(f"space:{truth['quiet_space']}"))
    page.refresh()
    wait_for_workers(qtbot, 30_000)
    assert [a.space_id for a in page.report.silence] == [truth["quiet_space"]]
    page.silence_view.selectRow(0)
    page.amber.setValue(10)
    page.red.setValue(20)
    page.save_thresholds.click()
    wait_for_workers(qtbot, 30_000)
    wait_for_workers(qtbot, 30_000)
    assert page.report.silence[0].silence == "ok"
    page.silence_view.selectRow(0)
    assert page.amber.value() == 10
    page.amber.setValue(9)
    page.red.setValue(9)
    page.save_thresholds.click()
    wait_for_workers(qtbot)
    assert "amber" in page.status.text() and page.report.silence[0].amber_days == 10


def test_trustee_report_pdf(main_window, qtbot, tmp_path):
    page = _engagement(main_window, qtbot)
    out = tmp_path / "trustees.pdf"
    page.save_trustee_report(out)
    wait_for_workers(qtbot, 30_000)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000  # text plus two chart images


def test_library_from_a_chart_day_to_a_digest(main_window, qtbot, tmp_path):
    from steward.ui.pages.library import mark_message_as_resource

    page = _engagement(main_window, qtbot)
    page.show_day(page.report.days[-2])
    wait_for_workers(qtbot)
    page.activity.day_view.selectRow(0)
    message_id = page.selected_message_id()
    assert message_id is not None and page.activity.add_to_library.isEnabled()
    mark_message_as_resource(main_window, message_id, "Money, school")
    wait_for_workers(qtbot)
    main_window.open_page("library")
    lib = main_window.page("library")
    lib.refresh()
    wait_for_workers(qtbot)
    assert lib.model.total == 1 and not lib.empty.isVisible()
    lib.view.selectRow(0)
    assert lib.tags.text() == "money, school" and lib.save.isEnabled()
    lib.title.setText("Useful: =SUM(A1)")
    lib.tags.setText("money, carers")
    lib.save.click()
    wait_for_workers(qtbot)
    wait_for_workers(qtbot)
    assert library.search_library(main_window.ws, tag="carers")[0].title == "Useful: =SUM(A1)"
    lib.search.setText("no such words anywhere")
    lib.refresh()
    wait_for_workers(qtbot)
    assert lib.model.total == 0
    lib.search.setText("")
    wait_for_workers(qtbot)
    out = tmp_path / "digest.html"
    lib.export_digest(out, "html")
    wait_for_workers(qtbot)
    assert "Useful: =SUM(A1)" in out.read_text(encoding="utf-8")


def test_one_to_ones_end_to_end(main_window, qtbot, demo_ws):
    main_window.open_page("connections")
    page = main_window.page("connections")
    wait_for_workers(qtbot, 30_000)
    assert page.models["never"].total > 0
    person_id, name = page.models["never"].row_values(0)[-1], page.models["never"].row_values(0)[0]
    page.find.setText(name.split()[0])
    page._find()
    wait_for_workers(qtbot)
    page.choose_person(person_id, name)
    wait_for_workers(qtbot)
    assert page.person_id == person_id
    page.channel.setCurrentText("video")
    page.agenda.setCurrentText("member")
    page.notes.setPlainText("Keen to help with the Thursday chat.")
    page.follow_up.setText("Send the host guide")
    page.due.setDate(clock.today() + timedelta(days=3))
    page._add_follow_up()
    assert page.pending_model.rowCount() == 1
    page.save.click()
    wait_for_workers(qtbot)
    wait_for_workers(qtbot)
    assert "logged" in page.result.text()
    history = page.models["history"].row_values(0)
    assert history[1] == name and history[5] == "Send the host guide"
    assert page.models["follow_ups"].row_values(0)[2] == "Send the host guide"
    assert person_id not in [r[-1] for r in page.models["never"]._rows]
    page.views["follow_ups"].selectRow(0)
    assert page.done_button.isEnabled()
    page.done_button.click()
    wait_for_workers(qtbot)
    wait_for_workers(qtbot)
    assert page.models["follow_ups"].total == 0
    page.cadence.setValue(1)
    page._set_cadence()
    wait_for_workers(qtbot)
    wait_for_workers(qtbot)
    assert connections.cadence_of(demo_ws, person_id) == 1
    later = clock.now() + timedelta(days=2)
    assert [p.person_id for p in connections.due_by_cadence(demo_ws, now=later)] == [person_id]
    page.save.click()  # no follow-ups, a fine second 1:1; then a bad one
    wait_for_workers(qtbot)
    page.channel.setCurrentText("  ")
    page.save.click()
    wait_for_workers(qtbot)
    assert "how the 1:1 happened" in page.result.text()


def test_volunteers_do_not_see_engagement():
    from steward.ui.pages import load_pages
    from steward.ui.registry import pages_for, tiles_for
    from steward.workspace import Profile

    load_pages()
    volunteer, steward = Profile("v", "volunteer"), Profile("s", "steward")
    mine = {"engagement", "connections", "library"}
    assert not mine & {p.key for p in pages_for(volunteer)}
    assert mine <= {p.key for p in pages_for(steward)}
    assert not any(t.key.startswith("engagement.") for t in tiles_for(volunteer))


def test_chat_spaces_say_how_they_are_read_and_take_a_gap(main_window, qtbot, demo_ws):
    page = _engagement(main_window, qtbot)
    rows = [page.silence_model.row_values(i) for i in range(page.silence_model.total)]
    chat = next(i for i, r in enumerate(rows) if r[8] == "conversations")
    forum = next(i for i, r in enumerate(rows) if r[8] == "threads")
    page.silence_view.selectRow(forum)
    assert not page.gap.isEnabled()
    page.silence_view.selectRow(chat)
    assert page.gap.isEnabled() and page.gap.value() == 60
    page.gap.setValue(30)
    page.save_gap.click()
    wait_for_workers(qtbot, 30_000)
    wait_for_workers(qtbot, 30_000)
    assert "30 quiet minutes" in page.status.text()
    space = next(s for s in page.report.spaces if s.space_id == rows[chat][-1])
    assert space.gap_minutes == 30
