"""Every PDF Steward writes goes through here: fpdf2 with embedded Unicode fonts.

DejaVu Sans sets the text and Noto Emoji fills in what it lacks (resources/fonts/README.md has
their sources and licences); HarfBuzz shapes Arabic and other joining scripts, so a record
quotes a member exactly: Welsh ŵ ŷ, Polish ł, Arabic, Ukrainian and emoji all survive, and
copying text out of the PDF gives back what was written. Charts are drawn as vectors, with a
title, dated axes, axis labels and their values written on them.

No Qt here: the command line and the desktop write the same file the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from steward.resources import resource_path

FONT = "DejaVu"
EMOJI = "NotoEmoji"
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (206, 212, 218)
PALETTE = [(31, 119, 180), (230, 126, 34), (44, 160, 44), (148, 103, 189), (214, 39, 40)]
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def number(value: float) -> str:
    """A figure as people read it: 1,234 or 12.5 (no trailing .0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def axis_number(value: float) -> str:
    """An axis label: 950, 1,200, 12k, 1.5M."""
    v = abs(value)
    if v >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if v >= 10_000:
        return f"{value / 1000:.0f}k"
    return number(value)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round steps from 0 to at least `top` (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step < 1:
        step = 1.0
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


class Document:
    """An A4 document: headings, paragraphs, tables, charts; saved in one call."""

    def __init__(self, title: str, footer: str = "", author: str = "Steward",
                 header: str = ""):
        from fpdf import FPDF

        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(18, 18, 18)
        pdf.set_auto_page_break(True, margin=18)
        fonts = resource_path("fonts")
        pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        pdf.add_font(EMOJI, "", str(fonts / "NotoEmoji-Regular.ttf"))
        pdf.set_fallback_fonts([EMOJI], exact_match=False)
        pdf.set_text_shaping(True)
        pdf.set_title(title)
        pdf.set_author(author)
        pdf.set_creator("Steward")
        pdf.alias_nb_pages()
        footer_text = footer

        def draw_footer() -> None:
            pdf.set_y(-12)
            pdf.set_font(FONT, "", 7.5)
            pdf.set_text_color(*MUTED)
            pdf.cell(0, 5, f"{footer_text}   Page {pdf.page_no()} of {{nb}}".strip(),
                     align="C")

        pdf.footer = draw_footer
        if header:  # on every page, above the text (e.g. a confidentiality marking)
            def draw_header() -> None:
                pdf.set_y(8)
                pdf.set_font(FONT, "B", 8)
                pdf.set_text_color(*INK)
                pdf.cell(0, 5, header, align="C", new_x="LMARGIN", new_y="NEXT")
                pdf.set_y(max(pdf.get_y(), pdf.t_margin))

            pdf.header = draw_header
        pdf.add_page()
        self.pdf = pdf
        self.width = pdf.w - pdf.l_margin - pdf.r_margin

    # --- text -----------------------------------------------------------------------------

    def title(self, text: str, subtitle: str = "") -> None:
        p = self.pdf
        p.set_text_color(*INK)
        p.set_font(FONT, "B", 17)
        p.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT", align="L")
        if subtitle:
            p.set_font(FONT, "", 9.5)
            p.set_text_color(*MUTED)
            p.multi_cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT", align="L")
        p.ln(3)

    def heading(self, text: str, size: float = 12.5, keep: float = 30) -> None:
        """A section heading; `keep` mm of what follows stay on its page with it."""
        p = self.pdf
        if p.get_y() + 12 + keep > p.h - p.b_margin:  # never alone at the foot of a page
            p.add_page()
        p.ln(2)
        p.set_text_color(*INK)
        p.set_font(FONT, "B", size)
        p.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT", align="L")
        p.set_draw_color(*RULE)
        p.line(p.l_margin, p.get_y(), p.l_margin + self.width, p.get_y())
        p.ln(1.5)

    def paragraph(self, text: str, size: float = 10, bold: bool = False,
                  muted: bool = False) -> None:
        p = self.pdf
        p.set_font(FONT, "B" if bold else "", size)
        p.set_text_color(*(MUTED if muted else INK))
        p.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
        p.ln(1)

    def bullets(self, items: Sequence[str], size: float = 10) -> None:
        p = self.pdf
        p.set_font(FONT, "", size)
        p.set_text_color(*INK)
        for item in items:
            p.set_x(p.l_margin)
            p.cell(5, size * 0.5, "•")
            p.multi_cell(self.width - 5, size * 0.5, item, new_x="LMARGIN", new_y="NEXT",
                         align="L")
            p.ln(0.8)

    def figures(self, rows: Sequence[tuple[str, str, str]]) -> None:
        """Headline figures: a big value, its label, and one line on what it means."""
        p = self.pdf
        value_w = 34
        for value, label, meaning in rows:
            if p.get_y() > p.h - 35:
                p.add_page()
            top = p.get_y()
            p.set_font(FONT, "B", 15)
            p.set_text_color(*PALETTE[0])
            p.set_xy(p.l_margin, top)
            p.multi_cell(value_w, 7, value, new_x="RIGHT", new_y="TOP", align="L")
            p.set_xy(p.l_margin + value_w, top)
            p.set_font(FONT, "B", 10)
            p.set_text_color(*INK)
            p.multi_cell(self.width - value_w, 5, label, new_x="LMARGIN", new_y="NEXT",
                         align="L")
            p.set_x(p.l_margin + value_w)
            p.set_font(FONT, "", 9)
            p.set_text_color(*MUTED)
            p.multi_cell(self.width - value_w, 4.5, meaning, new_x="LMARGIN", new_y="NEXT",
                         align="L")
            p.set_y(max(p.get_y(), top + 8) + 2)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]],
              widths: Sequence[float] | None = None, size: float = 9) -> None:
        p = self.pdf
        p.set_text_color(*INK)
        p.set_font(FONT, "", size)
        p.set_draw_color(*RULE)
        p.set_fill_color(255, 255, 255)
        p.set_line_width(0.2)
        with p.table(col_widths=tuple(widths) if widths else None, text_align="LEFT",
                     line_height=size * 0.55, borders_layout="HORIZONTAL_LINES",
                     headings_style=_heading_style(), first_row_as_headings=True,
                     cell_fill_mode="NONE") as t:
            t.row([str(h) for h in header])
            for row in rows:
                t.row(["—" if v is None else str(v) for v in row])
        p.ln(2)

    def space(self, mm: float = 3) -> None:
        self.pdf.ln(mm)

    # --- charts ---------------------------------------------------------------------------

    def line_chart(self, title: str, days: Sequence[date], series: dict[str, Sequence[float]],
                   y_label: str, height: float = 62, label_values: bool = True) -> None:
        """Lines over dated days; the axes dated and labelled, each line's last value and
        peak written beside it."""
        top, (x0, y0, w, h) = self._chart_frame(title, height)
        values = [v for s in series.values() for v in s if v is not None]
        ticks = nice_ticks(max(values, default=0))
        ymax = ticks[-1]
        p = self.pdf
        self._y_axis(x0, y0, w, h, ticks, y_label)
        n = max(len(days), 1)

        def xy(i: int, v: float) -> tuple[float, float]:
            return x0 + (w * (i + 0.5) / n), y0 + h - h * (v / ymax if ymax else 0)

        self._date_axis(x0, y0, w, h, days)
        p.set_font(FONT, "", 7.5)
        p.set_text_color(*MUTED)
        p.set_xy(x0, y0 + h + 5)
        p.cell(w, 4, "Date", align="C")
        for k, ys in enumerate(series.values()):
            colour = PALETTE[k % len(PALETTE)]
            p.set_draw_color(*colour)
            p.set_line_width(0.45)
            points = [xy(i, v) for i, v in enumerate(ys) if v is not None]
            if len(points) > 1:
                p.polyline(points)
            if label_values and ys:
                peak = max(range(len(ys)), key=lambda i: ys[i] or 0)
                self._value_label(*xy(peak, ys[peak]), f"peak {number(ys[peak])}", colour)
                last = len(ys) - 1
                if last != peak:
                    self._value_label(*xy(last, ys[last]), number(ys[last]), colour)
        p.set_line_width(0.2)
        self._legend(x0, y0 + h + 9.5, list(series))
        p.set_y(top + height + 4)

    def bar_chart(self, title: str, labels: Sequence[str], values: Sequence[float],
                  y_label: str, x_label: str, height: float = 58) -> None:
        """Bars with their value written on each (e.g. messages per month)."""
        top, (x0, y0, w, h) = self._chart_frame(title, height)
        ticks = nice_ticks(max(values, default=0))
        ymax = ticks[-1]
        p = self.pdf
        self._y_axis(x0, y0, w, h, ticks, y_label)
        n = max(len(values), 1)
        slot = w / n
        p.set_fill_color(*PALETTE[0])
        for i, (label, v) in enumerate(zip(labels, values, strict=True)):
            bh = h * (v / ymax) if ymax else 0
            bx = x0 + slot * i + slot * 0.15
            p.rect(bx, y0 + h - bh, slot * 0.7, bh, style="F")
            p.set_font(FONT, "", 6.5)
            p.set_text_color(*INK)
            p.set_xy(x0 + slot * i, y0 + h - bh - 4)
            p.cell(slot, 4, number(v), align="C")
            p.set_text_color(*MUTED)
            p.set_xy(x0 + slot * i, y0 + h + 1)
            p.cell(slot, 4, label, align="C")
        p.set_font(FONT, "", 7.5)
        p.set_xy(x0, y0 + h + 5.5)
        p.cell(w, 4, x_label, align="C")
        p.set_y(top + height + 4)

    def _chart_frame(self, title: str, height: float):
        p = self.pdf
        if p.get_y() + height + 14 > p.h - p.b_margin:
            p.add_page()
        top = p.get_y()
        p.set_font(FONT, "B", 10.5)
        p.set_text_color(*INK)
        p.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
        x0 = p.l_margin + 16
        y0 = top + 13
        w = self.width - 18
        h = height - 26
        return top, (x0, y0, w, h)

    def _y_axis(self, x0, y0, w, h, ticks, y_label) -> None:
        p = self.pdf
        ymax = ticks[-1] or 1
        p.set_font(FONT, "", 7)
        for t in ticks:
            y = y0 + h - h * t / ymax
            p.set_draw_color(*RULE)
            p.set_line_width(0.1)
            p.line(x0, y, x0 + w, y)
            p.set_text_color(*MUTED)
            p.set_xy(x0 - 15, y - 2)
            p.cell(14, 4, axis_number(t), align="R")
        p.set_draw_color(*MUTED)
        p.set_line_width(0.25)
        p.line(x0, y0, x0, y0 + h)
        p.line(x0, y0 + h, x0 + w, y0 + h)
        # The y axis's label, above it (reads left to right, as boards prefer).
        p.set_font(FONT, "", 7.5)
        p.set_text_color(*MUTED)
        p.set_xy(x0 - 15, y0 - 5.5)
        p.cell(w, 4, y_label)

    def _date_axis(self, x0, y0, w, h, days: Sequence[date]) -> None:
        p = self.pdf
        n = len(days)
        if not n:
            return
        p.set_font(FONT, "", 7)
        p.set_text_color(*MUTED)
        marks = _date_marks(days)
        for i, label in marks:
            x = x0 + w * (i + 0.5) / n
            p.set_draw_color(*MUTED)
            p.line(x, y0 + h, x, y0 + h + 1.2)
            p.set_xy(x - 12, y0 + h + 1.3)
            p.cell(24, 3.5, label, align="C")

    def _value_label(self, x: float, y: float, text: str, colour) -> None:
        p = self.pdf
        p.set_fill_color(*colour)
        p.rect(x - 0.7, y - 0.7, 1.4, 1.4, style="F")
        p.set_font(FONT, "B", 6.5)
        p.set_text_color(*colour)
        p.set_xy(x - 15, y - 4.2)
        p.cell(30, 3.5, text, align="C")

    def _legend(self, x: float, y: float, names: list[str]) -> None:
        p = self.pdf
        p.set_font(FONT, "", 7.5)
        for k, name in enumerate(names):
            colour = PALETTE[k % len(PALETTE)]
            p.set_fill_color(*colour)
            p.rect(x, y + 1, 4, 1.6, style="F")
            p.set_text_color(*INK)
            p.set_xy(x + 5, y)
            width = p.get_string_width(name) + 9
            p.cell(width, 3.8, name)
            x += width + 5

    # --- output ---------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the PDF to `path` (callers write beside the target and rename when done)."""
        self.pdf.output(str(path))


