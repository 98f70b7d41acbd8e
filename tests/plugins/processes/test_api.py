"""Acceptance scenarios of processes.md §15 over the Flask test client, on the three backends."""

from __future__ import annotations

from typing import Any

from gateway.plugins.processes.naming import code_uid


def test_p1_list_reports(client: Any, login_as: Any) -> None:
    headers = login_as("SuperUser")
    reply = client.get("/api/v1/processes?$filter=isReport eq true", headers=headers)
    assert reply.status_code == 200, reply.get_json()
    slugs = [r["slug"] for r in reply.get_json()["records"]]
    assert "modelreport" in slugs and "cachereset" not in slugs


def test_p2_p3_p4_detail_by_slug_uid_id(client: Any, login_as: Any) -> None:
    headers = login_as("SuperUser")
    by_slug = client.get("/api/v1/processes/modelreport", headers=headers)
    assert by_slug.status_code == 200, by_slug.get_json()
    body = by_slug.get_json()
    params = {p["parameterName"]: p for p in body["parameters"]}
    assert list(params) == ["TableName", "Filter", "Select", "OrderBy", "MaxRows", "Title"]
    assert params["TableName"]["mandatory"] is True
    assert body["uid"] == code_uid("ModelReport")
    assert client.get(f"/api/v1/processes/{body['uid']}", headers=headers).get_json() == body
    assert client.get(f"/api/v1/processes/{body['id']}", headers=headers).get_json() == body
    missing = client.get("/api/v1/processes/no-such-process", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["type"] == "NOT-FOUND"


def test_p9_p10_p11_parameter_errors(client: Any, login_as: Any) -> None:
    headers = login_as("SuperUser")
    for body, field in (
        ({"TableName": "C_BPartner", "report-type": "DOCX"}, "report-type"),
        ({}, "TableName"),
        ({"TableName": "C_BPartner", "Foo": 1}, "Foo"),
    ):
        reply = client.post("/api/v1/processes/modelreport", json=body, headers=headers)
        assert reply.status_code == 400, reply.get_json()
        assert reply.get_json()["type"] == "PARAMETER-ERROR"
        assert field in [e["field"] for e in reply.get_json()["errors"]]


def test_p16_report_key_on_plain_process(client: Any, login_as: Any) -> None:
    reply = client.post(
        "/api/v1/processes/cachereset", json={"report-type": "CSV"}, headers=login_as("SuperUser")
    )
    assert reply.status_code == 400 and reply.get_json()["type"] == "PARAMETER-ERROR"


def test_p35_p36_toggle_activation(client: Any, login_as: Any) -> None:
    headers = login_as("SuperUser")
    off = client.patch("/api/v1/processes/modelreport/toggle-activation", headers=headers)
    assert off.status_code == 200 and off.get_json()["isActive"] is False
    run = client.post("/api/v1/processes/modelreport", json={"TableName": "C_Order"}, headers=headers)
    assert run.status_code == 409 and run.get_json()["type"] == "PROCESS-INACTIVE"
    on = client.patch("/api/v1/processes/modelreport/toggle-activation", headers=headers)
    assert on.get_json()["isActive"] is True
    for _ in range(2):
        reply = client.patch(
            "/api/v1/processes/modelreport/toggle-activation", json={"isActive": False}, headers=headers
        )
        assert reply.status_code == 200 and reply.get_json()["isActive"] is False


def test_p38_payload_skeletons(client: Any, login_as: Any) -> None:
    headers = login_as("SuperUser")
    report = client.get("/api/v1/processes/modelreport/payload", headers=headers).get_json()
    assert {"TableName", "Title", "report-type", "is-summary", "print-format-id"} <= set(report)
    assert "record-id" not in report
    doc = client.get("/api/v1/processes/documentaction/payload", headers=headers).get_json()
    assert {"model-name", "record-id"} <= set(doc) and "report-type" not in doc


def test_p39_p40_p41_p42_p43_api_processes(client: Any, login_as: Any) -> None:
    headers = login_as("SuperUser")
    created = client.post(
        "/api/v1/processes",
        headers=headers,
        json={
            "value": "OpenOrders",
            "name": "Open orders",
            "handler": "ModelReport",
            "fixed": {"TableName": "C_Order"},
            "defaults": {"Filter": "DocStatus eq 'IP'"},
        },
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["slug"] == "openorders" and created.get_json()["version"] == 1
    assert created.headers["Location"] == "/api/v1/processes/openorders"
    sent = client.post("/api/v1/processes/openorders", json={"TableName": "C_BPartner"}, headers=headers)
    assert sent.status_code == 400 and sent.get_json()["type"] == "PARAMETER-ERROR"
    reserved = client.post(
        "/api/v1/processes", headers=headers, json={"value": "Jobs", "handler": "ModelReport", "name": "x"}
    )
    assert reserved.status_code == 409 and reserved.get_json()["type"] == "DUPLICATE-VALUE"
    digits = client.post(
        "/api/v1/processes", headers=headers, json={"value": "123", "handler": "ModelReport", "name": "x"}
    )
    assert digits.status_code == 400 and digits.get_json()["type"] == "VALIDATION-ERROR"
    plain = client.post(
        "/api/v1/processes", headers=headers, json={"value": "X1", "handler": "CacheReset", "name": "x"}
    )
    assert plain.status_code == 400
    updated = client.put(
        "/api/v1/processes/openorders",
        headers=headers,
        json={"name": "Open orders v2", "fixed": {"TableName": "C_Order"}, "changeDescription": "rename"},
    )
    assert updated.status_code == 200, updated.get_json()
    assert updated.get_json()["version"] == 2
    v1 = client.get("/api/v1/processes/openorders/versions/1", headers=headers).get_json()
    assert v1["isNotLatestVersion"] is True and v1["definition"]["name"] == "Open orders"
    for method in (client.put, client.delete):
        reply = method("/api/v1/processes/modelreport", json={"name": "x"}, headers=headers)
        assert reply.status_code == 409 and reply.get_json()["type"] == "PROCESS-READONLY"
    assert client.delete("/api/v1/processes/openorders", headers=headers).status_code == 204
    assert client.get("/api/v1/processes/openorders", headers=headers).status_code == 404


def test_p23_p24_handler_failures_are_data(client: Any, login_as: Any) -> None:
    headers = login_as("SuperUser")
    reply = client.post("/api/v1/processes/sleep", json={"Seconds": 99}, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["isError"] is True and body["summary"] == "Seconds must be between 0 and 30"
    status = client.get(
        f"/api/v1/processes/instances/{body['AD_PInstance_ID']}/status", headers=headers
    ).get_json()
    assert status == {"id": body["AD_PInstance_ID"], "status": "error", "isError": True, "processing": False}


def test_p37_validate_without_instance(client: Any, login_as: Any) -> None:
    headers = login_as("SuperUser")
    reply = client.post(
        "/api/v1/processes/validate", json={"process": "modelreport", "parameters": {}}, headers=headers
    )
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["valid"] is False
    assert "TableName" in [e["field"] for e in reply.get_json()["errors"]]


def test_p26_p33_job_queued_and_canceled(client: Any, login_as: Any) -> None:
    headers = login_as("SuperUser")
    reply = client.post(
        "/api/v1/processes/jobs/sleep", json={"Seconds": 0, "notification-type": "E"}, headers=headers
    )
    assert reply.status_code == 202, reply.get_json()
    body = reply.get_json()
    assert reply.headers["Location"] == f"/api/v1/processes/jobs/{body['id']}"
    assert (body["status"], body["processing"], body["isRunAsJob"], body["notificationType"]) == (
        "queued",
        True,
        True,
        "E",
    )
    listed = client.get("/api/v1/processes/jobs", headers=headers)
    assert listed.status_code == 200, listed.get_json()
    assert body["id"] in [r["id"] for r in listed.get_json()["records"]]
    canceled = client.delete(f"/api/v1/processes/jobs/{body['id']}", headers=headers)
    assert canceled.status_code == 200 and canceled.get_json()["status"] == "error"
    assert canceled.get_json()["summary"].startswith("Canceled by")
    again = client.delete(f"/api/v1/processes/jobs/{body['id']}", headers=headers)
    assert again.status_code == 409 and again.get_json()["type"] == "INSTANCE-STATE-ERROR"
    assert client.get("/api/v1/processes/jobs/999999", headers=headers).status_code == 404
