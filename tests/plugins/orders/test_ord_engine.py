"""Synchronous runs, bulk actions, async answers, sync events, recovery and subworkflows (orders.md §16.3,
§16.8, §16.9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa


def _code(reply: Any) -> tuple[int, str]:
    return reply.status_code, (reply.get_json() or {}).get("type", "")


def _exec(api: Any, body: Any, wf: str = "ACC-W") -> Any:
    return api.post(f"/workflows/{wf}?action=execSynchronous", body)


def test_o29_to_o31_exec_sync(api: Any) -> None:
    reply = _exec(api, {"staticdata": {"script": {"s1": "dyn:x=1"}}})
    assert reply.status_code == 201
    body = reply.get_json()
    assert body["status"] == "COMPLETE" and body["dynamicdata"] == {"x": 1}
    doc = api.detail(body["workflow_instanceid"])
    assert doc["synchronous"] is False and doc["completed"] is not None
    assert _exec(api, {"staticdata": {"script": {"s1": "error:ACC-ERR"}}}).get_json()["status"] == "ERROR"
    assert _exec(api, {"staticdata": {"script": {"s2": "async"}}}).get_json()["status"] == "ASYNC-WAITING"


def test_o32_o33_exec_refusals(api: Any) -> None:
    before = api.get("/orders", user="admin").get_json()["row-count"]
    assert _code(_exec(api, {"staticdata": {"a": 1}}, wf="ACC-OFF")) == (409, "WORKFLOW-DISABLED")
    assert _code(_exec(api, {"staticdata": {"a": 1}, "options": {"zzz": 1}})) == (
        409,
        "WORKFLOW-OPTION-ERROR",
    )
    assert api.get("/orders", user="admin").get_json()["row-count"] == before
    assert _exec(api, {"staticdata": {"a": 1}, "options": {"opt1": 1}}).get_json()["status"] == "COMPLETE"
    assert _code(_exec(api, {"staticdata": {"a": 1}, "status": "READY"})) == (400, "VALIDATION-ERROR")


def test_o34_o35_exec_order(api: Any) -> None:
    for recipe in ("READY", "SCHEDULED"):
        reply = api.post(f"/orders/{api.recipe(recipe)}?action=execSynchronous", {})
        assert reply.status_code == 200 and reply.get_json()["status"] == "COMPLETE"
    for recipe in ("ERROR", "IN-PROGRESS"):
        assert _code(api.post(f"/orders/{api.recipe(recipe)}?action=execSynchronous", {})) == (
            409,
            "STATUS-ERROR",
        )


def test_o36_sync_timeout(api: Any, app: Any) -> None:
    bundle = app.extensions["gateway"].extras["gateway.facade"].service("orders._bundle")
    settings = bundle.gateway.settings
    zero = type(
        "S",
        (),
        {"__getattr__": lambda self, n: 0 if n == "exec_sync_timeout_seconds" else getattr(settings, n)},
    )()
    bundle.engine.gateway = _Override(bundle.gateway, zero)
    reply = _exec(api, {"staticdata": {"a": 1}}).get_json()
    assert reply["status"] == "INCOMPLETE"
    bundle.engine.gateway = bundle.gateway
    api.drain()
    assert api.status(reply["workflow_instanceid"]) == "COMPLETE"


class _Override:
    def __init__(self, target: Any, settings: Any) -> None:
        self._target, self.settings = target, settings

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


def test_o119_to_o124_bulk(api: Any) -> None:
    a, b, c = api.recipe("ERROR"), api.recipe("ERROR"), api.recipe("COMPLETE")
    reply = api.put(f"/orders?action=retry&ids={a},{b},{c}")
    assert reply.status_code == 200
    results = reply.get_json()
    assert results[str(a)]["workflow_status"] == "RETRY" and results[str(c)].startswith("STATUS-ERROR:")
    x, y = api.recipe("READY"), api.recipe("READY")
    failed = api.put("/orders?action=uncancel", {"ids": [x, y]})
    assert _code(failed) == (409, "BULK-ERROR")
    assert all(v.startswith("CANCEL-WORKFLOW-ERROR:") for v in failed.get_json()["results"].values())
    assert _code(api.put("/orders?action=block")) == (400, "VALIDATION-ERROR")
    unknown = api.put(f"/orders?action=retry&ids=999999,{x}")
    assert _code(unknown) == (409, "BULK-ERROR")
    assert unknown.get_json()["results"]["999999"].startswith("RETRY-ERROR:")
    assert unknown.get_json()["results"][str(x)].startswith("STATUS-ERROR:")
    block = api.put(f"/orders?action=block&ids=999999,{x}").get_json()
    assert block["999999"].startswith("BLOCK-WORKFLOW-ERROR:") and block[str(x)] == {
        "workflow_status": "BLOCKED"
    }
    locked, free = api.recipe("ERROR"), api.recipe("ERROR")
    api.put(f"/orders/{locked}?action=lock", {"note": "n"})
    mixed = api.put(f"/orders?action=retry&ids={locked},{free}", user="opB")
    assert mixed.status_code == 200 and mixed.get_json()[str(locked)].startswith("LOCK-ERROR:")
    assert _code(api.put(f"/orders?action=cancel&ids={free}", user="viewer")) == (403, "AUTHORIZATION-ERROR")


def _step(api: Any, order_id: int, name: str) -> dict[str, Any]:
    return next(s for s in api.detail(order_id)["StepInstances"] if s["stepname"] == name)


def test_o125_to_o127_async(api: Any) -> None:
    order_id = api.recipe("ASYNC-WAITING")
    s2 = _step(api, order_id, "s2")["stepid"]
    assert (
        api.put(f"/orders/{order_id}?action=asyncResult", {"stepid": s2, "data": {"x": 1}}).get_json() == "OK"
    )
    api.drain()
    doc = api.detail(order_id)
    assert doc["workflowstatus"] == "COMPLETE"
    assert doc["dynamicdata"]["x"] == 1
    failing = api.recipe("ASYNC-WAITING")
    api.put(f"/orders/{failing}?action=asyncResult", {"stepid": s2, "error": {"code": "ACC-ERR"}})
    api.drain()
    doc = api.detail(failing)
    assert doc["workflowstatus"] == "ERROR"
    assert [(e["error"], e["stepid"]) for e in doc["ErrorInstances"]] == [("ACC-ERR", s2)]
    ready = api.recipe("READY")
    assert _code(api.put(f"/orders/{ready}?action=asyncResult", {"stepid": s2})) == (409, "STATUS-ERROR")
    waiting = api.recipe("ASYNC-WAITING")
    s1 = _step(api, waiting, "s1")["stepid"]
    assert _code(api.put(f"/orders/{waiting}?action=asyncResult", {"stepid": s1})) == (
        409,
        "STEP-STATUS-ERROR",
    )


def test_o128_to_o130_events(api: Any) -> None:
    order_id = api.recipe("EVENT-WAITING")
    assert api.put("/sync-events/EV?action=post", {"eventkey": "k1"}).get_json() is True
    assert api.put("/sync-events/EV?action=post", {"eventkey": "k1"}).get_json() is False
    api.drain()
    assert api.status(order_id) == "COMPLETE"
    assert api.put("/sync-events/EV/k2?action=post").get_json() is True
    early = api.create({"staticdata": {"script": {"s3": "event:EV:k2"}}})
    api.drain()
    doc = api.detail(early)
    assert doc["workflowstatus"] == "COMPLETE"
    assert "EVENT-WAITING" not in {e["new_status"] for e in doc["AuditEvents"]}
    assert _code(api.put("/sync-events/EV?action=post", {})) == (400, "POST-ERROR")


def _kill(app: Any, session: int) -> None:
    state = app.extensions["gateway"]
    with state.databases.meta.begin() as conn:
        old = state.clock.now() - timedelta(seconds=2 * state.settings.lease_seconds)
        conn.execute(
            sa.text("UPDATE gw_engine_session SET heartbeat_at = :t WHERE id = :i"), {"t": old, "i": session}
        )


def test_o131_recovery(api: Any, app: Any, clock: Any) -> None:
    order_id = api.recipe("READY")
    session = api.hold(order_id)
    _kill(app, session)
    clock.advance(20)
    api.drain()
    doc = api.detail(order_id)
    assert doc["workflowstatus"] == "ERROR" and doc["status_sessionid"] == 0
    assert [e["error"] for e in doc["ErrorInstances"]] == ["ORDER-RECOVERED"]


def test_o132_recovery_retry(api: Any, app: Any, clock: Any) -> None:
    bundle = app.extensions["gateway"].extras["gateway.facade"].service("workflows._bundle")
    bundle.errors.create_global({"error": "ORDER-RECOVERED", "description": "again", "retry_flag": True})
    order_id = api.recipe("READY")
    _kill(app, api.hold(order_id))
    clock.advance(20)
    api.drain()
    assert api.status(order_id) == "RETRY"


def test_o133_subworkflow(api: Any) -> None:
    parent = api.create({"staticdata": {"a": 1}}, wf="ACC-P")
    api.drain()
    doc = api.detail(parent)
    assert doc["workflowstatus"] == "COMPLETE"
    child = next(int(k) for k in doc["HierarchyInfo"] if int(k) != parent)
    child_doc = api.detail(child)
    assert child_doc["workflowstatus"] == "COMPLETE" and child_doc["subworkflow"] is True


def test_o134_audit(api: Any) -> None:
    order_id = api.recipe("ERROR")
    api.put(f"/orders/{order_id}?action=retry")
    events = api.detail(order_id)["AuditEvents"]
    changes = [(e["old_status"], e["new_status"], e["who"]) for e in reversed(events) if e["new_status"]]
    assert changes == [
        (None, "READY", "opA"),
        ("READY", "IN-PROGRESS", "<engine>"),
        ("IN-PROGRESS", "ERROR", "<engine>"),
        ("ERROR", "RETRY", "opA"),
    ]
    rows = api.get("/audit?$filter=resource eq 'order' and action eq 'retry'", user="admin").get_json()[
        "records"
    ]
    assert [(r["old_state"], r["new_state"], r["user_name"]) for r in rows] == [("ERROR", "RETRY", "opA")]


def test_o135_viewer(api: Any) -> None:
    order_id = api.recipe("ERROR")
    for action in ("", "?action=notes", "?action=listErrors", "?action=yamlStaticData"):
        assert api.get(f"/orders/{order_id}{action}", user="viewer").status_code == 200
    assert _code(api.put(f"/orders/{order_id}?action=lock", {"note": "n"}, user="viewer")) == (
        403,
        "AUTHORIZATION-ERROR",
    )


def test_sync_event_reads(api: Any) -> None:
    order_id = api.recipe("EVENT-WAITING")
    unknown = api.get("/sync-events/EV/k1").get_json()
    assert unknown == {
        "type": "EV",
        "eventkey": "k1",
        "posted": False,
        "posted_at": None,
        "waiting": [order_id],
    }
    api.put("/sync-events/EV/k9?action=post")
    listed = api.get("/sync-events").get_json()["records"]
    assert [(r["type"], r["eventkey"], r["posted"], r["waiting"]) for r in listed] == [("EV", "k9", True, 0)]


def test_answer_step_service_and_stats(api: Any, app: Any) -> None:
    order_id = api.recipe("ASYNC-WAITING")
    s2 = _step(api, order_id, "s2")["stepid"]
    facade = app.extensions["gateway"].extras["gateway.facade"]
    with app.app_context():
        facade.service("orders.engine").answer_step(order_id, s2, 0, {"data": {"y": 2}})
    api.drain()
    doc = api.detail(order_id)
    assert doc["dynamicdata"] == {"y": 2} and doc["workflowstatus"] == "COMPLETE"
    with app.app_context():
        counts = facade.service("orders.stats").counts([doc["workflowid"]], None)
    assert counts[doc["workflowid"]]["COMPLETE"] == 1 and counts[doc["workflowid"]]["TOTAL"] == 1
