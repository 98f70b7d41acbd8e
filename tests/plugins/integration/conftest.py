"""Fixtures of the integration tests: the workflows and orders migrations and the `acc_doc` table on every
backend, and an app with both real plugins on a FixedClock, seeded by `inttools.seed`."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from inttools import START, Env, acc_doc_table, extra_plugins, migration_locations, seed

from gateway.jobs.clock import FixedClock

SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-integration-abcdef"
_MIGRATED: set[str] = set()


@pytest.fixture
def backend(backend: Any) -> Any:
    """The backend's template database with every plugin migration and the `acc_doc` table."""
    if backend.url not in _MIGRATED:
        from gateway.meta.migrate import upgrade

        upgrade(backend.engine, plugin_locations=migration_locations())
        _MIGRATED.add(backend.url)
    # checked per test: another folder's fixture may drop its own `acc_doc` after its tests
    metadata = sa.MetaData()
    acc_doc_table(metadata)
    metadata.create_all(backend.engine, checkfirst=True)
    return backend


@pytest.fixture
def app(databases: Any) -> Any:
    from gateway.testing import make_test_app

    overrides = {"secret_key": SECRET}
    flask_app = make_test_app(
        overrides, databases=databases, clock=FixedClock(START), plugins=extra_plugins()
    )
    seed(flask_app)
    return flask_app


@pytest.fixture
def env(app: Any) -> Env:
    return Env(app)
