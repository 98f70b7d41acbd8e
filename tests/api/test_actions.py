"""`?action=` dispatch (plugins.md §3): matching, 405/400 rules, argument merging, permissions, results."""

from __future__ import annotations

from typing import Any

import pytest

from gateway import core
from gateway.testing import make_test_app

SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-abcdefghijklmnop"
RULE = "/api/v1/things/<int:thing_id>"


class ThingArgs(core.Args):
    note = core.Hash()
    force = core.Bool()
    when = core.Timestamp()


class BulkArgs(core.Args):
    ids = core.List(core.Integer(), required=True)


def _get(args: dict[str, Any], actor: core.Actor, thing_id: int) -> Any:
    return {"id": thing_id, "user": actor.user_name}


def _retry(args: dict[str, Any], actor: core.Actor, thing_id: int) -> Any:
    return {"retried": thing_id, "args": {k: str(v) for k, v in args.items()}}


def _create(args: dict[str, Any], actor: core.Actor) -> Any:
    return core.Reply(201, "CREATED")


def _bulk(args: dict[str, Any], actor: core.Actor) -> Any:
    def one(ident: int) -> Any:
        if ident % 2:
            raise core.Conflict(f"thing {ident} is odd")
        return {"ok": ident}

    return core.gateway().bulk(args["ids"], one)


class ThingsPlugin:
    @core.hookimpl
    def register_actions(self) -> list[core.Action]:
        return [
            core.Action(RULE, "GET", None, _get, summary="read a thing"),
            core.Action(RULE, "PUT", "retry", _retry, permission="things.retry", args=ThingArgs),
            core.Action(RULE, "PUT", "createOrder", _retry, args=ThingArgs),
            core.Action("/api/v1/things", "POST", None, _create),
            core.Action("/api/v1/things", "PUT", "retry", _bulk, args=BulkArgs),
        ]

    @core.hookimpl
    def register_permissions(self) -> list[core.PermissionSpec]:
        return [
            core.PermissionSpec("things.retry", "retry things"),
            core.PermissionSpec("things.admin", "everything on things", implies=("things.*",)),
        ]


@pytest.fixture
def app(databases):  # type: ignore[no-untyped-def]
    return make_test_app({"secret_key": SECRET}, databases=databases, plugins=[ThingsPlugin()])


def test_actions_plain_verb_and_named_action(client, login_as) -> None:
    admin = login_as("SuperUser")
    assert client.get("/api/v1/things/7", headers=admin).get_json() == {"id": 7, "user": "SuperUser"}
    reply = client.put("/api/v1/things/7?action=retry", headers=admin)
    assert reply.status_code == 200
    assert reply.get_json()["retried"] == 7


def test_actions_need_authentication(client) -> None:
    assert client.put("/api/v1/things/7?action=retry").status_code == 401


def test_actions_case_insensitive_match(client, login_as) -> None:
    reply = client.put("/api/v1/things/7?action=CREATEORDER", headers=login_as("SuperUser"))
    assert reply.status_code == 200


def test_actions_unknown_name_is_invalid_action(client, login_as) -> None:
    reply = client.put("/api/v1/things/7?action=doSomething", headers=login_as("SuperUser"))
    body = reply.get_json()
    assert reply.status_code == 400 and body["type"] == "INVALID-ACTION"
    assert "createOrder" in body["detail"] and "retry" in body["detail"]


def test_actions_known_under_other_method_is_405(client, login_as) -> None:
    reply = client.get("/api/v1/things/7?action=retry", headers=login_as("SuperUser"))
    assert reply.status_code == 405
    assert reply.headers["Allow"] == "PUT"


def test_actions_absent_without_plain_handler_is_405(client, login_as) -> None:
    reply = client.put("/api/v1/things/7", headers=login_as("SuperUser"))
    assert reply.status_code == 405
    assert reply.headers["Allow"] == "GET"


def test_actions_repeated_action_is_invalid(client, login_as) -> None:
    reply = client.put("/api/v1/things/7?action=retry&action=retry", headers=login_as("SuperUser"))
    assert reply.get_json()["type"] == "INVALID-ACTION"


def test_actions_permission_checked_before_arguments(client, login_as) -> None:
    reply = client.put("/api/v1/things/7?action=retry&bogus=1", headers=login_as("GardenUser"))
    assert reply.status_code == 403 and reply.get_json()["type"] == "AUTHORIZATION-ERROR"


def test_actions_unknown_argument_is_validation_error(client, login_as) -> None:
    reply = client.put("/api/v1/things/7?action=retry&orderkey=1", headers=login_as("SuperUser"))
    body = reply.get_json()
    assert reply.status_code == 400 and body["type"] == "VALIDATION-ERROR"
    assert body["errors"][0]["field"] == "orderkey"


def test_actions_query_and_body_conflict(client, login_as) -> None:
    reply = client.put("/api/v1/things?action=retry&ids=1", json={"ids": [2]}, headers=login_as("SuperUser"))
    body = reply.get_json()
    assert reply.status_code == 400 and body["type"] == "VALIDATION-ERROR"
    assert body["errors"][0]["field"] == "ids"


def test_actions_lenient_values(client, login_as) -> None:
    query = "action=retry&force=YES&when=2026-01-15&note=%7B%22a%22%3A1%7D"
    reply = client.put(f"/api/v1/things/7?{query}", headers=login_as("SuperUser"))
    args = reply.get_json()["args"]
    assert args == {"force": "True", "when": "2026-01-15 00:00:00+00:00", "note": "{'a': 1}"}
    bad = client.put("/api/v1/things/7?action=retry&force=maybe", headers=login_as("SuperUser"))
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "force"


def test_actions_body_must_be_an_object(client, login_as) -> None:
    reply = client.put("/api/v1/things/7?action=retry", data="[1]", headers=login_as("SuperUser"))
    assert reply.get_json()["type"] == "BODY-ERROR"


def test_actions_reply_status(client, login_as) -> None:
    reply = client.post("/api/v1/things", headers=login_as("SuperUser"))
    assert reply.status_code == 201 and reply.get_json() == "CREATED"


def test_actions_bulk_partial_and_total_failure(client, login_as) -> None:
    admin = login_as("SuperUser")
    partial = client.put("/api/v1/things?action=retry&ids=2, 3,2", headers=admin)
    assert partial.status_code == 200
    assert partial.get_json() == {"2": {"ok": 2}, "3": "CONFLICT: thing 3 is odd"}
    failed = client.put("/api/v1/things?action=retry", json={"ids": [1, 3]}, headers=admin)
    body = failed.get_json()
    assert failed.status_code == 409 and body["type"] == "BULK-ERROR"
    assert body["results"] == {"1": "CONFLICT: thing 1 is odd", "3": "CONFLICT: thing 3 is odd"}


def test_actions_bulk_caps_ids(databases, login_as, client) -> None:
    admin = login_as("SuperUser")
    reply = client.put("/api/v1/things?action=retry&ids=", headers=admin)
    assert reply.status_code == 400 and reply.get_json()["type"] == "VALIDATION-ERROR"


def test_actions_duplicate_registration_is_a_startup_error(databases) -> None:
    from gateway.hooks.registry import PluginError

    class Twice:
        @core.hookimpl
        def register_actions(self) -> list[core.Action]:
            return [core.Action(RULE, "GET", None, _get)]

    with pytest.raises(PluginError, match="already registered"):
        make_test_app({"secret_key": SECRET}, databases=databases, plugins=[ThingsPlugin(), Twice()])
