"""One lazy table model over a paged query, for every big table in the app.

    model = PagedTableModel(
        [Column("created_at", "When"), Column("text", "Message")],
        fetch=lambda offset, limit, sort_key, descending: core.messages_page(ws, ...),
        count=lambda: core.messages_count(ws, ...),
    )

`fetch(offset, limit, sort_key, descending) -> list[tuple]` and `count() -> int` are core
functions: sorting and filtering happen in SQL there, never in Qt. The view asks for more rows
as it scrolls (`canFetchMore` / `fetchMore`), one page at a time.

A query runs in the background (`steward.ui.workers`): while a first page, a re-sorted page or
a new filter is on its way the model keeps the rows it has and says `loading`; a result that a
newer request has overtaken is dropped. Code that needs the rows (select an item after a
reload) passes a callback to `after_load`. A short list already in memory (`list_source`)
loads at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from steward import clock
from steward.ui import workers

Fetch = Callable[[int, int, str | None, bool], list[tuple]]
Count = Callable[[], int]
_Index = QModelIndex | QPersistentModelIndex


def format_value(value: Any) -> str:
    """How a plain value reads in a table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    text = str(value)
    return text if len(text) <= 300 else text[:299] + "…"


def counted(n: int, word: str, plural: str | None = None) -> str:
    """'1 source', '2 sources', '1,204 messages': a count with its word in the right number."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def days_since(value: datetime, now: datetime | None = None) -> int:
    """Whole days (24-hour periods) from `value` to now: the one rule for "N days" in the app,
    the same as a space's quiet days (`SilenceAlert.silent_days`)."""
    return ((now or clock.now()) - value).days


