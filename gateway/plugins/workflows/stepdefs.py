"""The catalog of registered step functions: built-ins, `register_steps()` results and the `gateway.steps`
entry point group (workflows.md §3.1). Duplicate names are a startup error.

Built once per app at startup; read-only afterwards.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any

from gateway.plugins.workflows.facts import StepFacts
from gateway.plugins.workflows.stepapi import StepSpec

GROUP = "gateway.steps"


class StepCatalog:
    """Name -> StepSpec, with the source each came from."""

    def __init__(self, specs: Iterable[tuple[StepSpec, str]] = ()) -> None:
        found: dict[str, StepSpec] = {}
        sources: dict[str, str] = {}
        for spec, source in specs:
            if spec.name in found:
                raise RuntimeError(
                    f"step function {spec.name!r} of {source} is already registered by {sources[spec.name]}"
                )
            if spec.name.startswith("builtin.") and source != "builtin":
                raise RuntimeError(
                    f"step function {spec.name!r} of {source}: the prefix 'builtin.' is reserved"
                )
            found[spec.name] = spec
            sources[spec.name] = source
        self.specs: Mapping[str, StepSpec] = MappingProxyType(found)
        self.sources: Mapping[str, str] = MappingProxyType(sources)

    def get(self, name: str) -> StepSpec | None:
        return self.specs.get(name)

    def facts(self) -> dict[str, StepFacts]:
        return {n: StepFacts(n, tuple(s.types), s.array is not None) for n, s in self.specs.items()}

    def record(self, name: str) -> dict[str, Any]:
        spec = self.specs[name]
        return {
            "name": name, "types": list(spec.types), "description": spec.description,
            "options": list(spec.options), "array": spec.array is not None, "source": self.sources[name],
        }  # fmt: skip


def specs_in(target: Any) -> list[StepSpec]:
    """Every StepSpec in a module, or the StepSpec / iterable of StepSpecs an attribute holds."""
    if isinstance(target, StepSpec):
        return [target]
    if hasattr(target, "__dict__") and not isinstance(target, list | tuple | set):
        return [v for v in vars(target).values() if isinstance(v, StepSpec)]
    return [v for v in target if isinstance(v, StepSpec)]


def entry_point_specs() -> list[tuple[StepSpec, str]]:
    found: list[tuple[StepSpec, str]] = []
    for ep in entry_points(group=GROUP):
        try:
            module, _, attr = ep.value.partition(":")
            target = importlib.import_module(module)
            for part in filter(None, attr.split(".")):
                target = getattr(target, part)
        except Exception as exc:  # named startup error: the server does not start half-loaded
            raise RuntimeError(f"entry point {GROUP}:{ep.name} failed to import: {exc}") from exc
        found += [(spec, f"entry point {ep.name}") for spec in specs_in(target)]
    return found
