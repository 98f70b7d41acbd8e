"""`before_write` and `after_write` around model writes: one event per row (children included), a refusal
rolls the request back, follow-up statements share the write's transaction, and after-commit callbacks run
only once it committed (single requests, batches, plugin writes through the facade)."""

from __future__ import annotations

import types
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from gateway import core
from gateway.errors import ValidationError

NEW_ORDER = {
    "DocumentNo": "SO-HOOK",
    "C_BPartner_ID": 117,
    "DateOrdered": "2025-04-01",
    "C_OrderLine": [{"Line": 10, "M_Product_ID": 145, "QtyOrdered": 1, "PriceActual": 5, "LineNetAmt": 5}],
}


class Recorder:
    """A plugin that refuses partners named 'Forbidden', marks every written row in gw_secret (a gw_*
    table reachable through the uow) and records what it saw."""

    def __init__(self) -> None:
        self.before: list[tuple[str, str, Any]] = []
        self.after: list[Any] = []
        self.committed: list[tuple[str, Any]] = []

    @core.hookimpl
    def before_write(self, event: core.WriteEvent) -> None:
        self.before.append((event.action, event.table, event.key))
        if event.values.get("Name") == "Forbidden":
            raise ValidationError("partners may not be called Forbidden")

    @core.hookimpl
    def after_write(self, event: core.WriteEvent, uow: Any) -> None:
        self.after.append(event)
        secret = sa.table("gw_secret", sa.column("name"), sa.column("value"), sa.column("created"))
        mark = {"name": f"hook-{event.table}-{event.action}-{event.key}", "value": b"x", "created": _NOW}
        uow.execute(secret.insert().values(**mark))
        uow.after_commit(lambda: self.committed.append((event.action, event.key)))


_NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app(databases, recorder):  # type: ignore[no-untyped-def]
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    plugin = types.SimpleNamespace(before_write=recorder.before_write, after_write=recorder.after_write)
    settings = {"secret_key": "test-secret-key-" + "0123456789abcdef" * 4}
    return create_app(settings, databases=databases, clock=FixedClock(), plugins=[plugin])


def _marks(databases: Any) -> list[str]:
    with databases.meta.connect() as conn:
        found = conn.execute(sa.text("SELECT name FROM gw_secret WHERE name LIKE 'hook-%' ORDER BY name"))
        return [row[0] for row in found]


def test_every_row_of_an_insert_is_announced_and_followed_up(client, login_as, recorder, databases) -> None:  # type: ignore[no-untyped-def]
    reply = client.post("/api/v1/models/c_order", json=NEW_ORDER, headers=login_as("GardenAdmin"))
    assert reply.status_code == 201, reply.get_json()
    order_id = reply.get_json()["id"]
    line_id = reply.get_json()["C_OrderLine"][0]["id"]
    assert recorder.before == [("insert", "c_order", None), ("insert", "c_orderline", None)]
    assert [(e.table, e.key) for e in recorder.after] == [("c_order", order_id), ("c_orderline", line_id)]
    assert recorder.after[1].values["C_Order_ID"] == order_id and recorder.after[0].actor.client_id == 11
    assert recorder.committed == [("insert", order_id), ("insert", line_id)]
    assert _marks(databases) == sorted(
        [f"hook-c_order-insert-{order_id}", f"hook-c_orderline-insert-{line_id}"]
    )


def test_updates_and_deletes_carry_the_stored_row(client, login_as, recorder) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    created = client.post(
        "/api/v1/models/c_bpartner", json={"Value": "HK", "Name": "Hooked"}, headers=headers
    )
    key = created.get_json()["id"]
    assert (
        client.put(f"/api/v1/models/c_bpartner/{key}", json={"Name": "Renamed"}, headers=headers).status_code
        == 200
    )
    assert client.delete(f"/api/v1/models/c_bpartner/{key}", headers=headers).status_code == 200
    update, delete = recorder.after[1], recorder.after[2]
    assert (update.action, update.key, update.old["Name"], update.values["Name"]) == (
        "update",
        key,
        "Hooked",
        "Renamed",
    )
    assert (delete.action, delete.key, delete.old["Name"], dict(delete.values)) == (
        "delete",
        key,
        "Renamed",
        {},
    )


def test_a_refusal_writes_nothing(client, login_as, recorder, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    reply = client.post(
        "/api/v1/models/c_bpartner", json={"Value": "NO", "Name": "Forbidden"}, headers=headers
    )
    assert reply.status_code == 400 and reply.get_json()["type"] == "VALIDATION-ERROR"
    assert recorder.after == [] and recorder.committed == [] and _marks(databases) == []
    listed = client.get("/api/v1/models/c_bpartner?$filter=Value eq 'NO'", headers=headers).get_json()
    assert listed["row-count"] == 0


def test_a_rolled_back_batch_rolls_back_the_follow_ups(client, login_as, recorder, databases) -> None:  # type: ignore[no-untyped-def]
    items = [
        {"method": "POST", "path": "/api/v1/models/c_bpartner", "body": {"Value": "B1", "Name": "Fine"}},
        {"method": "POST", "path": "/api/v1/models/c_bpartner", "body": {"Value": "B2", "Name": "Forbidden"}},
    ]
    reply = client.post("/api/v1/batch", json={"requests": items}, headers=login_as("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()[0]["rolledBack"] is True
    assert len(recorder.after) == 1 and recorder.committed == [] and _marks(databases) == []


def test_a_committed_batch_runs_the_after_commit_work(client, login_as, recorder, databases) -> None:  # type: ignore[no-untyped-def]
    def item(value: str) -> dict[str, Any]:
        return {
            "method": "POST",
            "path": "/api/v1/models/c_bpartner",
            "body": {"Value": value, "Name": value},
        }

    headers = login_as("GardenAdmin")
    together = {"requests": [item("B1"), item("B2")], "transaction": True}
    assert client.post("/api/v1/batch", json=together, headers=headers).status_code == 200
    bad_line = {**NEW_ORDER, "C_OrderLine": [{**NEW_ORDER["C_OrderLine"][0], "M_Product_ID": 999999}]}
    failing = {
        "method": "POST",
        "path": "/api/v1/models/c_order",
        "body": bad_line,
    }  # order row, then a bad line
    apart = {"requests": [failing, item("B3")], "transaction": False}
    outcome = client.post("/api/v1/batch", json=apart, headers=headers).get_json()
    assert outcome[0]["statusCode"] >= 400 and outcome[1]["statusCode"] == 201
    assert [e.table for e in recorder.after] == ["c_bpartner", "c_bpartner", "c_order", "c_bpartner"]
    assert [action for action, _ in recorder.committed] == ["insert", "insert", "insert"]  # not the order
    assert len(_marks(databases)) == 3


def test_plugin_writes_through_the_facade_fire_the_hooks(app, recorder, databases) -> None:  # type: ignore[no-untyped-def]
    gateway = app.extensions["gateway"].extras["gateway.facade"]
    with databases.meta.connect() as conn:
        user = conn.execute(sa.text("SELECT id FROM gw_user WHERE name = 'GardenAdmin'")).scalar_one()
        role = conn.execute(sa.text("SELECT id FROM gw_role WHERE name = 'GardenWorld Admin'")).scalar_one()
    actor = gateway.actor_for(user, role, 11, 0)
    with app.app_context():
        gateway.insert("c_bpartner", {"Value": "FAC", "Name": "Through the facade"}, actor)
    assert [(a, t) for a, t, _ in recorder.before] == [("insert", "c_bpartner")]
    assert len(recorder.committed) == 1
