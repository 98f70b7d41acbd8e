"""Blueprint for GET /metrics (Prometheus text format) and the per-request timing that feeds it.

Registering the blueprint installs app-wide hooks: request id into the log context, latency and count
per URL rule (never per raw path: bounded label values), pool gauges, and Server-Timing when enabled.
/metrics needs `metrics.read`, or nothing when GATEWAY_METRICS_PUBLIC is set (security.md §10).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, g, request

from gateway.auth import current_actor
from gateway.observability import REQUEST_ID, Metrics, exposition, make_metrics
from gateway.state import GatewayState
from gateway.web.edge import mirrored_by_read_lane, state

bp = Blueprint("metrics", __name__)
PERMISSION = "metrics.read"
JOBS_PROVIDER = "jobs.counts"  # state.extras key: a callable returning {status: count} (the job runner's)


def metrics_of(st: GatewayState) -> Metrics:
    metrics = st.extras.get("metrics")
    if metrics is None:
        metrics = st.extras.setdefault("metrics", make_metrics())
    return metrics  # type: ignore[no-any-return]


_POOL_SAMPLED = "metrics.pool_sampled_at"


@bp.before_app_request
@mirrored_by_read_lane
def _start_timer() -> None:
    g.metrics_started = time.perf_counter()
    g.metrics_token = REQUEST_ID.set(getattr(g, "request_id", "-"))


@bp.after_app_request
@mirrored_by_read_lane
def _observe(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is None:
        return response
    endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
    timing = observe_request(state(), request.method, endpoint, response.status_code, started)
    if timing is not None:
        response.headers.add("Server-Timing", timing)
    return response


@bp.teardown_app_request
@mirrored_by_read_lane
def _reset_request_id(_exc: BaseException | None) -> None:
    token = g.pop("metrics_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


def observe_request(st: GatewayState, method: str, endpoint: str, status: int, started: float) -> str | None:
    """Count and time one request (labelled by its URL rule); the Server-Timing value when enabled."""
    seconds = time.perf_counter() - started
    metrics = metrics_of(st)
    metrics.observe_request(method, endpoint, status, seconds)
    if started - st.extras.get(_POOL_SAMPLED, 0.0) >= 1.0:  # gauges: once a second per worker is plenty
        st.extras[_POOL_SAMPLED] = started
        _sample_gauges(st, metrics)
    return f"app;dur={seconds * 1000:.1f}" if st.settings.server_timing else None


def _sample_gauges(st: GatewayState, metrics: Metrics) -> None:
    metrics.set_statement_cache(st.statements.hits, st.statements.misses)
    for name, source in (("data", st.databases.data), ("meta", st.databases.meta)):
        pool = _pool_of(source)
        if pool is not None:
            metrics.set_pool(name, pool.checkedout(), pool.size())


def _pool_of(source: object) -> Any:
    engine = getattr(source, "engine", None)  # EngineSource only; test sources have no pool
    pool = getattr(engine, "pool", None)
    return pool if pool is not None and hasattr(pool, "checkedout") and hasattr(pool, "size") else None


@bp.get("/metrics")
def metrics() -> Response:
    st = state()
    if not st.settings.metrics_public:
        current_actor().require(PERMISSION)
    registry = metrics_of(st)
    _sample_gauges(st, registry)  # this worker's own gauges are current at a scrape
    provider: Callable[[], Mapping[str, int]] | None = st.extras.get(JOBS_PROVIDER)
    if provider is not None:
        registry.set_jobs(provider())
    body, content_type = exposition(registry)
    return Response(body, content_type=content_type)