def _heading_style():
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="BOLD", color=INK, fill_color=(241, 243, 245))


def _date_marks(days: Sequence[date]) -> list[tuple[int, str]]:
    """Where to date the x axis: month starts ("1 Sep"), or weeks for short periods; the
    first tick carries the year."""
    n = len(days)
    if n <= 1:
        return [(0, f"{days[0].day} {MONTHS[days[0].month - 1]} {days[0].year}")] if n else []
    if n <= 45:
        idx = list(range(0, n, 7))
    else:
        idx = [i for i, d in enumerate(days) if d.day == 1] or [0]
        if idx[0] > n * 0.08:
            idx.insert(0, 0)
    marks = []
    shown_year = None
    for i in idx:
        d = days[i]
        label = f"{d.day} {MONTHS[d.month - 1]}"
        if d.year != shown_year:
            label += f" {d.year}"
            shown_year = d.year
        marks.append((i, label))
    return marks


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[str]


def write_document(title: str, subtitle: str, sections: Sequence[Section], path: Path,
                   footer: str = "", header: str = "") -> None:
    """A plain record: a title, then headed sections of paragraphs (every word kept); `header`
    is printed at the top of every page."""
    doc = Document(title, footer=footer, header=header)
    doc.title(title, subtitle)
    for section in sections:
        doc.heading(section.heading)
        for line in section.lines:
            doc.paragraph(line)
    doc.save(path)


def month_label(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.year}"


def month_starts(since: date, until: date) -> list[date]:
    out, d = [], since.replace(day=1)
    while d <= until:
        out.append(d)
        d = (d + timedelta(days=32)).replace(day=1)
    return out
