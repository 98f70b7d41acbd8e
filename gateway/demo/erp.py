"""The demo ERP: a small deterministic GardenWorld-like schema and its rows, the fixture of product tests.

`demo_metadata()` declares the tables (mixed-case quoted names, composite-key, keyless, a view);
`build_demo()` creates them and inserts the rows of `demo_rows()`. Rows are computed in Python from
`random.Random(42)` before any I/O, so every database receives the same values. Drops nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from gateway.demo.erp_rows import Row, demo_rows

__all__ = ["DemoInfo", "build_demo", "demo_metadata", "demo_rows"]


Progress = Callable[[int, int], None]
BATCH_ROWS = 500
# Generated keys start far above the demo's explicit ids so that rows created later never collide.
_FIRST_GENERATED_KEY = 1_000_000
# Fractional seconds need DATETIME(6) on MariaDB; utf8mb4_bin keeps comparisons binary as on PostgreSQL (C).
_TS = sa.TIMESTAMP().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
_TABLE_OPTIONS: Mapping[str, Any] = MappingProxyType(
    {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
)
_MONEY = sa.Numeric(14, 2)
_VIEW = "C_Order_Summary_v"


@dataclass(frozen=True, slots=True)
class DemoInfo:
    tables: tuple[str, ...]
    row_counts: Mapping[str, int]


def _key(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer, sa.Identity(start=_FIRST_GENERATED_KEY), primary_key=True)


def _fk(name: str, target: str, *, nullable: bool = True, comment: str | None = None) -> sa.Column[Any]:
    return sa.Column(
        name, sa.Integer, sa.ForeignKey(f"{target}.{target}_ID"), nullable=nullable, comment=comment
    )


def _text(name: str, length: int, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _flag(name: str, default: str | None = None) -> sa.Column[Any]:
    server_default = sa.text(f"'{default}'") if default else None
    return sa.Column(name, sa.CHAR(1), nullable=default is None, server_default=server_default)


def _standard(table: str) -> tuple[sa.Column[Any], ...]:
    now = sa.func.current_timestamp()
    return (
        _flag("IsActive", "Y"),
        sa.Column("Created", _TS, nullable=False, server_default=now),
        sa.Column("Updated", _TS, nullable=False, server_default=now),
        sa.Column(f"{table}_UU", sa.String(36), unique=True),
    )


def _table(md: sa.MetaData, name: str, *columns: Any, org: bool = True) -> sa.Table:
    tenancy = [_fk("AD_Client_ID", "AD_Client", nullable=False)]
    if org:
        tenancy.append(_fk("AD_Org_ID", "AD_Org", nullable=False))
    return sa.Table(name, md, _key(f"{name}_ID"), *tenancy, *columns, *_standard(name), **_TABLE_OPTIONS)


def demo_metadata() -> sa.MetaData:
    """A new MetaData holding the demo tables and the order summary view."""
    md = sa.MetaData()
    sa.Table(
        "AD_Client", md, _key("AD_Client_ID"), _text("Value", 40, nullable=False),
        _text("Name", 60, nullable=False), _text("AD_Language", 6), *_standard("AD_Client"), **_TABLE_OPTIONS,
    )  # fmt: skip
    _table(md, "AD_Org", _text("Value", 40, nullable=False), _text("Name", 60, nullable=False), org=False)
    _table(md, "M_Warehouse", _text("Value", 40, nullable=False), _text("Name", 60, nullable=False))
    _table(
        md, "C_BPartner", _text("Value", 40, nullable=False), _text("Name", 120, nullable=False),
        _flag("IsCustomer"), _flag("IsVendor"), sa.Column("SO_CreditLimit", _MONEY),
        _text("Description", 255), sa.Column("Logo", sa.LargeBinary), sa.Column("Attributes", sa.JSON),
    )  # fmt: skip
    _table(
        md, "AD_User", _text("Name", 60, nullable=False), _text("EMail", 60), _text("Password", 60),
        _fk("C_BPartner_ID", "C_BPartner"),
    )  # fmt: skip
    _table(md, "C_UOM", _text("Name", 60, nullable=False), _text("X12DE355", 4, nullable=False), org=False)
    _table(
        md, "M_Product", _text("Value", 40, nullable=False), _text("Name", 120, nullable=False),
        sa.Column("ProductType", sa.CHAR(1), nullable=False), _fk("C_UOM_ID", "C_UOM", nullable=False),
        sa.Column("PriceList", _MONEY, nullable=False), sa.Column("Weight", sa.Double),
        _flag("IsStocked", "Y"), sa.Column("ImageData", sa.LargeBinary), sa.Column("DiscontinuedAt", sa.Date),
    )  # fmt: skip
    orders = _table(
        md, "C_Order", _text("DocumentNo", 30, nullable=False),
        _fk("C_BPartner_ID", "C_BPartner", nullable=False, comment="Business Partner"),
        sa.Column("DateOrdered", sa.Date, nullable=False), sa.Column("DatePromised", _TS),
        sa.Column("GrandTotal", _MONEY, nullable=False, server_default=sa.text("0")),
        sa.Column("DocStatus", sa.CHAR(2), nullable=False, server_default=sa.text("'DR'")),
        _flag("IsSOTrx", "Y"), _text("Description", 255), _fk("SalesRep_ID", "AD_User"),
        _fk("AD_User_ID", "AD_User"), _fk("M_Warehouse_ID", "M_Warehouse"),
    )  # fmt: skip
    lines = sa.Table(
        "C_OrderLine", md, _key("C_OrderLine_ID"), _fk("C_Order_ID", "C_Order", nullable=False),
        sa.Column("Line", sa.Integer, nullable=False), _fk("M_Product_ID", "M_Product"),
        sa.Column("QtyOrdered", sa.Numeric(12, 2), nullable=False),
        sa.Column("PriceActual", _MONEY, nullable=False), sa.Column("LineNetAmt", _MONEY, nullable=False),
        *_standard("C_OrderLine"), **_TABLE_OPTIONS,
    )  # fmt: skip
    _table(
        md, "C_Invoice", _text("DocumentNo", 30, nullable=False), sa.Column("C_Order_ID", sa.Integer),
        sa.Column("DateInvoiced", sa.Date, nullable=False), sa.Column("GrandTotal", _MONEY, nullable=False),
        _flag("IsPaid", "N"),
    )  # fmt: skip
    sa.Table(
        "M_ProductPrice", md, sa.Column("M_PriceList_Version_ID", sa.Integer, primary_key=True,
        autoincrement=False), sa.Column("M_Product_ID", sa.Integer, sa.ForeignKey("M_Product.M_Product_ID"),
        primary_key=True, autoincrement=False), _fk("AD_Client_ID", "AD_Client", nullable=False),
        _fk("AD_Org_ID", "AD_Org", nullable=False), sa.Column("PriceStd", _MONEY, nullable=False),
        *_standard("M_ProductPrice"), **_TABLE_OPTIONS,
    )  # fmt: skip
    sa.Table(
        "AD_ChangeLog", md, sa.Column("AD_Client_ID", sa.Integer, nullable=False), _text("TableName", 60),
        sa.Column("RecordId", sa.Integer), _text("ColumnName", 60), _text("OldValue", 255),
        _text("NewValue", 255), sa.Column("Created", _TS, nullable=False), **_TABLE_OPTIONS,
    )  # fmt: skip
    _summary_view(md, orders, lines)
    return md


def _summary_view(md: sa.MetaData, orders: sa.Table, lines: sa.Table) -> None:
    count = sa.cast(sa.func.count(lines.c.C_OrderLine_ID), sa.Integer).label("LineCount")
    query = (
        sa.select(orders.c.C_Order_ID, orders.c.AD_Client_ID, orders.c.DocumentNo, orders.c.GrandTotal, count)
        .select_from(orders.outerjoin(lines, lines.c.C_Order_ID == orders.c.C_Order_ID))
        .group_by(orders.c.C_Order_ID, orders.c.AD_Client_ID, orders.c.DocumentNo, orders.c.GrandTotal)
    )
    sa.CreateView(query, _VIEW, metadata=md)


def build_demo(engine: sa.Engine, *, size: int = 1, progress: Progress | None = None) -> DemoInfo:
    """Create the demo tables and view (checkfirst) and fill them; an already filled database is kept."""
    md = demo_metadata()
    md.create_all(engine, checkfirst=True)
    names = tuple(t.name for t in md.sorted_tables)
    with engine.begin() as conn:
        filled = conn.execute(sa.select(sa.func.count()).select_from(md.tables["AD_Client"])).scalar_one()
        if not filled:
            _insert_all(conn, md, demo_rows(size), progress)
        counts = {name: _count(conn, md.tables[name]) for name in names}
    return DemoInfo(tables=names, row_counts=MappingProxyType(counts))


def _insert_all(
    conn: sa.Connection, md: sa.MetaData, rows: dict[str, list[Row]], progress: Progress | None
) -> None:
    total, done = sum(len(batch) for batch in rows.values()), 0
    for table in md.sorted_tables:
        table_rows = rows.get(table.name, [])
        _insert_zero_keys(conn, table, [row for row in table_rows if row.get(f"{table.name}_ID") == 0])
        table_rows = [row for row in table_rows if row.get(f"{table.name}_ID") != 0]
        for start in range(0, len(table_rows), BATCH_ROWS):
            batch = table_rows[start : start + BATCH_ROWS]
            conn.execute(table.insert(), batch)
            done += len(batch)
            if progress is not None:
                progress(done, total)
    if progress is not None and done < total:
        progress(total, total)


def _insert_zero_keys(conn: sa.Connection, table: sa.Table, rows: list[Row]) -> None:
    """Rows whose key is 0 (System): MariaDB turns an inserted 0 into the next AUTO_INCREMENT value,
    so each goes in alone and gets its key set back to 0 (a no-op elsewhere)."""
    for row in rows:
        conn.execute(table.insert(), row)
        uid = table.c[f"{table.name}_UU"]
        conn.execute(sa.update(table).where(uid == row[uid.name]).values({f"{table.name}_ID": 0}))


def _count(conn: sa.Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
