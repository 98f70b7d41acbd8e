"""The README lists this plugin's error codes exactly as the plugin declares them."""

from __future__ import annotations

import re
from pathlib import Path

from gateway.plugins.processes.errors import markdown_table

README = (Path(__file__).resolve().parents[3] / "README.md").read_text()


def test_readme_lists_the_plugin_error_codes() -> None:
    match = re.search(r"<!-- errors-processes:start -->\n(.*?)\n<!-- errors-processes:end -->", README, re.S)
    assert match, "README lacks the errors-processes markers"
    assert match.group(1) == markdown_table(), "run: python -m gateway.plugins.processes.errors"
