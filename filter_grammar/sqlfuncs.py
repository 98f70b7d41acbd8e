"""Dialect-neutral SQL constructs for string operations whose SQL differs per database (§7, §9, §10).

Each construct renders PostgreSQL's form by default and overrides it with `@compiles` for MariaDB/MySQL
("mysql" and "mariadb") and SQLite. The compiler builds these objects and never tests the dialect; request
text only ever reaches them as bound parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement, Grouping, UnaryExpression
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Boolean, TypeEngine

MYSQL = ("mysql", "mariadb")
BIN_COLLATION = "utf8mb4_bin"  # the `_bin` collation of the utf8mb4 character set the gateway's tables use
Renderer = Callable[..., str]


class GwElement(FunctionElement[Any]):
    """Base of the gateway's constructs: positional SQL arguments plus a result type."""

    inherit_cache = True
    name = "gw_element"

    def __init_subclass__(cls, **kw: Any) -> None:
        # SQLAlchemy reads inherit_cache from each class's own __dict__.
        cls.inherit_cache = True
        super().__init_subclass__(**kw)

    def __init__(self, *args: ColumnElement[Any], type_: TypeEngine[Any] | None = None) -> None:
        super().__init__(*args)
        self.type = type_ if type_ is not None else Boolean()

    def self_group(self, against: Any = None) -> Any:
        # A predicate construct is already a condition: no `= 1` wrapping on databases without booleans.
        return self

    def _negate(self) -> ColumnElement[Any]:
        return UnaryExpression(Grouping(self), operator=operators.inv, type_=Boolean())

    @property
    def args(self) -> list[ColumnElement[Any]]:
        return list(self.clauses)


def render(cls: type[GwElement], *dialects: str) -> Callable[[Renderer], Renderer]:
    """Register `fn(compiler, *args, **kw) -> str` as the SQL of `cls` on `dialects` (none = default)."""

    def decorate(fn: Renderer) -> Renderer:
        def compile_element(element: GwElement, compiler: SQLCompiler, **kw: Any) -> str:
            return fn(compiler, *element.args, **kw)

        for dialect in dialects or (None,):
            (compiles(cls, dialect) if dialect else compiles(cls))(compile_element)
        return fn

    return decorate


def sql(compiler: SQLCompiler, element: ColumnElement[Any], **kw: Any) -> str:
    return str(compiler.process(element, **kw))


class gw_binary(GwElement):  # noqa: N801 - SQL construct names follow SQLAlchemy's lower-case style
    """`BINARY x` on MariaDB (byte-wise comparison), `x` elsewhere."""


@render(gw_binary)
def _binary(c: SQLCompiler, x: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, x, **kw)


@render(gw_binary, *MYSQL)
def _binary_mysql(c: SQLCompiler, x: ColumnElement[Any], **kw: Any) -> str:
    return f"BINARY {sql(c, x, **kw)}"


class gw_str_eq(GwElement):  # noqa: N801
    """Case-sensitive string equality; MariaDB keeps the indexable `=` and adds a binary re-check."""


@render(gw_str_eq)
def _str_eq(c: SQLCompiler, left: ColumnElement[Any], right: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, left == right, **kw)


@render(gw_str_eq, *MYSQL)
def _str_eq_mysql(c: SQLCompiler, left: ColumnElement[Any], right: ColumnElement[Any], **kw: Any) -> str:
    return f"({sql(c, and_(left == right, left == gw_binary(right)), **kw)})"


class gw_str_ne(GwElement):  # noqa: N801
    """Case-sensitive string inequality."""


@render(gw_str_ne)
def _str_ne(c: SQLCompiler, left: ColumnElement[Any], right: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, left != right, **kw)


@render(gw_str_ne, *MYSQL)
def _str_ne_mysql(c: SQLCompiler, left: ColumnElement[Any], right: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, left != gw_binary(right), **kw)


class gw_str_in(GwElement):  # noqa: N801
    """Case-sensitive `x IN (:list)` over an expanding parameter."""


@render(gw_str_in)
def _str_in(c: SQLCompiler, x: ColumnElement[Any], items: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, x.in_(items), **kw)


@render(gw_str_in, *MYSQL)
def _str_in_mysql(c: SQLCompiler, x: ColumnElement[Any], items: ColumnElement[Any], **kw: Any) -> str:
    return f"({sql(c, and_(x.in_(items), gw_binary(x).in_(items)), **kw)})"


class gw_like(GwElement):  # noqa: N801
    """`s LIKE :p ESCAPE '/'` (args: s, LIKE pattern, GLOB pattern); SQLite uses GLOB (case-sensitive)."""


