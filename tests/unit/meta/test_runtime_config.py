"""RuntimeConfig: gw_sysconfig rows overlay the runtime keys per client unless env/config set them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from gateway.db import EngineSource
from gateway.jobs.clock import FixedClock
from gateway.meta.migrate import upgrade
from gateway.meta.sysconfig import RuntimeConfig
from gateway.meta.tables import core_tables
from gateway.settings import load_settings


def _store(engine: sa.Engine, name: str, value: str, client_id: int) -> None:
    tables = core_tables(sa.MetaData())
    with engine.begin() as conn:
        conn.execute(
            tables.sysconfig.insert().values(
                name=name, value=value, client_id=client_id, updated=datetime.now(UTC)
            )
        )


def test_sysconfig_overlay_order_and_cache(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    upgrade(engine)
    _store(engine, "REST_MAX_RECORDS_SIZE", "50", 0)
    _store(engine, "REST_MAX_RECORDS_SIZE", "20", 11)
    _store(engine, "REST_OMIT_NULLS", "Y", 0)
    _store(engine, "REST_MAX_EXPAND_DEPTH", "not a number", 0)
    settings = load_settings(environ={"GATEWAY_REST_MAX_BATCH_SIZE": "7"})
    _store(engine, "REST_MAX_BATCH_SIZE", "99", 0)
    clock = FixedClock()
    runtime = RuntimeConfig(settings, EngineSource(engine), core_tables(sa.MetaData()), clock)
    tenant = runtime.for_client(11)
    assert tenant.rest_max_records_size == 20 and runtime.for_client(12).rest_max_records_size == 50
    assert tenant.rest_omit_nulls is True
    assert tenant.rest_max_expand_depth == settings.rest_max_expand_depth  # unparsable value ignored
    assert tenant.rest_max_batch_size == 7  # the environment wins
    assert tenant.source_of("rest_max_batch_size") == "env"
    _store(engine, "REST_OMIT_NULLS", "N", 11)
    assert runtime.for_client(11).rest_omit_nulls is True  # cached
    runtime.clear()
    assert runtime.for_client(11).rest_omit_nulls is False
    _store(engine, "REST_MAX_RECORDS_SIZE", "5", 12)
    clock.advance(61)
    assert runtime.for_client(12).rest_max_records_size == 5
    engine.dispose()
