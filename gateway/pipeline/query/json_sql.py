"""The JSON of a list page built by PostgreSQL: the same bytes the Python encoder writes, without per-row
Python work.

The page query becomes a subquery numbered by its own ORDER BY; the outer statement returns the row
count and the records array as one text value, `[{"id":...},...]`, assembled with `||` from per-kind
expressions (compact separators, keys in record order, exactly like orjson). FK objects come from
memoized lookups of the referenced rows after the LIMIT (`_lookups`), not from per-record expressions.
Only plain pages qualify: every output of a kind whose text form PostgreSQL writes exactly as the encoder
does (see `_value`), FK identifiers of one string or integer column; with `$expand`, only the child
arrays. Everything else, and every request that needs the rows themselves (formats, ETags, keyset links),
keeps the Python encoder. The parity test compares both paths byte for byte over every demo table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from gateway.catalog.model import ColumnInfo, ColumnKind
from gateway.pipeline.query.apart import lookup, sort_value, sorted_by
from gateway.pipeline.query.select import BuiltExpand, Layout, keys_clause, layout_of, paged, raw
from gateway.pipeline.types import Output, ReadPlan

Text = ColumnElement[str]
_TS_MICROS = 'YYYY-MM-DD"T"HH24:MI:SS.US'  # to_char's form of a time with microseconds
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
    """Both forms, or None when the plan has something PostgreSQL would not write byte for byte like the
    encoder. The streamed form reads the identifiers from the joins of the page query `main`; the page
    form takes the page's rows without them (`_bare`)."""
    if not _qualifies(plan, layout):
        return None
    rows = main.with_only_columns(_record(plan, layout, dict(enumerate(layout.columns))).label("record"))
    return JsonStatements(_page(plan, layout), rows)


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
    looked_up = _looked_up(target)
    labelled = _labelled(layout, looked_up)
    number = sa.func.row_number().over(partition_by=link_col, order_by=target.order).label("gw_n")
    where = (*target.where, keys_clause(link_col, keys_param, arrays))
    rows = sa.select(*labelled.values(), number).select_from(_bare(target, looked_up))
    sub = rows.where(*where).subquery("gw_page")
    cells = {i: raw(sub.c[c.name]) for i, c in labelled.items()}
    from_, fk_texts = _lookups(target, looked_up, cells, sub)
    record = _record(target, layout, cells, fk_texts)
    array = _lit("[") + sa.func.string_agg(record, aggregate_order_by(_lit(","), sub.c.gw_n)) + _lit("]")
    parent = sub.c[f"c{layout.link_at}"]
    stmt = sa.select(parent, sa.func.count(), array).select_from(from_).group_by(parent)
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


def _page(plan: ReadPlan, layout: Layout) -> sa.Select[Any]:
    """`SELECT count(*), '[' || string_agg(record, ',' ORDER BY <the page's order>) || ']'` over the page.

    The sort values ride along as columns of the limited page and the aggregate re-sorts its few rows: a
    ROW_NUMBER() over the page's ORDER BY inside the page query would make PostgreSQL sort every matching
    row before the LIMIT instead of keeping the top N."""
    looked_up = _looked_up(plan)
    labelled = _labelled(layout, looked_up)
    sorts = [sort_value(o).label(f"s{j}") for j, o in enumerate(plan.order)]
    sub = paged(plan, _bare(plan, looked_up), [*labelled.values(), *sorts]).subquery("gw_page")
    cells = {i: raw(sub.c[c.name]) for i, c in labelled.items()}
    from_, fk_texts = _lookups(plan, looked_up, cells, sub)
    record = _record(plan, layout, cells, fk_texts)
    order = [sorted_by(o, sub.c[f"s{j}"]) for j, o in enumerate(plan.order)]
    joined = sa.func.string_agg(record, aggregate_order_by(_lit(","), *order))
    array = _lit("[") + sa.func.coalesce(joined, _lit("")) + _lit("]")
    stmt = sa.select(sa.func.count().label("n"), array.label("records")).select_from(from_)
    return cast("sa.Select[Any]", stmt)


def _labelled(layout: Layout, looked_up: tuple[int, ...]) -> dict[int, sa.Label[Any]]:
    """The layout's columns by index, labelled (names repeat across joins), without the identifier
    columns of looked-up FK objects (their lookups write them)."""
    skipped = {j for i in looked_up for j in layout.ident_at[i]}
    return {i: raw(c).label(f"c{i}") for i, c in enumerate(layout.columns) if i not in skipped}


def _bare(plan: ReadPlan, looked_up: tuple[int, ...]) -> FromClause:
    """The level's FROM without the identifier joins when lookups replace them all. PostgreSQL would remove
    them unselected, but planning them cost 0.1 ms on each custom plan (0.59 against 0.47 ms)."""
    every = all(i in looked_up for i, out in enumerate(plan.outputs) if out.ident)
    return plan.count_from if every and plan.count_from is not None else plan.from_


