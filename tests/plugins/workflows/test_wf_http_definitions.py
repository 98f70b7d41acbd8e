"""Acceptance scenarios W-1 … W-22 of workflows.md §10.2 over HTTP (definitions, control, bulk, steps)."""

from __future__ import annotations

from typing import Any

import pytest
from wftools import DOC_APPROVAL, sync_doc

WF = "/api/v1/workflows"


@pytest.fixture
def admin(as_user: Any) -> dict[str, Any]:
    return as_user("admin")  # type: ignore[no-any-return]


@pytest.fixture
def wfs(client: Any, admin: dict[str, Any]) -> dict[str, int]:
    ids = {}
    for name, version in (("SYNC", "1.0"), ("SYNC", "1.2"), ("OTHER", "1.0")):
        reply = client.post(WF, json=sync_doc(version, name), headers=admin)
        assert reply.status_code == 201, reply.get_json()
        assert reply.headers["Location"] == f"{WF}/{reply.get_json()['workflowid']}"
        ids[f"{name}:{version}"] = reply.get_json()["workflowid"]
    return ids


def _put(client: Any, headers: dict[str, Any], path: str, body: Any = None) -> Any:
    return client.put(f"{WF}{path}", json=body if body is not None else {}, headers=headers)


def _get(client: Any, headers: dict[str, Any], path: str) -> Any:
    return client.get(f"{WF}{path}", headers=headers)


def test_w01_deprecated_filter(client: Any, admin: Any, wfs: dict[str, int]) -> None:
    client.post(WF, json=sync_doc("1.0", "OLD-WF"), headers=admin)
    assert _put(client, admin, "/OLD-WF?action=setDeprecated", {"deprecated": True}).status_code == 200
    names = {r["name"] for r in _get(client, admin, "?deprecated=false").get_json()["records"]}
    assert "OLD-WF" not in names and "SYNC" in names
    listed = _get(client, admin, "").get_json()["records"]
    assert "OLD-WF" in {r["name"] for r in listed}
    assert "steps" not in listed[0] and "options" not in listed[0] and "order_stats" in listed[0]
    assert [r["name"] for r in _get(client, admin, "?list=true").get_json()["records"]][:1] == ["OLD-WF"]
    selected = _get(client, admin, "?$select=name,steps&$filter=name eq 'SYNC'").get_json()["records"]
    assert [r["steps"][0]["name"] for r in selected] == ["s1", "s1"]
    assert _get(client, admin, "?$filter=nosuch eq 1").get_json()["type"] == "UNKNOWN-COLUMN"


def test_w02_id_or_name(client: Any, admin: Any, wfs: dict[str, int]) -> None:
    assert _get(client, admin, "/SYNC").get_json()["version"] == "1.2"
    assert _get(client, admin, "/SYNC:1.0").get_json()["version"] == "1.0"
    detail = _get(client, admin, f"/{wfs['SYNC:1.0']}").get_json()
    assert detail["version"] == "1.0" and detail["steps"][0]["function"] == "builtin.scripted"
    assert detail["exec_count"] == 1 and detail["created"].endswith("Z")
    assert _get(client, admin, "/NOPE").status_code == 404


def test_w03_duplicates_and_unknown_functions(client: Any, admin: Any) -> None:
    assert client.post(WF, json=DOC_APPROVAL, headers=admin).status_code == 201
    assert client.post(WF, json=DOC_APPROVAL, headers=admin).get_json()["type"] == "WORKFLOW-EXISTS"
    bad = sync_doc("1.0", "BAD")
    bad["steps"][0]["function"] = "acme.none"
    reply = client.post(WF, json=bad, headers=admin)
    assert reply.status_code == 400 and reply.get_json()["type"] == "WORKFLOW-DEFINITION-ERROR"
    assert "acme.none" in reply.get_json()["detail"]
    valid = client.post(f"{WF}?action=validate", json=bad, headers=admin).get_json()
    assert valid["valid"] is False and valid["errors"]


def test_w04_w05_disable_enable(client: Any, admin: Any, wfs: dict[str, int]) -> None:
    for _ in range(2):
        reply = _put(client, admin, "/SYNC?action=disable")
        assert reply.status_code == 200 and "info" in reply.get_json()
    detail = _get(client, admin, "/SYNC").get_json()
    assert detail["enabled"] is False and detail["exec_count"] == 0
    assert _put(client, admin, "/SYNC?action=enable").get_json()["info"] == "enabled"
    detail = _get(client, admin, "/SYNC").get_json()
    assert detail["exec_count"] == detail["autostart"] == 1


