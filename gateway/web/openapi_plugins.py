"""OpenAPI operations of the plugins: every registered `?action=` (its own operation, plugins.md §3.1)
and every route of a plugin blueprint, from the app's URL map and the action registry.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

_PARAM = re.compile(r"<(?:(int|string|path|float|uuid):)?([A-Za-z_][A-Za-z0-9_]*)>")
_CORE_BLUEPRINTS = frozenset(
    {"models", "health", "caches", "batch", "auth", "auth_tokens", "odata", "metrics", "openapi", "apitokens",
     "sysconfig", "valrules", "audit", "testhooks", "actions", "static"}
)  # fmt: skip
_SKIP_METHODS = frozenset({"HEAD", "OPTIONS"})


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """A Flask rule as an OpenAPI path template and its path parameters."""
    params = []
    for converter, name in _PARAM.findall(rule):
        schema = {"type": "integer"} if converter == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule), params


def plugin_paths(app: Flask, responses: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`paths` entries for action operations and plugin blueprint routes."""
    paths: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    registry = app.extensions["gateway"].extras.get("gateway.registry")
    for (rule, method, name), action in sorted((registry.actions if registry else {}).items(), key=_order):
        path, params = openapi_path(rule)
        key = path if name is None else f"{path}?action={name}"
        # named actions: "<plugin>.<name>.<method>" (plugins.md §3.1); plain verbs are named by their path
        op_id = f"{action.plugin or 'core'}.{name or path}.{method.lower()}"
        op_id = op_id if op_id not in used else f"{op_id}:{path}"  # one name on several paths
        used.add(op_id)
        paths.setdefault(key, {})[method.lower()] = _operation(op_id, action.summary, params, responses)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("actions:") or "." not in rule.endpoint:
            continue  # actions are listed above; app-level endpoints are core
        if rule.endpoint.split(".", 1)[0] in _CORE_BLUEPRINTS:
            continue
        path, params = openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - _SKIP_METHODS):
            op_id = f"{rule.endpoint}.{method.lower()}"
            op_id = op_id if op_id not in used else f"{op_id}:{path}"  # one view mounted on several paths
            used.add(op_id)
            paths.setdefault(path, {}).setdefault(method.lower(), _operation(op_id, "", params, responses))
    return paths


def _order(item: tuple[tuple[str, str, str | None], Any]) -> tuple[str, str, str]:
    (rule, method, name), _ = item
    return rule, method, name or ""


def _operation(
    op_id: str, summary: str, params: list[dict[str, Any]], responses: dict[str, Any]
) -> dict[str, Any]:
    return {
        "operationId": op_id,
        "summary": summary or op_id,
        "parameters": params,
        "security": [{"bearer": []}],
        "responses": {"200": {"description": "OK"}, **responses},
    }