def _looked_up(plan: ReadPlan) -> tuple[int, ...]:
    """The FK outputs whose objects come from a LATERAL lookup of the referenced row (`_lookups`)."""
    joined = {alias for alias, _ in plan.ident_joins}
    return tuple(
        i
        for i, out in enumerate(plan.outputs)
        if out.role == "fk" and out.ident and out.ident[0].table in joined
    )


def _lookups(
    plan: ReadPlan, looked_up: tuple[int, ...], cells: dict[int, ColumnElement[Any]], page: FromClause
) -> tuple[FromClause, dict[int, Text]]:
    """`page` LEFT JOIN LATERAL one lookup per FK output, each writing the FK object of the referenced
    row, and the FK texts by output index. A page repeats few referenced rows, and PostgreSQL (14+)
    memoizes a lookup by its key: each object is written once per distinct key, not once per record
    (FK objects were about half of a page's database time). No referenced row (missing, or outside
    the scope of the join) gives the object with identifier null, as the identifier join does.

    Each lookup ends in `OFFSET 0`, which keeps PostgreSQL from pulling it up into the outer query: a
    pulled-up lookup has its output replaced throughout the record expression, one copy and walk of the
    whole expression per lookup. Pages planned per execution (a custom plan: range filters, for one) paid
    for it each time: the benchmark's filtered page statement under a custom plan took 1.8 ms of backend
    CPU, about 1.0 of it planning, and takes 1.2 ms apart. Generic plans run as fast as before."""
    from_: FromClause = page
    texts: dict[int, Text] = {}
    for i in looked_up:
        out, cell = plan.outputs[i], cells[i]
        found = lookup(plan, i, cell, [_found_object(out, cell).label("j")], f"gw_f{i}")
        from_ = from_.outerjoin(found, sa.true())
        texts[i] = sa.func.coalesce(found.c.j, _fk_object(out, cell, _lit("null")))
    return from_, texts


def _found_object(out: Output, cell: ColumnElement[Any]) -> Text:
    """The FK object a lookup writes from the referenced row it found. Found, the row's key equals the FK
    value, so an integer key is written from the row itself: a lookup that reads no page column besides
    its join key is memoized by that key alone (every page column it reads is one more part of the cache
    key, hashed per record: 6 % of the benchmark's page statement). String keys keep the FK's own text."""
    key = out.ident[0]
    if not (isinstance(key.type, sa.Integer) and isinstance(out.info.column.type, sa.Integer)):
        key = cell
    key_text = _json_text(sa.func.concat(key))
    if len(out.ident) == 1:
        return _fk_text(out, key, key_text)
    return _fk_text(out, key, sa.case((_empty(out.ident[1]), key_text), else_=_string(out.ident[1])))


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


def _record(
    plan: ReadPlan,
    layout: Layout,
    cells: Mapping[int, ColumnElement[Any]],
    fk_texts: Mapping[int, Text] | None = None,
) -> Text:
    """The record's JSON text from its cells; FK objects from `fk_texts` where given, else from the
    identifier columns among the cells."""
    parts: list[Text] = []
    for i, out in enumerate(plan.outputs):
        key = orjson.dumps(out.prop).decode()
        parts.append(_lit(("{" if i == 0 else ",") + key + ":"))
        if fk_texts and i in fk_texts:
            parts.append(fk_texts[i])
        elif out.role == "fk":
            parts.append(
                _fk_object(out, cells[i], _identifier(cells[i], [cells[j] for j in layout.ident_at[i]]))
            )
        else:
            parts.append(_value(out.info, cells[i]))
    opening = "{" if not parts else ","
    parts.append(_lit(opening + '"model-name":' + orjson.dumps(plan.entity.model_name).decode() + "}"))
    record = parts[0]
    for part in parts[1:]:
        record = record + part
    return record


def _value(info: ColumnInfo, cell: ColumnElement[Any]) -> Text:
    """The JSON text of one value; `null` for NULL."""
    kind = info.kind
    if kind is ColumnKind.INTEGER:
        return sa.func.coalesce(sa.cast(cell, sa.Text), _lit("null"))
    if kind is ColumnKind.DECIMAL:
        # non-finite numbers are null in the encoder; numeric text keeps the column's scale, like quantize
        text = sa.cast(cell, sa.Text)
        return _or_null(cell, sa.case((text.in_(_NON_FINITE), _lit("null")), else_=text))
    if kind is ColumnKind.GUID:
        return _or_null(cell, _json_text(sa.func.lower(sa.cast(cell, sa.Text))))
    if kind is ColumnKind.YESNO:
        flag = sa.case(
            (cell == _lit("Y"), _lit("true")), (cell == _lit("N"), _lit("false")), else_=_string(cell, info)
        )
        return _or_null(cell, flag)
    if kind is ColumnKind.BOOLEAN:
        return _or_null(cell, sa.case((cell.is_(sa.true()), _lit("true")), else_=_lit("false")))
    if kind is ColumnKind.DATE:
        # ::text (sessions run DateStyle ISO: dialects._pg_connect) costs a third of to_char; infinity: null
        written = sa.case((sa.func.isfinite(cell), _lit('"') + sa.cast(cell, sa.Text) + _lit('"')))
        return _or_null(cell, written)
    if kind is ColumnKind.DATETIME_TZ:
        return _timestamp(sa.func.timezone("UTC", cell))
    if kind is ColumnKind.DATETIME:
        return _timestamp(cell)
    return _or_null(cell, _string(cell, info))


