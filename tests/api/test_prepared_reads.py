"""Prepared record reads (gateway/pipeline/prepared.py): a repeated single-record read reuses what its first
read derived and answers exactly as the unprepared pipeline does, per actor, key and setting.

Each case is answered twice: once with preparing turned off (every read parsed and planned, the reference)
and once prepared; status, headers (but the random request id) and body bytes must be equal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import gateway.pipeline as pipeline

ORDER = "/api/v1/models/c_order"
Reply = tuple[int, list[tuple[str, str]], bytes]


@pytest.fixture
def prepared_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The keys whose prepared form answered a read (spied on the pipeline's prepared path)."""
    answered: list[str] = []
    read_prepared = pipeline._read_prepared

    def spy(ready: Any, raw: Any, key: str, *args: Any) -> Any:
        answered.append(key)
        return read_prepared(ready, raw, key, *args)

    monkeypatch.setattr(pipeline, "_read_prepared", spy)
    yield answered


def _reply(client: Any, url: str, headers: dict[str, str]) -> Reply:
    got = client.get(url, headers=headers)
    kept = [(n.lower(), v) for n, v in got.headers.items() if n != "X-Request-Id"]
    return got.status_code, sorted(kept), got.get_data()


def _unprepared(client: Any, url: str, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Reply:
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "find_prepared", lambda *_: None)
        return _reply(client, url, headers)


