"""The gateway under gunicorn (config/gunicorn.conf.py) behind a real nginx on loopback: X-Forwarded-*
decide absolute links, Locations and https; /metrics sums the workers; SIGTERM shuts down cleanly."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(__file__).with_name("nginx-site.conf")
AUTH = ("GardenAdmin", "GardenAdmin")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.sqlite,
    pytest.mark.commits,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),  # one backend is enough here
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binary(name: str) -> str:
    found = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if found is None and not os.environ.get("CI"):
        pytest.skip(f"{name} is not installed (apt-get install -y {name})")
    assert found is not None, f"CI must install {name}"
    return found


def _wait_for_line(proc: subprocess.Popen[bytes], needle: bytes, seconds: float) -> None:
    """Read the server's log until `needle` shows up (no sleeping; bounded by `seconds`)."""
    assert proc.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    seen = b""
    while time.monotonic() < deadline:
        if selector.select(timeout=max(deadline - time.monotonic(), 0)):
            line = proc.stderr.readline()
            seen += line
            if needle in line:
                return
            if not line and proc.poll() is not None:
                break
    raise AssertionError(f"server did not log {needle!r}: {seen.decode(errors='replace')[-3000:]}")


def _wait_for_port(port: int, seconds: float) -> None:
    """nginx logs nothing when ready; connect until it accepts (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            selectors.DefaultSelector().select(timeout=0.05)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def stack(backend, tmp_path: Path) -> Iterator[dict[str, object]]:  # type: ignore[no-untyped-def]
    nginx = _binary("nginx")
    database = tmp_path / "gateway.sqlite"
    shutil.copyfile(sa.make_url(backend.url).database or "", database)
    gport, nport = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "PROMETHEUS_"))}
    env.update(
        GATEWAY_DATABASE_URL=f"sqlite:///{database}",
        GATEWAY_SECRET_KEY="ops-test-secret-key-long-enough-for-hs512-0123456789abcdef",
        GATEWAY_TRUSTED_PROXY_HOPS="1", GATEWAY_HSTS="true", GATEWAY_METRICS_PUBLIC="true",
        GATEWAY_PORT=str(gport), GATEWAY_WORKERS="2", PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
    )  # fmt: skip
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config/gunicorn.conf.py"), "wsgi:app"]
    app = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    site = SITE.read_text().replace("{{GATEWAY_PORT}}", str(gport)).replace("{{NGINX_PORT}}", str(nport))
    temp = {n: tmp_path / n for n in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/nginx.err;\n"
        "events { worker_connections 64; }\nhttp {\naccess_log off;\n"
        f"client_body_temp_path {temp['body']};\nproxy_temp_path {temp['proxy']};\n"
        f"fastcgi_temp_path {temp['fastcgi']};\nuwsgi_temp_path {temp['uwsgi']};\n"
        f"scgi_temp_path {temp['scgi']};\n"
        f"{site}\n}}\n"
    )
    proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE)
    try:
        _wait_for_line(app, b"Listening at", 60)
        _wait_for_port(nport, 20)
        yield {"base": f"http://127.0.0.1:{nport}", "app": app}
    finally:
        proxy.send_signal(signal.SIGQUIT)
        proxy.wait(timeout=20)
        if app.poll() is None:
            app.terminate()
            app.wait(timeout=40)


def test_ops_forwarded_headers_make_links_and_locations(stack) -> None:  # type: ignore[no-untyped-def]
    base = stack["base"]
    plain = requests.get(f"{base}/odata", allow_redirects=False, timeout=30)
    assert plain.status_code == 301 and plain.headers["Location"] == f"{base}/odata/"
    assert "Strict-Transport-Security" not in plain.headers
    secure = requests.get(
        f"{base}/odata", allow_redirects=False, timeout=30, headers={"X-Forwarded-Proto": "https"}
    )
    assert secure.headers["Location"] == base.replace("http:", "https:") + "/odata/"
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    prefixed = requests.get(f"{base}/gw/odata", allow_redirects=False, timeout=30)
    assert prefixed.headers["Location"] == f"{base}/gw/odata/"


def test_ops_next_links_are_absolute_and_proxy_aware(stack) -> None:  # type: ignore[no-untyped-def]
    base = stack["base"]
    for prefix in ("", "/gw"):
        reply = requests.get(f"{base}{prefix}/odata/C_Order?$top=150", auth=AUTH, timeout=60)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["@odata.context"] == f"{base}{prefix}/odata/$metadata#C_Order"
        link = body["@odata.nextLink"]
        assert link.startswith(f"{base}{prefix}/odata/C_Order?")
        follow = requests.get(link, auth=AUTH, timeout=60)
        assert follow.status_code == 200 and len(follow.json()["value"]) == 50
    listing = requests.get(f"{base}/gw/api/v1/models/c_order?$top=5", timeout=30, auth=AUTH)
    assert listing.status_code == 401  # /api/v1 takes bearer tokens only
    assert listing.headers["X-Request-Id"]


def test_ops_odata_client_through_nginx(stack) -> None:  # type: ignore[no-untyped-def]
    from odata import ODataService
    from requests.auth import HTTPBasicAuth

    service = ODataService(f"{stack['base']}/odata/", reflect_entities=True, auth=HTTPBasicAuth(*AUTH),
                           quiet_progress=True)  # fmt: skip
    Partner = service.entities["C_BPartner"]
    partners = list(service.query(Partner).order_by(Partner.C_BPartner_ID.asc()))
    assert len(partners) > 0 and partners[0].C_BPartner_ID <= partners[-1].C_BPartner_ID


def test_ops_metrics_request_ids_and_graceful_shutdown(stack) -> None:  # type: ignore[no-untyped-def]
    base = stack["base"]
    for _ in range(4):
        traced = requests.get(f"{base}/api/v1/health?db=false", headers={"X-Request-Id": "ops-1"}, timeout=30)
        assert traced.headers["X-Request-Id"] == "ops-1"
    metrics = requests.get(f"{base}/metrics", timeout=30)
    assert metrics.status_code == 200 and metrics.headers["Content-Type"].startswith("text/plain")
    text = metrics.text
    line = next(
        x for x in text.splitlines() if x.startswith("gateway_http_requests_total{") and "health" in x
    )
    assert float(line.rsplit(" ", 1)[1]) >= 4
    assert "gateway_http_request_duration_seconds_bucket" in text
    assert "gateway_db_pool_checked_out" in text
    app = stack["app"]
    app.send_signal(signal.SIGTERM)
    assert app.wait(timeout=40) == 0
    log = app.stderr.read().decode(errors="replace")
    assert '"level":"INFO"' in log and "Shutting down" in log
