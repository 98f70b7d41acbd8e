"""The JSON of a list page built by PostgreSQL: the same bytes the Python encoder writes, without per-row
Python work.

The page query becomes a subquery numbered by its own ORDER BY; the outer statement returns the row
count and the records array as one text value, `[{"id":...},...]`, assembled with `||` from per-kind
expressions (compact separators, keys in record order, exactly like orjson). Only plain pages qualify:
every output of a kind whose text form PostgreSQL writes exactly as the encoder does (see `_value`), FK
identifiers of one string or integer column, no `$expand`. Everything else, and every request that needs
the rows themselves (formats, ETags, keyset links), keeps the Python encoder. The parity test compares
both paths byte for byte over every demo table.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement

from filter_grammar.sqlmath import gw_asc, gw_desc
from gateway.catalog.model import ColumnInfo, ColumnKind
from gateway.pipeline.query.select import BuiltExpand, Layout, keys_clause, layout_of, raw
from gateway.pipeline.types import Output, ReadPlan

Text = ColumnElement[str]
_TS = 'YYYY-MM-DD"T"HH24:MI:SS'
_PLAIN = (ColumnKind.INTEGER, ColumnKind.DECIMAL)
_TEXTUAL = (ColumnKind.STRING, ColumnKind.YESNO)
_NON_FINITE: list[ColumnElement[str]] = [
    sa.literal_column("'NaN'"),
    sa.literal_column("'Infinity'"),
    sa.literal_column("'-Infinity'"),
]


@dataclass(frozen=True, slots=True)
class JsonStatements:
    page: sa.Select[Any]  # one row: the number of records and the records array as text
    rows: sa.Select[Any]  # one record text per row, in page order (streamed pages)


def json_statements(plan: ReadPlan, layout: Layout, main: sa.Select[Any]) -> JsonStatements | None:
    """Both forms over the page query `main`, or None when the plan has something PostgreSQL would not
    write byte for byte like the encoder."""
    if not _qualifies(plan, layout):
        return None
    rows = main.with_only_columns(_record(plan, layout, list(layout.columns)).label("record"))
    return JsonStatements(_page(plan, layout, main), rows)


def json_expands(plan: ReadPlan, built: tuple[BuiltExpand, ...], arrays: bool) -> tuple[BuiltExpand, ...]:
    """The expand levels with, for child collections that qualify, their arrays built by the database."""
    return tuple(
        dataclasses.replace(b, json=_children(e.target, e.link, b.param, arrays)) if e.is_child else b
        for e, b in zip(plan.expands, built, strict=True)
    )


def _children(target: ReadPlan, link: str, keys_param: str, arrays: bool) -> sa.Select[Any] | None:
    """Per parent key: its number of children and their records array as text, in the child order and
    within the child's own $top/$skip (ROW_NUMBER per parent, as `child_select`)."""
    link_col = target.alias.c[link]
    layout = layout_of(target, link=link_col)
    if not _qualifies(target, layout):
        return None
    labelled = [raw(c).label(f"c{i}") for i, c in enumerate(layout.columns)]
    number = sa.func.row_number().over(partition_by=link_col, order_by=target.order).label("gw_n")
    where = (*target.where, keys_clause(link_col, keys_param, arrays))
    sub = sa.select(*labelled, number).select_from(target.from_).where(*where).subquery("gw_page")
    record = _record(target, layout, [raw(sub.c[f"c{i}"]) for i in range(len(layout.columns))])
    array = _lit("[") + sa.func.string_agg(record, aggregate_order_by(_lit(","), sub.c.gw_n)) + _lit("]")
    parent = sub.c[f"c{layout.link_at}"]
    stmt = sa.select(parent, sa.func.count(), array).group_by(parent)
    if target.page.skip:
        stmt = stmt.where(sub.c.gw_n > target.page.skip)
    if target.page.size:
        stmt = stmt.where(sub.c.gw_n <= target.page.skip + target.page.size)
    return cast("sa.Select[Any]", stmt)


def _qualifies(plan: ReadPlan, layout: Layout) -> bool:
    return (
        bool(plan.order)
        and not plan.expands
        and all(_supported(o, layout, i) for i, o in enumerate(plan.outputs))
    )


