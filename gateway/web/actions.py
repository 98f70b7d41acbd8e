"""`?action=` dispatch (plugins.md §3): one Flask view per (rule, method), handlers keyed by (rule, method,
action), in the check order of §5.2: authentication, action resolution, permission, arguments, handler.

Views build no SQL and read no arguments themselves beyond `action`; handlers get the merged, validated
arguments, the actor and the path values, and return a JSON value or an HttpResult (`core.Reply`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, request

from gateway.auth import current_actor
from gateway.errors import InvalidAction, MethodNotAllowed
from gateway.hooks.registry import PluginError
from gateway.hooks.types import Action
from gateway.pipeline.types import HttpResult
from gateway.web.arguments import load_arguments, merge_arguments
from gateway.web.edge import json_response, raw_request, state, to_response


@dataclass(frozen=True, slots=True)
class RuleActions:
    """Every action of one URL rule, by method and name (None = plain verb)."""

    rule: str
    by_method: Mapping[str, Mapping[str | None, Action]]

    def names(self, method: str) -> list[str]:
        return sorted(n for n in self.by_method.get(method, {}) if n is not None)

    def methods_with(self, name: str | None) -> list[str]:
        return sorted(m for m, actions in self.by_method.items() if name in actions)


def group_actions(actions: Mapping[tuple[str, str, str | None], Action]) -> dict[str, RuleActions]:
    grouped: dict[str, dict[str, dict[str | None, Action]]] = {}
    for (rule, method, name), action in actions.items():
        grouped.setdefault(rule, {}).setdefault(method, {})[name] = action
    return {rule: RuleActions(rule, methods) for rule, methods in grouped.items()}


def resolve(rule: RuleActions, method: str, given: list[str]) -> Action:
    """The handler for this request, or 400 INVALID-ACTION / 405 as plugins.md §3.2 says."""
    if len(given) > 1:
        raise InvalidAction("the parameter 'action' is given more than once", parameter="action")
    if not given:
        plain = rule.by_method.get(method, {}).get(None)
        if plain is None:
            raise _not_allowed(rule.methods_with(None), f"{method} needs an action on this path")
        return plain
    name = _match(rule, method, given[0])
    if name is not None:
        return rule.by_method[method][name]
    elsewhere = sorted({m for m in rule.by_method if _match(rule, m, given[0]) is not None})
    if elsewhere:
        raise _not_allowed(elsewhere, f"action {given[0]!r} is not accepted by {method}")
    valid = ", ".join(rule.names(method)) or "none"
    raise InvalidAction(f"unknown action {given[0]!r}; valid {method} actions: {valid}", parameter="action")


def _match(rule: RuleActions, method: str, given: str) -> str | None:
    names = rule.names(method)
    if given in names:
        return given
    folded = [n for n in names if n.lower() == given.lower()]
    return folded[0] if len(folded) == 1 else None


def _not_allowed(methods: list[str], detail: str) -> MethodNotAllowed:
    return MethodNotAllowed(detail, headers={"Allow": ", ".join(methods)})


def make_view(rule: RuleActions, method: str) -> Any:
    def view(**path: Any) -> Response:
        actor = current_actor()
        action = resolve(rule, method, request.args.getlist("action"))
        gateway = state().extras["gateway.facade"]
        if action.permission:
            gateway.require(actor, action.permission)
        raw = raw_request()
        args = load_arguments(action.args, merge_arguments(raw.args, raw.body))
        return to_result(action.handler(args, actor, **path))

    return view


def to_result(value: Any) -> Response:
    if isinstance(value, HttpResult):
        return to_response(value)
    if isinstance(value, Response):
        return value
    return json_response(value, 200)


def register_actions(app: Flask, actions: Mapping[tuple[str, str, str | None], Action]) -> None:
    """One view per (rule, method); a blueprint rule that the registry also serves is a startup error."""
    served = {str(r.rule) for r in app.url_map.iter_rules()}
    for rule, grouped in group_actions(actions).items():
        if rule in served:
            raise PluginError(f"the rule {rule} is served by a blueprint and by the action registry")
        for method in grouped.by_method:
            endpoint = f"actions:{method}:{rule}"
            app.add_url_rule(rule, endpoint=endpoint, view_func=make_view(grouped, method), methods=[method])
