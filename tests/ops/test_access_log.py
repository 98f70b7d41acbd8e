"""The slim access logger writes the same JSON access line as gunicorn's full atoms would."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import orjson
import pytest
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


@pytest.fixture(autouse=True)
def _access_handlers() -> Iterator[None]:
    """gunicorn's loggers live in logging's process-wide registry: leave them as they were."""
    access = logging.getLogger("gunicorn.access")
    kept = access.handlers[:]
    yield
    access.handlers = kept


def _logged(
    environ: dict[str, str],
    *,
    fmt: str = 'h "%(r)s" %(s)s %(B)s %(L)s %({x-request-id}o)s',
    formatter: logging.Formatter | None = None,
    parent: bool = False,
    enabled: bool = True,
) -> str:
    """What one request's access record writes, through AccessLogger.access (or gunicorn's own)."""
    cfg = Config()
    cfg.set("accesslog", "-" if enabled else None)
    cfg.set("access_log_format", fmt)
    logger = AccessLogger(cfg)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter or JsonFormatter())
    logger.access_log.handlers = [handler]
    resp = SimpleNamespace(status="404 NOT FOUND", sent=9, headers=[("X-Request-Id", "r-2")])
    access = glogging.Logger.access if parent else AccessLogger.access
    access(logger, resp, SimpleNamespace(headers=[]), environ, timedelta(microseconds=1500))
    return out.getvalue()


def test_the_access_record_is_gunicorns_with_quotes_escaped_once() -> None:
    lean, full = (orjson.loads(_logged(ENVIRON, parent=parent)) for parent in (False, True))
    assert lean.pop("time") and full.pop("time")
    assert lean == full
    assert lean["status"] == "404" and lean["request_id"] == "r-2"
    quoted = dict(ENVIRON, QUERY_STRING='$filter=Name eq "x"')
    assert orjson.loads(_logged(quoted))["query"] == '$filter=Name eq "x"'
    assert orjson.loads(_logged(quoted, parent=True))["query"] == '$filter=Name eq \\"x\\"'


def test_a_custom_text_format_reads_unused_atoms_as_a_dash() -> None:
    text = _logged(ENVIRON, fmt='%(h)s %(t)s "%(r)s" %({X-Request-Id}o)s', formatter=logging.Formatter())
    assert text == '10.1.2.3 - "GET /api/v1/models/c_order?$top=1 HTTP/1.1" r-2\n'


def test_nothing_is_logged_without_an_access_log() -> None:
    assert _logged(ENVIRON, enabled=False) == ""
