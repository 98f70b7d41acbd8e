"""The step-function API (workflows.md §3): `step`, `StepSpec`, `StepContext`, `StepError`.

Values that cross the plugin boundary: the workflows plugin collects StepSpecs (hook `register_steps` and the
`gateway.steps` entry point group) and the orders engine calls them with a StepContext. Re-exported by
`gateway.core`, the only module step authors import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class StepError(Exception):
    """A step failure resolved through error definitions (workflows.md §4.2)."""

    def __init__(
        self, code: str, description: str | None = None, info: str | None = None, business: bool = False
    ) -> None:
        super().__init__(code if description is None else f"{code}: {description}")
        self.code = code
        self.description = description
        self.info = info
        self.business = business


@dataclass(frozen=True, slots=True)
class StepSpec:
    """A registered step function (made by `@step`)."""

    name: str
    function: Callable[..., Any]
    types: tuple[str, ...] = ("normal",)
    description: str = ""
    options: tuple[str, ...] = ()
    array: Callable[..., Any] | None = None
    back_end: Callable[..., Any] | None = None

    def __call__(self, ctx: Any) -> Any:
        return self.function(ctx)


def step(
    name: str,
    *,
    types: tuple[str, ...] = ("normal",),
    description: str = "",
    options: tuple[str, ...] = (),
    array: Callable[..., Any] | None = None,
    back_end: Callable[..., Any] | None = None,
) -> Callable[[Callable[..., Any]], StepSpec]:
    def wrap(function: Callable[..., Any]) -> StepSpec:
        return StepSpec(name, function, tuple(types), description or (function.__doc__ or "").strip(),
                        tuple(options), array, back_end)  # fmt: skip

    return wrap


class StepContext(Protocol):
    """What a step function receives (workflows.md §3.2); the orders engine implements it."""

    order: Any
    staticdata: Any
    dynamicdata: dict[str, Any]
    options: Any
    step_options: Any
    step: Any
    ind: int
    element: Any
    retries: int
    record: tuple[str, Any] | None
    gateway: Any
    clock: Any

    def log(self, msg: str) -> None: ...
    def warning(self, code: str, info: str | None = None) -> None: ...
    def set_custom_status(self, code: str, desc: str | None = None) -> None: ...
    def wait_async(self, key: str | None = None) -> None: ...
    def wait_event(self, event_type: str, key: str) -> None: ...
    def start_children(self, workflow: Any, staticdata_list: Any, priority: int | None = None) -> Any: ...


__all__ = ["StepContext", "StepError", "StepSpec", "step"]
