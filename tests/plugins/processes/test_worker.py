"""A background process run end to end through a separate `gateway worker --once` process (plugins.md §9.3),
on a file-based SQLite database and on a throwaway PostgreSQL database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dbtools import throwaway_database

from tests.conftest import populate, reachable_cached
from tests.plugins.processes.conftest import SECRET


def _worker(url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "REST_"))}
    env.update(GATEWAY_DATABASE_URL=url, GATEWAY_SECRET_KEY=SECRET, GATEWAY_NODE_ID="worker-under-test")
    command = [str(Path(sys.executable).parent / "gateway"), "worker", "--once"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def _submit_and_run(url: str) -> dict[str, Any]:
    from gateway.app import create_app
    from gateway.jobs.clock import SystemClock
    from gateway.testing import bearer, session_token

    app = create_app({"database_url": url, "secret_key": SECRET, "worker_threads": 0}, clock=SystemClock())
    client = app.test_client()
    headers = bearer(session_token(app, "SuperUser", client_id=0, role="Admin"))
    body = {"TableName": "C_Order", "report-type": "CSV", "MaxRows": 3, "notification-type": "N"}
    job = client.post("/api/v1/processes/jobs/modelreport", json=body, headers=headers)
    assert job.status_code == 202, job.get_json()
    done = _worker(url)
    assert done.returncode == 0, done.stderr
    record = client.get(f"/api/v1/processes/jobs/{job.get_json()['id']}", headers=headers).get_json()
    notices = client.get("/api/v1/processes/notices", headers=headers).get_json()["records"]
    record["notices"] = notices
    for engine_source in (app.extensions["gateway"].databases.data,):
        engine_source.engine.dispose()
    return record  # type: ignore[no-any-return]


def _check(record: dict[str, Any]) -> None:
    assert record["status"] == "completed" and record["isError"] is False, record
    assert record["nodeId"] == "worker-under-test" and record["summary"].startswith("3 of")
    assert record["reportFileName"].endswith(".csv") and record["reportFile"]
    assert [n["instanceId"] for n in record["notices"]] == [record["id"]]


@pytest.mark.sqlite
@pytest.mark.slow
def test_worker_process_runs_a_job_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'worker.sqlite'}"
    populate(url).dispose()
    _check(_submit_and_run(url))


@pytest.mark.postgresql
@pytest.mark.commits
@pytest.mark.slow
def test_worker_process_runs_a_job_on_postgresql() -> None:
    if not reachable_cached("postgresql"):
        pytest.skip("PostgreSQL is not reachable")
    with throwaway_database("postgresql", f"gwproc_worker_{os.getpid()}") as url:
        populate(url).dispose()
        _check(_submit_and_run(url))
