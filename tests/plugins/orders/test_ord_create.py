"""Creation and unique keys (orders.md §16.2)."""

from __future__ import annotations

import re
from typing import Any

import pytest


def _count(api: Any) -> int:
    return int(api.get("/orders?$count=true", user="admin").get_json()["row-count"])


def test_o1_create_defaults(api: Any) -> None:
    reply = api.post("/workflows/ACC-W?action=createOrder", {"staticdata": {"a": 1}})
    assert reply.status_code == 201
    order_id = reply.get_json()["workflow_instanceid"]
    assert isinstance(order_id, int)
    assert reply.headers["Location"] == f"/api/v1/orders/{order_id}"
    doc = api.detail(order_id)
    assert doc["workflowstatus"] == "READY" and doc["priority"] == 500
    assert doc["started"] == "2026-01-15T12:00:00Z" and doc["version"] == "2.0"
    assert doc["workflowstatus_orig"] is None and doc["operator_lock"] is None
    assert doc["keys"] == {} and doc["has_sensitive_data"] is False and doc["note_count"] == 0


@pytest.mark.parametrize("body", [{}, {"staticdata": {}}])
def test_o2_missing_data(api: Any, body: Any) -> None:
    before = _count(api)
    reply = api.post("/workflows/ACC-W?action=createOrder", body)
    assert reply.status_code == 400 and reply.get_json()["type"] == "ORDER-DATA-ERROR"
    assert _count(api) == before


def test_o3_external_id(api: Any) -> None:
    doc = api.detail(api.create({"external_order_instanceid": "EXT-1"}))
    assert doc["staticdata"] is None and doc["external_order_instanceid"] == "EXT-1"


def test_o4_status(api: Any) -> None:
    bad = api.post("/workflows/ACC-W?action=createOrder", {"staticdata": {"a": 1}, "status": "ERROR"})
    assert bad.status_code == 400 and bad.get_json()["type"] == "ORDER-DATA-ERROR"
    doc = api.detail(api.create({"staticdata": {"a": 1}, "status": "blocked"}))
    assert doc["workflowstatus"] == "BLOCKED" and doc["workflowstatus_orig"] == "READY"


def test_o5_scheduled(api: Any) -> None:
    later = api.detail(api.create({"staticdata": {"a": 1}, "scheduled": "2026-01-15T13:00:00Z"}))
    assert later["workflowstatus"] == "SCHEDULED"
    past = api.detail(api.create({"staticdata": {"a": 1}, "scheduled": "2026-01-15T11:00:00Z"}))
    assert past["workflowstatus"] == "READY" and past["scheduled"] == "2026-01-15T11:00:00Z"
    held = api.detail(
        api.create({"staticdata": {"a": 1}, "status": "BLOCKED", "scheduled": "2026-01-15T13:00:00Z"})
    )
    assert held["workflowstatus"] == "BLOCKED" and held["workflowstatus_orig"] == "SCHEDULED"


def test_o6_priority(api: Any) -> None:
    for value in (1000, -1, "x"):
        reply = api.post("/workflows/ACC-W?action=createOrder", {"staticdata": {"a": 1}, "priority": value})
        assert reply.status_code == 400 and reply.get_json()["type"] == "ORDER-DATA-ERROR"
    assert api.detail(api.create({"staticdata": {"a": 1}, "priority": 0}))["priority"] == 0


def test_o7_keys(api: Any) -> None:
    doc = api.detail(
        api.create({"staticdata": {"a": 1}, "orderkeys": {"invoice": ["A", "B"], "customer": "C"}})
    )
    assert doc["keys"] == {"invoice": ["A", "B"], "customer": ["C"]}


@pytest.mark.parametrize("keys", [{"nope": "x"}, {"invoice": "x" * 4001}, {"invoice": {"x": 1}}])
def test_o8_bad_keys(api: Any, keys: Any) -> None:
    reply = api.post("/workflows/ACC-W?action=createOrder", {"staticdata": {"a": 1}, "orderkeys": keys})
    assert reply.status_code == 400 and reply.get_json()["type"] == "ORDER-KEY-ERROR"


def _unique(api: Any, wf: str, arg: str, value: str, user: str = "opA") -> Any:
    return api.post(
        f"/workflows/{wf}?action=createOrder", {"staticdata": {"a": 1}, arg: {"invoice": value}}, user=user
    )


def test_o9_o14_workflow_unique_key(api: Any) -> None:
    before = _count(api)
    assert _unique(api, "ACC-W:1.0", "workflow_unique_key", "U1").status_code == 201
    dup = _unique(api, "ACC-W:1.0", "workflow_unique_key", "U1")
    assert dup.status_code == 409 and dup.get_json()["type"] == "DUPLICATE-ORDER-KEY"
    assert _count(api) == before + 1
    found = api.get("/orders?keyname=invoice&keyvalue=U1").get_json()
    assert found["row-count"] == 1


