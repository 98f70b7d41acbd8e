"""Fixtures of the benchmark suite: the `gwperf` database, the gateway and floor servers, the results file.

Opt-in only (marker perf; `pytest -m perf tests/perf -s`). The database is built once and reused; the
servers live for the session; every measurement is merged into tests/perf/results.json at the end.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from perf_dataset import SCALE_TABLES, Dataset, ensure_dataset
from perf_servers import Server, start_floor, start_gateway, stop
from perf_wrk import knob, wrk_binary

RESULTS = Path(__file__).with_name("results.json")
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
UID_COLUMNS = ",".join(f"{table}=C_Order_UU" for table in SCALE_TABLES)


def _server_url() -> str:
    return os.environ.get("GATEWAY_TEST_POSTGRES_URL") or DEFAULT_SERVER


def _reachable(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def _prepare_meta(database_url: str) -> None:
    """gw_* tables and the demo accounts (GardenAdmin logs in); both steps are idempotent."""
    from gateway.cli.common import meta_transaction
    from gateway.cli.init import initialize
    from gateway.demo.accounts import create_demo_accounts
    from gateway.settings import load_settings

    settings = load_settings({"database_url": database_url}, environ={})
    initialize(settings)
    with meta_transaction(settings) as (conn, tables):
        create_demo_accounts(conn, tables, settings)


@pytest.fixture(scope="session")
def dataset(results: dict[str, Any]) -> Dataset:
    if wrk_binary() is None:
        pytest.skip("wrk is not installed (apt-get install -y wrk)")
    if not _reachable(_server_url()):
        pytest.skip("PostgreSQL is not reachable (GATEWAY_TEST_POSTGRES_URL)")
    built = ensure_dataset(_server_url())
    _prepare_meta(built.url)
    results["dataset"] = {
        "orders": built.orders,
        "order_lines": built.lines,
        "scale_tables": dict(SCALE_TABLES),
    }
    results["machine"] = machine(built.url)
    return built


@pytest.fixture(scope="session")
def servers(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    workdir = tmp_path_factory.mktemp("perf-servers")
    url = sa.make_url(dataset.url)
    dsn = f"host={url.host} port={url.port or 5432} user={url.username} dbname={url.database}"
    if url.password:
        dsn += f" password={url.password}"
    started: dict[str, Server] = {}
    try:
        started["gateway"] = start_gateway(dataset.url, UID_COLUMNS, workdir)
        started["floor"] = start_floor(dsn, workdir)
        duties = start_floor(dsn, workdir, with_duties=True)
        started["floor_duties"] = dataclasses.replace(duties, headers=started["gateway"].headers)
        yield started
    finally:
        for server in started.values():
            stop(server)


@pytest.fixture(scope="session")
def results() -> Iterator[dict[str, Any]]:
    """Measurements of this run, merged into results.json (sections of tests that did not run are kept)."""
    collected: dict[str, Any] = {}
    yield collected
    if not collected:
        return
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if "machine" not in previous:
        collected.setdefault("machine", machine(None))
    RESULTS.write_text(json.dumps({**previous, **collected}, indent=2, sort_keys=True) + "\n")
    print(f"\nresults written to {RESULTS.name}")


def machine(database_url: str | None) -> dict[str, Any]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor(),
    )
    memory = next((line.split()[1] for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), "0")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory) / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": _server_version(database_url) if database_url else None,
        "database_on_same_host": True,
        "workers": knob("PERF_WORKERS", 2),
    }


def _server_version(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []
