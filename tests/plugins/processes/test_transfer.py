"""Acceptance scenarios P-42, P-44..P-51 of processes.md §15: versions, export and import."""

from __future__ import annotations

import io
import json
from typing import Any

RUN = "/api/v1/processes"
OPEN = {"value": "OpenOrders", "name": "Open orders", "handler": "ModelReport",
        "fixed": {"TableName": "C_Order"}, "defaults": {"Filter": "DocStatus eq 'IP'"}}  # fmt: skip


def _setup(client: Any, headers: Any) -> dict[str, Any]:
    assert client.post(RUN, json=OPEN, headers=headers).status_code == 201
    body = {"name": "Open orders v2", "fixed": {"TableName": "C_Order"}, "changeDescription": "rename"}
    return client.put(f"{RUN}/openorders", json=body, headers=headers).get_json()  # type: ignore[no-any-return]


def _import(client: Any, headers: Any, file: Any, mode: str) -> Any:
    return client.post(f"{RUN}/batch-import", json={"file": file, "importConflict": mode}, headers=headers)


def _count(client: Any, headers: Any) -> int:
    return int(client.get(RUN, headers=headers).get_json()["row-count"])


def test_p39_open_orders_report_runs_with_fixed_and_default(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    assert client.post(RUN, json=OPEN, headers=headers).status_code == 201
    result = client.post(f"{RUN}/openorders", json={"report-type": "CSV"}, headers=headers).get_json()
    expected = client.get("/api/v1/models/c_order?$filter=DocStatus eq 'IP'&$top=1", headers=headers)
    assert result["isError"] is False and result["summary"] == f"{expected.get_json()['row-count']} rows"


def test_p42_version_list(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    assert _setup(client, headers)["version"] == 2
    versions = client.get(f"{RUN}/openorders/versions", headers=headers).get_json()
    assert [v["version"] for v in versions["records"]] == [2, 1]
    assert [v["isNotLatestVersion"] for v in versions["records"]] == [False, True]


def test_p44_to_p47_conflict_modes(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    process = _setup(client, headers)
    exported = client.get(f"{RUN}/openorders/versions/1/export", headers=headers)
    assert exported.headers["Content-Disposition"] == 'attachment; filename="openorders-v1.gwprocess.json"'
    file = exported.get_json()
    before = _count(client, headers)
    clash = _import(client, headers, file, "Error")
    assert clash.status_code == 409 and clash.get_json()["type"] == "IMPORT-CONFLICT"
    assert process["uid"] in json.dumps(clash.get_json()["errors"]) and _count(client, headers) == before
    skipped = _import(client, headers, file, "UseExisting").get_json()["data"]
    assert skipped[0]["outcome"] == "skipped" and skipped[0]["version"] == 2
    newer = _import(client, headers, file, "NewVersion").get_json()["data"]
    assert newer[0]["outcome"] == "new-version" and newer[0]["version"] == 3
    active = _import(client, headers, file, "NewActiveElement").get_json()["data"][0]
    inactive = _import(client, headers, file, "NewInactiveElement").get_json()["data"][0]
    assert active["elementIdentifier"] != process["uid"] != inactive["elementIdentifier"]
    assert active["resourceLocation"].endswith("/openorders-2") and active["isActive"] is True
    names = {
        r["slug"]: r
        for r in client.get(f"{RUN}?$filter=handler eq 'ModelReport'", headers=headers).get_json()["records"]
    }
    assert (
        names["openorders-2"]["value"] == "OpenOrders_2" and names["openorders-3"]["value"] == "OpenOrders_3"
    )
    assert names["openorders-3"]["isActive"] is False


def test_p48_all_or_nothing(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    _setup(client, headers)
    file = client.get(f"{RUN}/openorders/export", headers=headers).get_json()
    fresh = {**file["processes"][0], "uid": "6f1c2d3e-0000-4000-8000-000000000001", "value": "Fresh"}
    file["processes"].append(fresh)
    before = _count(client, headers)
    assert _import(client, headers, file, "Error").status_code == 409
    assert _count(client, headers) == before
    assert client.get(f"{RUN}/fresh", headers=headers).status_code == 404


def test_p49_p51_export_delete_import(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    _setup(client, headers)
    second = {**OPEN, "value": "OtherReport", "name": "Other"}
    assert client.post(RUN, json=second, headers=headers).status_code == 201
    schedule = client.post(
        f"{RUN}/schedules",
        json={"name": "s", "process": "openorders", "intervalSeconds": 60},
        headers=headers,
    ).get_json()
    run = client.post(f"{RUN}/openorders", json={"report-type": "CSV"}, headers=headers).get_json()
    exported = client.get(f"{RUN}/batch-export?ids=openorders,otherreport", headers=headers)
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"].startswith(
        'attachment; filename="processes-20260115120000'
    )
    file = exported.get_json()
    uids = [p["uid"] for p in file["processes"]]
    assert client.delete(f"{RUN}/openorders", headers=headers).status_code == 204
    assert client.delete(f"{RUN}/otherreport", headers=headers).status_code == 204
    assert client.get(f"{RUN}/openorders", headers=headers).status_code == 404
    assert client.post(f"{RUN}/openorders", json={}, headers=headers).status_code == 404
    assert client.get(f"{RUN}/schedules/{schedule['id']}", headers=headers).status_code == 404
    assert client.get(f"{RUN}/instances/{run['AD_PInstance_ID']}", headers=headers).status_code == 200
    upload = {"file": (io.BytesIO(json.dumps(file).encode()), "x.gwprocess.json"), "importConflict": "Error"}
    imported = client.post(
        f"{RUN}/batch-import", data=upload, headers=headers, content_type="multipart/form-data"
    )
    assert imported.status_code == 200, imported.get_json()
    results = imported.get_json()["data"]
    assert [r["elementIdentifier"] for r in results] == uids and [r["outcome"] for r in results] == [
        "created"
    ] * 2
    versions = client.get(f"{RUN}/openorders/versions", headers=headers).get_json()["records"]
    assert [v["version"] for v in versions] == [2, 1]
    missing = client.get(f"{RUN}/batch-export?ids=openorders,nope", headers=headers)
    assert missing.status_code == 404
    assert client.get(f"{RUN}/batch-export", headers=headers).status_code == 400


def test_p50_not_an_export_file(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    reply = _import(client, headers, {"format": "other/1"}, "Error")
    assert reply.status_code == 400 and reply.get_json()["type"] == "IMPORT-ERROR"
    bad_mode = _import(client, headers, {"format": "gateway-process/1", "processes": []}, "Sometimes")
    assert bad_mode.status_code == 400 and bad_mode.get_json()["type"] == "VALIDATION-ERROR"
    handler = {"format": "gateway-process/1", "processes": [
        {"uid": "6f1c2d3e-0000-4000-8000-000000000002", "value": "X", "handler": "CacheReset",
         "versions": [{"version": 1, "definition": {"name": "x"}}]}]}  # fmt: skip
    refused = _import(client, headers, handler, "Error")
    assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "processes[0].handler"
