"""Workers and threads of `gateway serve` come from GATEWAY_WORKERS / GATEWAY_THREADS (or the CLI)."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

CONF = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"


def test_the_configuration_file_reads_workers_and_threads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # the file makes one when unset
    monkeypatch.setenv("GATEWAY_WORKERS", "3")
    monkeypatch.setenv("GATEWAY_THREADS", "2")
    namespace = runpy.run_path(str(CONF))
    assert (namespace["workers"], namespace["threads"], namespace["worker_class"]) == (3, 2, "gthread")
    monkeypatch.delenv("GATEWAY_THREADS")
    assert runpy.run_path(str(CONF))["threads"] == 4


def test_serve_passes_settings_and_options_to_gunicorn(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import importlib

    serve_module = importlib.import_module("gateway.cli.serve")

    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_module, "run_server", lambda factory, **kwargs: seen.append(kwargs))
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("GATEWAY_THREADS", "2")
    for name in ("GATEWAY_WORKERS", "GATEWAY_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    assert runner.invoke(serve_module.serve, []).exit_code == 0
    assert runner.invoke(serve_module.serve, ["--threads", "1", "--workers", "5"]).exit_code == 0
    assert [(s["workers"], s["threads"]) for s in seen] == [(2, 2), (5, 1)]
