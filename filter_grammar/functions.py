"""The function table of $filter (filter-grammar.md §10): name -> arity, argument kinds, result, SQL builder.

FUNCTIONS is an immutable mapping; `with_functions` returns an extended copy, so more functions can be
registered by whoever owns the table (for example the gateway at start-up) without global state.
Builders only assemble constructs from sqlfuncs/sqlvalues; literal arguments reach them as bind parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

from sqlalchemy.sql.elements import ColumnElement

from filter_grammar import ast
from filter_grammar.resolve import Kind
from filter_grammar.sqlfuncs import gw_concat, gw_contains_expr, gw_endswith_expr, gw_like, gw_regex
from filter_grammar.sqlfuncs import gw_startswith_expr as gw_starts
from filter_grammar.sqlmath import gw_ceiling, gw_floor, gw_round
from filter_grammar.sqlvalues import (
    gw_date,
    gw_day,
    gw_hour,
    gw_indexof,
    gw_length,
    gw_lower,
    gw_minute,
    gw_month,
    gw_second,
    gw_substring,
    gw_time,
    gw_trim,
    gw_upper,
    gw_year,
)
from filter_grammar.typed import CLOCKS, DATES, KIND_TYPES, NUMERIC, STRINGS, TIMESTAMPS, Typed

Col = ColumnElement[Any]


class Binder(Protocol):
    """What a builder may ask of the compiler: bind a literal argument, or the request time."""

    def bind_text(self, node: ast.Expr, transform: str) -> Col: ...

    def bind_now(self) -> Col: ...


Builder = Callable[[Binder, tuple[ast.Expr, ...], tuple[Any, ...]], Col]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """`params[i]` are the kinds argument i accepts; `deferred` arguments, when literal, go to the builder
    unbound (for LIKE patterns); `literal_only` arguments must be string literals (regex patterns)."""

    name: str
    params: tuple[frozenset[Kind], ...]
    min_args: int
    result: Kind | None  # None: the kind of the first argument
    build: Builder
    deferred: frozenset[int] = frozenset()
    literal_only: frozenset[int] = frozenset()

    @property
    def max_args(self) -> int:
        return len(self.params)


def _clauses(args: tuple[Any, ...]) -> list[Col]:
    return [a.clause for a in args if a is not None]


def _pattern(kind: str, expr_construct: Any) -> Builder:
    def build(b: Binder, nodes: tuple[ast.Expr, ...], args: tuple[Typed | None, ...]) -> Col:
        s, t = args
        assert s is not None
        if t is not None:
            return expr_construct(s.clause, t.clause)  # type: ignore[no-any-return]
        return gw_like(s.clause, b.bind_text(nodes[1], f"like_{kind}"), b.bind_text(nodes[1], f"glob_{kind}"))

    return build


def _simple(construct: Any) -> Builder:
    def build(b: Binder, nodes: tuple[ast.Expr, ...], args: tuple[Any, ...]) -> Col:
        first = args[0]
        return construct(*_clauses(args), type_=first.type_ if first is not None else None)  # type: ignore[no-any-return]

    return build


def _typed(construct: Any, result: Kind) -> Builder:
    def build(b: Binder, nodes: tuple[ast.Expr, ...], args: tuple[Any, ...]) -> Col:
        return construct(*_clauses(args), type_=KIND_TYPES[result])  # type: ignore[no-any-return]

    return build


def _regex(b: Binder, nodes: tuple[ast.Expr, ...], args: tuple[Any, ...]) -> Col:
    return gw_regex(args[0].clause, b.bind_text(nodes[1], "regex"))


def _now(b: Binder, nodes: tuple[ast.Expr, ...], args: tuple[Any, ...]) -> Col:
    return b.bind_now()


S, INTS = STRINGS, frozenset({Kind.INTEGER})
_BOOL = Kind.BOOLEAN


def _spec(
    name: str, params: tuple[frozenset[Kind], ...], result: Kind | None, build: Builder, **kw: Any
) -> FunctionSpec:
    return FunctionSpec(name, params, kw.pop("min_args", len(params)), result, build, **kw)


_SPECS = (
    _spec("contains", (S, S), _BOOL, _pattern("contains", gw_contains_expr), deferred=frozenset({1})),
    _spec("startswith", (S, S), _BOOL, _pattern("startswith", gw_starts), deferred=frozenset({1})),
    _spec("endswith", (S, S), _BOOL, _pattern("endswith", gw_endswith_expr), deferred=frozenset({1})),
    _spec("length", (S,), Kind.INTEGER, _typed(gw_length, Kind.INTEGER)),
    _spec("indexof", (S, S), Kind.INTEGER, _typed(gw_indexof, Kind.INTEGER)),
    _spec("substring", (S, INTS, INTS), Kind.STRING, _typed(gw_substring, Kind.STRING), min_args=2),
    _spec("tolower", (S,), Kind.STRING, _typed(gw_lower, Kind.STRING)),
    _spec("toupper", (S,), Kind.STRING, _typed(gw_upper, Kind.STRING)),
    _spec("trim", (S,), Kind.STRING, _typed(gw_trim, Kind.STRING)),
    _spec("concat", (S, S), Kind.STRING, _typed(gw_concat, Kind.STRING)),
    _spec("matchesPattern", (S, S), _BOOL, _regex, deferred=frozenset({1}), literal_only=frozenset({1})),
    *(
        _spec(name, (DATES,), Kind.INTEGER, _typed(construct, Kind.INTEGER))
        for name, construct in (("year", gw_year), ("month", gw_month), ("day", gw_day))
    ),
    *(
        _spec(name, (CLOCKS,), Kind.INTEGER, _typed(construct, Kind.INTEGER))
        for name, construct in (("hour", gw_hour), ("minute", gw_minute), ("second", gw_second))
    ),
    _spec("date", (TIMESTAMPS,), Kind.DATE, _typed(gw_date, Kind.DATE)),
    _spec("time", (TIMESTAMPS,), Kind.TIME, _typed(gw_time, Kind.TIME)),
    _spec("now", (), Kind.DATETIME, _now),
    _spec("round", (NUMERIC,), None, _simple(gw_round)),
    _spec("floor", (NUMERIC,), None, _simple(gw_floor)),
    _spec("ceiling", (NUMERIC,), None, _simple(gw_ceiling)),
)

FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType({spec.name.lower(): spec for spec in _SPECS})


def with_functions(extra: Mapping[str, FunctionSpec]) -> Mapping[str, FunctionSpec]:
    """A new table holding FUNCTIONS plus `extra` (keys are matched case-insensitively)."""
    return MappingProxyType({**FUNCTIONS, **{name.lower(): spec for name, spec in extra.items()}})