def test_o10_name_scope_spans_versions(api: Any) -> None:
    assert _unique(api, "ACC-W:1.0", "workflow_unique_key", "U2").status_code == 201
    assert _unique(api, "ACC-W:2.0", "workflow_unique_key", "U2").status_code == 409


def test_o11_version_scope(api: Any) -> None:
    assert _unique(api, "ACC-W:1.0", "workflow_specific_unique_key", "U3").status_code == 201
    assert _unique(api, "ACC-W:2.0", "workflow_specific_unique_key", "U3").status_code == 201
    assert _unique(api, "ACC-W:1.0", "workflow_specific_unique_key", "U3").status_code == 409


def test_o12_o13_o16_o17_global_scope(api: Any) -> None:
    first = _unique(api, "ACC-W", "global_unique_key", "U4")
    assert first.status_code == 201
    order_id = first.get_json()["workflow_instanceid"]
    assert _unique(api, "ACC-V", "global_unique_key", "U4").status_code == 409
    other = _unique(api, "ACC-V", "global_unique_key", "U4", user="other")
    # the other user is not told which order holds the key (its id as a number; "U4" may contain the digits)
    assert other.status_code == 409 and not re.search(rf"\b{order_id}\b", other.get_json()["detail"])
    assert api.put(f"/orders/{order_id}?action=updateKeys", {"orderkeys": {}}).status_code == 200
    assert _unique(api, "ACC-V", "global_unique_key", "U4").status_code == 409
    assert api.put(f"/orders/{order_id}?action=cancel").status_code == 200
    assert _unique(api, "ACC-V", "global_unique_key", "U4").status_code == 409


@pytest.mark.parametrize("value", [{"nope": "x"}, {"invoice": ["a"]}])
def test_o15_bad_unique_keys(api: Any, value: Any) -> None:
    reply = api.post(
        "/workflows/ACC-W?action=createOrder", {"staticdata": {"a": 1}, "global_unique_key": value}
    )
    assert reply.status_code == 400 and reply.get_json()["type"] == "ORDER-KEY-ERROR"


SENSITIVE = {"staticdata": {"a": 1}, "sensitive_data": {"tax_id": {"123": {"data": {"n": "x"}}}}}


def test_o19_o20_sensitive_on_create(api: Any) -> None:
    before = _count(api)
    insecure = api.post("/workflows/ACC-W?action=createOrder", SENSITIVE, user="keeper", secure=False)
    assert insecure.status_code == 409 and insecure.get_json()["type"] == "SENSITIVE-DATA-ERROR"
    assert _count(api) == before
    order_id = api.create(SENSITIVE, user="keeper")
    assert api.detail(order_id, user="keeper")["has_sensitive_data"] is True
    denied = api.post("/workflows/ACC-W?action=createOrder", SENSITIVE, user="opA")
    assert denied.status_code == 403 and denied.get_json()["type"] == "AUTHORIZATION-ERROR"


def test_o22_parent(api: Any) -> None:
    bad = api.post(
        "/workflows/ACC-W?action=createOrder", {"staticdata": {"a": 1}, "parent_workflow_instanceid": 999999}
    )
    assert bad.status_code == 400 and bad.get_json()["type"] == "ORDER-DATA-ERROR"
    parent = api.create()
    child = api.create({"staticdata": {"a": 1}, "parent_workflow_instanceid": parent})
    assert set(api.detail(child)["HierarchyInfo"]) == {str(parent), str(child)}


def test_o23_disabled_workflow_keeps_orders(api: Any) -> None:
    order_id = api.create(wf="ACC-OFF")
    api.drain()
    assert api.status(order_id) == "READY"


def test_o24_permission_and_scope(api: Any) -> None:
    viewer = api.post("/workflows/ACC-W?action=createOrder", {"staticdata": {"a": 1}}, user="viewer")
    assert viewer.status_code == 403 and viewer.get_json()["type"] == "AUTHORIZATION-ERROR"
    scoped = api.post("/workflows/ACC-W?action=createOrder", {"staticdata": {"a": 1}}, user="scoped")
    assert scoped.status_code == 403 and scoped.get_json()["type"] == "WORKFLOW-ACCESS-ERROR"


def test_o25_unknown_workflow(api: Any) -> None:
    reply = api.post("/workflows/NOPE?action=createOrder", {"staticdata": {"a": 1}})
    assert reply.status_code == 404
