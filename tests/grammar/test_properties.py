"""Property tests: arbitrary or mutated text raises only FilterError; AST -> unparse -> parse round-trips."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from filter_grammar import FilterError, ast, parse_filter, unparse
from filter_grammar.ast import strip_positions
from filter_grammar.tokens import KEYWORDS

SEEDS = ["DocStatus eq 'CO'", "C_OrderLine/any(l: l/QtyOrdered gt 5)", "contains(Description, 'a;b')",
         "GrandTotal add 10 gt -5.5 and not (IsSOTrx)", "x in (1, null, 'a''b')"]  # fmt: skip


@given(st.text(max_size=60))
def test_parse_filter_random_text_raises_only_filter_error(text: str) -> None:
    with contextlib.suppress(FilterError):
        parse_filter(text)


@given(st.sampled_from(SEEDS), st.integers(0, 60), st.text(max_size=3))
def test_parse_filter_mutated_text_raises_only_filter_error(seed: str, at: int, insert: str) -> None:
    with contextlib.suppress(FilterError):
        parse_filter(seed[:at] + insert + seed[at + 1 :])


NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n.lower() not in KEYWORDS
)
LITERALS = st.one_of(
    st.text(max_size=5).map(lambda s: ast.Literal(ast.LitKind.STRING, s, 0)),
    st.integers(-(2**63), 2**63 - 1).map(lambda i: ast.Literal(ast.LitKind.INT, i, 0)),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(
        lambda d: ast.Literal(ast.LitKind.DECIMAL, d, 0)
    ),
    st.booleans().map(lambda b: ast.Literal(ast.LitKind.BOOL, b, 0)),
    st.just(ast.Literal(ast.LitKind.NULL, None, 0)),
)
MEMBERS = st.lists(NAMES, min_size=1, max_size=3).map(
    lambda ns: ast.Member(tuple(ast.Segment(n, 0) for n in ns), 0)
)
VALUES = st.recursive(
    st.one_of(LITERALS, MEMBERS),
    lambda inner: st.one_of(
        st.builds(
            lambda op, a, b: ast.Arith(op, a, b, 0),
            st.sampled_from(["add", "sub", "mul", "div", "mod"]),
            inner,
            inner,
        ),
        st.builds(lambda a: ast.Neg(a, 0), inner),
        st.builds(lambda a, b: ast.Call("concat", (a, b), 0), inner, inner),
    ),
    max_leaves=6,
)
COMPARES = st.builds(
    lambda op, a, b: ast.Compare(op, a, b, 0), st.sampled_from(["eq", "ne", "gt", "le"]), VALUES, VALUES
)
PREDICATES = st.recursive(
    COMPARES,
    lambda inner: st.one_of(
        st.builds(
            lambda op, xs: ast.BoolOp(op, tuple(xs), 0),
            st.sampled_from(["and", "or"]),
            st.lists(inner, min_size=2, max_size=3),
        ),
        st.builds(lambda a: ast.Not(a, 0), inner),
    ),
    max_leaves=5,
)


@given(PREDICATES)
def test_unparse_round_trips(expr: ast.Expr) -> None:
    assert strip_positions(parse_filter(unparse(expr))) == expr


def test_decimal_without_point_round_trips_as_decimal() -> None:
    expr = ast.Compare(
        "eq", ast.Member((ast.Segment("a", 0),), 0), ast.Literal(ast.LitKind.DECIMAL, Decimal(5), 0), 0
    )
    assert strip_positions(parse_filter(unparse(expr))) == expr
