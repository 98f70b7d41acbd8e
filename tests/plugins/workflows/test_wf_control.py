"""Control actions and execution instances (W-4, W-5, W-7 … W-10, W-13, W-17) and the slot rule."""

from __future__ import annotations

import pytest

from gateway.plugins.workflows.control import option_error
from gateway.plugins.workflows.errors import SetAutostartConflict, SetAutostartError


def _wf(bundle, name="SYNC"):  # type: ignore[no-untyped-def]
    return bundle.registry.find(name)


def test_disable_twice_then_enable(bundle, gw, make_sync) -> None:  # type: ignore[no-untyped-def]
    bundle.definitions.create(make_sync("1.2", autostart=2))
    with gw.unit_of_work() as uow:
        first = bundle.control.set_enabled(uow, _wf(bundle), False)
        second = bundle.control.set_enabled(uow, _wf(bundle), False)
    assert (first["info"], first["count"], second["info"]) == ("disabled", 2, "already disabled")
    assert bundle.definitions.record(_wf(bundle))["exec_count"] == 0
    with gw.unit_of_work() as uow:
        assert bundle.control.set_enabled(uow, _wf(bundle), True)["info"] == "enabled"
    assert bundle.definitions.record(_wf(bundle))["exec_count"] == 2
    assert [a[2] for a in gw.audits if a[0] == "workflow"][-2:] == ["disable", "enable"]


def test_set_autostart_caps_and_refuses(bundle, gw, make_sync) -> None:  # type: ignore[no-untyped-def]
    bundle.definitions.create(make_sync("1.0", max_instances=3))
    with gw.unit_of_work() as uow:
        result = bundle.control.set_autostart(uow, _wf(bundle), 5)
    assert (result["autostart"], result["started"]) == (3, 2) and "max_instances" in result["info"]
    with gw.unit_of_work() as uow, pytest.raises(SetAutostartError):
        bundle.control.set_autostart(uow, _wf(bundle), -1)
    with gw.unit_of_work() as uow, pytest.raises(SetAutostartError):
        bundle.control.set_autostart(uow, _wf(bundle), None)
    assert _wf(bundle).manual_autostart is True


def test_autostart_on_deprecated_and_bounds(bundle, gw, make_sync) -> None:  # type: ignore[no-untyped-def]
    bundle.definitions.create(make_sync("1.0", autostart=0))
    with gw.unit_of_work() as uow, pytest.raises(SetAutostartConflict):
        bundle.control.step_autostart(uow, _wf(bundle), -1)
    with gw.unit_of_work() as uow:
        assert bundle.control.step_autostart(uow, _wf(bundle), 1)["started"] == 1
        result = bundle.control.step_autostart(uow, _wf(bundle), 1)
    assert (result["autostart"], result["started"]) == (2, 1)
    with gw.unit_of_work() as uow:
        bundle.control.set_deprecated(uow, _wf(bundle), True)
    with gw.unit_of_work() as uow, pytest.raises(SetAutostartConflict):
        bundle.control.set_autostart(uow, _wf(bundle), 1)
    with gw.unit_of_work() as uow, pytest.raises(SetAutostartConflict):
        bundle.control.step_autostart(uow, _wf(bundle), 1)


def test_set_deprecated_stops_and_restarts(bundle, gw, make_sync) -> None:  # type: ignore[no-untyped-def]
    bundle.definitions.create(make_sync("1.2", autostart=2))
    with gw.unit_of_work() as uow:
        result = bundle.control.set_deprecated(uow, _wf(bundle), True)
    assert result["updated"] is True and len(result["stopped"]["SYNC v1.2"]) == 2
    assert bundle.definitions.record(_wf(bundle))["exec_count"] == 0
    with gw.unit_of_work() as uow:
        bundle.control.set_deprecated(uow, _wf(bundle), False)
    assert bundle.definitions.record(_wf(bundle))["exec_count"] == 2


def test_set_options_keeps_valid_names(bundle, gw, make_sync) -> None:  # type: ignore[no-untyped-def]
    bundle.definitions.create(make_sync("1.0", option_list=["a", "b"]))
    with gw.unit_of_work() as uow:
        outcome = bundle.control.set_options(uow, _wf(bundle), {"a": 1, "zzz": 2})
    error = option_error(outcome)
    assert error is not None and "zzz" in error.detail
    assert _wf(bundle).options == {"a": 1}
    with gw.unit_of_work() as uow:
        assert bundle.control.set_options(uow, _wf(bundle), {"a": None, "b": 2}) == "OK"
    assert _wf(bundle).options == {"b": 2}


def test_start_and_stop_instances(bundle, gw, make_sync) -> None:  # type: ignore[no-untyped-def]
    bundle.definitions.create(make_sync("1.0"))
    with gw.unit_of_work() as uow:
        started = bundle.control.start(uow, _wf(bundle), 2, "NORMAL")
    assert len(started["ids"]) == 2 and bundle.definitions.record(_wf(bundle))["exec_count"] == 3
    with gw.unit_of_work() as uow:
        assert len(bundle.control.stop(uow, _wf(bundle))) == 3
    assert bundle.definitions.record(_wf(bundle))["exec_count"] == 0


def test_slot_claimed_once_and_only_for_running_workflows(bundle, gw, make_sync) -> None:  # type: ignore[no-untyped-def]
    bundle.definitions.create(make_sync("1.0"))
    slot = bundle.registry.acquire_slot(session_id=7, node="n1")
    assert slot is not None
    assert bundle.registry.acquire_slot(session_id=8, node="n2") is None
    assert bundle.registry.release_slot(slot, 8) is False
    assert bundle.registry.release_slot(slot, 7) is True
    with gw.unit_of_work() as uow:
        bundle.control.set_enabled(uow, _wf(bundle), False)
    assert bundle.registry.acquire_slot(session_id=8, node="n2") is None
