"""One lazy table model over a paged query, for every big table in the app.

    model = PagedTableModel(
        [Column("created_at", "When"), Column("text", "Message")],
        fetch=lambda offset, limit, sort_key, descending: core.messages_page(ws, ...),
        count=lambda: core.messages_count(ws, ...),
    )

`fetch(offset, limit, sort_key, descending) -> list[tuple]` and `count() -> int` are core
functions: sorting and filtering happen in SQL there, never in Qt. The view asks for more rows
as it scrolls (`canFetchMore` / `fetchMore`), one page at a time.
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


class PagedTableModel(QAbstractTableModel):
    """A read-only table that loads `page_size` rows at a time from `fetch`."""

    total_changed = Signal(int)  # the number of rows the query has in all

    def __init__(self, columns: list[Column], fetch: Fetch, count: Count, page_size: int = 200,
                 parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self.page_size = page_size
        self._fetch = fetch
        self._count = count
        self._rows: list[tuple] = []
        self._total = 0
        self.sort_key: str | None = None
        self.descending = False
        self._load_first_page()

    # --- the query ---------------------------------------------------------------------------

    def set_source(self, fetch: Fetch, count: Count) -> None:
        """Swap the query (e.g. a new filter); keeps the sort order."""
        self._fetch, self._count = fetch, count
        self.reload()

    def reload(self) -> None:
        """Re-run the query from the first page (after the data changed)."""
        self.beginResetModel()
        self._load_first_page()
        self.endResetModel()
        self.total_changed.emit(self._total)

    def _load_first_page(self) -> None:
        self._total = int(self._count())
        self._rows = list(self._fetch(0, self.page_size, self.sort_key, self.descending))

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
        if parent.isValid():
            return
        start = len(self._rows)
        page = list(self._fetch(start, self.page_size, self.sort_key, self.descending))
        if not page:
            self._total = start  # the data shrank since we counted
            return
        self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (column.format or format_value)(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.hint is not None:
                return column.hint(value) or None
            if isinstance(value, str) and len(value) > 60:
                return value[:2000]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.align is not None:
                return int(column.align)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return value
        return None

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
        self.reload()
