"""Plugin lists over an EntitySetSpec (plugins.md §4, X-5..X-11, X-22): options, aliases, scope, envelope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from gateway import core
from gateway.meta.tables import core_tables
from gateway.testing import app_clock, make_test_app

SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-abcdefghijklmnop"
AUDIT = core_tables(sa.MetaData()).audit


class EventArgs(core.Args):
    limit = core.Integer()
    offset = core.Integer()
    sort = core.String()
    desc = core.Bool()
    status = core.List(core.String())


def _label(records: list[dict[str, Any]], actor: core.Actor) -> None:
    for record in records:
        record["label"] = f"{record['action']}#{record['audit_id']}"


def _list(args: dict[str, Any], actor: core.Actor) -> Any:
    extra = [AUDIT.c.new_state.in_(args["status"])] if args.get("status") else []
    return core.gateway().list("events", core.raw_request(), actor, extra=extra)


def _one(args: dict[str, Any], actor: core.Actor, event_id: int) -> Any:
    return core.gateway().record("events", event_id, actor)


class EventsPlugin:
    @core.hookimpl
    def register_entity_sets(self, catalog: Any) -> list[core.EntitySetSpec]:
        return [
            core.EntitySetSpec(
                name="events",
                table=AUDIT,
                key="audit_id",
                tenant_column="client_id",
                fields={
                    "audit_id": "audit_id",
                    "created": "created",
                    "client_id": "client_id",
                    "action": "action",
                    "new_state": "new_state",
                    "note": "note",
                    "detail": "detail",
                },
                computed_fields=("label",),
                computed=_label,
                detail_only=("detail",),
                default_orderby="audit_id desc",
                aliases="limit",
                defaults=lambda now: AUDIT.c.created >= now - timedelta(days=7),
            )
        ]

    @core.hookimpl
    def register_actions(self) -> list[core.Action]:
        return [
            core.Action("/api/v1/events", "GET", None, _list, args=EventArgs),
            core.Action("/api/v1/events/<int:event_id>", "GET", None, _one),
        ]

    @core.hookimpl
    def row_scope(self, entity_set: Any, actor: core.Actor) -> core.RowScope | None:
        if getattr(entity_set, "name", None) != "events" or actor.policy.is_admin:
            return None
        return core.RowScope(lambda from_: AUDIT.c.action != "secret", fingerprint="no-secret")


@pytest.fixture
def app(databases):  # type: ignore[no-untyped-def]
    return make_test_app({"secret_key": SECRET}, databases=databases, plugins=[EventsPlugin()])


def _add(app: Any, count: int, *, client_id: int = 11, action: str = "retry", state: str = "RETRY") -> None:
    with app.app_context():
        gateway = core.gateway()
        with gateway.unit_of_work() as uow:
            for i in range(count):
                gateway.audit(
                    uow,
                    "order",
                    i,
                    action,
                    "ERROR",
                    state,
                    note=f"n{i}",
                    detail={"i": i},
                    client_id=client_id,
                )


def test_entity_list_clamps_top_and_counts(app, client, login_as) -> None:
    _add(app, 250)
    reply = client.get("/api/v1/events?$top=500", headers=login_as("SuperUser"))
    body = reply.get_json()
    assert (body["records-size"], body["array-count"], body["row-count"], body["page-count"]) == (
        100,
        100,
        250,
        3,
    )
    assert reply.headers["X-Row-Count"] == "250" and reply.headers["X-Page-Count"] == "3"
    assert list(body) == ["page-count", "records-size", "skip-records", "row-count", "records", "array-count"]
    assert 'rel="next"' in reply.headers["Link"]


def test_entity_list_aliases(app, client, login_as) -> None:
    _add(app, 20)
    admin = login_as("SuperUser")
    assert client.get("/api/v1/events?limit=5&$top=5", headers=admin).get_json()["type"] == "PAGING-ERROR"
    body = client.get("/api/v1/events?limit=5&offset=10", headers=admin).get_json()
    assert (body["array-count"], body["skip-records"], body["row-count"]) == (5, 10, 20)
    ordered = client.get("/api/v1/events?sort=audit_id&desc=false&limit=3", headers=admin).get_json()
    ids = [r["audit_id"] for r in ordered["records"]]
    assert ids == sorted(ids)


def test_entity_list_records_and_computed_fields(app, client, login_as) -> None:
    _add(app, 2)
    body = client.get("/api/v1/events?$orderby=audit_id", headers=login_as("SuperUser")).get_json()
    first = body["records"][0]
    assert set(first) == {"audit_id", "created", "client_id", "action", "new_state", "note", "label"}
    assert first["created"] == "2025-01-01T00:00:00Z"
    assert first["label"] == f"retry#{first['audit_id']}"
    selected = client.get("/api/v1/events?$select=label,note", headers=login_as("SuperUser")).get_json()
    assert set(selected["records"][0]) == {"label", "note"}


def test_entity_list_errors(app, client, login_as) -> None:
    admin = login_as("SuperUser")
    assert (
        client.get("/api/v1/events?$filter=nosuchfield eq 1", headers=admin).get_json()["type"]
        == "UNKNOWN-COLUMN"
    )
    assert (
        client.get("/api/v1/events?$filter=label eq 'x'", headers=admin).get_json()["type"]
        == "UNKNOWN-COLUMN"
    )
    assert client.get("/api/v1/events?$orderby=label", headers=admin).get_json()["type"] == "UNKNOWN-COLUMN"
    assert client.get("/api/v1/events?$expand=x", headers=admin).get_json()["type"] == "INVALID-OPTION"
    syntax = client.get("/api/v1/events?$filter=new_state eq", headers=admin).get_json()
    assert syntax["type"] == "FILTER-SYNTAX" and "position" in syntax


def test_entity_list_empty_result(app, client, login_as) -> None:
    reply = client.get("/api/v1/events", headers=login_as("SuperUser"))
    body = reply.get_json()
    assert reply.status_code == 200 and body["records"] == [] and body["row-count"] == 0


def test_entity_list_filter_search_and_count(app, client, login_as) -> None:
    _add(app, 3, state="RETRY")
    _add(app, 2, state="ERROR")
    admin = login_as("SuperUser")
    body = client.get("/api/v1/events?$filter=new_state eq 'ERROR'", headers=admin).get_json()
    assert body["row-count"] == 2
    searched = client.get("/api/v1/events?status=ERROR,RETRY&$count=false", headers=admin).get_json()
    assert searched["row-count"] == -1 and searched["page-count"] == -1 and searched["array-count"] == 5


def test_entity_list_defaults_apply_without_filter(app, client, login_as) -> None:
    _add(app, 2)
    app_clock(app).advance(8 * 86400)
    _add(app, 1)
    admin = login_as("SuperUser")
    assert client.get("/api/v1/events", headers=admin).get_json()["row-count"] == 1
    assert client.get("/api/v1/events?$filter=audit_id gt 0", headers=admin).get_json()["row-count"] == 3


def test_entity_list_tenant_scope_and_row_scope(app, client, login_as) -> None:
    _add(app, 2, client_id=11)
    _add(app, 3, client_id=12)
    _add(app, 1, client_id=0)
    _add(app, 1, client_id=11, action="secret")
    assert (
        client.get("/api/v1/events", headers=login_as("SuperUser", client_id=0)).get_json()["row-count"] == 7
    )
    assert client.get("/api/v1/events", headers=login_as("GardenAdmin")).get_json()["row-count"] == 4
    assert client.get("/api/v1/events", headers=login_as("GardenUser")).get_json()["row-count"] == 3


def test_entity_record_is_tenant_scoped(app, client, login_as) -> None:
    _add(app, 1, client_id=12)
    admin = login_as("SuperUser", client_id=0)
    event_id = client.get("/api/v1/events", headers=admin).get_json()["records"][0]["audit_id"]
    record = client.get(f"/api/v1/events/{event_id}", headers=admin).get_json()
    assert record["detail"] == {"i": 0} and record["label"] == f"retry#{event_id}"
    hidden = client.get(f"/api/v1/events/{event_id}", headers=login_as("GardenAdmin"))
    assert hidden.status_code == 404


def test_audit_endpoint_lists_rows_newest_first(app, client, login_as) -> None:
    _add(app, 3)
    body = client.get(
        "/api/v1/audit?$filter=resource eq 'order' and action eq 'retry'", headers=login_as("SuperUser")
    ).get_json()
    assert body["row-count"] == 3
    ids = [r["audit_id"] for r in body["records"]]
    assert ids == sorted(ids, reverse=True)
    assert body["records"][0]["old_state"] == "ERROR" and body["records"][0]["user_name"] == "<engine>"
    assert client.get("/api/v1/audit", headers=login_as("GardenUser")).status_code == 403


def test_entity_list_count_estimate(databases, client, login_as) -> None:  # type: ignore[no-untyped-def]
    """`$count=estimate` on a plugin list: PostgreSQL's planner estimate for a large result, flagged as on
    /models; the other databases, and a page that reveals its total, count exactly."""
    app = make_test_app(
        {"secret_key": SECRET, "count_estimate_min_rows": 10}, databases=databases, plugins=[EventsPlugin()]
    )
    _add(app, 60)
    estimates = databases.meta.dialect.name == "postgresql"
    if estimates:
        databases.meta.connection.exec_driver_sql(f'ANALYZE "{AUDIT.name}"')
    client = app.test_client()
    admin = login_as("SuperUser")
    exact = client.get("/api/v1/events?$top=5&$count=true", headers=admin)
    reply = client.get("/api/v1/events?$top=5&$count=estimate", headers=admin)
    body = reply.get_json()
    assert exact.get_json()["row-count"] == 60 and body["records"] == exact.get_json()["records"]
    if estimates:
        assert reply.headers["X-Row-Count-Estimated"] == "true" and body["row-count-estimated"] is True
        assert body["row-count"] >= 10 and reply.headers["X-Row-Count"] == str(body["row-count"])
    else:
        assert body == exact.get_json() and "X-Row-Count-Estimated" not in reply.headers
    small = client.get("/api/v1/events?$top=100&$count=estimate", headers=admin)
    assert small.get_json()["row-count"] == 60 and "X-Row-Count-Estimated" not in small.headers
