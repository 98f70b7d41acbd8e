"""An ERP-like schema of many tables for the startup benchmark (plain module, imported by name).

Each table `T0000`..: its key `T<n>_ID`, AD_Client_ID/AD_Org_ID, a name, flags, a uid, 15 to 25 columns
in all, and up to three FKs to earlier tables (one NOT NULL, so tenant paths and FK graphs are realistic).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.compiler import IdentifierPreparer

BATCH = 200  # tables per transaction: PostgreSQL's lock table is bounded


def table_ddl(i: int, preparer: IdentifierPreparer) -> str:
    """CREATE TABLE of table number `i`, identifiers quoted by the dialect's `preparer`."""
    q = preparer.quote
    name = f"T{i:04d}"
    columns = [
        f"{q(name + '_ID')} INTEGER PRIMARY KEY",
        f"{q('AD_Client_ID')} INTEGER NOT NULL",
        f"{q('AD_Org_ID')} INTEGER NOT NULL",
        f"{q('Name')} VARCHAR(60)",
        f"{q('IsActive')} CHAR(1) DEFAULT 'Y' NOT NULL",
        f"{q('Created')} TIMESTAMP NULL",
        f"{q(name + '_UU')} VARCHAR(36)",
        f"{q('Amount')} DECIMAL(12, 2)",
    ]
    columns += [f"{q(f'Col{j}')} VARCHAR(40)" for j in range(6 + i % 10)]  # 15..26 with the FKs
    parents = sorted({i - 1, i // 2, i // 7} - {i}) if i else []
    for k, parent in enumerate(parents):
        target = f"T{parent:04d}"
        column = f"{target}_ID" if k else f"{target}_Main_ID"
        null = " NOT NULL" if k == 0 else ""
        columns.append(f"{q(column)} INTEGER{null}")
        columns.append(f"FOREIGN KEY ({q(column)}) REFERENCES {q(target)} ({q(target + '_ID')})")
    return f"CREATE TABLE {q(name)} ({', '.join(columns)})"


def create_schema(url: str, tables: int) -> None:
    """`tables` tables in the (empty) database at `url`, parents before children."""
    engine = sa.create_engine(url)
    try:
        for start in range(0, tables, BATCH):
            with engine.begin() as conn:
                preparer = conn.dialect.identifier_preparer
                for i in range(start, min(tables, start + BATCH)):
                    conn.exec_driver_sql(table_ddl(i, preparer))
    finally:
        engine.dispose()