def _alike(client: Any, url: str, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Reply:
    """The unprepared answer to `url`, after checking that two prepared reads give it too."""
    reference = _unprepared(client, url, headers, monkeypatch)
    assert _reply(client, url, headers) == _reply(client, url, headers) == reference, url
    return reference


def _first_id(
    client: Any, headers: dict[str, str], table: str = "c_order", order: str = "DocumentNo"
) -> tuple[int, str]:
    page = client.get(f"/api/v1/models/{table}?$top=1&$orderby={order}", headers=headers).get_json()
    record = page["records"][0]
    return record["id"], record["uid"]


def test_repeated_record_reads_answer_as_unprepared(
    client: Any, login_as: Callable[..., dict[str, str]], prepared_reads: list[str], monkeypatch: Any
) -> None:
    garden = login_as("GardenAdmin")
    ident, uid = _first_id(client, garden)
    urls = [
        f"{ORDER}/{ident}",
        f"{ORDER}/{uid}",
        f"{ORDER}/{uid.upper()}",
        f"{ORDER}/{ident}/DocumentNo",
        f"{ORDER}/{ident}?$select=DocumentNo,GrandTotal",
        f"{ORDER}/{ident}?$expand=C_OrderLine,C_BPartner_ID",
        f"{ORDER}/{ident}?$expand=C_OrderLine($select=Line;$orderby=Line desc)",
        f"{ORDER}/999999",  # 404
        f"{ORDER}/12abc",  # 400: neither a UUID nor an id
        f"{ORDER}/{ident}/NoSuchColumn",  # 404
        f"{ORDER}/{ident}?$top=3",  # 400: not an option of a record
    ]
    statuses = [_alike(client, url, garden, monkeypatch)[0] for url in urls]
    assert statuses == [200] * 7 + [404, 400, 404, 400]
    assert len(prepared_reads) >= 2 * 7  # the good ones, and the bad ones whose shape was prepared before


def test_each_actor_reads_with_its_own_scope_and_policy(
    client: Any, login_as: Callable[..., dict[str, str]], prepared_reads: list[str], monkeypatch: Any
) -> None:
    """Tenant, org scope and grants differ per actor (a Reader may not expand order lines, a GardenUser
    sees no credit limit), and so do the answers to the same URL."""
    users = ("GardenAdmin", "SeedAdmin", "SuperUser", "Reader", "GardenUser")
    sessions = {user: login_as(user) for user in users}
    ident, _ = _first_id(client, sessions["GardenAdmin"])
    partner, _ = _first_id(client, sessions["GardenAdmin"], "c_bpartner", "Value")
    answers: dict[tuple[str, str], Reply] = {}
    order, partner_url = f"{ORDER}/{ident}", f"/api/v1/models/c_bpartner/{partner}"
    for url in (order, f"{order}?$expand=C_OrderLine", partner_url):
        for user in (*users, *reversed(users)):
            answers[user, url] = _alike(client, url, sessions[user], monkeypatch)
    assert answers["SeedAdmin", order][0] == 404 and answers["GardenAdmin", order][0] == 200
    expanded = f"{order}?$expand=C_OrderLine"
    assert (answers["Reader", expanded][0], answers["GardenAdmin", expanded][0]) == (403, 200)
    assert b"SO_CreditLimit" in answers["GardenAdmin", partner_url][2]
    assert b"SO_CreditLimit" not in answers["GardenUser", partner_url][2]
    assert len(prepared_reads) >= 2 * 3 * 7


def test_a_held_etag_gets_304(
    client: Any, login_as: Callable[..., dict[str, str]], prepared_reads: list[str]
) -> None:
    garden = login_as("GardenAdmin")
    ident, _ = _first_id(client, garden)
    etag = client.get(f"{ORDER}/{ident}", headers=garden).headers["ETag"]
    for held in (etag, f"W/{etag}", f'"other", {etag}'):
        again = client.get(f"{ORDER}/{ident}", headers={**garden, "If-None-Match": held})
        assert (again.status_code, again.headers["ETag"], again.get_data()) == (304, etag, b"")
    changed = client.get(f"{ORDER}/{ident}", headers={**garden, "If-None-Match": '"other"'})
    assert changed.status_code == 200 and changed.headers["ETag"] == etag
    assert len(prepared_reads) == 5


def test_reads_with_per_request_values_are_not_prepared(
    client: Any, login_as: Callable[..., dict[str, str]], prepared_reads: list[str], monkeypatch: Any
) -> None:
    system = login_as("SuperUser")
    ident, _ = _first_id(client, system)
    urls = [
        f"{ORDER}/{ident}?showsql=true",
        f"{ORDER}/{ident}?$expand=C_OrderLine($filter=Line gt 10)",
        f"{ORDER}/{ident}?$expand=C_OrderLine($filter=Created lt now())",
    ]
    assert [_alike(client, url, system, monkeypatch)[0] for url in urls] == [200] * 3
    assert prepared_reads == []
    lines = client.get(urls[1], headers=system).get_json()["C_OrderLine"]
    assert lines and all(line["Line"] > 10 for line in lines)
    assert re.search(r"gw_key|%\(|\?|\$", client.get(urls[0], headers=system).get_json()["sql-command"])


def test_a_changed_setting_applies_at_once(
    client: Any, login_as: Callable[..., dict[str, str]], prepared_reads: list[str]
) -> None:
    garden, system = login_as("GardenAdmin"), login_as("SuperUser", client_id=0, role="Admin")
    ident, _ = _first_id(client, garden)
    url = f"{ORDER}/{ident}"
    before = [client.get(url, headers=garden).get_json() for _ in range(2)]
    nulls = [name for name, value in before[0].items() if value is None]
    assert before[0] == before[1] and nulls
    put = client.put(
        "/api/v1/sysconfig/REST_OMIT_NULLS", json={"value": "true", "clientId": 11}, headers=system
    )
    assert put.status_code in (200, 201), put.get_json()
    after = [client.get(url, headers=garden).get_json() for _ in range(2)]
    assert after[0] == after[1] == {k: v for k, v in before[0].items() if k not in nulls}
    assert len(prepared_reads) == 4


def test_prepared_reads_are_listed_and_reset(
    app: Any, client: Any, login_as: Callable[..., dict[str, str]], prepared_reads: list[str]
) -> None:
    system = login_as("SuperUser")
    ident, _ = _first_id(client, system)
    cache = app.extensions["gateway"].prepared
    first = client.get(f"{ORDER}/{ident}", headers=system)
    listed = {c["name"]: c for c in client.get("/api/v1/caches", headers=system).get_json()["caches"]}
    assert listed["prepared"]["size"] == len(cache) == 1 and listed["prepared"]["misses"] == 1
    assert client.delete("/api/v1/caches?table_name=c_order", headers=system).status_code == 200
    assert len(cache) == 0
    again = client.get(f"{ORDER}/{ident}", headers=system)
    assert (again.status_code, again.get_data()) == (first.status_code, first.get_data())
    assert len(cache) == 1 and len(prepared_reads) == 2
