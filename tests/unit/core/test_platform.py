"""Plugin platform without a database: registry checks, REQUIRES, permission implies, clock, arguments."""

from __future__ import annotations

import types
from datetime import UTC, datetime

import pluggy
import pytest

from gateway import core
from gateway.facade import _implies
from gateway.hooks import specs
from gateway.hooks.registry import PluginError, check_requires, collect
from gateway.web.actions import RuleActions, resolve
from gateway.web.arguments import merge_arguments


def _manager(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("gateway")
    pm.add_hookspecs(specs)
    for index, plugin in enumerate(plugins):
        pm.register(plugin, name=f"p{index}")
    return pm


class Perms:
    def __init__(self, *names: str) -> None:
        self.names = names

    @core.hookimpl
    def register_permissions(self) -> list[core.PermissionSpec]:
        return [core.PermissionSpec(n) for n in self.names]


def test_registry_duplicate_permission_names_both_plugins() -> None:
    with pytest.raises(PluginError, match="'x.read' of plugin 'p1' is already registered by 'p0'"):
        collect(_manager(Perms("x.read"), Perms("x.read")), catalog=None)


def test_registry_collects_and_tags_plugin() -> None:
    class Acts:
        @core.hookimpl
        def register_actions(self) -> list[core.Action]:
            return [core.Action("/api/v1/a", "put", "go", lambda args, actor: "OK")]

    registry = collect(_manager(Acts()), catalog=None)
    (action,) = registry.actions.values()
    assert action.key == ("/api/v1/a", "PUT", "go") and action.plugin == "p0"


def test_requires_names_both_plugins() -> None:
    orders = types.SimpleNamespace(REQUIRES=("workflows",))
    with pytest.raises(PluginError, match="'p0' requires plugin 'workflows'"):
        check_requires(_manager(orders))


def test_implies_patterns_with_exclusions() -> None:
    implies = ("orders.*", "!orders.sensitive.*")
    assert _implies(implies, "orders.retry")
    assert not _implies(implies, "orders.sensitive.read")
    assert not _implies(implies, "processes.read")


def test_fixed_clock_set_moves_now_and_monotonic_forward_only() -> None:
    clock = core.FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    start = clock.monotonic()
    clock.set(datetime(2026, 1, 1, 0, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 1, 1, 0, 1, tzinfo=UTC) and clock.monotonic() == start + 60
    clock.set(datetime(2025, 1, 1, tzinfo=UTC))
    assert clock.monotonic() == start + 60


def test_merge_arguments_ignores_action_and_options() -> None:
    merged = merge_arguments(
        (("action", "retry"), ("$top", "5"), ("ids", "1,2")), b'{"ids": [1, 2], "x": true}'
    )
    assert merged == {"ids": [1, 2], "x": True}


def test_resolve_prefers_exact_name_and_reports_methods() -> None:
    handler = lambda args, actor: None  # noqa: E731
    put = {
        "retry": core.Action("/r", "PUT", "retry", handler),
        "Retry": core.Action("/r", "PUT", "Retry", handler),
    }
    rule = RuleActions("/r", {"PUT": put, "GET": {None: core.Action("/r", "GET", None, handler)}})
    assert resolve(rule, "PUT", ["Retry"]).name == "Retry"
    with pytest.raises(core.InvalidAction):
        resolve(rule, "PUT", ["RETRY"])  # two case-insensitive candidates: not one
    with pytest.raises(core.MethodNotAllowed) as info:
        resolve(rule, "GET", ["retry"])
    assert info.value.headers["Allow"] == "PUT"