def _page(plan: ReadPlan, layout: Layout, page: sa.Select[Any]) -> sa.Select[Any]:
    """`SELECT count(*), '[' || string_agg(record, ',' ORDER BY <the page's order>) || ']'` over the page.

    The sort values ride along as columns of the limited page and the aggregate re-sorts its few rows: a
    ROW_NUMBER() over the page's ORDER BY inside the page query would make PostgreSQL sort every matching
    row before the LIMIT instead of keeping the top N."""
    labelled = [raw(c).label(f"c{i}") for i, c in enumerate(layout.columns)]  # names repeat across joins
    sorts = [_sort_value(o).label(f"s{j}") for j, o in enumerate(plan.order)]
    sub = page.with_only_columns(*labelled, *sorts).subquery("gw_page")
    cells = [raw(sub.c[f"c{i}"]) for i in range(len(layout.columns))]
    record = _record(plan, layout, cells)
    order = [_sorted_by(o, sub.c[f"s{j}"]) for j, o in enumerate(plan.order)]
    joined = sa.func.string_agg(record, aggregate_order_by(_lit(","), *order))
    array = _lit("[") + sa.func.coalesce(joined, _lit("")) + _lit("]")
    stmt = sa.select(sa.func.count().label("n"), array.label("records")).select_from(sub)
    return cast("sa.Select[Any]", stmt)


def _sort_value(clause: ColumnElement[Any]) -> ColumnElement[Any]:
    """The value a sort key sorts by: the argument of gw_asc/gw_desc, or the column of `col.asc()`."""
    if isinstance(clause, gw_asc | gw_desc):
        return clause.args[0]
    return cast("ColumnElement[Any]", clause.element)


def _sorted_by(clause: ColumnElement[Any], value: ColumnElement[Any]) -> ColumnElement[Any]:
    """The same sort key (direction, NULLs lowest) over `value`."""
    if isinstance(clause, gw_asc | gw_desc):
        return type(clause)(value, type_=clause.type)
    return value.desc() if clause.modifier is operators.desc_op else value.asc()


def _supported(out: Output, layout: Layout, index: int) -> bool:
    info = out.info
    if out.role == "fk":
        ident = layout.ident_at[index]
        return _is_key_like(info) and (len(ident) == 1 or (len(ident) == 2 and _ident_ok(out.ident[1])))
    return isinstance(info.column.type, _TYPES.get(info.kind, ()))


def _is_key_like(info: ColumnInfo) -> bool:
    """FK ids are written raw by the encoder: only integers and strings come out identical."""
    return info.kind in (ColumnKind.INTEGER, ColumnKind.STRING) and isinstance(
        info.column.type, _TYPES[info.kind]
    )


def _ident_ok(column: ColumnElement[Any]) -> bool:
    return isinstance(column.type, sa.String | sa.Integer)


# Kinds PostgreSQL writes exactly as the encoder does, for these reflected types only (a DECIMAL kind on a
# money column, say, keeps the Python path).
_TYPES: dict[ColumnKind, type | tuple[type, ...]] = {
    ColumnKind.INTEGER: sa.Integer,
    ColumnKind.DECIMAL: sa.Numeric,
    ColumnKind.STRING: sa.String,
    ColumnKind.YESNO: sa.String,
    ColumnKind.GUID: (sa.Uuid, sa.String),
    ColumnKind.BOOLEAN: sa.Boolean,
    ColumnKind.DATE: (sa.Date, sa.DateTime),
    ColumnKind.DATETIME: sa.DateTime,
    ColumnKind.DATETIME_TZ: sa.DateTime,
}


def _record(plan: ReadPlan, layout: Layout, cells: list[ColumnElement[Any]]) -> Text:
    parts: list[Text] = []
    for i, out in enumerate(plan.outputs):
        key = orjson.dumps(out.prop).decode()
        parts.append(_lit(("{" if i == 0 else ",") + key + ":"))
        if out.role == "fk":
            parts.append(_fk(out, cells[i], [cells[j] for j in layout.ident_at[i]]))
        else:
            parts.append(_value(out.info.kind, cells[i]))
    opening = "{" if not parts else ","
    parts.append(_lit(opening + '"model-name":' + orjson.dumps(plan.entity.model_name).decode() + "}"))
    record = parts[0]
    for part in parts[1:]:
        record = record + part
    return record


