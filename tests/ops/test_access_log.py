"""The slim access logger writes the same JSON access line as gunicorn's full atoms would."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import orjson
from gunicorn import glogging
from gunicorn.config import Config

from gateway.observability import AccessLogger, JsonFormatter

ENVIRON = {
    "REQUEST_METHOD": "GET",
    "RAW_URI": "/api/v1/models/c_order?$top=1",
    "PATH_INFO": "/api/v1/models/c_order",
    "QUERY_STRING": "$top=1",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "10.1.2.3",
    "HTTP_USER_AGENT": "curl/8",
    "HTTP_AUTHORIZATION": "Bearer secret",
}


def _line(atoms: dict[str, object]) -> dict[str, object]:
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s", (atoms,), None)
    entry: dict[str, object] = orjson.loads(JsonFormatter().format(record))
    entry.pop("time")
    return entry


def test_slim_atoms_give_the_same_access_line() -> None:
    resp = SimpleNamespace(
        status="200 OK", sent=123, headers=[("Content-Type", "x"), ("X-Request-Id", "r-1")]
    )
    req = SimpleNamespace(headers=[("AUTHORIZATION", "Bearer secret")])
    elapsed = timedelta(seconds=1, microseconds=2500)
    full = glogging.Logger(Config()).atoms(resp, req, ENVIRON, elapsed)
    slim = AccessLogger(Config()).atoms(resp, req, ENVIRON, elapsed)
    assert _line(slim) == _line(full)
    assert _line(slim)["request_id"] == "r-1" and _line(slim)["seconds"] == "1.002500"
    assert all(slim[key] == full[key] for key in slim)  # same values as gunicorn's, fewer of them
    assert "{http_authorization}e" in full and not any("authorization" in key for key in slim)


def test_gunicorn_configuration_uses_the_slim_logger() -> None:
    from pathlib import Path

    conf = (Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py").read_text()
    assert 'logger_class = "gateway.observability.AccessLogger"' in conf
