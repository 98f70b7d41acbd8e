"""The driver form of cached read statements (pipeline/direct.py): the SQL with numbered placeholders, the
values in placeholder order, and SQLAlchemy's path for anything the conversion cannot vouch for."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from gateway.pipeline.direct import _numbered, _values, direct_form

PSYCOPG = postgresql.psycopg.dialect()
TABLE = sa.table("C_Order", sa.column("C_Order_ID", sa.Integer), sa.column("DocumentNo", sa.String))


def test_placeholders_are_numbered_by_first_use_and_percent_signs_unescaped() -> None:
    sql = "SELECT a %% %(m)s, 'x%%(y)s' FROM t WHERE b = %(k)s AND c = %(m)s OR d = %(k)s"
    assert _numbered(sql) == ("SELECT a % $1, 'x%(y)s' FROM t WHERE b = $2 AND c = $1 OR d = $2", ("m", "k"))


def test_any_other_percent_form_keeps_sqlalchemy_s_path() -> None:
    assert _numbered("SELECT %s") is None
    assert _numbered("SELECT %(a)d") is None
    assert _numbered("SELECT 5 %") is None


def test_a_statement_runs_with_its_own_literals_and_the_request_s_values() -> None:
    key = sa.bindparam("gw_key", type_=sa.Integer)
    stmt = sa.select(TABLE.c.DocumentNo + "-x", TABLE.c.C_Order_ID % 7).where(
        TABLE.c.C_Order_ID == key, TABLE.c.DocumentNo != "", TABLE.c.C_Order_ID != key
    )
    form = direct_form(stmt, PSYCOPG)
    assert form is not None
    assert b"%(" not in form.query and b"%%" not in form.query and b" % $" in form.query
    values = _values(form, {"gw_key": 1042})
    assert len(values) == len(form.names) == len(set(form.names))
    number = form.names.index("gw_key") + 1
    assert values[number - 1] == 1042 and form.query.count(b"$%d::" % number) == 2
    assert sorted(v for v in values if isinstance(v, str)) == ["", "-x"]  # SQLAlchemy's own literals


def test_other_drivers_keep_sqlalchemy_s_path() -> None:
    stmt = sa.select(TABLE.c.C_Order_ID).where(TABLE.c.C_Order_ID == 1)
    assert direct_form(stmt, PSYCOPG) is not None
    assert direct_form(stmt, postgresql.psycopg2.dialect()) is None
