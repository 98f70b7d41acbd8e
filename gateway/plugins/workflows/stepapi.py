"""The step-function API of workflows.md §3, as the plugin uses it: re-exported from `gateway.core`."""

from __future__ import annotations

from gateway.core import StepContext, StepError, StepSpec, step

__all__ = ["StepContext", "StepError", "StepSpec", "step"]