def _timestamp(cell: ColumnElement[Any]) -> Text:
    """`"2024-05-01T10:00:00Z"`, with `.ffffff` only when there are microseconds (datetime.isoformat).
    Whole seconds, the usual case, are the ISO text with its space made a `T`: a third of to_char's cost.
    to_char writes the rest (six digits, where the text form drops trailing zeros) and infinity (null)."""
    micros = sa.cast(sa.func.date_part(_lit("microseconds"), cell), sa.Integer) % _number(1_000_000)
    whole = sa.func.replace(sa.cast(cell, sa.Text), _lit(" "), _lit("T"))
    written = sa.case((micros == _number(0), whole), else_=sa.func.to_char(cell, _lit(_TS_MICROS)))
    return _or_null(cell, _lit('"') + written + _lit('Z"'))


def _fk_object(out: Output, cell: ColumnElement[Any], identifier: Text) -> Text:
    """`{"propertyLabel":..,"id":..,"identifier":..,"model-name":..}`, `null` for a NULL key."""
    return _or_null(cell, _fk_text(out, cell, identifier))


def _fk_text(out: Output, key: ColumnElement[Any], identifier: Text) -> Text:
    """The FK object of a non-null `key`."""
    parent = out.info.parent
    model = parent.parent.lower() if parent else ""
    id_text = (
        sa.cast(key, sa.Text) if out.info.kind is ColumnKind.INTEGER else _json_text(sa.func.concat(key))
    )
    head = '{"propertyLabel":' + orjson.dumps(out.info.label).decode() + ',"id":'
    tail = ',"model-name":' + orjson.dumps(model).decode() + "}"
    return _lit(head) + id_text + _lit(',"identifier":') + identifier + _lit(tail)


def _identifier(cell: ColumnElement[Any], ident: list[ColumnElement[Any]]) -> Text:
    """The identifier's JSON text: null when the referenced row is missing or invisible, the key as text
    when its identifier is empty."""
    key_text = _json_text(sa.func.concat(cell))
    if len(ident) == 1:
        return sa.case((ident[0].is_(None), _lit("null")), else_=key_text)
    value = ident[1]
    return sa.case((ident[0].is_(None), _lit("null")), (_empty(value), key_text), else_=_string(value))


def _empty(value: ColumnElement[Any]) -> ColumnElement[bool]:
    """An identifier value the encoder replaces by the key: NULL, or an empty string."""
    return (
        value.is_(None) if isinstance(value.type, sa.Integer) else sa.or_(value.is_(None), value == _lit(""))
    )


def _string(cell: ColumnElement[Any], info: ColumnInfo | None = None) -> Text:
    """A JSON string. concat() writes a CHAR(n) value with its padding, as the driver returns it (a ::text
    cast trims it); plain text types go to to_json as they are, which costs the database less."""
    column_type = info.column.type if info is not None else cell.type
    if type(column_type) in _PLAIN_TEXT:
        return _json_text(cell)
    return _json_text(sa.func.concat(cell))


# Reflected string types whose values to_json writes as they are (no padding, no other output form).
_PLAIN_TEXT = (sa.String, sa.VARCHAR, sa.Text, sa.TEXT, sa.Unicode, sa.UnicodeText, sa.NVARCHAR)


def _json_text(value: ColumnElement[Any]) -> Text:
    return sa.cast(sa.func.to_json(value), sa.Text)


def _or_null(cell: ColumnElement[Any], text: ColumnElement[Any]) -> Text:
    return sa.case((cell.is_(None), _lit("null")), else_=sa.func.coalesce(text, _lit("null")))


def _lit(text: str) -> Text:
    """A constant of the statement (pieces of the JSON text, property names and labels from reflection,
    formats) as a SQL string, not a bind: every bind is a value the driver converts and sends on each
    execution. An E'' string with backslashes and quotes doubled reads the same whatever
    standard_conforming_strings is."""
    escaped = text.replace("\\", "\\\\").replace("'", "''")
    return sa.literal_column(f"E'{escaped}'", sa.Text)


def _number(value: int) -> ColumnElement[int]:
    return sa.literal_column(str(int(value)), sa.Integer)
