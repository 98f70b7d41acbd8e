"""Valid examples executed on an in-memory SQLite database with awkward rows, checking what they match."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from schema import C_BPartner, C_Order, C_OrderLine, FakeResolver, M_Product, metadata
from sqlalchemy import create_engine, event, insert
from sqlalchemy.engine import Engine

from filter_grammar import compile_filter, parse_filter, register_sqlite_functions

pytestmark = pytest.mark.sqlite


@pytest.fixture(scope="module")
def engine() -> Engine:
    engine = create_engine("sqlite://")
    event.listen(engine, "connect", lambda conn, _: register_sqlite_functions(conn))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(C_BPartner), [
            {"C_BPartner_ID": 117, "AD_Client_ID": 11, "Value": "BP1", "Name": "Ålesund Tre AS", "IsCustomer": "Y",  # noqa: E501
             "SO_CreditLimit": Decimal("6000"), "Created": datetime(2025, 1, 8, 15, 6, 11)},
            {"C_BPartner_ID": 118, "AD_Client_ID": 12, "Value": "X", "Name": "Other", "IsCustomer": "N",
             "SO_CreditLimit": None, "Created": datetime(2024, 5, 1)},
        ])  # fmt: skip
        conn.execute(insert(M_Product), [{"M_Product_ID": 145, "AD_Client_ID": 11, "Value": "AZ-01", "Name": "Oak",  # noqa: E501
                                          "ProductType": "S"}])  # fmt: skip
        rows = [
            (1, "SO1042", "10% discount", "CO", "Y", "241.50"), (2, "SO1043", "100 units", "DR", "N", "50"),
            (3, "PO2000", "Urgent delivery", "CO", "Y", "1200"), (4, "SO10x", None, "CL", "Y", "0"),
            (5, "SO1099", "a_b C:\\temp", "CO", "N", "-5"), (6, "SO1100", "axb", "CO", "Y", "10"),
        ]  # fmt: skip
        conn.execute(insert(C_Order), [
            {"C_Order_ID": i, "AD_Client_ID": 11, "DocumentNo": no, "C_BPartner_ID": 117 if i < 6 else 118,
             "DateOrdered": date(2025, 1, i), "GrandTotal": Decimal(total), "DocStatus": st, "IsSOTrx": so,
             "Description": desc}
            for i, no, desc, st, so, total in rows
        ])  # fmt: skip
        conn.execute(insert(C_OrderLine), [
            {"C_OrderLine_ID": 10, "C_Order_ID": 1, "Line": 10, "M_Product_ID": 145, "QtyOrdered": Decimal(12),  # noqa: E501
             "PriceActual": Decimal(2), "LineNetAmt": Decimal(24)},
            {"C_OrderLine_ID": 11, "C_Order_ID": 2, "Line": 10, "M_Product_ID": None, "QtyOrdered": Decimal(1),  # noqa: E501
             "PriceActual": Decimal(2), "LineNetAmt": Decimal(-2)},
        ])  # fmt: skip
    return engine


CASES = [
    ("contains(Description, '10%')", {1}),
    ("contains(Description, 'a_b')", {5}),
    ("contains(Description, 'C:\\temp')", {5}),
    ("contains(Description, 'urgent')", set()),
    ("contains(tolower(Description), 'urgent')", {3}),
    ("not contains(Description, 'x')", {1, 2, 3, 5}),
    ("Description eq null", {4}),
    ("Description in ('axb', null)", {4, 6}),
    ("DocStatus in ('CO','CL') and IsSOTrx", {1, 3, 4, 6}),
    ("not IsSOTrx", {2, 5}),
    ("GrandTotal gt 1000", {3}),
    ("GrandTotal div 0 eq 1", set()),
    ("C_Order_ID mod 2 eq 0", {2, 4, 6}),
    ("C_Order_ID divby 4 gt 1.2", {5, 6}),
    ("round(GrandTotal) eq 242 and floor(GrandTotal) eq 241 and ceiling(GrandTotal) eq 242", {1}),
    ("indexof(DocumentNo, '10') eq 2", {1, 2, 4, 5}),
    ("substring(DocumentNo, 0, 2) eq 'PO'", {3}),
    ("matchesPattern(DocumentNo, '^SO[0-9]{4}$')", {1, 2, 5, 6}),
    ("C_BPartner_ID/Name eq 'Ålesund Tre AS'", {1, 2, 3, 4, 5}),
    ("tolower(C_BPartner_ID/Name) eq 'ålesund tre as'", {1, 2, 3, 4, 5}),
    ("C_BPartner_ID/SO_CreditLimit eq null", {6}),
    ("C_OrderLine/any(l: l/QtyOrdered gt 10)", {1}),
    ("not C_OrderLine/any()", {3, 4, 5, 6}),
    ("C_OrderLine/all(l: l/LineNetAmt gt 0)", {1, 3, 4, 5, 6}),
    ("day(DateOrdered) eq 3 or DateOrdered eq 2025-01-04", {3, 4}),
    ("Line has 2", None),
]


@pytest.mark.parametrize(("text", "expected"), [c for c in CASES if c[1] is not None])
def test_sqlite_filter_matches_expected_rows(engine: Engine, text: str, expected: set[int]) -> None:
    resolver = FakeResolver()
    result = compile_filter(parse_filter(text), resolver)
    with engine.connect() as conn:
        found = {row[0] for row in conn.execute(resolver.statement(result.clause), {"scope": [11]})}
    assert found == expected


def test_sqlite_datetime_compares_by_instant(engine: Engine) -> None:
    resolver = FakeResolver(root_name="C_BPartner")
    result = compile_filter(parse_filter("Created ge 2025-01-08T15:06:11Z and hour(Created) eq 15"), resolver)
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(resolver.statement(result.clause), {"scope": [11, 12]})] == [117]
