"""`edge.raw_request_of` reads the WSGI environ itself; it must decode exactly as werkzeug's Request does
(the view Flask routes on), awkward requests included."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.web.edge import new_request_id, raw_request_of


def _werkzeug_view(environ: dict[str, Any]) -> tuple[Any, ...]:
    req = Request(environ)
    headers = {k.lower(): v for k, v in req.headers.items()}
    return req.method, req.path, tuple(req.args.items(multi=True)), headers, req.script_root


def _environ(path: str, query: str = "", **extra: Any) -> dict[str, Any]:
    environ = EnvironBuilder(path="/").get_environ()
    environ.update(PATH_INFO=path, QUERY_STRING=query, **extra)
    return environ


CASES = [
    _environ("/api/v1/models/c_order", "$filter=Name%20eq%20'x'&$top=5"),
    _environ("/api/v1/models/c_order", "$select=a&$select=b&empty=&flag&plus=a+b"),
    _environ("/api/v1/models/c_order", "bad=%zz%&utf=%C3%A9&broken=%C3"),
    _environ("/api/v1/models/caf\u00c3\u00a9"),  # UTF-8 bytes as WSGI's latin-1 text
    _environ("/api/v1/models/\u00ff\u00fe"),  # invalid UTF-8: replaced
    _environ("//api/v1/models/x", SCRIPT_NAME="/gateway/"),
    _environ("", REQUEST_METHOD="get"),
    _environ("/x", CONTENT_TYPE="application/json", CONTENT_LENGTH="2", HTTP_CONTENT_TYPE="text/plain"),
    _environ(
        "/x",
        CONTENT_TYPE="",
        HTTP_X_REQUEST_ID="abc",
        HTTP_AUTHORIZATION="Bearer t",
        HTTP_ACCEPT_LANGUAGE="de",
    ),
]


@pytest.mark.parametrize("environ", CASES)
def test_same_request_as_werkzeug(environ: dict[str, Any]) -> None:
    raw = raw_request_of(environ, b"body")
    assert (raw.method, raw.path, raw.args, dict(raw.headers), raw.script_root) == _werkzeug_view(environ)
    assert raw.body == b"body"


@pytest.mark.parametrize("environ", CASES)
def test_header_lookups_find_what_werkzeug_lists_and_nothing_else(environ: dict[str, Any]) -> None:
    headers = raw_request_of(environ, b"").headers
    listed = _werkzeug_view(environ)[3]
    assert {name: headers.get(name) for name in listed} == listed
    assert len(headers) == len(listed) and set(headers) == set(listed)
    absent = ["x_request_id", "Authorization", "http-authorization", "nope"]
    absent += [name for name in ("content-type", "content-length") if name not in listed]
    assert [headers.get(name) for name in absent] == [None] * len(absent)


def test_new_request_ids_are_random_version_4_uuids() -> None:
    ids = {new_request_id() for _ in range(2000)}
    assert len(ids) == 2000
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
