"""Limit cases of filter-grammar.md §17.4: each raises FILTER-TOO-COMPLEX (never RecursionError)."""

from __future__ import annotations

import pytest

from filter_grammar import Limits, TooComplexError, parse_expand, parse_filter


def too_complex(text: str, **kw: object) -> TooComplexError:
    with pytest.raises(TooComplexError) as info:
        parse_filter(text, **kw)  # type: ignore[arg-type]
    return info.value


def test_l1_length_limit() -> None:
    text = "DocumentNo eq '" + "x" * 3984 + "'"
    assert len(text) == 4000
    parse_filter(text)
    assert too_complex(text[:-1] + "x'").position == 1


def test_l2_parenthesis_depth() -> None:
    parse_filter("(" * 32 + "DocStatus eq 'CO'" + ")" * 32)
    assert too_complex("(" * 33 + "DocStatus eq 'CO'" + ")" * 33).position == 33


def test_l3_in_items() -> None:
    parse_filter(f"C_Order_ID in ({','.join(str(i) for i in range(1, 1001))})", Limits(max_length=9000))
    text = f"C_Order_ID in ({','.join(str(i) for i in range(1, 1002))})"
    assert too_complex(text, limits=Limits(max_length=9000)).position == text.index(",1001") + 2


def test_l4_node_count() -> None:
    parse_filter(" or ".join(["DocStatus eq 'CO'"] * 150))
    assert too_complex(" or ".join(["DocStatus eq 'CO'"] * 251)).position == 1


def test_l5_path_hops() -> None:
    parse_filter("A/B/C/D/Col eq 1")
    assert too_complex("A/B/C/D/E/Col eq 1").position == 9


def test_l6_lambda_nesting() -> None:
    parse_filter("A/any(a: a/B/any(b: b/C/any(c: c/X eq 1)))")
    too_complex("A/any(a: a/B/any(b: b/C/any(c: c/D/any(d: d/X eq 1))))")


def test_l8_expand_depth() -> None:
    text = "C_OrderLine($expand=C_Order_ID($expand=C_OrderLine($expand=M_Product_ID)))"
    with pytest.raises(TooComplexError) as info:
        parse_expand(text)
    assert info.value.position == 60
    parse_expand("C_OrderLine($expand=C_Order_ID($expand=C_OrderLine))")


@pytest.mark.parametrize("text", ["(" * 10_000 + "x" + ")" * 10_000, "not " * 10_000 + "x", "-" * 3000 + "x",
                                  "f(" * 2000 + "x" + ")" * 2000])  # fmt: skip
def test_l9_deep_nesting_is_too_complex_not_recursion(text: str) -> None:
    too_complex(text, limits=Limits(max_length=100_000))


def test_unary_chain_depth() -> None:
    parse_filter("not " * 20 + "IsSOTrx")
    too_complex("not " * 40 + "IsSOTrx")
