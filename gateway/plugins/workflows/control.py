"""Control actions on one workflow definition (workflows.md §6.2): enable, disable, the autostart family,
setDeprecated, options, reset, start and stop, each reconciling execution instances in the same unit of work.

Every method takes the workflow already resolved and access-checked, and returns the seed's result shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.plugins.workflows.definition import WorkflowRef
from gateway.plugins.workflows.errors import SetAutostartConflict, SetAutostartError, WorkflowOptionError
from gateway.plugins.workflows.slots import Slots
from gateway.plugins.workflows.store import Uow, Workflow, WorkflowStore


def _ident(wf: Workflow) -> dict[str, Any]:
    return {"workflowid": wf.workflowid, "name": wf.name, "version": wf.version}


class Control:
    def __init__(self, gateway: Any, store: WorkflowStore) -> None:
        self.gateway = gateway
        self.store = store
        self.slots = Slots(store)

    def _audit(
        self, uow: Uow, wf: Workflow, action: str, old: Any = None, new: Any = None, **detail: Any
    ) -> None:
        self.gateway.audit(
            uow, "workflow", str(wf.workflowid), action,
            old_state=None if old is None else str(old), new_state=None if new is None else str(new),
            detail=detail or None,
        )  # fmt: skip

    def _changed(self, uow: Uow, wf: Workflow) -> Workflow:
        found = self.store.find(uow, WorkflowRef(workflowid=wf.workflowid))
        assert found is not None
        return found

    def set_enabled(self, uow: Uow, wf: Workflow, enabled: bool) -> dict[str, Any]:
        word = "enabled" if enabled else "disabled"
        if wf.enabled == enabled:
            return {**_ident(wf), "info": f"already {word}", "stopped": (), "count": 0}
        now = self.gateway.clock.now()
        self.store.update(uow, wf.workflowid, now, enabled=enabled)
        result = self.slots.reconcile(uow, self._changed(uow, wf), now)
        self._audit(
            uow, wf, "enable" if enabled else "disable", wf.enabled, enabled, stopped=list(result.stopped)
        )
        return {**_ident(wf), "info": word, "stopped": result.stopped, "count": len(result.stopped)}

    def set_autostart(
        self, uow: Uow, wf: Workflow, value: Any, action: str = "setAutostart"
    ) -> dict[str, Any]:
        if value is None or isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SetAutostartError("autostart must be an integer >= 0")
        if wf.deprecated and value > 0:
            raise SetAutostartConflict(f"{wf.label} is deprecated")
        info = f"autostart set to {value}"
        if value > wf.max_instances:
            value, info = wf.max_instances, f"autostart capped at max_instances ({wf.max_instances})"
        now = self.gateway.clock.now()
        self.store.update(uow, wf.workflowid, now, autostart=value, manual_autostart=True)
        result = self.slots.reconcile(uow, self._changed(uow, wf), now)
        self._audit(uow, wf, action, wf.autostart, value)
        return {**_ident(wf), "updated": True, "autostart": value, "info": info, "started": result.delta}

    def step_autostart(self, uow: Uow, wf: Workflow, step: int) -> dict[str, Any]:
        action = "incAutostart" if step > 0 else "decAutostart"
        if step > 0 and wf.deprecated:
            raise SetAutostartConflict(f"{wf.label} is deprecated")
        if step < 0 and wf.autostart == 0:
            raise SetAutostartConflict(f"autostart of {wf.label} is already 0")
        if step > 0 and wf.autostart >= wf.max_instances:
            info = f"autostart is already at max_instances ({wf.max_instances})"
            return {**_ident(wf), "updated": False, "autostart": wf.autostart, "info": info, "started": 0}
        return self.set_autostart(uow, wf, wf.autostart + step, action)

    def set_deprecated(self, uow: Uow, wf: Workflow, deprecated: bool) -> dict[str, Any]:
        now = self.gateway.clock.now()
        if wf.deprecated != deprecated:
            self.store.update(uow, wf.workflowid, now, deprecated=deprecated)
            self._audit(uow, wf, "setDeprecated", wf.deprecated, deprecated)
        result = self.slots.reconcile(uow, self._changed(uow, wf), now)
        info = f"deprecated {'set' if deprecated else 'cleared'}"
        return {
            **_ident(wf), "updated": wf.deprecated != deprecated,
            "stopped": {wf.label: list(result.stopped)}, "info": info,
        }  # fmt: skip

    def set_options(self, uow: Uow, wf: Workflow, options: Mapping[str, Any]) -> str:
        """Store the valid names (null removes one); names outside option_list are refused afterwards."""
        bad = sorted(k for k in options if wf.option_list and k not in wf.option_list)
        merged = dict(wf.options)
        for key, value in options.items():
            if key in bad:
                continue
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if merged != wf.options:
            self.store.update(uow, wf.workflowid, self.gateway.clock.now(), options=merged)
            self._audit(uow, wf, "setOptions", detail_keys=sorted(set(options) - set(bad)))
        if bad:
            # the valid names must survive the error: the caller commits before raising (§6.2)
            return "OPTION-ERROR:" + ",".join(bad)
        return "OK"

    def reset(self, uow: Uow, wf: Workflow) -> str:
        self.store.bump_config(uow, [wf.workflowid], self.gateway.clock.now())
        self._audit(uow, wf, "reset")
        return "OK"

    def start(self, uow: Uow, wf: Workflow, count: int, mode: str) -> dict[str, Any]:
        running = len(self.store.running(uow, wf.workflowid))
        room = max(wf.max_instances - running, 0)
        now = self.gateway.clock.now()
        ids = self.store.start_instances(uow, wf.workflowid, min(count, room), now, mode)
        if ids:
            self._audit(uow, wf, "start", running, running + len(ids), execids=ids)
        return {"name": wf.name, "version": wf.version, "workflowid": wf.workflowid, "ids": ids}

    def stop(self, uow: Uow, wf: Workflow) -> tuple[int, ...]:
        stopped = self.slots.stop_all(uow, wf.workflowid, self.gateway.clock.now())
        if stopped:
            self._audit(uow, wf, "stop", len(stopped), 0, execids=list(stopped))
        return stopped


def option_error(result: str) -> WorkflowOptionError | None:
    if result.startswith("OPTION-ERROR:"):
        names = result.split(":", 1)[1]
        return WorkflowOptionError(f"options not in option_list: {names}")
    return None
