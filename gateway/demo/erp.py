"""The demo ERP: a small deterministic GardenWorld-like schema and its rows, the fixture of product tests.

`demo_metadata()` declares the tables (mixed-case quoted names, composite-key, keyless, a view);
`build_demo()` creates them and inserts the rows of `demo_rows()`. Rows are computed in Python from
`random.Random(42)` before any I/O, so every database receives the same values. Drops nothing.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

__all__ = ["DemoInfo", "build_demo", "demo_metadata", "demo_rows"]

Row = dict[str, Any]
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


# --- rows ------------------------------------------------------------------------------------------

_ORGS = (
    (0, 0, "*", "*"),
    (50000, 11, "HQ", "HQ"),
    (50001, 11, "Store", "Store"),
    (50002, 12, "Farm", "Farm HQ"),
)
_WAREHOUSES = (
    (103, 11, 50000, "HQ Warehouse"),
    (104, 11, 50001, "Store Warehouse"),
    (105, 12, 50002, "Farm Store"),
)
_USERS = (
    (0, 0, 0, "System"), (100, 0, 0, "SuperUser"), (101, 11, 0, "GardenAdmin"),
    (102, 11, 50000, "GardenUser"), (103, 11, 50001, "Sally Sales"), (104, 11, 50000, "Tom Buyer"),
    (105, 12, 0, "Farm Admin"), (106, 12, 50002, "Fred Farmer"),
)  # fmt: skip
# Names with quote, LIKE wildcards, backslash, semicolon, non-ASCII and outer spaces exercise escaping.
_PARTNERS = {
    112: (0, "STANDARD", "Standard"), 113: (0, "SYSTEM-BP", "System Partner"),
    117: (11, "CW", "C&W Construction"), 118: (11, "JOE", "Joe's Garden"),
    119: (11, "ORGANIC", "100% Organic"), 120: (11, "UNDER", "Under_score Ltd"),
    121: (11, "BACK", "Back\\slash Supplies"), 122: (11, "SEMI", "Semi;colon Corp"),
    123: (12, "ALESUND", "Ålesund Tre AS"), 124: (11, "SPACED", "  Spaced  "),
}  # fmt: skip
_WORDS = (
    ("Green", "Sunny", "Oak", "River", "Hill", "Maple", "Stone", "Meadow", "North", "Silver"),
    ("Gardens", "Landscaping", "Nursery", "Farms", "Supplies", "Trading", "Growers", "Outdoor"),
)
_PLANTS = (
    "Rose Bush", "Tulip Bulbs", "Fertilizer 50kg", "Garden Hose", "Lawn Mower", "Rake", "Shovel", "Fern",
    "Pruning Shears", "Watering Can", "Tomato Seeds", "Basil Seeds", "Patio Chair", "Patio Table", "Grill",
    "Sun Umbrella", "Compost Bin", "Planter Large", "Planter Small", "Mulch", "Potting Soil", "Gloves",
    "Wheelbarrow", "Hedge Trimmer", "Leaf Blower", "Sprinkler", "Bird Feeder", "Garden Gnome", "Lantern",
    "Trellis", "Stepping Stone", "Pond Pump", "Fountain", "Birch Tree", "Maple Tree", "Lavender", "Hydrangea",
    "Boxwood",
)  # fmt: skip
_DESCRIPTIONS = (None,) * 8 + ("urgent", "Urgent delivery", "10% discount", "a_b", "C:\\temp", "Call first")
_ORDER_UU = "5b0d2f0e-8a1c-4c55-9a57-3f1f0a6e2b10"
# Order 1042 and its lines are the worked example of the API contract.
_ORDER_1042_LINES = (
    (2081, 10, 134, "5.00", "23.75", "0c7e9a44-51d2-4c7f-8a0e-6f2d9b1c3e01"),
    (2082, 20, 145, "2", "61", "9a1f3b27-6c0d-4e8a-b5f4-2d7c8e9f0a12"),
    (2083, 30, None, "1", "0", "e4d2c1b0-7a6f-4e5d-9c8b-1a2b3c4d5e6f"),
)
_STATUSES = ("CO",) * 6 + ("DR", "IP", "VO", "CL")
_FIRST_DAY, _DAYS = date(2024, 1, 1), 730


def demo_rows(size: int = 1) -> dict[str, list[Row]]:
    """Every demo row per table, from a fresh `random.Random(42)`; the same on every call and database."""
    rng = random.Random(42)
    rows: dict[str, list[Row]] = {"AD_Client": _clients(rng), "AD_Org": [], "M_Warehouse": [], "AD_User": []}
    for org_id, client, value, name in _ORGS:
        rows["AD_Org"].append(_std(rng, "AD_Org", org_id, client, None, Value=value, Name=name))
    for wh_id, client, org, name in _WAREHOUSES:
        rows["M_Warehouse"].append(_std(rng, "M_Warehouse", wh_id, client, org, Value=name[:5], Name=name))
    rows["C_BPartner"] = [_partner(rng, bp_id) for bp_id in range(112, 172)]
    for user_id, client, org, name in _USERS:
        email = f"{name.split()[0].lower()}@example.com" if user_id else None
        password = None if user_id < 101 else "$argon2id$" + rng.randbytes(25).hex()
        partner = 118 if user_id == 104 else None
        fields = {"Name": name, "EMail": email, "Password": password, "C_BPartner_ID": partner}
        rows["AD_User"].append(_std(rng, "AD_User", user_id, client, org, **fields))
    uoms = ((100, "Each", "EA"), (101, "Kilogram", "KG"), (102, "Hour", "HR"), (103, "Liter", "LTR"))
    rows["C_UOM"] = [_std(rng, "C_UOM", i, 0, None, Name=n, X12DE355=x) for i, n, x in uoms]
    rows["M_Product"] = _products(rng)
    rows["M_ProductPrice"] = _prices(rng, rows["M_Product"])
    rows["C_Order"], rows["C_OrderLine"] = _orders(rng, size, rows["C_BPartner"], rows["M_Product"])
    rows["C_Invoice"] = _invoices(rng, rows["C_Order"])
    rows["AD_ChangeLog"] = _changes(rng, rows["C_Order"])
    return rows


def _std(rng: random.Random, table: str, key: int, client: int, org: int | None, **fields: Any) -> Row:
    created = _timestamp(rng, _FIRST_DAY + timedelta(days=rng.randrange(30)))
    row: Row = {f"{table}_ID": key, "AD_Client_ID": client, **fields}
    if org is not None:
        row["AD_Org_ID"] = org
    return row | {"IsActive": "Y", "Created": created, "Updated": created, f"{table}_UU": _uuid(rng)}


def _clients(rng: random.Random) -> list[Row]:
    clients = (
        (0, "SYSTEM", "System", None),
        (11, "GW", "GardenWorld", "en_US"),
        (12, "SF", "Seed Farm", "de_DE"),
    )
    return [
        _std(rng, "AD_Client", i, i, None, Value=v, Name=n, AD_Language=lang) for i, v, n, lang in clients
    ]


def _org_of(rng: random.Random, client: int) -> int:
    return rng.choice([org for org, org_client, _, _ in _ORGS if org_client == client] or [0])


def _partner(rng: random.Random, bp_id: int) -> Row:
    client, value, name = _PARTNERS.get(bp_id) or (
        rng.choice((11, 11, 11, 12, 12, 0)), f"BP{bp_id}", f"{rng.choice(_WORDS[0])} {rng.choice(_WORDS[1])}"
    )  # fmt: skip
    fields = {
        "Value": value, "Name": name, "IsCustomer": rng.choice("YYN"), "IsVendor": rng.choice("YNN"),
        "SO_CreditLimit": rng.choice((None, _money(rng.randrange(0, 5000) * 10))),
        "Description": rng.choice((None, None, f"Partner {value}", "10% discount")),
        "Logo": rng.randbytes(8) if rng.random() < 0.2 else None,
        "Attributes": {"segment": rng.choice(("retail", "trade")), "rating": rng.randrange(1, 6)}
        if rng.random() < 0.5 else None,
    }  # fmt: skip
    row = _std(rng, "C_BPartner", bp_id, client, _org_of(rng, client), **fields)
    return row | {"IsActive": "N" if bp_id % 29 == 0 else "Y"}


def _products(rng: random.Random) -> list[Row]:
    names = iter(rng.sample(_PLANTS, len(_PLANTS)))
    special = {134: (11, "AZ-01", "Azalea Bush", "23.75"), 145: (11, "OAK-01", "Oak Tree", "61.00")}
    rows = []
    for product_id in range(130, 170):
        client, value, name, price = special.get(product_id) or (
            rng.choice((11, 11, 11, 12, 0)),
            f"P-{product_id}",
            next(names),
            str(rng.randrange(100, 20000) / 100),
        )
        fields = {
            "Value": value, "Name": name, "ProductType": rng.choice("IIIS"),
            "C_UOM_ID": rng.choice((100, 100, 101)), "PriceList": _money(price),
            "Weight": rng.choice((None, rng.randrange(1, 200) / 4)), "IsStocked": rng.choice("YYN"),
            "ImageData": rng.randbytes(12) if rng.random() < 0.25 else None,
            "DiscontinuedAt": _day(rng) if rng.random() < 0.1 else None,
        }  # fmt: skip
        rows.append(_std(rng, "M_Product", product_id, client, _org_of(rng, client), **fields))
    return rows


def _prices(rng: random.Random, products: list[Row]) -> list[Row]:
    rows = []
    for product in products:
        for version in (101, 102) if rng.random() < 0.5 else (101,):
            price = product["PriceList"] if version == 101 else _money(product["PriceList"] * Decimal("0.9"))
            row = _std(
                rng, "M_ProductPrice", 0, product["AD_Client_ID"], product["AD_Org_ID"], PriceStd=price
            )
            del row["M_ProductPrice_ID"]
            rows.append(row | {"M_PriceList_Version_ID": version, "M_Product_ID": product["M_Product_ID"]})
    return rows


def _orders(
    rng: random.Random, size: int, partners: list[Row], products: list[Row]
) -> tuple[list[Row], list[Row]]:
    order_ids = range(1000, 1000 + 300 * max(size, 1))
    counts = {order_id: 3 if order_id == 1042 else rng.randint(1, 7) for order_id in order_ids}
    next_line = 2081 - sum(counts[i] for i in order_ids if i < 1042)
    orders, lines = [], []
    for order_id in order_ids:
        order = _order(rng, order_id, partners)
        if order_id == 1042:
            order_lines = _lines_1042(rng, order)
        else:
            order_lines = [_line(rng, order, next_line + n, n, products) for n in range(counts[order_id])]
        next_line += counts[order_id]
        order["GrandTotal"] = sum((line["LineNetAmt"] for line in order_lines), Decimal("0.00"))
        orders.append(order)
        lines.extend(order_lines)
    return orders, lines


def _order(rng: random.Random, order_id: int, partners: list[Row]) -> Row:
    client = 11 if order_id == 1042 else rng.choice((11,) * 13 + (12,) * 6 + (0,))
    org = 50000 if order_id == 1042 else _org_of(rng, client)
    day = date(2025, 3, 14) if order_id == 1042 else _day(rng)
    candidates = [p["C_BPartner_ID"] for p in partners if p["AD_Client_ID"] in (client, 0)]
    users = [u[0] for u in _USERS if u[1] == client]
    is_so = "Y" if order_id == 1042 or rng.random() < 0.85 else "N"
    fields = {
        "DocumentNo": f"{'SO' if is_so == 'Y' else 'PO'}-{order_id}",
        "C_BPartner_ID": 117 if order_id == 1042 else rng.choice(candidates), "DateOrdered": day,
        "DatePromised": rng.choice((None, _timestamp(rng, day + timedelta(days=rng.randrange(1, 20))))),
        "GrandTotal": Decimal("0.00"), "DocStatus": "CO" if order_id == 1042 else rng.choice(_STATUSES),
        "IsSOTrx": is_so, "Description": None if order_id == 1042 else rng.choice(_DESCRIPTIONS),
        "SalesRep_ID": rng.choice(users + [None]), "AD_User_ID": rng.choice(users + [None]),
        "M_Warehouse_ID": next((w[0] for w in _WAREHOUSES if w[2] == org), None),
    }  # fmt: skip
    row = _std(rng, "C_Order", order_id, client, org, **fields)
    created = _timestamp(rng, day)
    row |= {"Created": created, "Updated": created + timedelta(minutes=rng.randrange(0, 600))}
    return row | ({"C_Order_UU": _ORDER_UU} if order_id == 1042 else {})


def _line(rng: random.Random, order: Row, line_id: int, n: int, products: list[Row]) -> Row:
    candidates = [p for p in products if p["AD_Client_ID"] in (order["AD_Client_ID"], 0)]
    product = rng.choice(candidates) if candidates and rng.random() < 0.95 else None
    qty = _money(rng.randint(1, 20) + rng.choice((0, 0, 0, 0.5)))
    price = product["PriceList"] if product else _money(0)
    row: Row = {"C_OrderLine_ID": line_id, "C_Order_ID": order["C_Order_ID"], "Line": (n + 1) * 10}
    row |= {"M_Product_ID": product["M_Product_ID"] if product else None, "QtyOrdered": qty}
    row |= {"PriceActual": price, "LineNetAmt": _money(qty * price)}
    return row | _line_std(rng, order, _uuid(rng))


def _lines_1042(rng: random.Random, order: Row) -> list[Row]:
    rows = []
    for line_id, line, product, qty, price, uid in _ORDER_1042_LINES:
        row: Row = {"C_OrderLine_ID": line_id, "C_Order_ID": 1042, "Line": line, "M_Product_ID": product}
        row |= {"QtyOrdered": _money(qty), "PriceActual": _money(price)}
        row["LineNetAmt"] = _money(row["QtyOrdered"] * row["PriceActual"])
        rows.append(row | _line_std(rng, order, uid))
    return rows


def _line_std(rng: random.Random, order: Row, uid: str) -> Row:
    created = order["Created"] + timedelta(seconds=rng.randrange(1, 300))
    return {"IsActive": "Y", "Created": created, "Updated": created, "C_OrderLine_UU": uid}


def _invoices(rng: random.Random, orders: list[Row]) -> list[Row]:
    done = [o for o in orders if o["DocStatus"] == "CO"][::2]
    rows = []
    for n, order in enumerate(done):
        fields = {"DocumentNo": f"INV-{n + 1:05d}", "C_Order_ID": order["C_Order_ID"]}
        fields |= {"DateInvoiced": order["DateOrdered"] + timedelta(days=rng.randrange(0, 30))}
        fields |= {"GrandTotal": order["GrandTotal"], "IsPaid": rng.choice("YN")}
        rows.append(_std(rng, "C_Invoice", 5000 + n, order["AD_Client_ID"], order["AD_Org_ID"], **fields))
    loose = {"DocumentNo": "INV-MANUAL", "C_Order_ID": None, "DateInvoiced": date(2025, 1, 8)}
    rows.append(_std(rng, "C_Invoice", 4999, 11, 50000, **loose, GrandTotal=_money("99.90"), IsPaid="N"))
    return rows


def _changes(rng: random.Random, orders: list[Row]) -> list[Row]:
    rows = []
    for order in [o for o in orders if o["DocStatus"] == "CO"][:30]:
        rows.append({
            "AD_Client_ID": order["AD_Client_ID"], "TableName": "C_Order", "RecordId": order["C_Order_ID"],
            "ColumnName": "DocStatus", "OldValue": rng.choice(("DR", "IP", None)), "NewValue": "CO",
            "Created": order["Updated"],
        })  # fmt: skip
    return rows


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _timestamp(rng: random.Random, day: date) -> datetime:
    """A time on `day`; about half carry fractional seconds (milliseconds, exact on every backend)."""
    moment = datetime(day.year, day.month, day.day) + timedelta(seconds=rng.randrange(7 * 3600, 19 * 3600))
    return moment.replace(microsecond=rng.randrange(1, 1000) * 1000) if rng.random() < 0.5 else moment


def _day(rng: random.Random) -> date:
    return _FIRST_DAY + timedelta(days=rng.randrange(_DAYS))


def _money(value: float | int | str | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))