def test_w06_bulk_needs_ids(client: Any, admin: Any) -> None:
    reply = _put(client, admin, "?action=enable")
    assert reply.status_code == 400 and reply.get_json()["type"] == "WORKFLOW-ENABLE-ERROR"


def test_w07_w09_autostart(client: Any, admin: Any) -> None:
    client.post(WF, json=sync_doc("1.0", "CAP", max_instances=3), headers=admin)
    body = _put(client, admin, "/CAP?action=setAutostart", {"autostart": 5}).get_json()
    assert body["autostart"] == 3 and "max_instances" in body["info"] and body["started"] == 2
    bad = _put(client, admin, "/CAP?action=setAutostart", {"autostart": -1})
    assert (bad.status_code, bad.get_json()["type"]) == (400, "WORKFLOW-SETAUTOSTART-ERROR")
    assert _put(client, admin, "/CAP?action=setAutostart").status_code == 400
    at_max = _put(client, admin, "/CAP?action=incAutostart").get_json()
    assert at_max["updated"] is False
    _put(client, admin, "/CAP?action=setAutostart", {"autostart": 0})
    zero = _put(client, admin, "/CAP?action=decAutostart")
    assert (zero.status_code, zero.get_json()["type"]) == (409, "WORKFLOW-SETAUTOSTART-ERROR")
    _put(client, admin, "/CAP?action=setAutostart", {"autostart": 1})
    inc = _put(client, admin, "/CAP?action=incAutostart").get_json()
    assert inc["autostart"] == 2 and inc["started"] == 1


def test_w08_w10_w11_deprecated(client: Any, admin: Any, wfs: dict[str, int]) -> None:
    _put(client, admin, "/SYNC?action=setAutostart", {"autostart": 2})
    body = _put(client, admin, "/SYNC?action=setDeprecated", {"deprecated": True}).get_json()
    assert body["updated"] is True and len(body["stopped"]["SYNC v1.2"]) == 2
    assert _get(client, admin, "/SYNC").get_json()["exec_count"] == 0
    for action, args in (("setAutostart", {"autostart": 1}), ("incAutostart", {})):
        reply = _put(client, admin, f"/SYNC?action={action}", args)
        assert (reply.status_code, reply.get_json()["type"]) == (409, "WORKFLOW-SETAUTOSTART-ERROR")
    _put(client, admin, "/SYNC?action=setDeprecated", {"deprecated": "false"})
    assert _get(client, admin, "/SYNC").get_json()["exec_count"] == 2
    missing = _put(client, admin, "/SYNC?action=setDeprecated")
    assert (missing.status_code, missing.get_json()["type"]) == (400, "WORKFLOW-SETDEPRECATED-ERROR")


def test_w12_w14_options(client: Any, admin: Any, wfs: dict[str, int]) -> None:
    reply = _get(client, admin, "/SYNC?action=options")
    assert reply.status_code == 200 and reply.get_json() is None
    client.post(WF, json=sync_doc("1.0", "OPT", option_list=["a", "b"]), headers=admin)
    bad = _put(client, admin, "/OPT?action=setOptions", {"options": {"a": 1, "zzz": 2}})
    assert bad.status_code == 409 and bad.get_json()["type"] == "WORKFLOW-OPTION-ERROR"
    assert "zzz" in bad.get_json()["detail"]
    assert _get(client, admin, "/OPT?action=options").get_json() == {"a": 1}
    assert _put(client, admin, "/SYNC?action=setOptions").status_code == 400
    assert _put(client, admin, "/SYNC?action=setOptions", {"options": "[1]"}).status_code == 400
    ok = _put(client, admin, "/SYNC?action=setOptions", {"options": '{"b":2}'})
    assert ok.status_code == 200 and ok.get_json() == "OK"


def test_w15_w16_reset(client: Any, admin: Any, wfs: dict[str, int]) -> None:
    body = _put(client, admin, "?action=reset&ids=SYNC,NOPE").get_json()
    assert body["count"] == 1
    assert body["details"][0]["arg"] == "SYNC" and body["details"][0]["reset"] is True
    assert body["details"][1]["reset"] is False and body["details"][1]["info"].startswith("NOT-FOUND: ")
    every = _put(client, admin, "?action=resetAll").get_json()
    assert {(w["name"], w["version"]) for w in every} == {("SYNC", "1.0"), ("SYNC", "1.2"), ("OTHER", "1.0")}
    assert all(w["count"] == 1 for w in every)
    assert _put(client, admin, "/SYNC?action=reset").get_json() == "OK"


