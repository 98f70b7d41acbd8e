"""Cached reads on PostgreSQL run on the driver's cursor (pipeline/direct.py): the same answers as
SQLAlchemy's path, the same error mapping (timeouts, a connection the server closed), and SQLAlchemy's
path whenever a cursor-execution listener is installed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from dbtools import postgresql_only

from gateway.db import EngineSource, make_engine
from gateway.dialects import traits_for
from gateway.errors import Timeout
from gateway.pipeline.direct import direct_form, fetch_all
from gateway.pipeline.execute import guarded, run_read

pytestmark = [
    pytest.mark.commits,
    postgresql_only,
]
REQUESTS = [
    "/api/v1/models/c_order/1042",
    "/api/v1/models/c_order/1042?$select=DocumentNo,GrandTotal",
    "/api/v1/models/c_order?$filter=C_BPartner_ID eq 118&$orderby=DateOrdered desc&$top=7",
    "/api/v1/models/c_order?$filter=GrandTotal ge 100 and GrandTotal lt 200&$top=5&$skip=3",
    "/api/v1/models/c_order?$filter=DateOrdered ge 2024-03-01&$top=4&$count=true",
    "/api/v1/models/c_order?$top=3&$expand=C_OrderLine",
    "/api/v1/models/c_bpartner?$filter=contains(Name,'a')&$top=2",
]


@pytest.fixture
def source(backend) -> Iterator[EngineSource]:  # type: ignore[no-untyped-def]
    engine = make_engine(backend.url, pool_size=1, max_overflow=0, ping_idle_seconds=3600)
    yield EngineSource(engine)
    engine.dispose()


def _answers(source: EngineSource) -> tuple[list[Any], Any]:
    from gateway.app import create_app
    from gateway.db import Databases
    from gateway.jobs.clock import FixedClock
    from gateway.testing import bearer, session_token

    overrides = {"secret_key": "direct-" + "0123456789abcdef" * 4, "plugins": []}
    app = create_app(overrides, databases=Databases(source, source), clock=FixedClock())
    headers = bearer(session_token(app, "GardenAdmin", client_id=11, role="GardenWorld Admin"))
    client = app.test_client()
    answers = []
    for url in REQUESTS * 2:  # the second round is served from the statement cache
        reply = client.get(url, headers=headers)
        answers.append((reply.status_code, reply.get_data(), reply.headers.get("ETag")))
    return answers, app.extensions["gateway"].statements


def test_direct_and_sqlalchemy_paths_answer_alike(source, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    through_execute: list[str] = []
    execute = sa.engine.Connection.execute

    def recording(self: sa.Connection, stmt: Any, *args: Any, **kwargs: Any) -> Any:
        through_execute.append(str(stmt.compile(dialect=self.dialect)))
        return execute(self, stmt, *args, **kwargs)

    monkeypatch.setattr(sa.engine.Connection, "execute", recording)  # not a listener: keeps the direct path
    direct, cache = _answers(source)
    monkeypatch.undo()
    forms = [built.direct for _plan, built, _bindings in cache._entries.values()]
    assert all("main" in f and "count" in f for f in forms) and any("json_page" in f for f in forms)
    assert [text for text in through_execute if '"C_' in text] == []  # pages, counts, expand levels
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(source.engine, "before_cursor_execute", listener)
    try:
        through_sqlalchemy, _ = _answers(source)
    finally:
        sa.event.remove(source.engine, "before_cursor_execute", listener)
    assert direct == through_sqlalchemy and all(status == 200 for status, _, _ in direct)
    assert any('FROM "C_Order"' in statement for statement in seen)  # listeners see every statement


def test_direct_reads_keep_the_timeout(source) -> None:  # type: ignore[no-untyped-def]
    stmt = sa.select(sa.func.pg_sleep(2))
    form = direct_form(stmt, source.dialect)
    assert form is not None
    with pytest.raises(Timeout), source.read() as conn, guarded(conn, traits_for(source.dialect), 50):
        fetch_all(conn, stmt, form, {})


def test_a_dead_connection_is_invalidated_and_the_read_retried(source) -> None:  # type: ignore[no-untyped-def]
    stmt = sa.select(sa.func.pg_backend_pid())
    form = direct_form(stmt, source.dialect)
    first = run_read(source, 5000, lambda conn: fetch_all(conn, stmt, form, {})[0][0])
    killer = sa.create_engine(source.engine.url, poolclass=sa.pool.NullPool)
    with killer.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(first)})")
    killer.dispose()
    with pytest.raises(sa.exc.DBAPIError) as failed, source.read() as conn:
        fetch_all(conn, stmt, form, {})
    assert failed.value.connection_invalidated
    assert run_read(source, 5000, lambda conn: fetch_all(conn, stmt, form, {})[0][0]) != first


def test_statements_needing_sqlalchemy_processing_keep_its_path(source) -> None:  # type: ignore[no-untyped-def]
    table = sa.table("C_Order", sa.column("C_Order_ID", sa.Integer), sa.column("Description", sa.JSON))
    assert (
        direct_form(sa.select(table.c.C_Order_ID).where(table.c.C_Order_ID.in_([1, 2])), source.dialect)
        is None
    )
    assert direct_form(sa.select(table).where(table.c.Description == {"a": 1}), source.dialect) is None
    assert direct_form(sa.select(table).where(table.c.C_Order_ID == 1), source.dialect) is not None


def _streaming_client(source: EngineSource) -> tuple[Any, dict[str, str]]:
    from gateway.app import create_app
    from gateway.db import Databases
    from gateway.jobs.clock import FixedClock
    from gateway.testing import bearer, session_token

    overrides = {"secret_key": "direct-" + "0123456789abcdef" * 4, "plugins": [], "rest_max_records_size": 0,
                 "stream_chunk_rows": 7}  # fmt: skip
    app = create_app(overrides, databases=Databases(source, source), clock=FixedClock())
    return app.test_client(), bearer(
        session_token(app, "GardenAdmin", client_id=11, role="GardenWorld Admin")
    )


def test_unlimited_pages_stream_alike_and_an_abandoned_stream_frees_the_connection(source) -> None:  # type: ignore[no-untyped-def]
    url = "/api/v1/models/c_order?$filter=GrandTotal gt 10&$orderby=DateOrdered desc"
    client, headers = _streaming_client(source)
    streamed = [client.get(url, headers=headers).get_data() for _ in range(2)]  # the second one is cached
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(source.engine, "before_cursor_execute", listener)
    try:
        through_sqlalchemy = client.get(url, headers=headers).get_data()
    finally:
        sa.event.remove(source.engine, "before_cursor_execute", listener)
    assert streamed[0] == streamed[1] == through_sqlalchemy and b'"array-count":' in through_sqlalchemy
    reply = client.get(url, headers=headers, buffered=False)
    body = iter(reply.response)
    assert next(body).startswith(b'{"page-count"') and next(body)  # head and the first chunk, then gone
    reply.close()
    assert client.get(url, headers=headers).get_data() == through_sqlalchemy  # the pool's one connection


def test_a_connection_keeps_one_cursor_for_small_results_only(source) -> None:  # type: ignore[no-untyped-def]
    from gateway.pipeline.direct import _CURSOR

    small = sa.select(sa.literal_column("x")).select_from(sa.func.generate_series(1, 3).alias("x"))
    large = sa.select(sa.literal_column("x")).select_from(sa.func.generate_series(1, 1001).alias("x"))
    failing = sa.select(sa.literal_column("1") / sa.literal_column("0"))
    forms = {
        name: direct_form(stmt, source.dialect) for name, stmt in [("s", small), ("l", large), ("f", failing)]
    }
    with source.read() as conn:
        assert fetch_all(conn, small, forms["s"], {}) == [(1,), (2,), (3,)]
        kept = conn.connection.info[_CURSOR]
        assert fetch_all(conn, small, forms["s"], {}) == [(1,), (2,), (3,)]
        assert conn.connection.info[_CURSOR] is kept  # reused, not made again
        assert len(fetch_all(conn, large, forms["l"], {})) == 1001
        assert _CURSOR not in conn.connection.info and kept.closed  # the large result is not held on to
        with pytest.raises(sa.exc.DBAPIError):
            fetch_all(conn, failing, forms["f"], {})
        assert _CURSOR not in conn.connection.info
        assert fetch_all(conn, small, forms["s"], {}) == [(1,), (2,), (3,)]
