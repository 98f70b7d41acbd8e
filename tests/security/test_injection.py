"""The injection corpus through every input slot, on every backend (security.md §11 threats 1–5).

Every answer is a 4xx or a correct result (no row that does not really match the literal), never a 5xx,
never slower than a second, and the demo tables are byte-for-byte unchanged afterwards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from sec_helpers import batched, checksums, get_item
from sec_payloads import PAYLOADS, SAMPLE, odata_literal

from gateway.db import Databases

BP = "/api/v1/models/C_BPartner"
IDENTIFIER_OK = {"*", "1", "NaN", "null", "true", "-1"}  # may be valid in some slots (then answered 200)


@pytest.fixture
def admin(login_as: Callable[..., dict[str, str]]) -> dict[str, str]:
    return login_as("GardenAdmin")


@pytest.fixture
def unchanged(databases: Databases) -> Iterator[None]:
    before = checksums(databases)
    yield
    assert checksums(databases) == before


def _get(timed: Callable[..., Any], headers: dict[str, str], url: str, **args: str) -> Any:
    return timed("get", url, query_string=args, headers=headers)


def _names(reply: Any) -> list[str]:
    return [str(r.get("Name")) for r in reply.get_json()["records"]]


def _client_error(reply: Any, what: str) -> None:
    assert 400 <= reply.status_code < 500, (what, reply.status_code, reply.get_json())
    assert isinstance(reply.get_json().get("type"), str), what


def _check_names(reply: Any, what: str, matches: Callable[[str], bool]) -> None:
    if reply.status_code == 200:
        assert all(matches(n) for n in _names(reply)), (what, _names(reply))
    else:
        _client_error(reply, what)


@pytest.mark.usefixtures("unchanged")
def test_sqli_filter_literals(client: Any, admin: dict[str, str]) -> None:
    items = [
        get_item(BP, **{"$filter": f"Name eq {text}", "$select": "Name"})
        for payload in PAYLOADS
        for text in (odata_literal(payload), f"'{payload}'")
    ]
    for index, reply in enumerate(batched(client, admin, items)):
        payload = PAYLOADS[index // 2]
        _check_names(reply, payload, lambda n, p=payload: n.lower() == p.lower())


@pytest.mark.usefixtures("unchanged")
def test_sqli_function_arguments(client: Any, admin: dict[str, str]) -> None:
    items, expect = [], []
    for payload in SAMPLE:
        literal = odata_literal(payload)
        text = f"contains(Name,{literal}) or startswith(Name,{literal}) or endswith(Name,{literal})"
        items.append(get_item(BP, **{"$filter": text, "$select": "Name"}))
        expect.append((payload, lambda n, p=payload: p.lower() in n.lower()))
        items.append(get_item(BP, **{"$filter": f"tolower(Name) eq tolower({literal})"}))
        expect.append((payload, lambda n, p=payload: n.lower() == p.lower()))
    for (payload, matches), reply in zip(expect, batched(client, admin, items), strict=True):
        _check_names(reply, payload, matches)


@pytest.mark.usefixtures("unchanged")
def test_sqli_identifiers(client: Any, admin: dict[str, str]) -> None:
    cases = [(option, payload) for option in ("$select", "$orderby", "$expand") for payload in PAYLOADS]
    items = [get_item(BP, **{option: payload}) for option, payload in cases]
    for (option, payload), reply in zip(cases, batched(client, admin, items), strict=True):
        if reply.status_code == 200:
            # ordering by a constant (a bound literal) is harmless; a selection or expansion is not
            assert option == "$orderby" or payload.strip() in IDENTIFIER_OK, (option, payload)
            assert reply.get_json()["records"], (option, payload)
        else:
            _client_error(reply, payload)


@pytest.mark.usefixtures("unchanged")
def test_sqli_expand_options(client: Any, admin: dict[str, str]) -> None:
    orders = "/api/v1/models/C_Order"
    items, navs = [], []
    for payload in SAMPLE:
        for expand in (
            f"C_OrderLine($select={payload})",
            f"C_OrderLine($filter=Line eq {payload})",
            f"C_OrderLine($orderby={payload})",
            f"C_BPartner_ID($select={payload})",
        ):
            items.append(get_item(orders, **{"$expand": expand, "$top": "2"}))
        navs.append(get_item(orders, **{"$filter": f"C_BPartner_ID/Name eq {odata_literal(payload)}"}))
    for item, reply in zip(items, batched(client, admin, items), strict=True):
        if reply.status_code != 200:
            _client_error(reply, item["path"])
    for item, reply in zip(navs, batched(client, admin, navs), strict=True):
        assert reply.status_code >= 400 or not reply.get_json()["records"], item["path"]


@pytest.mark.usefixtures("unchanged")
def test_sqli_valrule_and_context(
    client: Any, admin: dict[str, str], login_as: Callable[..., dict[str, str]]
) -> None:
    system = login_as("SuperUser", client_id=0, role="Admin")
    rule = {"name": "BPByName", "tableName": "C_BPartner", "filter": "Name eq @BPName@", "clientId": 0}
    assert client.post("/api/v1/valrules", json=rule, headers=system).status_code == 201
    items = []
    for payload in SAMPLE:
        items.append(get_item(BP, **{"$valrule": payload}))
        context = json.dumps({"BPName": payload})
        items.append(get_item(BP, **{"$valrule": "BPByName", "$context": context, "$select": "Name"}))
        items.append(get_item(BP, **{"$valrule": "BPByName", "$context": payload, "$select": "Name"}))
    replies = batched(client, admin, items)
    for index, payload in enumerate(SAMPLE):
        unknown, as_json, as_text = replies[3 * index : 3 * index + 3]
        _client_error(unknown, payload)
        _check_names(as_json, payload, lambda n, p=payload: n.lower() == p.lower())
        assert as_text.status_code >= 400 or all(n.lower() == payload.lower() for n in _names(as_text))
    saved = {"name": "Evil", "filter": "1=1; DELETE FROM c_order", "tableName": "C_Order"}
    assert client.post("/api/v1/valrules", json=saved, headers=system).status_code == 400


@pytest.mark.usefixtures("unchanged")
def test_sqli_path_segments(timed: Callable[..., Any], admin: dict[str, str]) -> None:
    """Real requests (not batch items): the point is werkzeug's routing and decoding of the path."""
    fixed = ("c_order;drop", "c_order%00", "..%2Fgw_user", "gw_user", "GW_USER", "gw_secret")
    for segment in fixed:
        _client_error(_get(timed, admin, f"/api/v1/models/{segment}"), segment)
    for suffix in ("1 or 1=1", "1;", "1/Name;--", "1%20or%201=1", "-1", "0x1", "1e3"):
        _client_error(_get(timed, admin, f"{BP}/{suffix}"), suffix)
    for payload in SAMPLE:
        encoded = quote(payload, safe="")
        for url in (f"/api/v1/models/{encoded}", f"{BP}/{encoded}", f"{BP}/117/{encoded}"):
            reply = _get(timed, admin, url)
            if reply.status_code != 308:  # werkzeug normalises repeated slashes (%2F%2F) by redirecting
                _client_error(reply, url)


