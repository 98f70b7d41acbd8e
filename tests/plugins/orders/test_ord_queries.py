"""Queries (orders.md §16.7) and the cross-cutting list rules of plugins.md §15 for orders."""

from __future__ import annotations

from typing import Any

import pytest


def _ids(reply: Any) -> list[int]:
    return [r["workflow_instanceid"] for r in reply.get_json()["records"]]


def _code(reply: Any) -> tuple[int, str]:
    return reply.status_code, (reply.get_json() or {}).get("type", "")


def test_o103_default_window(api: Any, clock: Any) -> None:
    old = api.create()
    clock.advance(10 * 86400)
    api.tokens.clear()  # the login sessions expired meanwhile
    new = api.create()
    assert _ids(api.get("/orders")) == [new]
    assert sorted(_ids(api.get("/orders?modified=2025-12-20"))) == [old, new]
    assert sorted(_ids(api.get("/orders?$filter=workflowstatus eq 'READY'"))) == [old, new]


def test_o104_status_and_sort(api: Any) -> None:
    e5 = api.create({"staticdata": {"script": {"s1": "error:ACC-ERR"}}, "priority": 5})
    e50 = api.create({"staticdata": {"script": {"s1": "error:ACC-ERR"}}, "priority": 50})
    r20 = api.create({"staticdata": {"script": {"s1": "error:ACC-RETRY"}}, "priority": 20})
    api.drain()
    api.create()
    assert _ids(api.get("/orders?status=ERROR,RETRY&sort=priority")) == [e5, r20, e50]
    assert _ids(api.get("/orders?status=ERROR,RETRY&sort=priority&desc=true")) == [e50, r20, e5]


def test_o105_workflow_paths(api: Any) -> None:
    w1, w2, v = api.create(wf="ACC-W:1.0"), api.create(wf="ACC-W:2.0"), api.create(wf="ACC-V")
    assert sorted(_ids(api.get("/workflows/ACC-W/orders"))) == [w1, w2]
    assert _ids(api.get("/workflows/ACC-W:1.0/orders")) == [w1]
    assert v not in _ids(api.get("/workflows/ACC-W/orders"))


def test_o106_overview(api: Any, clock: Any) -> None:
    api.recipe("COMPLETE")
    clock.advance(2 * 86400)
    api.tokens.clear()
    api.recipe("ERROR")
    api.create()
    api.create()
    body = api.get("/workflows/ACC-W/orders?action=overview").get_json()
    assert set(body) >= {"READY", "SCHEDULED", "IN-PROGRESS", "COMPLETE", "CANCELED", "BLOCKED", "TOTAL"}
    assert (body["READY"], body["ERROR"], body["COMPLETE"], body["TOTAL"]) == (2, 1, 0, 3)


def test_o107_to_o109_processing_summary(api: Any, clock: Any) -> None:
    assert _code(api.get("/orders?action=processingSummary")) == (400, "ARGUMENT-ERROR")
    api.create()
    clock.advance(300)
    api.drain()
    rows = api.get("/orders?action=processingSummary&mindate=2026-01-15&seconds=true").get_json()["records"]
    assert len(rows) == 1
    assert (rows[0]["name"], rows[0]["version"], rows[0]["count"]) == ("ACC-W", "1.0", 1)
    assert rows[0]["minduration"] == 300 and rows[0]["maxprocessing"] == 0
    daily = api.get("/orders?action=processingSummary&mindate=2026-01-15&grouping=daily").get_json()[
        "records"
    ]
    assert daily[0]["period"] == "2026-01-15T00:00:00Z"
    weekly = api.get("/orders?action=processingSummary&mindate=2026-01-15&grouping=weekly")
    assert _code(weekly) == (400, "VALIDATION-ERROR")


def test_o110_o111_list_errors(api: Any) -> None:
    order_id = api.recipe("ERROR")
    paths = [
        f"/orders?action=listErrors&workflow_instanceid={order_id}",
        f"/orders/{order_id}?action=listErrors",
        "/workflows/ACC-W?action=listErrors",
    ]
    for path in paths:
        rows = api.get(path).get_json()["records"]
        assert len(rows) == 1, path
        row = rows[0]
        assert (row["error"], row["severity"], row["stepname"], row["business_error"], row["retry"]) == (
            "ACC-ERR",
            "MAJOR",
            "s1",
            False,
            0,
        )
    assert api.get("/workflows/ACC-V?action=listErrors").get_json()["records"] == []
    assert len(api.get("/orders?action=listErrors&error=ACC-%25").get_json()["records"]) == 1
    assert api.get("/orders?action=listErrors&error=ACC").get_json()["records"] == []


