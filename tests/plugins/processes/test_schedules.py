"""Acceptance scenarios P-52..P-58 of processes.md §15: schedule validation, firing and DST rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway.testing import app_clock, run_background

SCHED = "/api/v1/processes/schedules"
BASE = {"name": "s", "process": "modelreport", "payload": {"TableName": "C_Order", "MaxRows": 1}}


def _create(client: Any, headers: Any, **fields: Any) -> Any:
    return client.post(SCHED, json={**BASE, **fields}, headers=headers)


def _instances(client: Any, headers: Any) -> list[dict[str, Any]]:
    return client.get("/api/v1/processes/instances", headers=headers).get_json()["records"]


def test_p52_timing_errors(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    for fields in (
        {"cron": "0 * * * *", "intervalSeconds": 60},
        {},
        {"intervalSeconds": 10_000_000},
        {"cron": "61 * * * *"},
        {"cron": "0 0 * * * *"},
        {"intervalSeconds": 60, "timezone": "Mars/Base"},
    ):
        reply = _create(client, headers, **fields)
        assert reply.status_code == 400 and reply.get_json()["type"] == "SCHEDULE-ERROR", fields
    bad_payload = client.post(
        SCHED, json={**BASE, "payload": {"Foo": 1}, "intervalSeconds": 60}, headers=headers
    )
    assert bad_payload.status_code == 400 and bad_payload.get_json()["type"] == "PARAMETER-ERROR"
    unknown = client.post(SCHED, json={**BASE, "process": "nope", "intervalSeconds": 60}, headers=headers)
    assert unknown.status_code == 404


def test_p53_interval_fires_once(app: Any, client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    created = _create(client, headers, intervalSeconds=60)
    assert created.status_code == 201, created.get_json()
    schedule = created.get_json()
    assert schedule["nextRun"] == "2026-01-15T12:01:00Z" and schedule["isActive"] is True
    app_clock(app).advance(61)
    run_background(app)
    fired = [i for i in _instances(client, headers) if i["scheduleId"] == schedule["id"]]
    assert len(fired) == 1 and fired[0]["isRunAsJob"] is True
    after = client.get(f"{SCHED}/{schedule['id']}", headers=headers).get_json()
    assert (after["lastRun"], after["nextRun"], after["lastOutcome"]) == (
        "2026-01-15T12:01:01Z", "2026-01-15T12:02:00Z", "queued",
    )  # fmt: skip
    assert after["lastInstanceId"] == fired[0]["id"]
    run_background(app)  # nothing more is due
    assert len([i for i in _instances(client, headers) if i["scheduleId"] == schedule["id"]]) == 1


def test_p54_missed_runs_coalesce(app: Any, client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    schedule = _create(client, headers, intervalSeconds=60).get_json()
    app_clock(app).set(datetime(2026, 1, 15, 12, 10, tzinfo=UTC))
    run_background(app)
    fired = [i for i in _instances(client, headers) if i["scheduleId"] == schedule["id"]]
    assert len(fired) == 1
    assert (
        client.get(f"{SCHED}/{schedule['id']}", headers=headers).get_json()["nextRun"]
        == "2026-01-15T12:11:00Z"
    )


def test_p55_cron_in_a_time_zone_across_dst(app: Any, client: Any, as_role: Any) -> None:
    clock = app_clock(app)
    clock.set(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    headers = as_role("Admin")
    spring = _create(client, headers, cron="0 2 * * *", timezone="Europe/Zurich").get_json()
    assert spring["nextRun"] == "2026-03-29T01:00:00Z"
    clock.set(datetime(2026, 3, 29, 1, 0, 5, tzinfo=UTC))
    run_background(app)
    assert (
        client.get(f"{SCHED}/{spring['id']}", headers=headers).get_json()["nextRun"] == "2026-03-30T00:00:00Z"
    )
    clock.set(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    headers = as_role("Admin")
    autumn = _create(client, headers, cron="30 2 * * *", timezone="Europe/Zurich").get_json()
    assert autumn["nextRun"] == "2026-10-25T00:30:00Z"
    fired_at = []
    for stamp in (datetime(2026, 10, 25, 0, 30, 5, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, 5, tzinfo=UTC)):
        clock.set(stamp)
        run_background(app)
        headers = as_role("Admin")
        fired_at.append(len([i for i in _instances(client, headers) if i["scheduleId"] == autumn["id"]]))
    assert fired_at == [1, 1]
    assert (
        client.get(f"{SCHED}/{autumn['id']}", headers=headers).get_json()["nextRun"] == "2026-10-26T01:30:00Z"
    )


def test_p56_inactive_schedule_does_not_fire(app: Any, client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    schedule = _create(client, headers, intervalSeconds=60).get_json()
    status = client.patch(f"{SCHED}/{schedule['id']}/status", json={"isActive": False}, headers=headers)
    assert status.status_code == 200 and status.get_json()["isActive"] is False
    app_clock(app).advance(120)
    run_background(app)
    assert [i for i in _instances(client, headers) if i["scheduleId"] == schedule["id"]] == []


def test_p57_duplicate_and_crud(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    schedule = _create(client, headers, intervalSeconds=60).get_json()
    copy = client.post(f"{SCHED}/{schedule['id']}/duplicate", headers=headers)
    assert copy.status_code == 201
    dup = copy.get_json()
    assert dup["id"] != schedule["id"] and dup["isActive"] is False and dup["name"] == "s (copy)"
    assert (dup["process"], dup["payload"]) == (schedule["process"], schedule["payload"])
    listed = client.get(SCHED, headers=headers).get_json()
    assert {schedule["id"], dup["id"]} <= {r["id"] for r in listed["records"]}
    updated = client.put(
        f"{SCHED}/{dup['id']}",
        json={**BASE, "name": "renamed", "cron": "@daily", "isActive": False},
        headers=headers,
    )
    assert updated.status_code == 200 and updated.get_json()["cron"] == "@daily", updated.get_json()
    by_body = client.put(
        SCHED, json={**BASE, "id": dup["id"], "name": "again", "intervalSeconds": 5}, headers=headers
    )
    assert by_body.status_code == 200 and by_body.get_json()["name"] == "again"
    assert client.delete(f"{SCHED}/{dup['id']}", headers=headers).status_code == 204
    assert client.get(f"{SCHED}/{dup['id']}", headers=headers).status_code == 404
    seeing = client.get(f"{SCHED}/{schedule['id']}", headers=as_role("ClerkA"))
    assert seeing.status_code == 403  # Clerk lacks processes.schedule


def test_p58_inactive_process_is_skipped(app: Any, client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    schedule = _create(client, headers, intervalSeconds=60).get_json()
    client.patch("/api/v1/processes/modelreport/toggle-activation", json={"isActive": False}, headers=headers)
    app_clock(app).advance(61)
    run_background(app)
    after = client.get(f"{SCHED}/{schedule['id']}", headers=headers).get_json()
    assert after["lastOutcome"] == "skipped: PROCESS-INACTIVE"
    assert [i for i in _instances(client, headers) if i["scheduleId"] == schedule["id"]] == []
    manual = client.post(f"{SCHED}/{schedule['id']}/run", headers=headers)
    assert manual.status_code == 409 and manual.get_json()["type"] == "PROCESS-INACTIVE"
    client.patch("/api/v1/processes/modelreport/toggle-activation", json={"isActive": True}, headers=headers)
    now = client.post(f"{SCHED}/{schedule['id']}/run", headers=headers)
    assert now.status_code == 202 and now.get_json()["scheduleId"] == schedule["id"]
