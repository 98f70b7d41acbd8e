"""`render_table` (processes.md §7): cell formatting, the summary table, HTML (Jinja2) and CSV outputs.

Rows arrive as an iterable and are consumed once, so a report never holds more than the renderer needs;
XLSX and PDF live in `render_office.py`. No I/O beyond building bytes in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import jinja2

CONTENT_TYPES = {
    "HTML": ("html", "text/html; charset=utf-8"),
    "CSV": ("csv", "text/csv; charset=utf-8"),
    "XLS": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "PDF": ("pdf", "application/pdf"),
}
SUMMARY_COLUMNS = ("column", "count", "sum", "min", "max")

_HTML = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ title }}</title>
<style>table{border-collapse:collapse}th,td{border:1px solid #999;padding:2px 6px}</style></head>
<body><h1>{{ title }}</h1>
<table><thead><tr>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr></thead><tbody>
{% for row in rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
<p>{{ counter.n }} rows</p></body></html>
"""
)


def cell_text(value: Any) -> str:
    """One value as report text: Yes/No, exact numbers, ISO dates, FK identifiers, empty for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return str(value.get("identifier", value.get("id", "")))
    return str(value)


@dataclass
class _Counter:
    n: int = 0

    def count(self, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        for row in rows:
            self.n += 1
            yield row


def is_numeric(value: Any) -> bool:
    return isinstance(value, int | Decimal | float) and not isinstance(value, bool)


def summary_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """`(rows)` with the row count, then count/sum/min/max per numeric non-key, non-FK column."""
    total = 0
    stats: dict[int, list[Any]] = {}  # index -> [count, sum, min, max]
    excluded: set[int] = {i for i, c in enumerate(columns) if c.lower() in ("id", "uid")}
    for row in rows:
        total += 1
        for i, value in enumerate(row):
            if i in excluded or value is None:
                continue
            if not is_numeric(value):
                excluded.add(i)
                stats.pop(i, None)
                continue
            s = stats.setdefault(i, [0, Decimal(0), value, value])
            s[0] += 1
            s[1] += Decimal(str(value)) if isinstance(value, float) else value
            s[2], s[3] = min(s[2], value), max(s[3], value)
    out: list[list[Any]] = [["(rows)", total, None, None, None]]
    out.extend([columns[i], *stats[i]] for i in sorted(stats))
    return out


def render_html(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    counter = _Counter()
    text_rows = ([cell_text(v) for v in row] for row in counter.count(rows))
    parts = _HTML.generate(title=title, columns=columns, rows=text_rows, counter=counter)
    return "".join(parts).encode("utf-8")


def render_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, raw: bool = False) -> bytes:
    """RFC 4180, CRLF, UTF-8 without BOM; `raw` keeps export values (Y/N, FK ids) as given."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    to_text = export_text if raw else cell_text
    for row in rows:
        writer.writerow([to_text(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def export_text(value: Any) -> str:
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return cell_text(value)


def render_table(
    kind: str, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, summary: bool = False
) -> tuple[str, bytes, str]:
    """(extension, bytes, content type) of `rows` rendered as `kind` (HTML, CSV, XLS or PDF)."""
    from gateway.plugins.processes import render_office

    if summary:
        columns, rows = SUMMARY_COLUMNS, summary_rows(columns, rows)
    ext, content_type = CONTENT_TYPES[kind]
    if kind == "HTML":
        content = render_html(title, columns, rows)
    elif kind == "CSV":
        content = render_csv(columns, rows)
    elif kind == "XLS":
        content = render_office.render_xlsx(title, columns, rows)
    else:
        content = render_office.render_pdf(title, columns, rows)
    return ext, content, content_type
