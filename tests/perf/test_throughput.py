"""Gateway versus the raw-psycopg floor under wrk: req/s, p50/p99 and the ratio gateway/floor per scenario.

Each scenario first checks that both servers answer the same JSON (so the ratio compares equal work), then
alternates wrk runs between them. Timings are recorded and printed, never asserted.
"""

from __future__ import annotations

import os
import statistics
from typing import Any

import orjson
import pytest
import requests
from perf_dataset import SCENARIOS, TARGETS, WITH_DUTIES
from perf_servers import Server, url_of
from perf_wrk import WrkSettings, knob, run_wrk

pytestmark = pytest.mark.perf


def fetch(server: Server, path: str) -> Any:
    reply = requests.get(url_of(server, path), headers=dict(server.headers), timeout=120)
    assert reply.status_code == 200, f"{server.name} {path}: {reply.status_code} {reply.text[:500]}"
    return orjson.loads(reply.content)


def measure(server: Server, path: str, settings: WrkSettings) -> dict[str, Any]:
    """One wrk run plus the workers' CPU time per request (steadier than req/s on a shared machine), and
    the part of it spent in the WSGI app (the rest is gunicorn's)."""
    before, (requests_before, app_before) = server.cpu_seconds(), server.app_cpu()
    found = run_wrk(url_of(server, path), server.headers, settings)
    cpu = server.cpu_seconds() - before
    requests_after, app_after = server.app_cpu()
    app_requests, app_cpu = requests_after - requests_before, app_after - app_before
    return found.as_dict() | {
        "cpu_ms_per_request": round(cpu * 1000 / max(found.requests, 1), 3),
        "app_cpu_ms_per_request": round(app_cpu * 1000 / max(app_requests, 1), 3),
    }


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rps": round(statistics.fmean(r["rps"] for r in runs), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
        "cpu_ms_per_request": round(statistics.median(r["cpu_ms_per_request"] for r in runs), 3),
        "app_cpu_ms_per_request": round(statistics.median(r["app_cpu_ms_per_request"] for r in runs), 3),
        "errors": sum(r["errors"] for r in runs),
        "runs": runs,
    }


def interleaved(servers: dict[str, Server], path: str, settings: WrkSettings, rounds: int) -> dict[str, Any]:
    """Warm both, then alternate which server goes first each round so drift hits both alike."""
    warm = WrkSettings(settings.threads, settings.connections, 2)
    for server in servers.values():
        run_wrk(url_of(server, path), server.headers, warm)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    order = list(servers)
    load = os.getloadavg()[0]
    for round_no in range(rounds):
        for name in order if round_no % 2 == 0 else reversed(order):
            runs[name].append(measure(servers[name], path, settings))
    measured: dict[str, Any] = {name: summarize(found) for name, found in runs.items()}
    measured["ratio"] = round(measured["gateway"]["rps"] / measured["floor"]["rps"], 3)
    gateway_cpu = measured["gateway"]["cpu_ms_per_request"]
    floor_cpu = measured["floor"]["cpu_ms_per_request"]
    measured["cpu_ratio"] = round(floor_cpu / gateway_cpu, 3) if gateway_cpu else None
    if "floor_duties" in measured:
        duties = measured["floor_duties"]["rps"]
        measured["floor_duties_ratio"] = round(duties / measured["floor"]["rps"], 3)
        measured["ratio_to_floor_duties"] = round(measured["gateway"]["rps"] / duties, 3)
    measured["load_average"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    return measured


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_perf_scenario(scenario: str, servers: dict[str, Server], results: dict[str, Any]) -> None:
    path = SCENARIOS[scenario]
    names = ("gateway", "floor", "floor_duties") if scenario in WITH_DUTIES else ("gateway", "floor")
    chosen = {name: servers[name] for name in names}
    gateway = fetch(chosen["gateway"], path)
    for name in names[1:]:
        assert fetch(chosen[name], path) == gateway, f"{name} must answer exactly what the gateway answers"
    settings = WrkSettings(2, 8, knob("PERF_SECONDS", 10))
    measured = interleaved(chosen, path, settings, knob("PERF_ROUNDS", 3))
    measured |= {"url": path, "target_ratio": TARGETS[scenario], "wrk": f"-t2 -c8 -d{settings.seconds}s"}
    results.setdefault("scenarios", {})[scenario] = measured
    assert all(measured[name]["errors"] == 0 for name in names), "every server answers every request"
    _print(scenario, measured)


def _print(scenario: str, measured: dict[str, Any]) -> None:
    parts = [
        f"{name} {measured[name]['rps']:.0f} req/s p50 {measured[name]['p50_ms']:.1f} ms "
        f"p99 {measured[name]['p99_ms']:.1f} ms cpu {measured[name]['cpu_ms_per_request']:.2f} ms/req "
        f"(app {measured[name]['app_cpu_ms_per_request']:.2f})"
        for name in ("gateway", "floor", "floor_duties")
        if name in measured
    ]
    ratio, target, cpu = measured["ratio"], measured["target_ratio"], measured["cpu_ratio"]
    print(f"\n{scenario:<14} {' | '.join(parts)} | ratio {ratio:.2f} (target >= {target}), cpu {cpu}")
    if "floor_duties" in measured:
        print(
            f"{'':<14} floor with the gateway's duties / floor {measured['floor_duties_ratio']:.2f}, "
            f"gateway / floor with duties {measured['ratio_to_floor_duties']:.2f}"
        )
