"""Blueprint /api/v1/models: thin views that hand RawRequests to the pipeline.

Views read no query arguments themselves and build no SQL (architecture.md §9).
"""

from __future__ import annotations

from flask import Blueprint, Response

from gateway.actor import Actor
from gateway.auth import current_actor
from gateway.hooks.writes import write_hooks
from gateway.meta.valrules import find_rule
from gateway.pipeline import NATIVE_TIMES_JSON, ReadTarget, read
from gateway.pipeline.types import Action, HttpResult, RawRequest
from gateway.pipeline.writes import WriteTarget, write
from gateway.state import GatewayState
from gateway.web.edge import raw_request, state, to_response
from gateway.web.models_list import list_models

bp = Blueprint("models", __name__, url_prefix="/api/v1/models")


def _read(target: ReadTarget) -> Response:
    return to_response(read_records(state(), raw_request(), target, current_actor()), NATIVE_TIMES_JSON)


def read_records(st: GatewayState, raw: RawRequest, target: ReadTarget, actor: Actor) -> HttpResult:
    """One read through the pipeline; Flask-free, so that the read lane serves it too. The body is
    written with NATIVE_TIMES_JSON."""
    return read(
        raw,
        target,
        actor=actor,
        catalog=st.catalog.current(),
        settings=st.runtime.for_client(actor.client_id),
        source=st.databases.data,
        now=st.clock.now(),
        find_valrule=lambda ident: find_rule(st.databases.meta, st.meta.val_rule, ident, actor.client_id),
        cache=st.statements,
        json_records=True,
        parsed=st.options,
        prepared=st.prepared,
        skip_tokens=st.skip_tokens,
    )


def _write(target: WriteTarget, action: Action) -> Response:
    st = state()
    actor = current_actor()
    hooks = write_hooks(st.plugins, st.clock, "api")
    result = write(
        raw_request(),
        target,
        action,
        actor=actor,
        catalog=st.catalog.current(),
        settings=st.runtime.for_client(actor.client_id),
        source=st.databases.data,
        now=st.clock.now(),
        hooks=hooks,
    )
    if hooks is not None:
        hooks.committed()
    return to_response(result)


@bp.get("")
def index() -> Response:
    return to_response(list_models(raw_request(), current_actor(), state()))


@bp.get("/<table>")
def list_records(table: str) -> Response:
    return _read(ReadTarget(table))


@bp.post("/<table>")
def create_record(table: str) -> Response:
    return _write(WriteTarget(table), Action.INSERT)


@bp.get("/<table>/<key>")
def get_record(table: str, key: str) -> Response:
    return _read(ReadTarget(table, key))


@bp.route("/<table>/<key>", methods=["PUT", "PATCH"])
def update_record(table: str, key: str) -> Response:
    return _write(WriteTarget(table, key), Action.UPDATE)


@bp.delete("/<table>/<key>")
def delete_record(table: str, key: str) -> Response:
    return _write(WriteTarget(table, key), Action.DELETE)


@bp.get("/<table>/<key>/<column>")
def get_column(table: str, key: str, column: str) -> Response:
    return _read(ReadTarget(table, key, column))
