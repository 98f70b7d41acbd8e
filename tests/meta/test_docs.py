"""The README and the settings file stay true to the code (architecture.md §5, §6)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

from gateway import errors
from gateway.settings import Settings, load_settings, markdown_table, setting_specs

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _block(marker: str) -> str:
    match = re.search(rf"<!-- {marker}:start -->\n(.*?)\n<!-- {marker}:end -->", README, re.S)
    assert match, f"README lacks the {marker} markers"
    return match.group(1)


def test_settings_fields_equal_the_toml_keys() -> None:
    assert {f.name for f in dataclasses.fields(Settings)} == set(setting_specs())


def test_settings_defaults_parse() -> None:
    settings = load_settings(environ={})
    assert settings.rest_max_records_size == 100
    assert settings.hidden_columns == ("*.Password", "*.Salt")


def test_readme_settings_table_is_generated() -> None:
    assert _block("settings") == markdown_table(), "run: python -m gateway.settings --markdown"


def test_readme_error_table_is_generated() -> None:
    assert _block("errors") == errors.markdown_table(), "run: python -m gateway.errors"


def test_error_codes_are_unique_across_core_and_plugins() -> None:
    """One status per code; the one documented exception keeps the seed's 400/409 pair (spec README)."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="gateway.plugins"):
        ep.load()
    by_code: dict[str, set[int]] = {}
    for cls in errors.all_error_classes():
        by_code.setdefault(cls.type, set()).add(cls.status)
    shared = {code: statuses for code, statuses in by_code.items() if len(statuses) > 1}
    assert shared in ({}, {"WORKFLOW-SETAUTOSTART-ERROR": {400, 409}}), shared


def test_every_gateway_env_name_read_in_code_is_declared() -> None:
    declared = {spec.env for spec in setting_specs().values()}
    allowed = {
        "GATEWAY_TEST_POSTGRES_URL",
        "GATEWAY_TEST_MARIADB_URL",
        "GATEWAY_REQUIRE_DBS",
        "GATEWAY_CONFIG",
    }
    used: set[str] = set()
    for path in (ROOT / "gateway").rglob("*.py"):
        used |= set(re.findall(r"\b(GATEWAY_[A-Z0-9_]+)\b", path.read_text()))
    assert used - declared - allowed == set()


def test_settings_module_prints_the_table() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "gateway.settings", "--markdown"], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == markdown_table()


def test_readme_nginx_block_is_the_tested_config() -> None:
    block = re.search(r"<!-- nginx:start -->\n```nginx\n(.*?)\n```\n<!-- nginx:end -->", README, re.S)
    assert block, "README lacks the nginx block"
    assert block.group(1).strip() == (ROOT / "tests/ops/nginx-site.conf").read_text().strip()


def test_readme_lists_every_plugin_error_code() -> None:
    """Each built-in plugin has its error table in the README (`python -m gateway.errors <package>`)."""
    import importlib
    from importlib.metadata import entry_points

    for ep in entry_points(group="gateway.plugins"):
        package = ep.value.split(":")[0]
        importlib.import_module(f"{package}.errors")
        table = errors.markdown_table(package)
        if table.count("\n") < 2:
            continue  # a plugin without codes of its own
        assert _block(f"errors-{ep.name}") == table, f"run: python -m gateway.errors {package}"
