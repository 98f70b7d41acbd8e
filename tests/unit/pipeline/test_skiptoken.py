"""Skip tokens: every driver value type survives the round trip exactly; anything not issued with this
key, table and order is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from filter_grammar import parse_orderby
from gateway.errors import PagingError
from gateway.pipeline.skiptoken import SkipTokens, fingerprint
from gateway.pipeline.types import Position

VALUES = (
    None,
    True,
    -(2**63),
    1.5,
    Decimal("12345678901234567890.0100"),
    "Grüße, 'quoted' \\ \"x\"",
    datetime(2024, 2, 29, 23, 59, 59, 999999),
    datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
    date(999, 1, 2),
    time(10, 11, 12, 13),
    UUID("12345678-1234-5678-1234-567812345678"),
    timedelta(days=-1, seconds=5),
    b"\x00\xff",
)
FP = fingerprint("C_Order", parse_orderby("DateOrdered desc,tolower(Name)"))


def test_values_come_back_with_their_types() -> None:
    tokens = SkipTokens(b"k" * 32)
    token = tokens.issue(FP, VALUES)
    assert token is not None
    position = tokens.position(token, FP)
    assert position.values == VALUES
    assert [type(v) for v in position.values or ()] == [type(v) for v in VALUES]
    assert position.shape == tuple(v is None for v in VALUES)


def test_start_is_the_first_page() -> None:
    assert SkipTokens(b"k").position(" START ", FP) == Position()


def test_a_value_without_a_token_form_gives_no_token() -> None:
    assert SkipTokens(b"k").issue(FP, [object()]) is None


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t.replace(".", ".A", 1),
        lambda t: "A" + t,
        lambda t: t.split(".")[0],
        lambda t: SkipTokens(b"other key").issue(FP, [1]),
        lambda t: "é.é",  # non-ASCII: a refusal, not a TypeError inside the digest comparison
        lambda t: t + "é",
    ],
)
def test_forged_tokens_are_refused(forge) -> None:  # type: ignore[no-untyped-def]
    tokens = SkipTokens(b"k")
    with pytest.raises(PagingError):
        tokens.position(forge(tokens.issue(FP, [1])), FP)


def test_a_token_is_bound_to_its_table_and_order() -> None:
    tokens = SkipTokens(b"k")
    token = tokens.issue(FP, [1, 2, 3])
    assert token is not None
    for other in (
        fingerprint("C_OrderLine", parse_orderby("DateOrdered desc,tolower(Name)")),
        fingerprint("C_Order", parse_orderby("DateOrdered,tolower(Name)")),
        fingerprint("C_Order", None),
    ):
        with pytest.raises(PagingError, match="another table or"):
            tokens.position(token, other)
    assert fingerprint("c_order", parse_orderby("DateOrdered  desc, tolower( Name )")) == FP
