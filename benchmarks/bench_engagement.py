"""Engagement: the Overview + Engagement computation against a bare encrypted scan of the columns
it uses (the old anchor, a row-by-row read of `messages`, as a secondary line), and drawing /
panning a five-year daily chart."""

from __future__ import annotations

import time

from benchmarks.common import Figure, Timer, demo_workspace, unlock


def cpu_best_of(fn, repeat: int = 3) -> float:
    """The least CPU time (this process, all threads) of `repeat` runs: on a shared machine a
    wall clock measures the neighbours; SQLCipher's decryption runs in this process too."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def _bare_scan(ws) -> float:
    """Every activity column of every row touched inside SQLCipher, no Python object per row:
    a bare encrypted scan of the columns the metrics use, the floor any computation stands on."""
    from steward.engagement.activity import BARE_SCAN_SQL

    def scan():
        with ws.session() as s:
            s.connection().connection.driver_connection.execute(BARE_SCAN_SQL).fetchone()

    return cpu_best_of(scan, 3)


def _read_floor(ws) -> float:
    """The old anchor: the same columns read out of `messages` row by row into Python tuples."""
    from steward.engagement.activity import PLAIN_READ_SQL

    def read():
        with ws.session() as s:
            conn = s.connection().connection.driver_connection
            conn.execute(PLAIN_READ_SQL).fetchall()

    return cpu_best_of(read, 3)


def _overview_and_engagement(ws) -> None:
    """What opening the Overview tiles and the Engagement page computes, from a cold cache."""
    from steward.engagement import metrics, newcomers
    from steward.engagement.activity import forget_cached_activity

    forget_cached_activity()
    metrics.silence_alerts(ws)  # quiet-spaces tile (reads the columns once)
    newcomers.unwelcomed_newcomers(ws)  # newcomers tile
    report = metrics.engagement_report(ws)  # the page and the leaders tile
    newcomers.unwelcomed_newcomers(ws, now=report.as_of)


def _drop_snapshot(ws) -> None:
    with ws.transaction() as s:
        s.connection().exec_driver_sql("DELETE FROM activity_snapshot")


def bench_compute(scale: float):
    members, messages = int(100_000 * scale), int(2_000_000 * scale)
    path, _, _ = demo_workspace(members, messages, days=5 * 365)
    ws = unlock(path)
    try:
        # First open after an import that changed old messages: a scan of the activity table,
        # then the columns are stored. Every later open (a restart, another page) reads them
        # back. Figures and anchors are interleaved, best of three each.
        _overview_and_engagement(ws)  # imports pandas & co. once, as the app has by then
        bare = _bare_scan(ws)
        _drop_snapshot(ws)
        started = time.process_time()
        _overview_and_engagement(ws)
        first = time.process_time() - started
        with Timer() as wall:  # one wall-clock run, for the record
            _overview_and_engagement(ws)
        ours = cpu_best_of(lambda: _overview_and_engagement(ws), 3)
        bare = min(bare, _bare_scan(ws))
        floor = _read_floor(ws)
        ratio = ours / bare
        # The 3 s target is for the full 2,000,000 messages; smaller runs are judged by ratio.
        fast = ours < 3.0 if scale >= 1 else True
        yield Figure(f"Overview + Engagement compute, {messages:,} messages over 5 years "
                     "(columns kept in the store)", ours, "CPU-s",
                     "a bare encrypted scan of the same columns", bare, "CPU-s",
                     "<= 1.5x the scan (and < 3 s at full scale)", fast and ratio <= 1.5, ratio)
        yield Figure("  the same, one run by the wall clock", wall.seconds, "s",
                     "its CPU time (more means the machine was busy)", ours, "CPU-s",
                     "< 3 s at full scale", wall.seconds < 3.0 if scale >= 1 else None,
                     wall.seconds / ours)
        yield Figure("  the same, first open with no stored columns (scan, then store them)",
                     first, "CPU-s", "a bare encrypted scan of the same columns", bare, "CPU-s",
                     "(no target)", None, first / bare)
        yield Figure("  secondary: the same compute against the old anchor", ours, "CPU-s",
                     "read the needed columns of `messages` row by row", floor, "CPU-s",
                     "<= 1.3x the read", ours <= 1.3 * floor, ours / floor)

        from steward.engagement import metrics

        five_years = metrics.Period.last_days(5 * 365, metrics.today_in("UTC"))
        whole = cpu_best_of(lambda: metrics.engagement_report(ws, five_years), 3)
        yield Figure("Engagement report for the whole 5-year period (cached read)", whole,
                     "CPU-s", "a bare encrypted scan of the same columns", bare, "CPU-s",
                     "<= 1.5x the scan",
                     whole <= 1.5 * bare, whole / bare)
    finally:
        ws.lock()


def _redraw_ms(chart, app, days: int, rounds: int = 30) -> float:
    """Mean milliseconds to pan the view by a week and repaint it synchronously."""
    item = chart.plot.getPlotItem()
    start = (chart.days[0].toordinal() - 719163) * 86400.0
    width = days * 86400.0
    item.setXRange(start, start + width * 0.8, padding=0)
    chart.plot.viewport().repaint()
    app.processEvents()
    with Timer() as t:
        for n in range(rounds):
            shift = (n % 10) * 7 * 86400.0
            item.setXRange(start + shift, start + shift + width * 0.8, padding=0)
            chart.plot.viewport().repaint()  # one synchronous paint per pan step
    app.processEvents()
    return t.seconds * 1000 / rounds


def bench_chart():
    from datetime import date, timedelta

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from steward.ui.pages.engagement_charts import TimeChart

    def chart_of(days: int) -> TimeChart:
        first = date(2021, 1, 1)
        span = [first + timedelta(days=i) for i in range(days)]
        chart = TimeChart("Messages and active members per day")
        chart.resize(1200, 400)
        chart.show()
        chart.set_series(span, {"Messages": [1000 + (i * 37) % 400 for i in range(days)],
                                "Active members": [300 + (i * 13) % 90 for i in range(days)]})
        app.processEvents()
        return chart

    started = time.perf_counter()
    big = chart_of(5 * 365 + 1)
    first_draw = (time.perf_counter() - started) * 1000
    small = chart_of(90)
    ours, anchor = _redraw_ms(big, app, 5 * 365 + 1), _redraw_ms(small, app, 90)
    big.close()
    small.close()
    yield Figure("pan + redraw a 5-year daily chart (2 series, offscreen)", ours, "ms",
                 "the same chart with 90 days", anchor, "ms", "< 50 ms per redraw", ours < 50,
                 ours / anchor if anchor else None)
    yield Figure("build and first draw of the 5-year chart", first_draw, "ms",
                 "pan + redraw of it", ours, "ms", "(no target)", None)


def run(scale: float):
    yield from bench_compute(scale)
    yield from bench_chart()
