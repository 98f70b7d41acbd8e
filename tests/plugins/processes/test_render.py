"""Report outputs opened by their own libraries: the PDF parses, the workbook has the rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pypdf

from gateway.plugins.processes.render import cell_text, render_table, summary_rows

COLUMNS = ["id", "Name", "GrandTotal", "IsActive", "DateOrdered", "C_BPartner_ID", "Created", "Note"]


def rows(n: int) -> list[list[object]]:
    return [
        [
            i, f"Order <{i}>", Decimal("10.50") * i, i % 2 == 0, date(2026, 1, 15),
            {"id": 7, "identifier": "Joe", "model-name": "c_bpartner"},
            datetime(2026, 1, 15, 12, tzinfo=UTC), None,
        ]
        for i in range(1, n + 1)
    ]  # fmt: skip


def test_cell_text_rules() -> None:
    assert cell_text(True) == "Yes" and cell_text(False) == "No" and cell_text(None) == ""
    assert cell_text(Decimal("1.50")) == "1.50"
    assert cell_text(date(2026, 1, 2)) == "2026-01-02"
    assert cell_text(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    assert cell_text({"id": 1, "identifier": "Joe"}) == "Joe"


def test_csv_is_rfc4180_without_title() -> None:
    ext, content, ctype = render_table("CSV", "Orders", COLUMNS, iter(rows(3)))
    assert (ext, ctype) == ("csv", "text/csv; charset=utf-8")
    assert not content.startswith(b"\xef\xbb\xbf") and b"\r\n" in content
    parsed = list(csv.reader(io.StringIO(content.decode())))
    assert parsed[0] == COLUMNS and len(parsed) == 4
    assert parsed[1][:6] == ["1", "Order <1>", "10.50", "No", "2026-01-15", "Joe"]


def test_html_escapes_and_counts() -> None:
    _, content, ctype = render_table("HTML", "Orders & Co", COLUMNS, iter(rows(2)))
    text = content.decode()
    assert ctype.startswith("text/html") and "<table" in text and "<thead>" in text
    assert "Order &lt;1&gt;" in text and "<h1>Orders &amp; Co</h1>" in text and "2 rows" in text


def test_xlsx_opens_with_expected_rows() -> None:
    ext, content, _ = render_table("XLS", "C_Order", COLUMNS, iter(rows(25)))
    assert ext == "xlsx" and content.startswith(b"PK")
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["C_Order"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == COLUMNS and len(values) == 26
    assert values[3][0] == 3 and values[3][2] == Decimal("31.5") or values[3][2] == 31.5
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_pdf_parses_with_page_numbers_and_repeated_header() -> None:
    ext, content, ctype = render_table("PDF", "Orders", COLUMNS, iter(rows(120)))
    assert (ext, ctype) == ("pdf", "application/pdf") and content.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(content))
    total = len(reader.pages)
    assert total > 1
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # > 6 columns: landscape
    for n, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"{n} / {total}" in text and "GrandTotal" in text


def test_summary_table() -> None:
    out = summary_rows(COLUMNS, iter(rows(4)))
    assert out[0] == ["(rows)", 4, None, None, None]
    assert out[1] == ["GrandTotal", 4, Decimal("105.00"), Decimal("10.50"), Decimal("42.00")]
    assert [r[0] for r in out] == ["(rows)", "GrandTotal"]
    _, content, _ = render_table("CSV", "x", COLUMNS, iter(rows(4)), summary=True)
    assert content.decode().splitlines()[:2] == ["column,count,sum,min,max", "(rows),4,,,"]
