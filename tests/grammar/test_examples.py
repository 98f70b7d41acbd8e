"""Every example of filter-grammar.md §17.1–17.4 at the parser level: valid text parses, invalid text
fails with the exact type and position (errors that need the schema are checked in tests/compiler)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from grammar_cases import FILTER_CASES, OPTION_CASES

from filter_grammar import FilterError, ast, parse_expand, parse_filter, parse_orderby, parse_select
from filter_grammar.ast import strip_positions

SCHEMA_ERRORS = {"UNKNOWN-COLUMN", "FILTER-TYPE", "FILTER-PATH", "EXPAND-ERROR", "AMBIGUOUS-NAME"}
PARSERS = {"$select": parse_select, "$orderby": parse_orderby, "$expand": parse_expand}


@pytest.mark.parametrize(("number", "table", "text", "error"), FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_filter_example_parses_or_fails_at_position(
    number: str, table: str, text: str, error: tuple[str, int] | None
) -> None:
    if error is None:
        assert isinstance(parse_filter(text), ast.Compare | ast.BoolOp | ast.Not | ast.Lambda | ast.Call | ast.In  # noqa: E501
                          | ast.Has | ast.Member | ast.Literal)  # fmt: skip
        return
    try:
        parse_filter(text)
    except FilterError as exc:
        assert (exc.type, exc.position) == error, exc.detail
    else:
        assert error[0] in SCHEMA_ERRORS, f"{number} should fail while parsing"


@pytest.mark.parametrize(
    ("number", "option", "text", "error"), OPTION_CASES, ids=[c[0] for c in OPTION_CASES]
)
def test_option_example_parses_or_fails_at_position(
    number: str, option: str, text: str, error: tuple[str, int] | None
) -> None:
    parse = PARSERS[option]
    if error is None:
        assert parse(text)
        return
    try:
        parse(text)
    except FilterError as exc:
        assert (exc.type, exc.position) == error, exc.detail
    else:
        assert error[0] in SCHEMA_ERRORS, f"{number} should fail while parsing"


def m(*names: str) -> ast.Member:
    return ast.Member(tuple(ast.Segment(n, 0) for n in names), 0)


def lit(kind: ast.LitKind, value: object) -> ast.Literal:
    return ast.Literal(kind, value, 0)


S, INT, D = ast.LitKind.STRING, ast.LitKind.INT, ast.LitKind.DECIMAL
MEANINGS = [
    ("DocStatus EQ 'CO'", ast.Compare("eq", m("DocStatus"), lit(S, "CO"), 0)),
    ("DocStatus neq 'VO'", ast.Compare("ne", m("DocStatus"), lit(S, "VO"), 0)),
    ("GrandTotal le -0.01", ast.Compare("le", m("GrandTotal"), lit(D, Decimal("-0.01")), 0)),
    ("GrandTotal gt 1e3", ast.Compare("gt", m("GrandTotal"), lit(D, Decimal(1000)), 0)),
    ("Description eq 'Joe''s order'", ast.Compare("eq", m("Description"), lit(S, "Joe's order"), 0)),
    ("contains(Description, 'C:\\temp')", ast.Call("contains", (m("Description"), lit(S, "C:\\temp")), 0)),
    ("not IsSOTrx eq true", ast.Compare("eq", ast.Not(m("IsSOTrx"), 0), lit(ast.LitKind.BOOL, True), 0)),
    ("QtyOrdered-1 gt 0", ast.Compare("gt", m("QtyOrdered-1"), lit(INT, 0), 0)),
    ("-GrandTotal lt -100", ast.Compare("lt", ast.Neg(m("GrandTotal"), 0), lit(INT, -100), 0)),
    (
        "DateOrdered eq 2025-01-31",
        ast.Compare("eq", m("DateOrdered"), lit(ast.LitKind.DATE, date(2025, 1, 31)), 0),
    ),
    (
        "Created lt 2025-01-01T10:00:00+02:00",
        ast.Compare(
            "lt",
            m("Created"),
            lit(ast.LitKind.DATETIME, datetime(2025, 1, 1, 10, tzinfo=timezone(timedelta(hours=2)))),
            0,
        ),
    ),  # fmt: skip
    (
        "Created eq 2025-01-08T15:06:11.250Z",
        ast.Compare(
            "eq", m("Created"), lit(ast.LitKind.DATETIME, datetime(2025, 1, 8, 15, 6, 11, 250000, UTC)), 0
        ),
    ),
    (
        "a or b and c",
        ast.BoolOp("or", (m("a"), ast.BoolOp("and", (m("b"), m("c")), 0)), 0),
    ),
    (
        "GrandTotal add 10 mul 2 gt 500",
        ast.Compare(
            "gt",
            ast.Arith("add", m("GrandTotal"), ast.Arith("mul", lit(INT, 10), lit(INT, 2), 0), 0),
            lit(INT, 500),
            0,
        ),
    ),  # fmt: skip
    (
        "c_orderline.c_order_id/any(l: l/Line eq 10)",
        ast.Lambda(
            (),
            ast.Segment("c_orderline", 0),
            ast.Segment("c_order_id", 0),
            "any",
            "l",
            ast.Compare("eq", m("l", "Line"), lit(INT, 10), 0),
            0,
        ),
    ),  # fmt: skip
    ("C_OrderLine/any()", ast.Lambda((), ast.Segment("C_OrderLine", 0), None, "any", None, None, 0)),
    ("DocStatus in ('CO')", ast.In(m("DocStatus"), (lit(S, "CO"),), 0)),
    ("MATCHESPATTERN(DocumentNo, 'x')", ast.Call("matchesPattern", (m("DocumentNo"), lit(S, "x")), 0)),
]


@pytest.mark.parametrize(("text", "expected"), MEANINGS, ids=[t for t, _ in MEANINGS])
def test_parse_filter_builds_expected_tree(text: str, expected: ast.Expr) -> None:
    assert strip_positions(parse_filter(text)) == expected


def test_parse_filter_positions_point_at_tokens() -> None:
    expr = parse_filter("C_OrderLine/any(l: l/C_OrderLine/any())")
    assert isinstance(expr, ast.Lambda) and isinstance(expr.body, ast.Lambda)
    assert expr.body.collection.position == 22


def test_parse_select_collapses_duplicates_and_star() -> None:
    assert [i.name for i in parse_select("DocumentNo,documentno , GrandTotal").items] == [
        "DocumentNo",
        "GrandTotal",
    ]
    assert parse_select("*") == ast.SelectList(True, ())


def test_parse_orderby_reads_direction() -> None:
    items = parse_orderby("DateOrdered desc, DocumentNo, GrandTotal ASC")
    assert [i.descending for i in items] == [True, False, False]
    assert items[1].position == 19


def test_parse_expand_nested_options_and_positions() -> None:
    (item,) = parse_expand("C_OrderLine($filter=M_Product_ID/Name eq 'a;b';$top=2;$count=true)")
    assert item.options.top == 2 and item.options.count is True
    assert isinstance(item.options.filter, ast.Compare)
    assert item.options.filter.position == 21
    assert item.options.filter.right == ast.Literal(S, "a;b", 42)


def test_parse_expand_via_and_custom_separator() -> None:
    items = parse_expand("C_OrderLine.C_Order_ID($select=Line&$top=1), C_BPartner_ID", separator="&")
    assert (items[0].name, items[0].via, items[0].options.top) == ("C_OrderLine", "C_Order_ID", 1)
    assert items[1].name == "C_BPartner_ID"


def test_placeholders_only_in_rules() -> None:
    expr = parse_filter("DocStatus in (@S1@, @S2@) and C_BPartner_ID eq @#AD_Client_ID@", placeholders=True)
    assert isinstance(expr, ast.BoolOp)
    assert expr.operands[1] == ast.Compare("eq", ast.Member((ast.Segment("C_BPartner_ID", 31),), 31),
                                           ast.Placeholder("#AD_Client_ID", 48), 31)  # fmt: skip
    assert parse_filter("Description eq '@Text@'") == parse_filter(
        "Description eq '@Text@'", placeholders=True
    )


def test_validation_rule_syntax_error_position() -> None:
    with pytest.raises(FilterError) as info:
        parse_filter("DocStatus eq 'CO' or", placeholders=True)
    assert (info.value.type, info.value.position) == ("FILTER-SYNTAX", 21)


def test_lambda_variable_must_differ_from_enclosing() -> None:
    with pytest.raises(FilterError) as info:
        parse_filter("C_Order/any(o: o/C_OrderLine/any(o: o/Line eq 1))")
    assert info.value.type == "FILTER-SYNTAX"
