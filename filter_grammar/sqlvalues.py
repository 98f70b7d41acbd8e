"""Dialect-neutral SQL constructs for value functions, arithmetic, date parts and sort order (§7, §10, §13).

Same rules as sqlfuncs.py: PostgreSQL's form is the default, `@compiles` overrides per dialect, constants
are SQL literals and every user value arrives as a bound parameter.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import cast, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Date, Time

from filter_grammar.sqlfuncs import BIN_COLLATION, MYSQL, GwElement, render, sql

ZERO: ColumnElement[Any] = literal_column("0")
ONE: ColumnElement[Any] = literal_column("1")
Col = ColumnElement[Any]


class gw_length(GwElement):  # noqa: N801
    """Length in characters."""


@render(gw_length)
def _length(c: SQLCompiler, s: Col, **kw: Any) -> str:
    return sql(c, func.char_length(s), **kw)


@render(gw_length, "sqlite")
def _length_sqlite(c: SQLCompiler, s: Col, **kw: Any) -> str:
    return sql(c, func.length(s), **kw)


class gw_indexof(GwElement):  # noqa: N801
    """0-based position of t in s, -1 when absent (case-sensitive)."""


@render(gw_indexof)
def _indexof(c: SQLCompiler, s: Col, t: Col, **kw: Any) -> str:
    return f"({sql(c, func.strpos(s, t), **kw)} - 1)"


@render(gw_indexof, *MYSQL)
def _indexof_mysql(c: SQLCompiler, s: Col, t: Col, **kw: Any) -> str:
    return f"(LOCATE({sql(c, t, **kw)}, {sql(c, s, **kw)} COLLATE {BIN_COLLATION}) - 1)"


@render(gw_indexof, "sqlite")
def _indexof_sqlite(c: SQLCompiler, s: Col, t: Col, **kw: Any) -> str:
    return f"({sql(c, func.instr(s, t), **kw)} - 1)"


class gw_substring(GwElement):  # noqa: N801
    """0-based substring; negative start or length count as 0."""


def _substring(c: SQLCompiler, fn: Any, largest: Any, s: Col, *rest: Col, **kw: Any) -> str:
    start = largest(rest[0], ZERO) + ONE
    args = (s, start) if len(rest) == 1 else (s, start, largest(rest[1], ZERO))
    return sql(c, fn(*args), **kw)


@render(gw_substring)
def _substring_pg(c: SQLCompiler, s: Col, *rest: Col, **kw: Any) -> str:
    return _substring(c, func.substr, func.greatest, s, *rest, **kw)


@render(gw_substring, *MYSQL)
def _substring_mysql(c: SQLCompiler, s: Col, *rest: Col, **kw: Any) -> str:
    return _substring(c, func.substring, func.greatest, s, *rest, **kw)


@render(gw_substring, "sqlite")
def _substring_sqlite(c: SQLCompiler, s: Col, *rest: Col, **kw: Any) -> str:
    return _substring(c, func.substr, func.max, s, *rest, **kw)


class gw_lower(GwElement):  # noqa: N801
    """Unicode lower case; SQLite's built-in folds ASCII only, so a registered function is used there."""


class gw_upper(GwElement):  # noqa: N801
    """Unicode upper case."""


@render(gw_lower)
def _lower(c: SQLCompiler, s: Col, **kw: Any) -> str:
    return sql(c, func.lower(s), **kw)


@render(gw_lower, "sqlite")
def _lower_sqlite(c: SQLCompiler, s: Col, **kw: Any) -> str:
    return sql(c, func.gw_lower(s), **kw)


@render(gw_upper)
def _upper(c: SQLCompiler, s: Col, **kw: Any) -> str:
    return sql(c, func.upper(s), **kw)


@render(gw_upper, "sqlite")
def _upper_sqlite(c: SQLCompiler, s: Col, **kw: Any) -> str:
    return sql(c, func.gw_upper(s), **kw)


class gw_trim(GwElement):  # noqa: N801
    """Strip leading and trailing U+0020 only."""


@render(gw_trim)
def _trim(c: SQLCompiler, s: Col, **kw: Any) -> str:
    return sql(c, func.btrim(s, literal_column("' '")), **kw)


@render(gw_trim, *MYSQL)
def _trim_mysql(c: SQLCompiler, s: Col, **kw: Any) -> str:
    return sql(c, func.trim(s), **kw)


@render(gw_trim, "sqlite")
def _trim_sqlite(c: SQLCompiler, s: Col, **kw: Any) -> str:
    return sql(c, func.trim(s, literal_column("' '")), **kw)


class gw_datepart(GwElement):  # noqa: N801
    """An integer calendar or clock part; subclasses name the part."""

    part = "YEAR"
    mysql_fn = "YEAR"
    sqlite_format = "%Y"


class gw_year(gw_datepart):  # noqa: N801
    part, mysql_fn, sqlite_format = "YEAR", "YEAR", "%Y"


class gw_month(gw_datepart):  # noqa: N801
    part, mysql_fn, sqlite_format = "MONTH", "MONTH", "%m"


class gw_day(gw_datepart):  # noqa: N801
    part, mysql_fn, sqlite_format = "DAY", "DAYOFMONTH", "%d"


class gw_hour(gw_datepart):  # noqa: N801
    part, mysql_fn, sqlite_format = "HOUR", "HOUR", "%H"


class gw_minute(gw_datepart):  # noqa: N801
    part, mysql_fn, sqlite_format = "MINUTE", "MINUTE", "%M"


class gw_second(gw_datepart):  # noqa: N801
    part, mysql_fn, sqlite_format = "SECOND", "SECOND", "%S"


DATE_PARTS = (gw_year, gw_month, gw_day, gw_hour, gw_minute, gw_second)


def _part_pg(element: Any, c: SQLCompiler, **kw: Any) -> str:
    extracted = f"EXTRACT({element.part} FROM {sql(c, element.args[0], **kw)})"
    # EXTRACT(SECOND ...) carries the fraction; whole seconds are wanted.
    return f"CAST({'floor(' + extracted + ')' if element.part == 'SECOND' else extracted} AS INTEGER)"


def _part_mysql(element: Any, c: SQLCompiler, **kw: Any) -> str:
    return f"{element.mysql_fn}({sql(c, element.args[0], **kw)})"


def _part_sqlite(element: Any, c: SQLCompiler, **kw: Any) -> str:
    return f"CAST(strftime('{element.sqlite_format}', {sql(c, element.args[0], **kw)}) AS INTEGER)"


def _register_parts() -> None:
    for cls in DATE_PARTS:
        compiles(cls)(_part_pg)
        for dialect in MYSQL:
            compiles(cls, dialect)(_part_mysql)
        compiles(cls, "sqlite")(_part_sqlite)


_register_parts()


class gw_date(GwElement):  # noqa: N801
    """Date part of a timestamp."""


class gw_time(GwElement):  # noqa: N801
    """Time part of a timestamp."""


@render(gw_date)
def _date(c: SQLCompiler, t: Col, **kw: Any) -> str:
    return sql(c, cast(t, Date()), **kw)


@render(gw_date, *MYSQL, "sqlite")
def _date_fn(c: SQLCompiler, t: Col, **kw: Any) -> str:
    return sql(c, func.date(t), **kw)


@render(gw_time)
def _time(c: SQLCompiler, t: Col, **kw: Any) -> str:
    return sql(c, cast(t, Time()), **kw)


@render(gw_time, *MYSQL, "sqlite")
def _time_fn(c: SQLCompiler, t: Col, **kw: Any) -> str:
    return sql(c, func.time(t), **kw)