def test_w17_start_stop(client: Any, admin: Any, wfs: dict[str, int]) -> None:
    [started] = _put(client, admin, "/SYNC?action=start", {"count": 2}).get_json()
    assert started["name"] == "SYNC" and len(started["ids"]) == 2 and len(started["exec"]) == 2
    assert _get(client, admin, "/SYNC").get_json()["exec_count"] == 3
    instances = _get(client, admin, "/SYNC/instances").get_json()
    assert instances["row-count"] == 3 and {r["status"] for r in instances["records"]} == {"RUNNING"}
    assert _put(client, admin, "/SYNC?action=stop").get_json() == "OK"
    assert _get(client, admin, "/SYNC").get_json()["exec_count"] == 0
    stopped = _put(client, admin, "?action=stopAll").get_json()
    assert stopped["count"] == 2 and set(stopped["workflows"]) == {"SYNC v1.0", "OTHER v1.0"}


def test_bulk_shapes(client: Any, admin: Any, wfs: dict[str, int]) -> None:
    disabled = _put(client, admin, "?action=disable&ids=SYNC:1.0,OTHER,NOPE").get_json()
    assert disabled["count"] == 2 and [d["stopped"] for d in disabled["details"]] == [True, True, False]
    enabled = _put(client, admin, "?action=enable", {"ids": ["SYNC:1.0", "OTHER"]}).get_json()
    assert [e["enabled"] for e in enabled] == [True, True]
    auto = _put(client, admin, "?action=setAutostart", {"ids": "OTHER", "autostart": 2}).get_json()
    assert auto[0]["autostart"] == 2 and auto[0]["started"] == 1
    assert _put(client, admin, "?action=setAutostart", {"ids": "OTHER"}).status_code == 400
    dep = _put(client, admin, "?action=setDeprecated", {"ids": "OTHER", "deprecated": True}).get_json()
    assert dep[0]["updated"] is True and len(dep[0]["stopped"]["OTHER v1.0"]) == 2
    started = _put(client, admin, "?action=start&ids=SYNC:1.0").get_json()
    assert started[0]["started"] is True and len(started[0]["exec_id"]) == 1
    stop = _put(client, admin, "?action=stop&ids=SYNC:1.0").get_json()
    assert stop["count"] == 2 and stop["workflows"] == {"SYNC v1.0": stop["workflows"]["SYNC v1.0"]}


def test_w18_w19_scope_and_permission(client: Any, as_user: Any, wfs: dict[str, int]) -> None:
    scoped = as_user("sco")
    assert {r["name"] for r in _get(client, scoped, "").get_json()["records"]} == {"OTHER"}
    reply = _put(client, scoped, "/SYNC?action=disable")
    assert (reply.status_code, reply.get_json()["type"]) == (403, "WORKFLOW-ACCESS-ERROR")
    assert _get(client, scoped, "/SYNC/instances").status_code == 403
    bulk = _put(client, scoped, "?action=disable&ids=SYNC").get_json()
    assert bulk["details"][0]["info"].startswith("WORKFLOW-ACCESS-ERROR: ")
    denied = _put(client, as_user("sue"), "/SYNC?action=disable")
    assert (denied.status_code, denied.get_json()["type"]) == (403, "AUTHORIZATION-ERROR")


def test_w20_delete(client: Any, admin: Any, orders: Any, wfs: dict[str, int]) -> None:
    orders.orders[1] = type("O", (), {"workflowid": wfs["SYNC:1.0"], "status": "READY"})()
    reply = client.delete(f"{WF}/SYNC:1.0", headers=admin)
    assert (reply.status_code, reply.get_json()["type"]) == (409, "WORKFLOW-IN-USE")
    assert client.delete(f"{WF}/OTHER", headers=admin).status_code == 204
    assert _get(client, admin, "/OTHER").status_code == 404


def test_w21_w22_invalid_action_and_steps(client: Any, admin: Any, wfs: dict[str, int]) -> None:
    reply = _get(client, admin, "/SYNC?action=frob")
    assert (reply.status_code, reply.get_json()["type"]) == (400, "INVALID-ACTION")
    names = {r["name"] for r in client.get("/api/v1/steps", headers=admin).get_json()["records"]}
    assert {"builtin.noop", "builtin.scripted", "builtin.scripted_array", "builtin.subworkflow",
            "builtin.set_record"} <= names  # fmt: skip
    one = client.get("/api/v1/steps/builtin.noop", headers=admin).get_json()
    assert one["types"] == ["normal"] and one["source"] == "builtin"
    assert client.get("/api/v1/steps/acme.none", headers=admin).status_code == 404
