"""Rows of the demo ERP, computed in Python from `random.Random(42)` before any I/O (no SQL here).

Every database receives exactly these values; the awkward ones (quotes, wildcards, backslashes, non-ASCII,
blanks, NULLs) are there on purpose for the filter tests.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

Row = dict[str, Any]

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
