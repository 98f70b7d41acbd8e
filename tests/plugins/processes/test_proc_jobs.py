"""Acceptance scenarios of processes.md §15 about background jobs, instances, files and notices."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.testing import app_clock, run_background

RUN = "/api/v1/processes"


def _job(client: Any, headers: Any, slug: str, body: dict[str, Any]) -> Any:
    return client.post(f"{RUN}/jobs/{slug}", json=body, headers=headers)


def test_p26_p27_job_lifecycle(app: Any, client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    reply = _job(client, headers, "modelreport", {"TableName": "C_Order", "notification-type": "E"})
    assert reply.status_code == 202, reply.get_json()
    job = reply.get_json()
    assert reply.headers["Location"] == f"/api/v1/processes/jobs/{job['id']}"
    assert (job["status"], job["processing"], job["isRunAsJob"], job["notificationType"]) == (
        "queued", True, True, "E",
    )  # fmt: skip
    listed = client.get(f"{RUN}/jobs", headers=headers).get_json()["records"]
    assert job["id"] in [r["id"] for r in listed]
    run_background(app)
    listed = client.get(f"{RUN}/jobs", headers=headers).get_json()["records"]
    assert job["id"] not in [r["id"] for r in listed]
    done = client.get(f"{RUN}/jobs/{job['id']}", headers=headers).get_json()
    assert done["status"] == "completed" and done["reportFile"] and done["nodeId"], done
    assert done["notificationStatus"] == {"email": "skipped"}
    every = client.get(f"{RUN}/jobs?all=true", headers=headers).get_json()["records"]
    assert job["id"] in [r["id"] for r in every]


def test_p28_notification_type_defaults_to_b(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    for extra in ({}, {"notification-type": "X"}):
        job = _job(client, headers, "sleep", {"Seconds": 0, **extra}).get_json()
        assert job["notificationType"] == "B"


def test_p30_notice_for_the_submitter(app: Any, client: Any, as_role: Any) -> None:
    clerk = as_role("ClerkA")
    job = _job(client, clerk, "modelreport", {"TableName": "C_Order", "notification-type": "N"}).get_json()
    run_background(app)
    done = client.get(f"{RUN}/jobs/{job['id']}", headers=clerk).get_json()
    notices = client.get(f"{RUN}/notices", headers=clerk).get_json()["records"]
    assert len(notices) == 1 and notices[0]["instanceId"] == job["id"]
    assert notices[0]["fileIds"] == [done["reportFileId"]]
    assert client.get(f"{RUN}/notices", headers=as_role("ClerkB")).get_json()["records"] == []
    assert client.delete(f"{RUN}/notices/{notices[0]['id']}", headers=as_role("ClerkB")).status_code == 404
    assert client.delete(f"{RUN}/notices/{notices[0]['id']}", headers=clerk).status_code == 204


def test_p31_p32_who_sees_a_job(client: Any, as_role: Any) -> None:
    job = _job(client, as_role("ClerkA"), "modelreport", {"TableName": "C_Order"}).get_json()
    assert client.get(f"{RUN}/jobs/{job['id']}", headers=as_role("ClerkB")).status_code == 404
    assert client.get(f"{RUN}/jobs/{job['id']}", headers=as_role("AuditorU")).status_code == 200
    assert client.get(f"{RUN}/jobs/999999", headers=as_role("ClerkA")).status_code == 404
    mine = client.get(f"{RUN}/instances", headers=as_role("ClerkB")).get_json()
    assert job["id"] not in [r["id"] for r in mine["records"]]
    per_process = client.get(f"{RUN}/modelreport/instances", headers=as_role("ClerkA")).get_json()
    assert [r["id"] for r in per_process["records"]] == [job["id"]]


def test_p33_cancel_then_drain_runs_nothing(app: Any, client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    job = _job(client, headers, "sleep", {"Seconds": 0}).get_json()
    assert client.delete(f"{RUN}/jobs/{job['id']}", headers=headers).get_json()["status"] == "error"
    run_background(app)
    after = client.get(f"{RUN}/jobs/{job['id']}", headers=headers).get_json()
    assert after["summary"].startswith("Canceled by") and after["started"] is None


def test_p34_interrupted_job(app: Any, client: Any, as_role: Any) -> None:
    """A session S claims the job and marks it running, then stops beating: the job ends Interrupted."""
    from gateway.jobs import queue
    from gateway.jobs.runner import open_session

    headers = as_role("Admin")
    job = _job(client, headers, "sleep", {"Seconds": 0}).get_json()
    state = app.extensions["gateway"]
    session = open_session(state, "worker")
    claimed = queue.claim(state.databases.meta, state.meta.job, session_id=session, now=state.clock.now(),
                          lease_seconds=60, kinds=["processes.run"])  # fmt: skip
    assert len(claimed) == 1
    instance = state.extras["gateway.facade"].service("processes.registry").tables.instance
    with state.databases.meta.begin() as conn:
        stmt = instance.update().where(instance.c.id == job["id"])
        conn.execute(stmt.values(status="running", engine_session_id=session))
    app_clock(app).advance(61)
    run_background(app)
    after = client.get(f"{RUN}/jobs/{job['id']}", headers=headers).get_json()
    assert after["status"] == "error" and after["summary"].startswith("Interrupted"), after


def test_p59_p60_large_output_and_file_access(app: Any, client: Any, as_role: Any) -> None:
    clerk = as_role("ClerkA")
    app.extensions["gateway"].settings = app.extensions["gateway"].settings.replace(
        inline_file_max_bytes=1000
    )
    result = client.post(
        f"{RUN}/modelreport", json={"TableName": "C_Order", "report-type": "CSV"}, headers=clerk
    ).get_json()
    assert result["reportFile"] is None and result["reportFileId"], result
    file = client.get(f"/api/v1/files/{result['reportFileId']}", headers=clerk)
    assert file.status_code == 200 and file.headers["Content-Type"].startswith("text/csv")
    assert int(file.headers["Content-Length"]) == result["reportFileLength"] == len(file.data)
    as_json = client.get(f"/api/v1/files/{result['reportFileId']}?json=true", headers=clerk).get_json()
    assert as_json["length"] == result["reportFileLength"] and as_json["data"]
    listed = client.get("/api/v1/files", headers=clerk).get_json()["records"]
    assert [f["id"] for f in listed] == [result["reportFileId"]]
    assert client.get(f"/api/v1/files/{result['reportFileId']}", headers=as_role("ClerkB")).status_code == 404
    app_clock(app).advance(8 * 86400)
    run_background(app)
    fresh = as_role("ClerkA")  # the earlier token expired with the clock
    assert client.get(f"/api/v1/files/{result['reportFileId']}", headers=fresh).status_code == 404


def test_file_delete(client: Any, as_role: Any) -> None:
    clerk = as_role("ClerkA")
    result = client.post(
        f"{RUN}/modelreport", json={"TableName": "C_Order", "report-type": "CSV", "MaxRows": 2}, headers=clerk
    ).get_json()
    assert (
        client.delete(f"/api/v1/files/{result['reportFileId']}", headers=as_role("ClerkB")).status_code == 404
    )
    assert client.delete(f"/api/v1/files/{result['reportFileId']}", headers=clerk).status_code == 204
    assert client.get(f"/api/v1/files/{result['reportFileId']}", headers=clerk).status_code == 404


def test_p61_prepared_then_launched(app: Any, client: Any, as_role: Any) -> None:
    headers = as_role("ClerkA")
    prepared = client.post(f"{RUN}/modelreport/instances", json={"TableName": "C_Order"}, headers=headers)
    assert prepared.status_code == 201 and prepared.get_json()["status"] == "prepared"
    iid = prepared.get_json()["id"]
    launched = client.post(f"{RUN}/instances/{iid}/launch", headers=headers)
    assert launched.status_code == 202 and launched.get_json()["status"] == "queued"
    again = client.post(f"{RUN}/instances/{iid}/launch", headers=headers)
    assert again.status_code == 409 and again.get_json()["type"] == "INSTANCE-STATE-ERROR"
    run_background(app)
    assert client.get(f"{RUN}/instances/{iid}", headers=headers).get_json()["status"] == "completed"


def test_p63_concurrency_guard(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    assert _job(client, headers, "testexclusive", {"Key": "A"}).status_code == 202
    same = _job(client, headers, "testexclusive", {"Key": "A"})
    assert same.status_code == 409 and same.get_json()["type"] == "PROCESS-RUNNING"
    assert _job(client, headers, "testexclusive", {"Key": "B"}).status_code == 202


@pytest.mark.parametrize("user", ["ClerkA"])
def test_job_of_removed_role_ends_with_access_error(app: Any, client: Any, as_role: Any, user: str) -> None:
    headers = as_role(user)
    job = _job(client, headers, "modelreport", {"TableName": "C_Order"}).get_json()
    state = app.extensions["gateway"]
    with state.databases.meta.begin() as conn:
        conn.execute(state.meta.user_role.delete().where(state.meta.user_role.c.user_id == job["userId"]))
    run_background(app)
    after = client.get(f"{RUN}/jobs/{job['id']}", headers=as_role("Admin")).get_json()
    assert after["status"] == "error" and after["summary"].startswith("PROCESS-ACCESS-ERROR")
