"""XLSX (openpyxl, write-only) and PDF (reportlab platypus) outputs of `render_table` (processes.md §7).

Loaded only when a report asks for one of these formats. Builds bytes in memory; no I/O.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gateway.plugins.processes.render import cell_text

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _xlsx_value(value: Any) -> Any:
    """Native cells for numbers and dates; everything else as report text."""
    if isinstance(value, bool) or value is None or isinstance(value, dict):
        return cell_text(value)
    if isinstance(value, int | Decimal | float):
        return value
    if isinstance(value, datetime):
        return (
            value.replace(tzinfo=None) if value.tzinfo else value
        )  # Excel has no time zones; values are UTC
    if isinstance(value, date):
        return value
    return str(value)


def render_xlsx(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_SHEET_BAD.sub("_", title)[:31] or "Report")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _NumberedDoc(SimpleDocTemplate):
    """Two passes: the first counts pages, the second prints `n / N`."""

    total_pages = 0

    def afterPage(self) -> None:  # noqa: N802 (reportlab's hook name)
        self.total_pages = max(self.total_pages, self.page)


def render_pdf(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    data: list[list[str]] = [list(columns)]
    data.extend([cell_text(v) for v in row] for row in rows)
    size = landscape(A4) if len(columns) > 6 else A4
    first = _build_pdf(title, data, size, total=None)
    pages = first[1]
    return _build_pdf(title, data, size, total=pages)[0]


def _build_pdf(title: str, data: list[list[str]], size: Any, total: int | None) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    doc = _NumberedDoc(buffer, pagesize=size, title=title)
    styles = getSampleStyleSheet()
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ]
        )
    )

    def footer(canvas: Any, page_doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        text = f"{page_doc.page} / {total if total is not None else '?'}"
        canvas.drawRightString(page_doc.pagesize[0] - page_doc.rightMargin, page_doc.bottomMargin / 2, text)
        canvas.restoreState()

    story = [Paragraph(escape(title), styles["Title"]), Spacer(1, 6), table]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue(), doc.total_pages
