"""Error definitions: rules A and B, updates, deletes, reload and resolution (E-1 … E-8, E-11 … E-13)."""

from __future__ import annotations

import pytest

from gateway.errors import NotFound, ValidationError
from gateway.plugins.workflows.errordefs import ErrDef, parse_errdef, resolve
from gateway.plugins.workflows.errors import ErrorExists, ErrorUpdateError


@pytest.fixture
def sync(bundle, make_sync):  # type: ignore[no-untyped-def]
    bundle.definitions.create(make_sync("1.0"))
    return bundle.registry.find("SYNC")


def test_create_global_then_exists_and_upsert(bundle) -> None:  # type: ignore[no-untyped-def]
    body = {"error": "X-ERR", "description": "d"}
    assert bundle.errors.create_global(body).result == "CREATED-GLOBAL"
    with pytest.raises(ErrorExists):
        bundle.errors.create_global(body)
    assert bundle.errors.create_or_update_global(body).result == "UNCHANGED-GLOBAL"
    assert bundle.errors.create_or_update_global({**body, "description": "d2"}).result == "UPDATED-GLOBAL"


def test_rule_a_global_first_then_workflow(bundle, sync) -> None:  # type: ignore[no-untyped-def]
    body = {"error": "Y-ERR", "description": "d"}
    assert bundle.errors.create_on(sync, body, upsert=False).result == "CREATED-GLOBAL"
    assert bundle.errors.create_on(sync, body, upsert=False).result == "CREATED-WORKFLOW"
    with pytest.raises(ErrorExists):
        bundle.errors.create_on(sync, body, upsert=False)
    forced = bundle.errors.create_on(
        sync, {"error": "Z-ERR", "description": "d", "forceworkflow": True}, upsert=False
    )
    assert forced.result == "CREATED-WORKFLOW" and forced.created


def test_rule_b_compares_with_global(bundle, sync) -> None:  # type: ignore[no-untyped-def]
    body = {"error": "W-ERR", "description": "d"}
    bundle.errors.create_global(body)
    assert bundle.errors.create_on(sync, body, upsert=True).result == "UNCHANGED-GLOBAL"
    assert (
        bundle.errors.create_on(sync, {**body, "retry_flag": True}, upsert=True).result == "CREATED-WORKFLOW"
    )
    assert (
        bundle.errors.create_on(sync, {**body, "retry_flag": True}, upsert=True).result
        == "UNCHANGED-WORKFLOW"
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"error": "E", "description": "d", "severity": "HUGE"}, ErrorUpdateError),
        ({"error": "E", "description": "d", "retry_delay_secs": 5}, ErrorUpdateError),
        ({"error": "E", "description": "d", "frob": 1}, ErrorUpdateError),
        ({"error": "E"}, ValidationError),
    ],
)
def test_invalid_bodies(bundle, body, error) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error):
        bundle.errors.create_global(body)


def test_update_delete_reload(bundle, sync) -> None:  # type: ignore[no-untyped-def]
    bundle.errors.create_on(sync, {"error": "B-ERR", "description": "d", "forceworkflow": True}, upsert=False)
    with pytest.raises(NotFound):
        bundle.errors.update("B-ERR", 0, {"description": "x"})
    assert bundle.errors.update("B-ERR", sync.workflowid, {"description": "x"}).result == "UPDATED-WORKFLOW"
    bundle.errors.create_global({"error": "X-ERR", "description": "d"})
    assert bundle.errors.update("X-ERR", 0, {"description": "d"}).result == "UNCHANGED-GLOBAL"
    assert bundle.errors.reload() == {"global": 1, "workflow": 1}
    assert bundle.errors.delete("X-ERR", 0) == "OK"
    with pytest.raises(NotFound):
        bundle.errors.delete("X-ERR", 0)


def test_resolution_prefers_specific_and_defaults_delay(bundle, sync, make_sync) -> None:  # type: ignore[no-untyped-def]
    bundle.definitions.create(make_sync("1.0", name="OTHER"))
    bundle.errors.create_global({"error": "R-ERR", "description": "d"})
    body = {"error": "R-ERR", "description": "d", "retry_flag": True, "retry_delay_secs": 60}
    bundle.errors.create_on(sync, body, upsert=False)
    other = bundle.registry.find("OTHER")
    specific = bundle.registry.resolve_error(sync.workflowid, "R-ERR")
    general = bundle.registry.resolve_error(other.workflowid, "R-ERR")
    assert (specific.retry_flag, specific.retry_delay_secs, specific.source) == (True, 60, "workflow")
    assert (general.retry_flag, general.severity) == (False, "MAJOR")
    unknown = bundle.registry.resolve_error(other.workflowid, "NOPE", business=True)
    assert (unknown.severity, unknown.business_flag) == ("MAJOR", True)


def test_resolve_delay_falls_back() -> None:
    errdef = parse_errdef({"error": "A", "description": "d", "retry_flag": "yes"}).errdef
    assert isinstance(errdef, ErrDef)
    assert resolve("A", None, errdef, workflow_delay=None, default_delay=300).retry_delay_secs == 300
    assert resolve("A", errdef, None, workflow_delay=20).retry_delay_secs == 20
