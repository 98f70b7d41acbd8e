"""The process-author API as the plugin uses it: the values live in `gateway.hooks.processes` and are
re-exported by `gateway.core` (processes.md §2); this module only re-exports them for the plugin's modules.
"""

from __future__ import annotations

from gateway.core import (
    PARAM_TYPES,
    Param,
    ParameterError,
    ProcessContext,
    ProcessError,
    ProcessHandler,
    ProcessResult,
    definition_sha256,
    process_handler,
)

__all__ = [
    "PARAM_TYPES",
    "Param",
    "ParameterError",
    "ProcessContext",
    "ProcessError",
    "ProcessHandler",
    "ProcessResult",
    "definition_sha256",
    "process_handler",
]