def format_ago(value: datetime | None, now: datetime | None = None) -> str:
    """'today', 'yesterday', '3 days ago', '5 weeks ago', '4 months ago', '1 year ago' for a
    naive UTC time. The number of days is `days_since`, so "7 days ago" beside "quiet for 7
    days" always agree; under a day reads by the calendar (today or yesterday)."""
    if value is None:
        return _t("never")
    now = now or clock.now()
    days = days_since(value, now)
    if days <= 0:
        return _t("today") if value.date() >= now.date() else _t("yesterday")
    if days < 28:
        return (_t("1 day ago") if days == 1 else _t("{n} days ago")).format(n=days)
    if days < 120:
        return _t("{n} weeks ago").format(n=days // 7)  # 4 to 17
    if days < 365:
        return _t("{n} months ago").format(n=days // 30)  # 4 to 12
    years = days // 365
    return (_t("1 year ago") if years == 1 else _t("{n} years ago")).format(n=f"{years:,}")


def _t(text: str) -> str:
    return QCoreApplication.translate("Time", text)


def format_day(value: date | datetime | None) -> str:
    """'10 Nov 2026': a date as people write it."""
    return f"{value.day} {value:%b %Y}" if value is not None else ""


def list_source(rows: list[tuple], columns: list[Column]) -> tuple[Fetch, Count]:
    """`fetch`/`count` over a short list already in memory (tens of rows, e.g. spaces);
    big tables page and sort in SQL instead."""

    def fetch(offset: int, limit: int, sort_key: str | None, descending: bool) -> list[tuple]:
        ordered = rows
        if sort_key is not None:
            at = [c.key for c in columns].index(sort_key)
            ordered = sorted(rows, key=lambda r: (r[at] is None, r[at]), reverse=descending)
        return ordered[offset:offset + limit]

    fetch.in_memory = True  # type: ignore[attr-defined]  # quick: no need for a worker
    return fetch, lambda: len(rows)


@dataclass(frozen=True)
class Column:
    """A table column: `key` is what `fetch` sorts by; the value is the row tuple's item at the
    column's position."""

    key: str
    title: str
    align: Qt.AlignmentFlag | None = None  # default: numbers right, everything else left
    format: Callable[[Any], str] | None = None
    sortable: bool = True
    tooltip: str = ""
    hint: Callable[[Any], str] | None = None  # the cell's tooltip, from its value


_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_USER = int(Qt.ItemDataRole.UserRole.value)
_ROLES = frozenset({_DISPLAY, _TOOLTIP, _ALIGN, _USER})
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_LEFT = int((Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter).value)


class PagedTableModel(QAbstractTableModel):
    """A read-only table that loads `page_size` rows at a time from `fetch`.

    With `background` (the default unless the source is a `list_source`), every query runs on
    the worker pool and the UI thread only swaps the rows in when they arrive."""

    total_changed = Signal(int)  # the number of rows the query has in all (after each load)
    loading_changed = Signal(bool)  # a first page (new sort, filter or data) is on its way
    load_failed = Signal(str)  # one line; the old rows stay

    def __init__(self, columns: list[Column], fetch: Fetch, count: Count, page_size: int = 200,
                 parent=None, background: bool | None = None):
        super().__init__(parent)
        self.columns = list(columns)
        self.page_size = page_size
        self._fetch = fetch
        self._count = count
        self._rows: list[tuple] = []
        self._total = 0
        self.sort_key: str | None = None
        self.descending = False
        self._background_choice = background  # None: by the source (a list loads at once)
        self.background = self._runs_in_background(fetch)
        self._generation = 0  # bumped by every new request; older results are dropped
        self._loading = False
        self._more_pending = False  # a next page is on its way
        self._after: list[Callable[[], None]] = []
        self._waiting: list[tuple[int, Callable[[], None]]] = []  # (rows wanted, then call)
        self._counted: int | None = None  # the first page's count, when it has come
        self._first_rows_came = False
        self.dropped = 0  # results a newer request overtook (for tests and the benchmark)
        if self.background:
            self._request_first_page()
        else:
            self._load_first_page()

    # --- the query ---------------------------------------------------------------------------

    def set_source(self, fetch: Fetch, count: Count) -> None:
        """Swap the query (e.g. a new filter); keeps the sort order."""
        self._fetch, self._count = fetch, count
        self.background = self._runs_in_background(fetch)
        self.reload()

    def _runs_in_background(self, fetch: Fetch) -> bool:
        if self._background_choice is not None:
            return self._background_choice
        return not getattr(fetch, "in_memory", False)

    def reload(self) -> None:
        """Re-run the query from the first page (after the data changed)."""
        if self.background:
            self._request_first_page()
            return
        self._generation += 1
        self._more_pending = False
        self._set_loading(False)
        self.beginResetModel()
        self._load_first_page()
        self.endResetModel()
        self.total_changed.emit(self._total)
        self._run_after()

    def _load_first_page(self) -> None:
        self._total = int(self._count())
        self._rows = list(self._fetch(0, self.page_size, self.sort_key, self.descending))

    def _request_first_page(self) -> None:
        """The first page and the count, each on a worker of its own: the rows are shown as
        soon as they come (counting a long list reads all of it), and the list is loaded
        (`loading` False, `total_changed`, `after_load`) once both have."""
        self._generation += 1
        self._more_pending = False
        self._waiting = []  # they wanted rows of the list being replaced
        self._counted, self._first_rows_came = None, False
        generation = self._generation
        fetch, count, key, descending = self._fetch, self._count, self.sort_key, self.descending
        size = self.page_size
        rows = workers.start_query(lambda: list(fetch(0, size, key, descending)))
        rows.finished.connect(lambda page: self._first_page_arrived(generation, page))
        rows.failed.connect(lambda message: self._failed(generation, message))
        counted = workers.start_query(lambda: int(count()))
        counted.finished.connect(lambda total: self._count_arrived(generation, total))
        counted.failed.connect(lambda message: self._failed(generation, message))
        self._set_loading(True)

    def _first_page_arrived(self, generation: int, rows: list[tuple]) -> None:
        if generation != self._generation:
            self.dropped += 1  # a newer sort, filter or reload is on its way
            return
        self._first_rows_came = True
        self.beginResetModel()
        # until the count comes, no next page is asked for
        self._total = len(rows) if self._counted is None else self._counted
        self._rows = rows
        self.endResetModel()
        self._loaded_if_counted()

    def _count_arrived(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        self._counted = total
        self._loaded_if_counted()

    def _loaded_if_counted(self) -> None:
        if self._counted is None or not self._first_rows_came:
            return
        self._total = self._counted
        self._set_loading(False)
        self.total_changed.emit(self._total)
        self._run_after()

    def _failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._more_pending = False
        self._waiting = []
        self._set_loading(False)
        self.load_failed.emit(message)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _run_after(self) -> None:
        callbacks, self._after = self._after, []
        for callback in callbacks:
            callback()

    def after_load(self, callback: Callable[[], None]) -> None:
        """Call `callback` (on the UI thread) once the rows are up to date with the latest
        request: at once if nothing is on its way."""
        if self._loading:
            self._after.append(callback)
        else:
            callback()

    @property
    def loading(self) -> bool:
        """True while a first page (a new sort, filter or reload) is on its way."""
        return self._loading

    @property
    def total(self) -> int:
        return self._total

    @property
    def loaded(self) -> int:
        return len(self._rows)

    def row_values(self, row: int) -> tuple:
        return self._rows[row]

    # --- Qt model ----------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        """The view scrolled near the end: ask for the next page (in the background)."""
        if parent.isValid():
            return
        if not self.background:
            self._fetch_more_now()
            return
        if self._more_pending or self._loading:
            return
        self._more_pending = True
        generation, start = self._generation, len(self._rows)
        fetch, key, descending, size = self._fetch, self.sort_key, self.descending, \
            self.page_size
        worker = workers.start_query(lambda: list(fetch(start, size, key, descending)))
        worker.finished.connect(lambda page: self._next_page_arrived(generation, start, page))
        worker.failed.connect(lambda message: self._failed(generation, message))

    def _next_page_arrived(self, generation: int, start: int, page: list[tuple]) -> None:
        if generation != self._generation or start != len(self._rows):
            self.dropped += 1
            return
        self._more_pending = False
        self._append(start, page)
        waiting, self._waiting = self._waiting, []
        for rows, callback in waiting:
            self.when_rows(rows, callback)

    def when_rows(self, rows: int, callback: Callable[[], None]) -> None:
        """Call `callback` (on the UI thread) once at least `rows` rows are loaded, or every
        row is: further pages load in the background meanwhile (e.g. a keyboard move past the
        last loaded row). Dropped if the list is reloaded first."""
        if self._loading:  # a new list is on its way: count its rows
            self.after_load(lambda: self.when_rows(rows, callback))
        elif len(self._rows) >= rows or not self.canFetchMore():
            callback()
        elif not self.background:
            self._fetch_more_now()
            self.when_rows(rows, callback)
        else:
            self._waiting.append((rows, callback))
            self.fetchMore()

    def _fetch_more_now(self) -> None:
        """Load the next page on the calling thread (a list already in memory)."""
        self._more_pending = False
        start = len(self._rows)
        self._append(start, list(self._fetch(start, self.page_size, self.sort_key,
                                             self.descending)))

    def _append(self, start: int, page: list[tuple]) -> None:
        if not page:
            self._total = start  # the data shrank since we counted
            return
        self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()
    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every role of every visible cell on each paint: answer the roles we do
        # not use first, comparing plain ints (PySide's enum comparisons cost microseconds).
        role = int(role)
        if role not in _ROLES or not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        column = self.columns[index.column()]
        if role == _DISPLAY:
            return (column.format or format_value)(value)
        if role == _TOOLTIP:
            if column.hint is not None:
                return column.hint(value) or None
            if isinstance(value, str) and len(value) > 60:
                return value[:2000]
            return None
        if role == _ALIGN:
            if column.align is not None:
                return int(column.align)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            return _RIGHT if numeric else _LEFT
        return value  # UserRole

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("Columns", self.columns[section].title)
        if role == Qt.ItemDataRole.ToolTipRole and self.columns[section].tooltip:
            return self.columns[section].tooltip
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-query sorted by the column's key (in SQL, in the core function)."""
        if not 0 <= column < len(self.columns) or not self.columns[column].sortable:
            return
        self.sort_key = self.columns[column].key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()  # in the background: the old rows stay until the new order arrives
