"""Gateway.get/update over reflected tables go through the models pipeline with the actor's rights."""

from __future__ import annotations

import pytest

from gateway import core
from gateway.actor import Actor, RolePolicy
from gateway.testing import make_test_app

SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-abcdefghijklmnop"


@pytest.fixture
def app(databases):  # type: ignore[no-untyped-def]
    return make_test_app({"secret_key": SECRET}, databases=databases)


def _actor(client_id: int, *, write: bool = True) -> Actor:
    tables = frozenset({"c_bpartner"})
    policy = RolePolicy(
        990, "t", client_id, read_tables=tables, write_tables=tables if write else frozenset()
    )
    return Actor(user_id=990, user_name="tester", client_id=client_id, role_id=990, org_id=0, policy=policy)


def test_facade_get_and_update_respect_rights_and_scope(app, client, login_as) -> None:
    records = client.get(
        "/api/v1/models/c_bpartner?$top=1&$filter=AD_Client_ID eq 11", headers=login_as("GardenAdmin")
    ).get_json()["records"]
    key = records[0]["id"]
    with app.test_request_context():
        gateway = core.gateway()
        assert gateway.get("c_bpartner", key, _actor(11))["id"] == key
        with pytest.raises(core.NotFound):
            gateway.get("c_bpartner", key, _actor(12))
        gateway.update("c_bpartner", key, {"Name": "via facade"}, _actor(11))
        assert gateway.get("c_bpartner", key, _actor(11))["Name"] == "via facade"
        with pytest.raises(core.Forbidden):
            gateway.update("c_bpartner", key, {"Name": "x"}, _actor(11, write=False))