@pytest.mark.usefixtures("unchanged")
def test_sqli_headers(timed: Callable[..., Any], admin: dict[str, str]) -> None:
    for payload in SAMPLE:
        if any(ch in payload for ch in "\r\n\x00") or not payload.isascii():
            continue  # HTTP/1.1 cannot carry these in a header value
        for name in ("X-Request-Id", "If-None-Match"):
            reply = timed("get", f"{BP}/117", headers={**admin, name: payload})
            assert reply.status_code in (200, 304) or 400 <= reply.status_code < 500, (name, payload)
            echoed = reply.headers["X-Request-Id"] == payload
            assert not echoed or re.fullmatch(r"[A-Za-z0-9._-]{1,64}", payload), payload
        _client_error(timed("get", BP, headers={"Authorization": f"Bearer {payload}"}), payload)


def _write_path_exists(client: Any, headers: dict[str, str]) -> bool:
    return client.post(BP, json={}, headers=headers).status_code != 405


@pytest.mark.usefixtures("unchanged")
def test_sqli_body_keys(admin: dict[str, str], client: Any) -> None:
    if not _write_path_exists(client, admin):
        pytest.skip("the write path is not mounted")
    items = []
    for payload in SAMPLE:
        items.append(
            {"method": "POST", "path": BP, "body": {"Value": "INJ", "Name": "Injection", payload: "x"}}
        )
        items.append({"method": "PUT", "path": f"{BP}/117", "body": {payload: 1}})
    for item, reply in zip(items, batched(client, admin, items), strict=True):
        _client_error(reply, item["body"])


def test_sqli_body_values_stored_verbatim(admin: dict[str, str], client: Any) -> None:
    if not _write_path_exists(client, admin):
        pytest.skip("the write path is not mounted")
    payloads = [p for p in SAMPLE if "\x00" not in p and len(p) <= 100]
    items = [
        {"method": "POST", "path": BP, "body": {"Value": f"INJ{i}", "Name": p, "Description": p}}
        for i, p in enumerate(payloads)
    ]
    created = batched(client, admin, items)
    assert all(reply.status_code == 201 for reply in created), [r.get_json() for r in created][:3]
    reads = [
        get_item(f"{BP}/{reply.get_json()['id']}", **{"$select": "Name,Description"}) for reply in created
    ]
    for payload, reply in zip(payloads, batched(client, admin, reads), strict=True):
        assert (reply.get_json()["Name"], reply.get_json()["Description"]) == (payload, payload)
