"""gunicorn settings of `gateway serve` (also usable as `gunicorn -c config/gunicorn.conf.py wsgi:app`).

Binding, workers and threads come from GATEWAY_HOST / GATEWAY_PORT / GATEWAY_WORKERS / GATEWAY_THREADS;
limits per security.md §9.3.
The app is built once in the master (preload_app); post_fork drops the pooled connections a worker
inherited. Metrics: every worker writes to PROMETHEUS_MULTIPROC_DIR and /metrics sums the live workers.
Logs: JSON lines (gateway.observability.JsonFormatter), access log on stdout with the X-Request-Id.
Shutdown: SIGTERM stops accepting, lets requests finish within graceful_timeout, then exits.
"""

import os
import shutil
import tempfile

# Must be set before the app (and prometheus_client) is imported by the master.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gateway-metrics-")

from gateway.observability import gunicorn_logconfig  # noqa: E402

bind = f"{os.environ.get('GATEWAY_HOST', '127.0.0.1')}:{os.environ.get('GATEWAY_PORT', '8080')}"
# gthread workers: threads share one pool per worker and keep slow requests from blocking the others;
# fast reads cost less CPU with fewer threads and more workers (the GIL; README "Deployment").
workers = int(os.environ.get("GATEWAY_WORKERS", "2"))
threads = int(os.environ.get("GATEWAY_THREADS", "4"))
worker_class = "gthread"
preload_app = True
timeout = 60  # above the default statement timeout, so the database cancels first (504, not a kill)
graceful_timeout = 30
keepalive = 5  # nginx keeps upstream connections alive (see the README's server block)
max_requests = 10000  # recycle workers to bound slow leaks; jitter avoids restarting them together
max_requests_jitter = 1000
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# X-Forwarded-* are interpreted by the app's ProxyFix (GATEWAY_TRUSTED_PROXY_HOPS), not by gunicorn.
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = "-"
logger_class = "gateway.observability.AccessLogger"  # builds only the atoms of the access line
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(L)s %({x-request-id}o)s'
logconfig_dict = gunicorn_logconfig(os.environ.get("GATEWAY_LOG_LEVEL", "INFO").upper())


def on_starting(server):
    """Stale files of a previous run would be summed into /metrics."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if name.endswith(".db"):
            os.remove(path)


def post_fork(server, worker):
    """Pooled connections opened in the master must not be shared with the workers."""
    app = getattr(worker.app, "callable", None) or getattr(worker, "wsgi", None)
    state = getattr(app, "extensions", {}).get("gateway") if app is not None else None
    if state is None:
        return
    for source in {id(s): s for s in (state.databases.data, state.databases.meta)}.values():
        engine = getattr(source, "engine", None)
        if engine is not None:
            engine.dispose(close=False)
    from gateway.jobs.runner import start_server_runners

    worker.gateway_runners = start_server_runners(app)


def worker_exit(server, worker):
    """Stop claiming background work; running handlers get the grace period (plugins.md §9.5)."""
    node = getattr(worker, "gateway_runners", None)
    if node is not None:
        node.stop()


def child_exit(server, worker):
    """A dead worker's gauges leave the 'live' sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if os.path.basename(directory).startswith("gateway-metrics-"):
        shutil.rmtree(directory, ignore_errors=True)
