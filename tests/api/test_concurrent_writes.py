"""Two concurrent updates with the same If-Match: one wins, the other gets 412, nothing is lost.

These tests commit for real (each request its own transaction on a pooled engine), so they use a private
copy of the SQLite template, or create and delete their own row on the server databases.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.db import Databases, EngineSource, make_engine
from gateway.testing import bearer, session_token

pytestmark = pytest.mark.commits


@pytest.fixture
def committing_app(backend, tmp_path: Path):  # type: ignore[no-untyped-def]
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    if backend.name == "sqlite":
        copy = tmp_path / "concurrent.sqlite"
        shutil.copyfile(sa.make_url(backend.url).database or "", copy)
        engine = make_engine(f"sqlite:///{copy}")
    else:
        engine = make_engine(backend.url, pool_size=4)
    source = EngineSource(engine)
    overrides = {"secret_key": "concurrency-" + "0123456789abcdef" * 4, "plugins": []}
    app = create_app(overrides, databases=Databases(source, source), clock=FixedClock())
    yield app
    engine.dispose()


def test_concurrent_if_match_updates_one_wins(committing_app) -> None:  # type: ignore[no-untyped-def]
    app = committing_app
    headers = bearer(session_token(app, "GardenAdmin", client_id=11, role="GardenWorld Admin"))
    client = app.test_client()
    created = client.post("/api/v1/models/c_bpartner", headers=headers,
                          json={"Value": "RACE-1", "Name": "Race partner"})  # fmt: skip
    assert created.status_code == 201, created.get_json()
    path, etag = created.headers["Location"], created.headers["ETag"]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def update(name: str) -> None:
        worker = app.test_client()
        barrier.wait()
        reply = worker.put(path, headers={**headers, "If-Match": etag}, json={"Name": name})
        statuses.append(reply.status_code)

    threads = [threading.Thread(target=update, args=(f"Winner {i}",)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(statuses) == [200, 412], statuses
        final = client.get(path, headers=headers).get_json()
        assert final["Name"] in ("Winner 0", "Winner 1")
    finally:
        assert client.delete(path, headers=headers).status_code == 200