def _value(kind: ColumnKind, cell: ColumnElement[Any]) -> Text:
    """The JSON text of one value; `null` for NULL."""
    if kind in _PLAIN:
        # non-finite numbers are null in the encoder; numeric text keeps the column's scale, like quantize
        text = sa.cast(cell, sa.Text)
        return _or_null(cell, sa.case((text.in_(_NON_FINITE), _lit("null")), else_=text))
    if kind is ColumnKind.GUID:
        return _or_null(cell, _json_text(sa.func.lower(sa.cast(cell, sa.Text))))
    if kind is ColumnKind.YESNO:
        flag = sa.case((cell == "Y", _lit("true")), (cell == "N", _lit("false")), else_=_string(cell))
        return _or_null(cell, flag)
    if kind is ColumnKind.BOOLEAN:
        return _or_null(cell, sa.case((cell.is_(sa.true()), _lit("true")), else_=_lit("false")))
    if kind is ColumnKind.DATE:
        return _or_null(cell, _lit('"') + sa.func.to_char(cell, "YYYY-MM-DD") + _lit('"'))
    if kind is ColumnKind.DATETIME_TZ:
        return _timestamp(sa.func.timezone("UTC", cell))
    if kind is ColumnKind.DATETIME:
        return _timestamp(cell)
    return _or_null(cell, _string(cell))


def _timestamp(cell: ColumnElement[Any]) -> Text:
    """`"2024-05-01T10:00:00Z"`, with `.ffffff` only when there are microseconds (datetime.isoformat)."""
    micros = sa.cast(sa.func.date_part("microseconds", cell), sa.Integer) % 1_000_000
    fraction = sa.case((micros != 0, sa.func.to_char(cell, ".US")), else_=_lit(""))
    return _or_null(cell, _lit('"') + sa.func.to_char(cell, _TS) + fraction + _lit('Z"'))


def _fk(out: Output, cell: ColumnElement[Any], ident: list[ColumnElement[Any]]) -> Text:
    """`{"propertyLabel":..,"id":..,"identifier":..,"model-name":..}`; identifier null when the referenced
    row is missing or invisible, the id as text when its identifier is empty."""
    parent = out.info.parent
    model = parent.parent.lower() if parent else ""
    key_text = sa.func.concat(cell)
    if len(ident) == 1:
        identifier = sa.case((ident[0].is_(None), _lit("null")), else_=_json_text(key_text))
    else:
        value = ident[1]
        empty = (
            value.is_(None) if isinstance(value.type, sa.Integer) else sa.or_(value.is_(None), value == "")
        )
        identifier = sa.case(
            (ident[0].is_(None), _lit("null")),
            (empty, _json_text(key_text)),
            else_=_json_text(sa.func.concat(value)),
        )
    id_text = sa.cast(cell, sa.Text) if out.info.kind is ColumnKind.INTEGER else _json_text(key_text)
    head = '{"propertyLabel":' + orjson.dumps(out.info.label).decode() + ',"id":'
    tail = ',"model-name":' + orjson.dumps(model).decode() + "}"
    obj = _lit(head) + id_text + _lit(',"identifier":') + identifier + _lit(tail)
    return _or_null(cell, obj)


def _string(cell: ColumnElement[Any]) -> Text:
    # concat() writes a CHAR(n) value with its padding, as the driver returns it (a ::text cast trims it)
    return _json_text(sa.func.concat(cell))


def _json_text(value: ColumnElement[Any]) -> Text:
    return sa.cast(sa.func.to_json(value), sa.Text)


def _or_null(cell: ColumnElement[Any], text: ColumnElement[Any]) -> Text:
    return sa.case((cell.is_(None), _lit("null")), else_=sa.func.coalesce(text, _lit("null")))


def _lit(text: str) -> Text:
    """A constant piece of the JSON text (property names and labels from reflection, punctuation) as a SQL
    string: hundreds of binds per statement would cost more per request than the encoding saved. An
    E'' string with backslashes and quotes doubled reads the same whatever standard_conforming_strings is."""
    escaped = text.replace("\\", "\\\\").replace("'", "''")
    return sa.literal_column(f"E'{escaped}'", sa.Text)
