"""Big tables load in the background: the event loop keeps turning while a sort or a first page
is on its way, the old rows stay until the new ones arrive, and a result overtaken by a newer
request is dropped. After a scan only the page on screen reloads at once; the Engagement charts
are drawn a step at a time."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import Qt, QTimer

from steward.hygiene import people
from steward.moderation import queue
from tests.ui.conftest import wait_for_workers


@pytest.fixture
def members(main_window, qtbot):
    main_window.open_page("members")
    wait_for_workers(qtbot)
    return main_window.page("members")


def _held(monkeypatch, when):
    """Make `people.list_people` (the real SQLCipher query) wait for a gate when `when(args)`
    says so; returns the gate."""
    gate = threading.Event()
    real = people.list_people

    def list_people(ws, f, offset, limit, sort, descending):
        if when(sort, descending):
            assert gate.wait(20), "the test never opened the gate"
        return real(ws, f, offset, limit, sort, descending)

    monkeypatch.setattr(people, "list_people", list_people)
    return gate


def test_sorting_returns_to_the_event_loop_before_the_rows_arrive(members, qtbot, monkeypatch,
                                                                    demo_ws):
    model, view = members.model, members.table
    before = [model.row_values(r) for r in range(model.rowCount())]
    assert before and not model.loading and not view.loading_label.isVisible()
    gate = _held(monkeypatch, lambda sort, descending: descending)
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    heartbeat.start()

    started = time.perf_counter()
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # Name, Z to A
    assert time.perf_counter() - started < 0.1
    assert model.loading and view.loading_label.isVisible()
    assert view.loading_label.text() == "Loading…"
    qtbot.wait(200)  # the query is held: the window keeps repainting and taking keys
    assert len(beats) >= 10
    assert [model.row_values(r) for r in range(model.rowCount())] == before  # old rows stay
    assert model.loading

    gate.set()
    wait_for_workers(qtbot)
    heartbeat.stop()
    expected = people.list_people(demo_ws, people.PeopleFilter(), 0, model.page_size, "name",
                                  True)
    assert [r[-1] for r in (model.row_values(i) for i in range(model.rowCount()))] == \
        [p.id for p in expected]
    assert not model.loading and not view.loading_label.isVisible()
    assert model.total == people.count_people(demo_ws)


def test_a_result_overtaken_by_a_newer_sort_is_dropped(members, qtbot, monkeypatch, demo_ws):
    model, view = members.model, members.table
    gate = _held(monkeypatch, lambda sort, descending: sort == "programme")
    view.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # by Programme: held back
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # then by Name, Z to A: answers at once
    qtbot.waitUntil(lambda: not model.loading, timeout=30_000)
    by_name = [p.id for p in people.list_people(demo_ws, people.PeopleFilter(), 0,
                                                 model.page_size, "name", True)]
    assert [model.row_values(i)[-1] for i in range(model.rowCount())] == by_name
    gate.set()  # the programme order arrives last ...
    wait_for_workers(qtbot)
    assert model.dropped >= 1  # ... and is dropped
    assert [model.row_values(i)[-1] for i in range(model.rowCount())] == by_name
    assert (model.sort_key, model.descending) == ("name", True)


def test_a_search_typed_while_a_sort_loads_wins(members, qtbot, monkeypatch, demo_ws):
    model = members.model
    first = model.row_values(0)[0].split()[0]
    gate = _held(monkeypatch, lambda sort, descending: sort == "consent")
    members.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # held back
    members.search.setText(first)
    members.apply_filters()  # the debounce timer, at once
    expected = people.count_people(demo_ws, people.PeopleFilter(search=first))
    gate.set()
    wait_for_workers(qtbot)
    assert model.total == expected and f"{expected:,} " in members.count_label.text()


def test_after_a_scan_only_the_page_on_screen_reloads(main_window, qtbot, monkeypatch):
    for key in ("members", "safeguarding", "engagement", "moderation"):
        main_window.open_page(key)
        wait_for_workers(qtbot)
    counted = []
    real = people.count_people
    monkeypatch.setattr(people, "count_people", lambda *a, **k: counted.append(1) or real(*a, **k))
    moderation = main_window.page("moderation")
    moderation.scan()
    wait_for_workers(qtbot, timeout=60_000)
    assert "Scan:" in main_window.notifications.history[-1][0]
    assert {"members", "safeguarding", "engagement"} <= main_window.stale_pages()
    assert "moderation" not in main_window.stale_pages()
    assert counted == []  # Members did not reload while out of sight
    main_window.open_page("members")
    assert main_window.page("members").model.loading  # reloads (in the background) when shown
    assert "members" not in main_window.stale_pages()
    wait_for_workers(qtbot)
    assert counted


def test_engagement_charts_are_drawn_a_step_at_a_time(main_window, qtbot):
    """The Activity tab's three plots each in a turn of the event loop of their own, after the
    page shows, each made in one turn and shown in a later one; the cohort chart (a tab of its
    own) when its tab is shown."""
    main_window.open_page("engagement")
    page = main_window.page("engagement")
    charts = (page.activity.activity_chart, page.activity.active_chart, page.activity.new_chart)
    assert not any(chart.built for chart in (*charts, page.cohorts))  # the page shows first
    built_at: list[int] = []
    turns = [0]
    ticker = QTimer()
    ticker.setInterval(0)
    ticker.timeout.connect(lambda: turns.__setitem__(0, turns[0] + 1))
    ticker.start()
    made_at: dict[object, int] = {}  # the turn of each chart's first `make`
    for chart in charts:
        def build(c=chart, real=chart.build):
            if not c.built:
                built_at.append(turns[0])
            real()

        def make(c=chart, real=chart.make):
            made_at.setdefault(c, turns[0])
            real()

        chart.build, chart.make = build, make  # type: ignore[method-assign]
    wait_for_workers(qtbot, timeout=30_000)
    ticker.stop()
    assert all(chart.built for chart in charts) and not page.cohorts.built
    assert len(page.activity.activity_chart.curves) == 2
    assert len(built_at) == 3 and len(set(built_at)) == 3  # each plot in a turn of its own
    # each plot is made in one turn and put on screen (its first paint) in a later one
    assert len(made_at) == 3
    assert all(made_at[c] < b for c, b in zip(charts, built_at, strict=True))
    page.show_item(tab="cohorts")
    wait_for_workers(qtbot, timeout=30_000)
    assert page.cohorts.built and page.cohorts.cohorts


@pytest.mark.parametrize(("key", "part"), [("members", "panel"), ("safeguarding", "panel"),
                                           ("moderation", "panel"), ("engagement", "activity")])
def test_a_pages_side_panel_is_built_after_the_page_shows(main_window, qtbot, key, part):
    """The list paints first; the panel beside it (Engagement: its charts' tab) is built in a
    later turn of the event loop, or at once if something asks for it sooner."""
    main_window.open_page(key)
    page = main_window.page(key)
    place = getattr(page, "_" + part)
    assert not place.built
    wait_for_workers(qtbot)
    panel = getattr(page, part)
    assert place.built and place.isAncestorOf(panel) and not panel.isHidden()


def test_a_panel_asked_for_before_its_turn_is_built_at_once(main_window, qtbot):
    page = main_window.page("members")
    assert not page._panel.built
    page.panel.show_person(1)  # as a delivered first page would
    assert page._panel.built
    wait_for_workers(qtbot)  # its own turn comes and finds it built
    assert page._panel.built and not any(error for _, error in main_window.notifications.history)


def test_the_moderation_queue_is_asked_for_once_the_page_has_painted(main_window, qtbot):
    """The first paint is the page alone; the queue's rows come, and paint, in later turns."""
    main_window.open_page("moderation")
    page = main_window.page("moderation")
    assert page.model.rowCount() == 0 and not page.model.loading  # not even asked for yet
    qtbot.waitUntil(lambda: page.model.loading)
    wait_for_workers(qtbot)
    assert page.model.total == queue.count_items(main_window.ws)
    assert page.count_label.text() != "Loading…"


def test_the_1_1_lists_out_of_sight_are_built_after_the_page_shows(main_window, qtbot):
    main_window.open_page("connections")
    page = main_window.page("connections")
    assert set(page.views) == {"follow_ups"}
    wait_for_workers(qtbot)
    assert set(page.views) == {"follow_ups", "cadence", "newcomers", "never", "history"}
    page.lists.setCurrentIndex(4)
    assert page.views["history"].isVisible()


def test_the_first_page_shows_before_a_slow_count(members, qtbot, monkeypatch, demo_ws):
    """Counting a long list reads all of it: the rows come on their own and are shown first;
    the list is loaded (its total, no more "Loading…") once the count has come too."""
    model, view = members.model, members.table
    gate = threading.Event()
    real = people.count_people

    def count_people(*args, **kwargs):
        assert gate.wait(20), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(people, "count_people", count_people)
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    expected = [p.id for p in people.list_people(demo_ws, people.PeopleFilter(), 0,
                                                 model.page_size, "name", True)]
    qtbot.waitUntil(lambda: [model.row_values(i)[-1] for i in range(model.rowCount())]
                    == expected, timeout=30_000)
    assert model.loading and view.loading_label.isVisible()
    assert not model.canFetchMore()  # no next page until the count says there is one
    gate.set()
    wait_for_workers(qtbot)
    assert not model.loading and model.total == real(demo_ws, people.PeopleFilter())
    assert model.canFetchMore() == (model.total > model.page_size)
