"""Dialect-neutral SQL constructs for arithmetic, rounding, SQLite timestamp comparison and sort order.

Division and modulo by zero yield NULL everywhere (PostgreSQL gets NULLIF on the divisor); PostgreSQL gets
explicit NULLS FIRST/LAST so that NULL is the lowest value as on MariaDB and SQLite.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Numeric, cast, func, literal_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

from filter_grammar.sqlfuncs import MYSQL, GwElement, render, sql

Col = ColumnElement[Any]
ZERO: ColumnElement[Any] = literal_column("0")


def _nonzero(b: Col) -> Col:
    return func.nullif(b, ZERO)


class gw_div_int(GwElement):  # noqa: N801
    """Integer division truncating toward zero."""


@render(gw_div_int)
def _div_int(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return f"({sql(c, a, **kw)} / {sql(c, _nonzero(b), **kw)})"


@render(gw_div_int, *MYSQL)
def _div_int_mysql(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return f"({sql(c, a, **kw)} DIV {sql(c, b, **kw)})"


@render(gw_div_int, "sqlite")
def _div_int_sqlite(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return f"({sql(c, a, **kw)} / {sql(c, b, **kw)})"


class gw_divby(GwElement):  # noqa: N801
    """Decimal division."""


@render(gw_divby)
def _divby(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return f"({sql(c, cast(a, Numeric()), **kw)} / {sql(c, _nonzero(b), **kw)})"


@render(gw_divby, *MYSQL)
def _divby_mysql(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return f"({sql(c, a, **kw)} / {sql(c, b, **kw)})"


@render(gw_divby, "sqlite")
def _divby_sqlite(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return f"({sql(c, cast(a, Float()), **kw)} / {sql(c, b, **kw)})"


class gw_mod_int(GwElement):  # noqa: N801
    """Integer remainder; the sign follows the dividend on every database."""


@render(gw_mod_int)
def _mod_int(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    # SQLAlchemy's % operator escapes itself for pyformat drivers.
    return f"({sql(c, a % _nonzero(b), **kw)})"


@render(gw_mod_int, *MYSQL)
def _mod_int_mysql(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return sql(c, func.mod(a, b), **kw)


@render(gw_mod_int, "sqlite")
def _mod_int_sqlite(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return f"({sql(c, a % b, **kw)})"


class gw_mod_num(GwElement):  # noqa: N801
    """Decimal remainder."""


@render(gw_mod_num)
def _mod_num(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return sql(c, func.mod(a, _nonzero(b)), **kw)


@render(gw_mod_num, *MYSQL)
def _mod_num_mysql(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return sql(c, func.mod(a, b), **kw)


@render(gw_mod_num, "sqlite")
def _mod_num_sqlite(c: SQLCompiler, a: Col, b: Col, **kw: Any) -> str:
    return sql(c, func.gw_mod(a, b), **kw)


class gw_round(GwElement):  # noqa: N801
    """Nearest integer, halves away from zero."""


class gw_floor(GwElement):  # noqa: N801
    """Largest integer not above x."""


class gw_ceiling(GwElement):  # noqa: N801
    """Smallest integer not below x."""


@render(gw_round)
def _round(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, func.round(x), **kw)


@render(gw_floor)
def _floor(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, func.floor(x), **kw)


@render(gw_floor, "sqlite")
def _floor_sqlite(c: SQLCompiler, x: Col, **kw: Any) -> str:
    # math functions are optional in SQLite builds; the registered function always exists.
    return sql(c, func.gw_floor(x), **kw)


@render(gw_ceiling)
def _ceiling(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, func.ceil(x), **kw)


@render(gw_ceiling, *MYSQL)
def _ceiling_mysql(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, func.ceiling(x), **kw)


@render(gw_ceiling, "sqlite")
def _ceiling_sqlite(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, func.gw_ceiling(x), **kw)


class gw_instant(GwElement):  # noqa: N801
    """A timestamp operand of a comparison; SQLite compares text timestamps by instant via julianday()."""


@render(gw_instant)
def _instant(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, x, **kw)


@render(gw_instant, "sqlite")
def _instant_sqlite(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, func.julianday(x), **kw)


class gw_asc(GwElement):  # noqa: N801
    """Ascending sort key with NULL lowest."""


class gw_desc(GwElement):  # noqa: N801
    """Descending sort key with NULL lowest (so last)."""


@render(gw_asc)
def _asc(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, x.asc().nulls_first(), **kw)


@render(gw_asc, *MYSQL, "sqlite")
def _asc_native(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, x.asc(), **kw)


@render(gw_desc)
def _desc(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, x.desc().nulls_last(), **kw)


@render(gw_desc, *MYSQL, "sqlite")
def _desc_native(c: SQLCompiler, x: Col, **kw: Any) -> str:
    return sql(c, x.desc(), **kw)
