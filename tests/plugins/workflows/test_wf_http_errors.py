"""Acceptance scenarios E-1 … E-15 of workflows.md §10.3 over HTTP (error definitions)."""

from __future__ import annotations

from typing import Any

import pytest
from wftools import sync_doc

E = "/api/v1/errors"
WF = "/api/v1/workflows"


@pytest.fixture
def admin(client: Any, as_user: Any) -> dict[str, Any]:
    headers = as_user("admin")
    for name in ("SYNC", "OTHER"):
        assert client.post(WF, json=sync_doc("1.0", name), headers=headers).status_code == 201
    return headers  # type: ignore[no-any-return]


def _send(client: Any, admin: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    reply = client.open(path, method=method, json=body if body is not None else {}, headers=admin)
    return reply.status_code, reply.get_json()


def test_e01_e02_global(client: Any, admin: Any) -> None:
    body = {"error": "X-ERR", "description": "d"}
    assert _send(client, admin, "POST", f"{E}/global", body) == (201, "CREATED-GLOBAL")
    assert _send(client, admin, "POST", f"{E}/global", body)[1]["type"] == "ERROR-EXISTS"
    assert _send(client, admin, "POST", f"{E}/global?action=createOrUpdate", body) == (
        200,
        "UNCHANGED-GLOBAL",
    )
    changed = {**body, "description": "d2"}
    assert _send(client, admin, "POST", f"{E}/global?action=createOrUpdate", changed) == (
        200,
        "UPDATED-GLOBAL",
    )


def test_e03_e05_rule_a(client: Any, admin: Any) -> None:
    body = {"error": "Y-ERR", "description": "d"}
    assert _send(client, admin, "POST", f"{WF}/SYNC/errors", body) == (201, "CREATED-GLOBAL")
    status, record = _send(client, admin, "GET", f"{E}/global/Y-ERR")
    assert status == 200 and record["type"] == "GLOBAL" and record["workflowid"] is None
    assert _send(client, admin, "POST", f"{WF}/SYNC/errors", body) == (201, "CREATED-WORKFLOW")
    assert _send(client, admin, "POST", f"{WF}/SYNC/errors", body)[1]["type"] == "ERROR-EXISTS"
    forced = {"error": "Z-ERR", "description": "d", "forceworkflow": True}
    assert _send(client, admin, "POST", f"{E}/workflow/SYNC", forced) == (201, "CREATED-WORKFLOW")
    assert _send(client, admin, "GET", f"{E}/global/Z-ERR")[0] == 404
    status, specific = _send(client, admin, "GET", f"{WF}/SYNC/errors/Z-ERR")
    assert status == 200 and specific["name"] == "SYNC" and specific["type"] == "WORKFLOW"


def test_e06_rule_b(client: Any, admin: Any) -> None:
    body = {"error": "W-ERR", "description": "d"}
    _send(client, admin, "POST", f"{E}/global", body)
    path = f"{WF}/SYNC/errors?action=createOrUpdate"
    assert _send(client, admin, "POST", path, body) == (200, "UNCHANGED-GLOBAL")
    retry = {**body, "retry_flag": True}
    assert _send(client, admin, "POST", path, retry) == (201, "CREATED-WORKFLOW")
    assert _send(client, admin, "POST", path, retry) == (200, "UNCHANGED-WORKFLOW")


def test_e08_validation(client: Any, admin: Any) -> None:
    for body in ({"error": "E", "description": "d", "severity": "HUGE"},
                 {"error": "E", "description": "d", "retry_delay_secs": 5},
                 {"error": "E", "description": "d", "frob": 1}):  # fmt: skip
        status, reply = _send(client, admin, "POST", f"{E}/global", body)
        assert (status, reply["type"]) == (400, "ERROR-UPDATE-ERROR")
    status, reply = _send(client, admin, "POST", f"{E}/global", {"error": "E"})
    assert (status, reply["type"]) == (400, "VALIDATION-ERROR")


def test_e09_e10_lists(client: Any, admin: Any) -> None:
    _send(client, admin, "POST", f"{E}/global", {"error": "A-ERR", "description": "d"})
    _send(
        client, admin, "POST", f"{WF}/SYNC/errors", {"error": "B-ERR", "description": "d", "forceworkflow": 1}
    )

    def codes(query: str) -> list[str]:
        return [r["error"] for r in client.get(f"{E}{query}", headers=admin).get_json()["records"]]

    assert codes("?filter=global") == ["A-ERR"]
    assert codes("?wf=SYNC") == ["B-ERR"]
    assert codes("?filter=global&wf=SYNC") == ["A-ERR"]
    assert codes("?action=search&errors=A-ERR,B-ERR") == ["A-ERR", "B-ERR"]
    assert codes("/workflow") == ["B-ERR"] and codes("/global") == ["A-ERR"]
    short = client.get(f"{E}?short=true", headers=admin).get_json()["records"][0]
    assert set(short) == {"error", "description", "severity"}
    assert client.get(f"{E}?wf=NOPE", headers=admin).status_code == 404
    assert client.get(f"{E}?action=search", headers=admin).get_json()["type"] == "VALIDATION-ERROR"


def test_e11_e12_update_and_delete(client: Any, admin: Any) -> None:
    _send(
        client, admin, "POST", f"{WF}/SYNC/errors", {"error": "B-ERR", "description": "d", "forceworkflow": 1}
    )
    assert _send(client, admin, "GET", f"{E}/B-ERR")[0] == 404
    assert _send(client, admin, "PUT", f"{E}/B-ERR", {"description": "x"})[0] == 404
    assert _send(client, admin, "PUT", f"{WF}/SYNC/errors/B-ERR", {"description": "x"}) == (
        200, "UPDATED-WORKFLOW")  # fmt: skip
    _send(client, admin, "POST", f"{E}/global", {"error": "X-ERR", "description": "d"})
    path = f"{E}/global/X-ERR?action=update"
    assert _send(client, admin, "PUT", path, {"description": "d"}) == (200, "UNCHANGED-GLOBAL")
    assert _send(client, admin, "DELETE", f"{E}/X-ERR") == (200, "OK")
    assert _send(client, admin, "GET", f"{E}/X-ERR")[0] == 404
    assert _send(client, admin, "DELETE", f"{E}/workflow/SYNC/B-ERR") == (200, "OK")


def test_e13_reload_counts(client: Any, admin: Any) -> None:
    for code in ("G1", "G2"):
        _send(client, admin, "POST", f"{E}/global", {"error": code, "description": "d"})
    for code in ("S1", "S2", "S3"):
        _send(client, admin, "POST", f"{E}?action=createOrUpdate",
              {"error": code, "description": "d", "workflowid": "OTHER", "forceworkflow": True})  # fmt: skip
    assert _send(client, admin, "PUT", f"{E}?action=reload") == (200, {"global": 2, "workflow": 3})


def test_e15_and_scope(client: Any, admin: Any, as_user: Any) -> None:
    status, reply = _send(client, as_user("sue"), "POST", f"{E}/global", {"error": "Q", "description": "d"})
    assert (status, reply["type"]) == (403, "AUTHORIZATION-ERROR")
    _send(
        client,
        admin,
        "POST",
        f"{WF}/SYNC/errors",
        {"error": "S-ONLY", "description": "d", "forceworkflow": 1},
    )
    _send(
        client,
        admin,
        "POST",
        f"{WF}/OTHER/errors",
        {"error": "O-ONLY", "description": "d", "forceworkflow": 1},
    )
    scoped = as_user("sco")
    listed = [r["error"] for r in client.get(E, headers=scoped).get_json()["records"]]
    assert listed == ["O-ONLY"]
    assert client.get(f"{WF}/SYNC/errors", headers=scoped).get_json()["type"] == "WORKFLOW-ACCESS-ERROR"


def test_resolution_uses_the_definitions(client: Any, admin: Any, app: Any) -> None:
    """E-7 / E-14 at the service the orders engine calls (`workflows.registry.resolve_error`)."""
    _send(client, admin, "POST", f"{E}/global", {"error": "R-ERR", "description": "d"})
    _send(client, admin, "POST", f"{WF}/SYNC/errors",
          {"error": "R-ERR", "description": "d", "retry_flag": True, "retry_delay_secs": 60})  # fmt: skip
    _send(client, admin, "POST", f"{E}/global", {"error": "BIZ", "description": "d", "business_flag": True})
    registry = app.extensions["gateway"].extras["gateway.facade"].service("workflows.registry")
    with app.app_context():
        sync, other = registry.find("SYNC"), registry.find("OTHER")
        on_sync = registry.resolve_error(sync.workflowid, "R-ERR")
        assert on_sync.retry_flag and on_sync.retry_delay_secs == 60
        assert not registry.resolve_error(other.workflowid, "R-ERR").retry_flag
        assert registry.resolve_error(other.workflowid, "BIZ").business_flag