@render(gw_like)
def _like(c: SQLCompiler, s: ColumnElement[Any], like: ColumnElement[Any], glob: Any, **kw: Any) -> str:
    return sql(c, s.like(like, escape="/"), **kw)


@render(gw_like, *MYSQL)
def _like_mysql(c: SQLCompiler, s: ColumnElement[Any], like: ColumnElement[Any], glob: Any, **kw: Any) -> str:
    return sql(c, s.like(gw_binary(like), escape="/"), **kw)


@render(gw_like, "sqlite")
def _like_sqlite(
    c: SQLCompiler, s: ColumnElement[Any], like: Any, glob: ColumnElement[Any], **kw: Any
) -> str:
    return f"({sql(c, s, **kw)} GLOB {sql(c, glob, **kw)})"


def _comma_wrapped(s: ColumnElement[Any]) -> ColumnElement[Any]:
    comma: ColumnElement[Any] = literal_column("','")
    return gw_concat(gw_concat(comma, s), comma)


class gw_has_text(GwElement):  # noqa: N801
    """`s` is a comma-separated list holding the value (args: s, LIKE pattern, GLOB pattern)."""


@render(gw_has_text)
def _has_text(c: SQLCompiler, s: ColumnElement[Any], like: ColumnElement[Any], glob: Any, **kw: Any) -> str:
    return sql(c, gw_like(_comma_wrapped(s), like, glob), **kw)


class gw_contains_expr(GwElement):  # noqa: N801
    """`contains(s, t)` with a non-literal t: a position function instead of a pattern."""


@render(gw_contains_expr)
def _contains(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, func.strpos(s, t) > literal_column("0"), **kw)


@render(gw_contains_expr, *MYSQL)
def _contains_mysql(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, func.locate(gw_binary(t), s) > literal_column("0"), **kw)


@render(gw_contains_expr, "sqlite")
def _contains_sqlite(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, func.instr(s, t) > literal_column("0"), **kw)


class gw_startswith_expr(GwElement):  # noqa: N801
    """`startswith(s, t)` with a non-literal t."""


@render(gw_startswith_expr)
def _starts(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, func.left(s, func.char_length(t)) == t, **kw)


@render(gw_startswith_expr, *MYSQL)
def _starts_mysql(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, func.left(s, func.char_length(t)) == gw_binary(t), **kw)


@render(gw_startswith_expr, "sqlite")
def _starts_sqlite(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, func.substr(s, literal_column("1"), func.length(t)) == t, **kw)


class gw_endswith_expr(GwElement):  # noqa: N801
    """`endswith(s, t)` with a non-literal t."""


@render(gw_endswith_expr)
def _ends(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, func.right(s, func.char_length(t)) == t, **kw)


@render(gw_endswith_expr, *MYSQL)
def _ends_mysql(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, func.right(s, func.char_length(t)) == gw_binary(t), **kw)


@render(gw_endswith_expr, "sqlite")
def _ends_sqlite(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, func.substr(s, -func.length(t)) == t, **kw)


class gw_regex(GwElement):  # noqa: N801
    """`matchesPattern(s, :re)`: POSIX `~` (PostgreSQL), binary-collated REGEXP (MariaDB), REGEXP (SQLite)."""


@render(gw_regex)
def _regex(c: SQLCompiler, s: ColumnElement[Any], pattern: ColumnElement[Any], **kw: Any) -> str:
    return f"({sql(c, s, **kw)} ~ {sql(c, pattern, **kw)})"


@render(gw_regex, *MYSQL)
def _regex_mysql(c: SQLCompiler, s: ColumnElement[Any], pattern: ColumnElement[Any], **kw: Any) -> str:
    return f"({sql(c, s, **kw)} COLLATE {BIN_COLLATION} REGEXP {sql(c, pattern, **kw)})"


@render(gw_regex, "sqlite")
def _regex_sqlite(c: SQLCompiler, s: ColumnElement[Any], pattern: ColumnElement[Any], **kw: Any) -> str:
    return f"({sql(c, s, **kw)} REGEXP {sql(c, pattern, **kw)})"


class gw_concat(GwElement):  # noqa: N801
    """`s || t` (CONCAT on MariaDB, where `||` means OR)."""


@render(gw_concat)
def _concat(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return f"({sql(c, s, **kw)} || {sql(c, t, **kw)})"


@render(gw_concat, *MYSQL)
def _concat_mysql(c: SQLCompiler, s: ColumnElement[Any], t: ColumnElement[Any], **kw: Any) -> str:
    return sql(c, func.concat(s, t), **kw)
