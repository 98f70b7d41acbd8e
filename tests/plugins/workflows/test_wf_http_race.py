"""Two truly concurrent answers to one activity, on two database connections (PostgreSQL and MariaDB):
exactly one wins and the record carries the winner's answer. The throwaway database is migrated through
Alembic with the plugin's own branch, so this also checks the migration."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from wftools import DOC_APPROVAL, SECRET, acc_doc_table, seed_accounts

import gateway.plugins.workflows as workflows_plugin
from gateway.db import make_databases, make_engine

pytestmark = [pytest.mark.commits, pytest.mark.slow]
URLS = {
    "postgresql": ("GATEWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mariadb": ("GATEWAY_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}


def _server(name: str) -> sa.URL | None:
    env, default = URLS[name]
    url = sa.make_url(os.environ.get(env) or default)
    try:
        engine = sa.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        return None
    return url


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgresql),
                        pytest.param("mariadb", marks=pytest.mark.mariadb)])  # fmt: skip
def race_url(request: pytest.FixtureRequest) -> Iterator[str]:
    name = request.param
    base = _server(name)
    if base is None:
        pytest.skip(f"{name} is not reachable")
    dbname = f"gwwfrace_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    quote = '"' if name == "postgresql" else "`"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{dbname}{quote}")
        conn.exec_driver_sql(f"CREATE DATABASE {quote}{dbname}{quote}")
    try:
        yield base.set(database=dbname).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            if name == "postgresql":
                conn.exec_driver_sql(
                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{dbname}'"
                )
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{dbname}{quote}")
        admin.dispose()


def _prepare(url: str) -> None:
    from gateway.meta.migrate import current_heads, upgrade

    engine = make_engine(url)
    try:
        upgrade(engine, plugin_locations=[workflows_plugin.register_migrations()])
        with engine.connect() as conn:
            assert "wf_0001" in current_heads(conn)
            assert sa.inspect(conn).has_table("gw_wf_activity")
        metadata = sa.MetaData()
        acc_doc_table(metadata)
        metadata.create_all(engine)
    finally:
        engine.dispose()


def test_concurrent_approve_and_reject_one_wins(race_url: str) -> None:
    from wf_fake_orders import FakeOrders

    from gateway.testing import bearer, make_test_app, session_token

    _prepare(race_url)
    dbs = make_databases(race_url, race_url, pool_size=5, max_overflow=5)
    seed_accounts(dbs.meta, dbs.data)
    app = make_test_app({"secret_key": SECRET, "plugins": "workflows"}, databases=dbs, plugins=[FakeOrders()])
    from gateway.meta import store

    with dbs.meta.begin() as conn:
        tables = app.extensions["gateway"].meta
        admin_role = store.find_roles(conn, tables, "Admin", 0)[0].id
        now = app.extensions["gateway"].clock.now()
        admin_id = store.add_user(conn, tables, "root", None, is_service=False, now=now)
        store.assign_role(conn, tables, admin_id, admin_role)

    def login(user: str, client_id: int, role: str) -> dict[str, Any]:
        return bearer(session_token(app, user, client_id=client_id, role=role))

    client = app.test_client()
    root = login("root", 0, "Admin")
    assert client.post("/api/v1/workflows", json=DOC_APPROVAL, headers=root).status_code == 201
    started = client.post("/api/v1/workflow/start", json={"workflow": "DOC-APPROVAL", "model-name": "acc_doc",
                          "record-id": 1}, headers=login("cli", 11, "Clerk"))  # fmt: skip
    assert started.status_code == 201, started.get_json()
    node = started.get_json()["activities"][0]["id"]
    answers = {"approve": login("ann", 11, "Approver"), "reject": login("bob", 11, "Approver")}
    barrier = threading.Barrier(len(answers))
    results: dict[str, Any] = {}

    def answer(action: str) -> None:
        own = app.test_client()
        barrier.wait()
        reply = own.put(f"/api/v1/workflow/{action}/{node}", json={}, headers=answers[action])
        results[action] = (reply.status_code, reply.get_json())

    threads = [threading.Thread(target=answer, args=(a,)) for a in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 409], results
    [(winner, _)] = [(a, body) for a, (status, body) in results.items() if status == 200]
    [(_, lost)] = [(a, body) for a, (status, body) in results.items() if status == 409]
    assert lost["type"] == "NODE-STATE-ERROR"
    record = client.get("/api/v1/models/acc_doc/1", headers=root).get_json()
    assert record["IsApproved"] is (winner == "approve")
    node_now = client.get(f"/api/v1/workflow/nodes/{node}", headers=root).get_json()
    assert node_now["outcome"] == ("approved" if winner == "approve" else "rejected")
    for source in (dbs.meta, dbs.data):
        engine = getattr(source, "engine", None)
        if engine is not None:
            engine.dispose()
