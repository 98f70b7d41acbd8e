"""Parsed options are cached per app, by the request's arguments and by option text: a repeated query is not
parsed again, nor a repeated $filter/$orderby in another query; answers stay the same, errors are never
cached, and the cache is listed and reset with the others."""

from __future__ import annotations

FILTERED = (
    "/api/v1/models/c_order?$filter=GrandTotal gt 10 and DocStatus ne 'VO'&$orderby=DocumentNo desc&$top=5"
)


def test_repeated_options_are_parsed_once(app, client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    cache = app.extensions["gateway"].options
    first = client.get(FILTERED, headers=headers)
    misses, hits = cache.misses, cache.hits
    again = client.get(FILTERED, headers=headers)
    assert again.status_code == first.status_code == 200 and again.data == first.data
    assert (cache.misses, cache.hits) == (misses, hits + 1)  # the repeated arguments, as a whole
    other_table = client.get("/api/v1/models/c_invoice?$orderby=DocumentNo desc&$top=5", headers=headers)
    assert other_table.status_code == 200
    assert (cache.misses, cache.hits) == (misses + 1, hits + 2)  # new arguments; the $orderby text is known


def test_parse_errors_are_not_cached(app, client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    cache = app.extensions["gateway"].options
    size = len(cache)
    replies = [client.get("/api/v1/models/c_order?$filter=GrandTotal gt", headers=headers) for _ in range(2)]
    assert [r.status_code for r in replies] == [400, 400]
    assert replies[0].get_json() == replies[1].get_json()
    assert "position" in replies[0].get_json()
    assert len(cache) == size


def test_options_cache_is_listed_and_reset(app, client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("SuperUser")
    client.get(FILTERED, headers=headers)
    listed = {c["name"]: c for c in client.get("/api/v1/caches", headers=headers).get_json()["caches"]}
    assert listed["options"]["size"] >= 2
    assert client.delete("/api/v1/caches", headers=headers).status_code == 200
    assert len(app.extensions["gateway"].options) == 0
