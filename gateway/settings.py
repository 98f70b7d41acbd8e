"""Settings: one frozen dataclass, loaded once in layers (defaults, TOML file, environment, overrides).

`config/settings.toml` declares every setting; this module only parses and layers them. The runtime REST_*
keys are per-client overridable through gw_sysconfig (see `gateway.meta.sysconfig`); the values here are
the process-level layers. `python -m gateway.settings --markdown` prints the README table.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gateway.errors import SettingError

_TRUE = frozenset({"y", "yes", "true", "1", "on"})
_FALSE = frozenset({"n", "no", "false", "0", "off", ""})


@dataclass(frozen=True, slots=True)
class SettingSpec:
    name: str
    env: str
    type: str
    default: Any
    doc: str
    sysconfig: bool


def config_dir() -> Path:
    """`config/` in a checkout, or `gateway/_config` inside an installed wheel."""
    packaged = Path(str(resources.files("gateway"))) / "_config"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "config"


@cache
def setting_specs() -> Mapping[str, SettingSpec]:
    with open(config_dir() / "settings.toml", "rb") as fh:
        raw = tomllib.load(fh)
    specs = {
        name: SettingSpec(name, e["env"], e["type"], e["default"], e["doc"], bool(e.get("sysconfig")))
        for name, e in raw.items()
    }
    return MappingProxyType(specs)


@dataclass(frozen=True, repr=False)
class Settings:
    """Every process setting, typed. Immutable after `create_app`."""

    database_url: str
    meta_database_url: str
    secret_key: str
    config: str
    db_schema: str
    db_timezone: str
    tenant_column: str
    tenant_table: str
    org_column: str
    org_table: str
    warehouse_table: str
    system_tenant: int
    tenant_paths: Mapping[str, str]
    name_source: str
    tables: tuple[str, ...]
    exclude_tables: tuple[str, ...]
    uid_columns: Mapping[str, str]
    view_keys: Mapping[str, str]
    extra_foreign_keys: Mapping[str, str]
    identifier_columns: Mapping[str, str]
    yesno_pattern: str
    hidden_columns: tuple[str, ...]
    readonly_columns: tuple[str, ...]
    default_language: str
    jwt_algorithm: str
    jwt_private_key_file: str
    jwt_public_key_file: str
    jwt_previous_public_key_files: tuple[str, ...]
    jwt_issuer: str
    cors_origins: tuple[str, ...]
    trusted_proxy_hops: int
    max_content_length: int
    metrics_public: bool
    hsts: bool
    pool_size: int
    max_overflow: int
    json_in_database: bool
    count_estimate_min_rows: int
    pool_ping_idle_seconds: float
    statement_cache_size: int
    reflect_eager_max_tables: int
    stream_chunk_rows: int
    cache_check_seconds: float
    server_timing: bool
    read_lane: bool
    plugins: tuple[str, ...]
    trace_plugins: bool
    host: str
    port: int
    workers: int
    threads: int
    log_level: str
    test_hooks: bool
    rest_max_records_size: int
    rest_columnname_tolowercase: bool
    rest_omit_nulls: bool
    rest_default_active_only: bool
    rest_max_expand_depth: int
    rest_max_expand_items: int
    rest_max_expand_rows: int
    rest_expand_separator: str
    rest_max_filter_length: int
    rest_max_filter_nodes: int
    rest_max_filter_depth: int
    rest_max_in_items: int
    rest_max_path_depth: int
    rest_filter_regex: bool
    rest_max_batch_size: int
    rest_max_write_rows: int
    rest_error_on_non_existing_column: bool
    rest_error_on_non_updatable_column: bool
    rest_require_if_match: bool
    rest_statement_timeout_ms: int
    rest_token_expire_in_minutes: int
    rest_login_token_expire_in_minutes: int
    rest_refresh_token_expire_in_minutes: int
    rest_token_absolute_expire_in_minutes: int
    rest_mandatory_client_id_on_refresh: bool
    rest_mandatory_user_id_on_refresh: bool
    idempiere_rest_expose_jwk: bool
    rest_login_max_failures: int
    rest_login_failure_window_minutes: int
    rest_login_lock_minutes: int
    rest_login_rate_per_ip_per_minute: int
    rest_rate_limit_per_minute: int
    rest_health_monitoring_key: str
    worker_threads: int
    worker_poll_seconds: float
    lease_seconds: int
    heartbeat_seconds: int
    worker_grace_seconds: int
    node_id: str
    job_retention_days: int
    bulk_max_ids: int
    sensitive_allow_insecure: bool
    inline_file_max_bytes: int
    file_retention_days: int
    report_max_rows: int
    scheduler_tick_seconds: int
    smtp_url: str
    smtp_from: str
    exec_sync_timeout_seconds: float
    order_search_default_days: int
    yaml_max_bytes: int
    sensitive_data_key: str

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for name, spec in setting_specs().items():
            if spec.type == "secret" or name.endswith("database_url"):
                shown[name] = "***" if shown[name] else ""
        return f"Settings({shown})"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def meta_url(self) -> str:
        return self.meta_database_url or self.database_url

    def source_of(self, name: str) -> str:
        """Which layer set `name` (env, config or default); used by the sysconfig endpoints."""
        sources: Mapping[str, str] = self.__dict__.get("_sources", {})
        return sources.get(name, "default")


def coerce(spec: SettingSpec, value: Any) -> Any:
    """Parse one value (from TOML or an env string) into the spec's type; SettingError when it cannot."""
    try:
        return _COERCERS[spec.type](value)
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise SettingError(f"{spec.env}: {value!r} is not a valid {spec.type}") from exc


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    return int(str(value).strip()) if not isinstance(value, int) else value