def test_o112_business_error(api: Any) -> None:
    order_id = api.create({"staticdata": {"script": {"s1": "business:ACC-BIZ"}}})
    api.drain()
    doc = api.detail(order_id)
    assert doc["workflowstatus"] == "ERROR" and doc["business_error"] is True


def test_o114_x12_other_tenant(api: Any) -> None:
    foreign = api.create(wf="ACC-V", user="other")
    assert _code(api.get(f"/orders/{foreign}")) == (404, "NOT-FOUND")
    assert foreign not in _ids(api.get("/orders"))


def test_x14_scope(api: Any) -> None:
    order_id = api.create()
    assert _code(api.get(f"/orders/{order_id}", user="scoped")) == (403, "WORKFLOW-ACCESS-ERROR")
    assert order_id not in _ids(api.get("/orders", user="scoped"))


def test_x2_x3_x9_x11_dispatch_and_filters(api: Any) -> None:
    order_id = api.create()
    assert _code(api.put(f"/orders/{order_id}?action=doSomething", user="admin")) == (400, "INVALID-ACTION")
    not_allowed = api.get(f"/orders/{order_id}?action=retry")
    assert not_allowed.status_code == 405 and "PUT" in not_allowed.headers["Allow"]
    assert _code(api.get("/orders?$filter=nosuchfield eq 1")) == (400, "UNKNOWN-COLUMN")
    assert _code(api.get("/orders?$filter=actions eq 'x'")) == (400, "UNKNOWN-COLUMN")
    assert _code(api.get("/orders?limit=5&$top=5")) == (400, "PAGING-ERROR")


SENSITIVE = {"skey": "tax_id", "svalue": "123", "data": {"n": "x"}, "aliases": ["abc"]}


def _with_sensitive(api: Any, recipe: str) -> int:
    order_id = api.recipe(recipe)
    assert api.put(f"/orders/{order_id}?action=sensitiveData", SENSITIVE, user="keeper").status_code == 200
    return order_id


def test_o115_search_sensitive(api: Any) -> None:
    order_id = _with_sensitive(api, "READY")
    base = "/orders?action=searchSensitiveData&skey=tax_id"
    found = api.get(f"{base}&svalue=123", user="keeper").get_json()["records"]
    assert [(r["workflow_instanceid"], r["svalue"], r["sensitive_data"]["data"]) for r in found] == [
        (order_id, "123", {"n": "x"})
    ]
    assert [
        r["workflow_instanceid"] for r in api.get(f"{base}&svalue=abc", user="keeper").get_json()["records"]
    ] == [order_id]
    assert _code(api.get(f"{base}&svalue=123", user="keeper", secure=False)) == (409, "SENSITIVE-DATA-ERROR")
    assert _code(api.get(base, user="keeper")) == (400, "VALIDATION-ERROR")
    assert _code(api.get(f"{base}&svalue=123&workflowname=NOPE", user="keeper")) == (404, "INVALID-WORKFLOW")


@pytest.mark.parametrize("force", [False, True])
def test_o116_purge_by_id(api: Any, force: bool) -> None:
    order_id = _with_sensitive(api, "ERROR")
    path = f"/orders?action=purgeSensitiveData&workflow_instanceid={order_id}" + (
        "&force=true" if force else ""
    )
    reply = api.call("DELETE", path, user="keeper")
    if not force:
        assert _code(reply) == (409, "ORDER-STATUS-ERROR")
        assert api.detail(order_id)["has_sensitive_data"] is True
        return
    assert reply.status_code == 200
    rows = reply.get_json()["records"]
    assert rows[0]["sensitive_data"] is None and rows[0]["has_sensitive_data"] is False
    assert api.detail(order_id)["has_sensitive_data"] is False


def test_o117_o118_purge_by_key(api: Any) -> None:
    done = _with_sensitive(api, "COMPLETE")
    failed = _with_sensitive(api, "ERROR")
    reply = api.call("DELETE", "/orders?action=purgeSensitiveData&skey=tax_id&svalue=123", user="keeper")
    assert [r["workflow_instanceid"] for r in reply.get_json()["records"]] == [done]
    assert (
        api.detail(failed)["has_sensitive_data"] is True and api.detail(done)["has_sensitive_data"] is False
    )
    assert _code(api.call("DELETE", "/orders?action=purgeSensitiveData", user="keeper")) == (
        400,
        "VALIDATION-ERROR",
    )
