"""House rules that grep can check (architecture.md §5, §6, §9)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("gateway", "filter_grammar") for p in (ROOT / d).rglob("*.py")]


def test_request_code_never_reads_current_app_config() -> None:
    offenders = [str(p) for p in SOURCES if "current_app.config" in p.read_text()]
    assert offenders == []


def test_one_error_handler() -> None:
    handlers = [
        p.name
        for p in SOURCES
        if "register_error_handler(" in p.read_text() or "errorhandler(" in p.read_text()
    ]
    assert sorted(handlers) == ["__init__.py", "errors.py"]


def test_no_orm_imports() -> None:
    for path in SOURCES:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("sqlalchemy.orm"), path
            if isinstance(node, ast.Import):
                assert all(not a.name.startswith("sqlalchemy.orm") for a in node.names), path


def test_module_size_ceiling() -> None:
    too_long = {str(p.relative_to(ROOT)): n for p in SOURCES if (n := len(p.read_text().splitlines())) > 400}
    assert too_long == {}


def test_function_size_ceiling() -> None:
    offenders = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.name} ({length})")
    assert offenders == []
