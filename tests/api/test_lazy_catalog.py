"""Lazy catalogs (above `reflect_eager_max_tables`): the same entity sets, graph and answers as an eager
catalog, built per table on first use, once, even under concurrent first requests."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from gateway.catalog import Catalog, EntitySet, reflect_catalog
from gateway.catalog.lazy import LazyEntitySets
from gateway.settings import load_settings

READS = [
    "/api/v1/models/c_order?$filter=GrandTotal gt 10&$orderby=DateOrdered desc&$top=7"
    "&$select=DocumentNo,C_BPartner_ID",
    "/api/v1/models/c_order?$top=3&$expand=C_OrderLine($expand=M_Product_ID),C_BPartner_ID",
    "/api/v1/models/c_orderline?$top=5&$filter=C_Order_ID/DocumentNo ne 'x'",
    "/api/v1/models/c_bpartner?$filter=C_Order/any(o: o/GrandTotal gt 100)&$top=4",
    "/api/v1/models/c_order/1001",
    "/api/v1/models?$filter=startswith(name, 'C_')",
    "/api/v1/openapi.json",
]


def _settings(eager_max: int) -> Any:
    return load_settings({"reflect_eager_max_tables": eager_max}, environ={})


def _shape(es: EntitySet) -> tuple[Any, ...]:
    columns = tuple(
        (c.name, c.kind, c.nullable, c.has_default, c.label, c.length, c.precision, c.scale, c.parent)
        for c in es.columns
    )
    facts = (es.name, es.model_name, es.key, es.uid, es.tenant, es.org, es.identifier, es.is_view, es.comment)
    return (*facts, es.parents, es.children, columns, str(es.table.name), tuple(es.table.c.keys()))


def test_lazy_catalog_equals_the_eager_one(databases) -> None:  # type: ignore[no-untyped-def]
    eager = reflect_catalog(databases.data, _settings(10_000))
    lazy = reflect_catalog(databases.data, _settings(2))
    assert isinstance(lazy.entity_sets, LazyEntitySets) and not isinstance(eager.entity_sets, LazyEntitySets)
    assert list(lazy.entity_sets) == list(eager.entity_sets)
    assert lazy.entity_sets.completed() == frozenset()  # nothing built by building the catalog
    assert dict(lazy.paths or {}) == dict(eager.paths or {})
    for name in eager.entity_sets:
        assert _shape(lazy.entity_sets[name]) == _shape(eager.entity_sets[name]), name
    assert lazy.find("c_order") is lazy.entity_sets["C_Order"]


@pytest.fixture
def lazy_client(databases):  # type: ignore[no-untyped-def]
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    overrides = {"secret_key": "test-secret-key-" + "0123456789abcdef" * 4, "reflect_eager_max_tables": 2}
    app = create_app(overrides, databases=databases, clock=FixedClock())
    return app


def test_lazy_app_answers_like_the_eager_one(app, client, lazy_client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    lazy = lazy_client.test_client()
    for url in READS:
        expected, got = client.get(url, headers=headers), lazy.get(url, headers=headers)
        assert got.status_code == expected.status_code == 200, (url, got.get_json())
        assert got.get_json() == expected.get_json(), url
    body = {"Value": "LAZY-1", "Name": "Lazy partner"}
    created = lazy.post("/api/v1/models/c_bpartner", headers=headers, json=body)
    assert created.status_code == 201, created.get_json()
    again = client.get(created.headers["Location"], headers=headers)
    assert again.get_json()["Name"] == "Lazy partner"


def test_only_touched_tables_are_built(lazy_client, login_as) -> None:  # type: ignore[no-untyped-def]
    holder = lazy_client.extensions["gateway"].catalog
    reply = lazy_client.test_client().get(
        "/api/v1/models/c_orderline?$top=2", headers=login_as("GardenAdmin")
    )
    assert reply.status_code == 200
    built = holder.current().entity_sets.completed()
    assert "C_OrderLine" in built and "C_Order" in built  # the line and the order it inherits scope from
    assert "M_ProductPrice" not in built and "C_Invoice" not in built


def test_concurrent_first_use_builds_one_entity_set(databases) -> None:  # type: ignore[no-untyped-def]
    catalog: Catalog = reflect_catalog(databases.data, _settings(2))
    seen: list[EntitySet] = []
    barrier = threading.Barrier(8)

    def first_use() -> None:
        barrier.wait()
        seen.append(catalog.entity_sets["C_Order"])

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and all(es is seen[0] for es in seen)


def test_reload_of_a_lazy_catalog(lazy_client, login_as) -> None:  # type: ignore[no-untyped-def]
    client = lazy_client.test_client()
    admin = login_as("SuperUser")
    before = lazy_client.extensions["gateway"].catalog.current()
    assert client.delete("/api/v1/caches", headers=admin).status_code == 200
    after = lazy_client.extensions["gateway"].catalog.current()
    assert after.version == before.version + 1 and isinstance(after.entity_sets, LazyEntitySets)
    assert client.get("/api/v1/models/c_order?$top=1", headers=login_as("GardenAdmin")).status_code == 200
