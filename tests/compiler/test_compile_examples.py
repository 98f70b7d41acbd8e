"""Every §17.1 example compiled against the example schema on PostgreSQL, MariaDB and SQLite: valid ones
compile with typed binds and no literal text in SQL, invalid ones fail with the exact type and position."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from compiler_cases import FILTER_CASES
from schema import FakeResolver
from sqlalchemy.dialects import mysql, postgresql, sqlite

from filter_grammar import (
    CompileOptions,
    FilterError,
    bind_values,
    compile_filter,
    literals_of,
    parse_filter,
    shape_of,
)

DIALECTS = {"postgresql": postgresql.dialect(), "mysql": mysql.dialect(), "sqlite": sqlite.dialect()}
OPTIONS = CompileOptions(now=datetime(2025, 3, 1, 12, tzinfo=UTC))
VALID = [c for c in FILTER_CASES if c[3] is None]
INVALID = [c for c in FILTER_CASES if c[3] is not None]


def compiled_sql(table: str, text: str) -> tuple[Any, dict[str, str]]:
    resolver = FakeResolver(root_name=table)
    result = compile_filter(parse_filter(text), resolver, OPTIONS)
    stmt = resolver.statement(result.clause)
    return result, {name: str(stmt.compile(dialect=d)) for name, d in DIALECTS.items()}


def literal_texts(text: str) -> list[str]:
    values = [v for v in literals_of(parse_filter(text)) if isinstance(v, str) and len(v) > 1]
    return [v for v in values if v not in ("Y", "N")]


@pytest.mark.parametrize(("number", "table", "text", "error"), VALID, ids=[c[0] for c in VALID])
def test_valid_example_compiles_without_literal_text(number: str, table: str, text: str, error: None) -> None:
    result, sqls = compiled_sql(table, text)
    for dialect, sql in sqls.items():
        for value in literal_texts(text):
            assert f"'{value}'" not in sql, (dialect, value)
    assert bind_values(result.slots, literals_of(parse_filter(text)), OPTIONS) == dict(result.params)


@pytest.mark.parametrize(("number", "table", "text", "error"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_example_fails_with_type_and_position(
    number: str, table: str, text: str, error: tuple[str, int]
) -> None:
    with pytest.raises(FilterError) as info:
        compiled_sql(table, text)
    assert (info.value.type, info.value.position) == error, info.value.detail


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C_BPartner_ID eq 117", 117),
        ("GrandTotal gt 1000", Decimal(1000)),
        ("DateOrdered eq 2025-01-31", date(2025, 1, 31)),
        ("IsSOTrx eq true", "Y"),
        ("IsSOTrx eq 'false'", "N"),
        ("C_BPartner_ID eq '117'", 117),
        ("uid eq 5B0D2F0E-8A1C-4C55-9A57-3F1F0A6E2B10", "5b0d2f0e-8a1c-4c55-9a57-3f1f0a6e2b10"),
        ("GrandTotal ge 1000.50", Decimal("1000.50")),
        ("contains(Description, '10%')", "%10/%%"),
        ("startswith(DocumentNo, 'a_b/')", "a/_b//%"),
        ("endswith(DocumentNo, 'C:\\temp')", "%C:\\temp"),
    ],
)
def test_binds_are_typed_by_the_column(text: str, expected: object) -> None:
    result, _ = compiled_sql("C_Order", text)
    first = result.params["f_1"]
    assert first == expected and type(first) is type(expected)


def test_datetime_offset_converted_to_db_zone() -> None:
    resolver = FakeResolver(root_name="C_BPartner")
    options = CompileOptions(db_timezone="Europe/Berlin")
    result = compile_filter(parse_filter("Created lt 2025-01-01T10:00:00+02:00"), resolver, options)
    assert result.params["f_1"] == datetime(2025, 1, 1, 9, 0)


def test_glob_on_sqlite_binary_on_mysql_like_on_postgresql() -> None:
    result, sqls = compiled_sql("C_Order", "contains(Description, 'a*b?[c')")
    assert " GLOB " in sqls["sqlite"] and " LIKE " not in sqls["sqlite"]
    assert "LIKE BINARY" in sqls["mysql"] and "ESCAPE '/'" in sqls["mysql"]
    assert "LIKE" in sqls["postgresql"] and "ESCAPE '/'" in sqls["postgresql"]
    assert result.params["f_2"] == "*a[*]b[?][[]c*"


def test_mysql_string_equality_is_binary_rechecked() -> None:
    _, sqls = compiled_sql("C_Order", "DocStatus eq 'CO'")
    assert "= BINARY" in sqls["mysql"] and "BINARY" not in sqls["postgresql"]


def test_postgresql_division_guards_zero_and_sqlite_uses_julianday() -> None:
    _, sqls = compiled_sql("C_Order", "C_Order_ID div 0 eq 1")
    assert "nullif" in sqls["postgresql"].lower() and " DIV " in sqls["mysql"]
    _, sqls = compiled_sql("C_BPartner", "Created ge 2025-01-01")
    assert "julianday" in sqls["sqlite"] and "julianday" not in sqls["postgresql"]


def test_navigation_and_collections_carry_scope() -> None:
    _, sqls = compiled_sql("C_Order", "C_BPartner_ID/Name eq 'x' and C_OrderLine/any(l: l/Line eq 1)")
    assert sqls["postgresql"].count("POSTCOMPILE_scope") == 2
    _, sqls = compiled_sql("C_Order", "C_BPartner_ID/id eq 117")
    assert "JOIN" not in sqls["postgresql"]


def test_shape_ignores_literal_values_but_not_kinds() -> None:
    assert shape_of(parse_filter("DocStatus eq 'CO'")) == shape_of(parse_filter("DocStatus eq 'DR'"))
    assert shape_of(parse_filter("C_BPartner_ID eq 1")) != shape_of(parse_filter("C_BPartner_ID eq '1'"))
    assert shape_of(parse_filter("IsSOTrx eq true")) != shape_of(parse_filter("IsSOTrx eq false"))


def test_cached_shape_rebinds_new_literals() -> None:
    first, sqls = compiled_sql("C_Order", "DocStatus in ('CO', 'CL') and contains(Description, 'x%')")
    second, sqls2 = compiled_sql("C_Order", "DocStatus in ('DR', 'IP') and contains(Description, 'y_')")
    assert sqls == sqls2
    literals = literals_of(parse_filter("DocStatus in ('DR', 'IP') and contains(Description, 'y_')"))
    assert bind_values(first.slots, literals, OPTIONS) == dict(second.params)


def test_bind_values_reports_bad_literal_at_slot() -> None:
    first, _ = compiled_sql("C_Order", "C_BPartner_ID eq '117'")
    with pytest.raises(FilterError) as info:
        bind_values(first.slots, ("abc",), OPTIONS)
    assert (info.value.type, info.value.position) == ("FILTER-TYPE", 18)


def test_placeholders_bind_context_values() -> None:
    resolver = FakeResolver()
    options = CompileOptions(context={"C_BPartner_ID": "117", "S1": "CO", "S2": "CL"})
    expr = parse_filter("C_BPartner_ID eq @C_BPartner_ID@ and DocStatus in (@S1@, @S2@)", placeholders=True)
    result = compile_filter(expr, resolver, options)
    assert list(result.params.values()) == [117, ["CO", "CL"]]
    for context, detail in (
        ({}, "missing"),
        ({"C_BPartner_ID": "1) or (1 eq 1", "S1": "a", "S2": "b"}, "integer"),
    ):
        with pytest.raises(FilterError) as info:
            compile_filter(expr, FakeResolver(), CompileOptions(context=context))
        assert info.value.type == "CONTEXT-ERROR", detail


def test_regex_disabled_is_unknown_function() -> None:
    with pytest.raises(FilterError) as info:
        compile_filter(
            parse_filter("matchesPattern(DocumentNo, '^SO')"),
            FakeResolver(),
            CompileOptions(regex_enabled=False),
        )
    assert (info.value.type, info.value.position) == ("FILTER-UNKNOWN-FUNCTION", 1)


def test_long_regex_is_too_complex() -> None:
    with pytest.raises(FilterError) as info:
        compile_filter(parse_filter(f"matchesPattern(DocumentNo, '{'a' * 201}')"), FakeResolver())
    assert info.value.type == "FILTER-TOO-COMPLEX"


def test_shapes_and_literals_are_remembered_per_ast_object() -> None:
    """The parse cache shares ASTs between requests: the walks run once per AST object, and an equal
    AST parsed anew (another object) gets its own, equal, results."""
    from filter_grammar import shape as shape_module

    tree = parse_filter("DocStatus eq 'CO' and GrandTotal gt 10.5")
    calls: list[object] = []
    original = shape_module._shape
    shape_module._shapes._fn = lambda node: calls.append(node) or original(node)
    try:
        assert shape_of(tree) is shape_of(tree) and len(calls) == 1
        again = parse_filter("DocStatus eq 'CO' and GrandTotal gt 10.5")
        assert shape_of(again) == shape_of(tree) and len(calls) == 2
    finally:
        shape_module._shapes._fn = original
    assert literals_of(tree) is literals_of(tree)
    assert literals_of(parse_filter("DocStatus eq 'DR' and GrandTotal gt 3")) == ("DR", 3)
    assert literals_of(tree) == ("CO", shape_module.literals_of(parse_filter("GrandTotal gt 10.5"))[0])