def _to_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    text = str(value).strip()
    if text.startswith("["):
        return tuple(str(v) for v in json.loads(text))
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _to_map(value: Any) -> Mapping[str, str]:
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): str(v) for k, v in value.items()})
    text = str(value).strip()
    if text.startswith("{"):
        return MappingProxyType({str(k): str(v) for k, v in json.loads(text).items()})
    pairs = {}
    for part in _split_pairs(text):
        key, sep, val = part.partition("=")
        if not sep:
            raise ValueError(part)
        pairs[key.strip()] = val.strip()
    return MappingProxyType(pairs)


def _split_pairs(text: str) -> list[str]:
    """`A=x,y;B=z` or `A=x,B=y`: a comma starts a new pair only when an `=` follows before the next comma."""
    parts: list[str] = []
    for chunk in text.replace(";", ",").split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        if "=" in chunk or not parts:
            parts.append(chunk)
        else:
            parts[-1] += "," + chunk
    return parts


_COERCERS = MappingProxyType(
    {
        "str": lambda v: str(v),
        "secret": lambda v: str(v),
        "int": _to_int,
        "float": lambda v: float(v),
        "bool": _to_bool,
        "list": _to_list,
        "map": _to_map,
    }
)


def _file_layer(path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Settings and [sysconfig] keys from a TOML file; unknown keys are a startup error."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    sysconfig = {str(k).upper(): v for k, v in raw.pop("sysconfig", {}).items()}
    specs = setting_specs()
    by_alias = {n: n for n in specs} | {s.env.lower(): n for n, s in specs.items()}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = by_alias.get(key.lower()) or by_alias.get(key.lower().removeprefix("gateway_"))
        if name is None:
            raise SettingError(f"unknown setting '{key}' in {path}")
        values[name] = value
    for key, value in sysconfig.items():
        name = key.lower()
        if name not in specs or not specs[name].sysconfig:
            raise SettingError(f"unknown sysconfig key '{key}' in {path}")
        values[name] = value
    return values, sysconfig


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults < GATEWAY_CONFIG file < GATEWAY_* environment < overrides (later wins)."""
    env = os.environ if environ is None else environ
    specs = setting_specs()
    values: dict[str, Any] = {n: s.default for n, s in specs.items()}
    sources: dict[str, str] = {}
    config_path = (overrides or {}).get("config") or env.get("GATEWAY_CONFIG", "")
    if config_path:
        file_values, _ = _file_layer(str(config_path))
        values.update(file_values)
        sources.update(dict.fromkeys(file_values, "config"))
    for name, spec in specs.items():
        if spec.env in env:
            values[name] = env[spec.env]
            sources[name] = "env"
    for name, value in (overrides or {}).items():
        if name not in specs:
            raise SettingError(f"unknown setting '{name}'")
        values[name] = value
        sources[name] = "env"
    settings = Settings(**{n: coerce(specs[n], v) for n, v in values.items()})
    object.__setattr__(settings, "_sources", MappingProxyType(sources))
    return settings


def markdown_table() -> str:
    lines = ["| Setting | Environment | Type | Default | Meaning |", "|---|---|---|---|---|"]
    for name, spec in setting_specs().items():
        default = spec.default
        shown = json.dumps(default) if isinstance(default, list | dict) else str(default)
        if isinstance(default, bool):
            shown = "true" if default else "false"
        key = name.upper() if spec.sysconfig else name
        lines.append(f"| `{key}` | `{spec.env}` | {spec.type} | `{shown}` | {spec.doc} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if "--markdown" in sys.argv:
        print(markdown_table())
