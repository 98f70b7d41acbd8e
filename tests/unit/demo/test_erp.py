"""The demo ERP builder on a temp SQLite file, and the catalog reflected from it."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from demo_facts import demo_settings, facts

from gateway.catalog import Catalog, ColumnKind, reflect_catalog
from gateway.demo.erp import build_demo, demo_metadata, demo_rows

pytestmark = pytest.mark.sqlite


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}")
    build_demo(engine)
    return engine


def test_demo_rows_are_deterministic_and_sized() -> None:
    rows = demo_rows()
    assert rows == demo_rows()
    assert (len(rows["C_BPartner"]), len(rows["M_Product"]), len(rows["C_Order"])) == (60, 40, 300)
    assert 1000 <= len(rows["C_OrderLine"]) <= 1400
    assert len(demo_rows(size=2)["C_Order"]) == 600
    clients = {row["AD_Client_ID"] for row in rows["C_Order"]}
    assert clients == {0, 11, 12}


def test_demo_rows_hold_the_worked_example() -> None:
    rows = demo_rows()
    order = next(o for o in rows["C_Order"] if o["C_Order_ID"] == 1042)
    assert (order["DocumentNo"], order["C_BPartner_ID"], order["DateOrdered"]) == (
        "SO-1042",
        117,
        date(2025, 3, 14),
    )
    assert (order["GrandTotal"], order["DocStatus"], order["IsSOTrx"], order["Description"]) == (
        Decimal("240.75"),
        "CO",
        "Y",
        None,
    )
    lines = [line for line in rows["C_OrderLine"] if line["C_Order_ID"] == 1042]
    assert [(x["C_OrderLine_ID"], x["Line"], x["M_Product_ID"], x["LineNetAmt"]) for x in lines] == [
        (2081, 10, 134, Decimal("118.75")), (2082, 20, 145, Decimal("122.00")),
        (2083, 30, None, Decimal("0.00")),
    ]  # fmt: skip
    partner = next(p for p in rows["C_BPartner"] if p["C_BPartner_ID"] == 117)
    assert (partner["Name"], partner["Value"], partner["AD_Client_ID"]) == ("C&W Construction", "CW", 11)
    names = {p["Name"] for p in rows["C_BPartner"]}
    assert {"Joe's Garden", "100% Organic", "Under_score Ltd", "Ålesund Tre AS", "  Spaced  "} <= names
    descriptions = {o["Description"] for o in rows["C_Order"]}
    assert {None, "urgent", "Urgent delivery", "10% discount", "a_b", "C:\\temp"} <= descriptions
    created = [o["Created"].microsecond for o in rows["C_Order"]]
    assert 0 in created and any(created)


def test_demo_build_counts_and_progress(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    info = build_demo(engine, progress=lambda done, total: seen.append((done, total)))
    expected = {name: len(rows) for name, rows in demo_rows().items()}
    assert {name: info.row_counts[name] for name in expected} == expected
    assert info.row_counts["C_Order_Summary_v"] == 300
    assert seen[-1] == (sum(expected.values()), sum(expected.values()))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    again = build_demo(engine)  # an existing demo is kept, not duplicated
    other = build_demo(sa.create_engine(f"sqlite:///{tmp_path / 'b.sqlite'}"))
    assert dict(again.row_counts) == dict(info.row_counts) == dict(other.row_counts)
    assert info.tables == other.tables and "C_Order" in info.tables


def test_demo_values_as_stored(demo_engine: sa.Engine) -> None:
    with demo_engine.connect() as conn:
        columns = '"DocumentNo", "GrandTotal", "IsSOTrx", "C_Order_UU"'
        order = conn.execute(sa.text(f'SELECT {columns} FROM "C_Order" WHERE "C_Order_ID" = 1042')).one()
        lines = conn.execute(
            sa.text('SELECT COUNT(*) FROM "C_OrderLine" WHERE "C_Order_ID" = 1042')
        ).scalar_one()
        view = conn.execute(
            sa.text('SELECT "LineCount" FROM "C_Order_Summary_v" WHERE "C_Order_ID" = 1042')
        ).one()
        system = conn.execute(sa.text('SELECT "Name" FROM "AD_Client" WHERE "AD_Client_ID" = 0')).scalar_one()
    assert tuple(order) == ("SO-1042", 240.75, "Y", "5b0d2f0e-8a1c-4c55-9a57-3f1f0a6e2b10")
    assert lines == 3 and view[0] == 3 and system == "System"


def test_demo_reflected_catalog_matches_metadata(demo_engine: sa.Engine) -> None:
    settings = demo_settings()
    reflected = reflect_catalog(demo_engine, settings)
    declared = Catalog.from_metadata(demo_metadata(), settings)
    got, want = facts(reflected, labels=False), facts(declared, labels=False)
    # SQLite gives view columns computed by an expression no declared type.
    view = want["C_Order_Summary_v"]
    columns = tuple(c if c[0] != "LineCount" else (c[0], ColumnKind.STRING, *c[2:]) for c in view[-1])
    want["C_Order_Summary_v"] = (*view[:-1], columns)
    assert got == want


def test_demo_reflected_special_tables(demo_engine: sa.Engine) -> None:
    catalog = reflect_catalog(demo_engine, demo_settings().replace(view_keys={}))
    assert catalog.get("m_productprice").key is None and catalog.get("AD_ChangeLog").key is None
    view = catalog.get("C_ORDER_SUMMARY_V")
    assert view.is_view and view.key is None and not view.column_named("C_Order_ID").has_default
    price = catalog.get("C_Order").column_named("GrandTotal")
    assert (price.kind, price.precision, price.scale) == (ColumnKind.DECIMAL, 14, 2)
    line = catalog.get("C_OrderLine")
    assert [r.parent for r in catalog.tenant_path(line)] == ["C_Order"]
    assert {r.child_column for r in catalog.get("AD_User").children if r.child == "C_Order"} == {
        "SalesRep_ID", "AD_User_ID"
    }  # fmt: skip


def test_demo_reflection_skips_gw_and_excluded_tables(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    build_demo(engine)
    with engine.begin() as conn:
        conn.execute(sa.text('CREATE TABLE "gw_user" (id INTEGER PRIMARY KEY)'))
    settings = dataclasses.replace(demo_settings(), exclude_tables=("c_bpartner",))
    catalog = reflect_catalog(engine, settings)
    assert catalog.find("gw_user") is None and catalog.find("C_BPartner") is None
    assert catalog.get("C_Order").column_named("C_BPartner_ID").parent is None
    assert catalog.get("C_Order").column_named("C_BPartner_ID").kind is ColumnKind.INTEGER
