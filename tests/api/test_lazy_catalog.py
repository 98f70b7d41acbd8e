"""Lazy catalogs (above `reflect_eager_max_tables`): the same entity sets, graph and answers as an eager
catalog, each table reflected on first use, once, even under concurrent first requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine.reflection import Inspector

from gateway.catalog import Catalog, EntitySet, reflect_catalog
from gateway.catalog.lazy import LazyEntitySets
from gateway.db import EngineSource
from gateway.settings import load_settings

SO_1042 = "$filter=DocumentNo eq 'SO-1042'"
READS = [
    "/api/v1/models/c_order?$filter=GrandTotal gt 10&$orderby=DateOrdered desc,DocumentNo&$top=7"
    "&$select=DocumentNo,C_BPartner_ID",
    f"/api/v1/models/c_order?{SO_1042}&$expand=C_OrderLine($orderby=Line;$expand=M_Product_ID),C_BPartner_ID",
    "/api/v1/models/c_orderline?$top=5&$orderby=C_OrderLine_ID&$filter=C_Order_ID/DocumentNo ne 'x'",
    "/api/v1/models/c_bpartner?$filter=C_Order/any(o: o/GrandTotal gt 100)&$orderby=Name&$top=4",
    "/api/v1/models/c_order/1042",
    "/api/v1/models",
    "/api/v1/models?$filter=startswith(name, 'C_')",
    "/api/v1/openapi.json",
    "/odata/$metadata",
    f"/odata/C_Order?{SO_1042}&$expand=C_OrderLine($orderby=Line),C_BPartner&$format=json",
]
NEW_ORDER = {
    "DocumentNo": "SO-LAZY",
    "C_BPartner_ID": {"identifier": "C&W Construction"},
    "DateOrdered": "2025-04-01",
    "GrandTotal": 132.25,
    "DocStatus": "DR",
    "IsSOTrx": True,
    "C_OrderLine": [
        {"Line": 10, "M_Product_ID": {"lookupColumn": "Value", "lookupValue": "AZ-01"},
         "QtyOrdered": 3, "PriceActual": 23.75, "LineNetAmt": 71.25},
    ],
}  # fmt: skip


def _settings(eager_max: int) -> Any:
    return load_settings({"reflect_eager_max_tables": eager_max}, environ={})


def _shape(es: EntitySet) -> tuple[Any, ...]:
    columns = tuple(
        (c.name, c.kind, c.nullable, c.has_default, c.label, c.length, c.precision, c.scale, c.parent)
        for c in es.columns
    )
    facts = (es.name, es.model_name, es.key, es.uid, es.tenant, es.org, es.identifier, es.is_view, es.comment)
    table = tuple((str(c.name), str(c.type), c.primary_key, c.nullable) for c in es.table.columns)
    return (*facts, es.parents, es.children, columns, str(es.table.name), table)


@pytest.fixture
def column_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, ...]]]:
    """The tables of every bulk column reflection (what makes a table complete)."""
    calls: list[tuple[str, ...]] = []
    original = Inspector.get_multi_columns

    def counted(self: Inspector, **options: Any) -> Any:
        calls.append(tuple(options.get("filter_names") or ()))
        return original(self, **options)

    monkeypatch.setattr(Inspector, "get_multi_columns", counted)
    yield calls


def test_lazy_catalog_equals_the_eager_one(databases, backend) -> None:  # type: ignore[no-untyped-def]
    eager = reflect_catalog(databases.data, _settings(10_000))
    lazy = reflect_catalog(databases.data, _settings(2))
    assert isinstance(lazy.entity_sets, LazyEntitySets) and not isinstance(eager.entity_sets, LazyEntitySets)
    assert list(lazy.entity_sets) == list(eager.entity_sets)
    assert lazy.entity_sets.completed() == frozenset()  # nothing built by building the catalog
    assert dict(lazy.paths or {}) == dict(eager.paths or {})
    for name in eager.entity_sets:
        assert _shape(lazy.entity_sets[name]) == _shape(eager.entity_sets[name]), name
    assert lazy.find("c_order") is lazy.entity_sets["C_Order"]


def test_startup_reads_no_columns_and_first_use_one_table(databases, backend, column_reads) -> None:  # type: ignore[no-untyped-def]
    catalog = reflect_catalog(databases.data, _settings(2))
    # PostgreSQL and MariaDB read the outline with catalog queries; SQLite with the bulk inspector calls.
    assert column_reads == ([] if backend.name != "sqlite" else [tuple(catalog.entity_sets)])
    column_reads.clear()
    order = catalog.get("c_order")
    assert catalog.get("C_Order") is order and catalog.find("C_ORDER") is order
    assert column_reads == [("C_Order",)]
    assert catalog.entity_sets.completed() == {"C_Order"}  # type: ignore[attr-defined]
    listed = catalog.listed()  # walks every table: the missing ones in one bulk read
    assert column_reads[1:] == [tuple(n for n in catalog.entity_sets if n != "C_Order")]
    assert order in listed and catalog.entity_sets.completed() == set(catalog.entity_sets)  # type: ignore[attr-defined]


@pytest.fixture
def lazy_app(databases):  # type: ignore[no-untyped-def]
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    overrides = {"secret_key": "test-secret-key-" + "0123456789abcdef" * 4, "reflect_eager_max_tables": 2}
    return create_app(overrides, databases=databases, clock=FixedClock())


def test_lazy_app_answers_like_the_eager_one(client, lazy_app, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    lazy = lazy_app.test_client()
    for url in READS:
        expected, got = client.get(url, headers=headers), lazy.get(url, headers=headers)
        assert got.status_code == expected.status_code == 200, (url, got.get_data(as_text=True)[:300])
        assert got.get_data() == expected.get_data(), url
    order = lazy.get(f"/api/v1/models/c_order?{SO_1042}", headers=headers).get_json()["records"][0]
    assert order["C_BPartner_ID"]["identifier"] == "C&W Construction"  # FK identifiers, lazily joined


def test_lazy_app_writes(client, lazy_app, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    created = lazy_app.test_client().post("/api/v1/models/c_order", headers=headers, json=NEW_ORDER)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (
        body["C_BPartner_ID"]["id"] == 117
        and body["C_OrderLine"][0]["M_Product_ID"]["identifier"] == "Azalea Bush"
    )
    location = created.headers["Location"] + "?$expand=C_OrderLine"
    again = lazy_app.test_client().get(location, headers=headers)
    assert again.status_code == 200 and again.get_data() == client.get(location, headers=headers).get_data()


def test_only_touched_tables_are_built(lazy_app, login_as) -> None:  # type: ignore[no-untyped-def]
    holder = lazy_app.extensions["gateway"].catalog
    reply = lazy_app.test_client().get("/api/v1/models/c_orderline?$top=2", headers=login_as("GardenAdmin"))
    assert reply.status_code == 200
    built = holder.current().entity_sets.completed()
    assert "C_OrderLine" in built and "C_Order" in built  # the line and the order it inherits scope from
    assert "M_ProductPrice" not in built and "C_Invoice" not in built


def test_concurrent_first_use_builds_one_entity_set(backend) -> None:  # type: ignore[no-untyped-def]
    # A pooled source, as in production: each first use reflects on a connection of its own.
    catalog: Catalog = reflect_catalog(EngineSource(backend.engine), _settings(2))
    seen: list[EntitySet] = []
    barrier = threading.Barrier(12)

    def first_use(i: int) -> None:
        barrier.wait()
        if i % 4 == 0:  # some walk every table meanwhile (the batch completion)
            seen.extend(es for es in catalog.listed() if es.name == "C_Order")
        else:
            seen.append(catalog.entity_sets["C_Order"] if i % 2 else catalog.get("c_order"))

    threads = [threading.Thread(target=first_use, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 12 and all(es is seen[0] for es in seen)
    assert catalog.get("C_Order") is seen[0] and seen[0].column("DocumentNo").name == "DocumentNo"


def test_reload_of_a_lazy_catalog(lazy_app, login_as) -> None:  # type: ignore[no-untyped-def]
    client = lazy_app.test_client()
    holder = lazy_app.extensions["gateway"].catalog
    headers = login_as("GardenAdmin")
    first = client.get("/api/v1/models/c_order?$top=1", headers=headers)
    before = holder.current()
    assert "C_Order" in before.entity_sets.completed()
    assert client.delete("/api/v1/caches", headers=login_as("SuperUser")).status_code == 200
    after = holder.current()
    assert after.version == before.version + 1 and isinstance(after.entity_sets, LazyEntitySets)
    assert after.entity_sets.completed() == frozenset()  # a reload starts lazy again
    again = client.get("/api/v1/models/c_order?$top=1", headers=headers)
    assert again.status_code == 200 and again.get_data() == first.get_data()
    assert after.entity_sets["C_Order"] is not before.entity_sets["C_Order"]
