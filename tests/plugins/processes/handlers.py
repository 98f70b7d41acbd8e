"""Process handlers used only by the tests (P-23, P-24, P-25, P-63), offered through a test plugin."""

from __future__ import annotations

from typing import Any

from gateway import core


@core.process_handler(value="TestBoom", name="Boom", params=[core.Param("Note", "String")])
def boom(ctx: Any, p: dict[str, Any]) -> str:
    raise core.ProcessError("boom")


@core.process_handler(value="TestCrash", name="Crash")
def crash(ctx: Any, p: dict[str, Any]) -> str:
    return {}["missing"]  # type: ignore[no-any-return]


@core.process_handler(value="TestWriteFail", name="Write then fail", params=[core.Param("Value", "String")])
def write_fail(ctx: Any, p: dict[str, Any]) -> str:
    created = ctx.gateway.insert(
        "C_BPartner", {"Value": p["Value"], "Name": p["Value"], "AD_Client_ID": 11, "AD_Org_ID": 0}
    )
    ctx.gateway.get("C_BPartner", created["id"])  # visible inside the run's transaction
    raise core.ProcessError("written then failed")


@core.process_handler(value="TestWrite", name="Write", params=[core.Param("Value", "String")])
def write_ok(ctx: Any, p: dict[str, Any]) -> str:
    created = ctx.gateway.insert(
        "C_BPartner", {"Value": p["Value"], "Name": p["Value"], "AD_Client_ID": 11, "AD_Org_ID": 0}
    )
    return f"created {created['id']}"


@core.process_handler(
    value="TestExclusive", name="Exclusive", params=[core.Param("Key", "String")], allow_concurrent=False
)
def exclusive(ctx: Any, p: dict[str, Any]) -> str:
    return "ok"


class HandlerPlugin:
    """A plugin object: `register_processes` hookimpl returning the handlers above."""

    __name__ = "process-test-handlers"

    @core.hookimpl
    def register_processes(self) -> list[Any]:
        return [boom, crash, write_fail, write_ok, exclusive]
