"""The activities blueprint: the path-style `/api/v1/workflow/**` inbox of iDempiere (workflows.md §5.3).

Thin views: body schema -> inbox/activities services -> JSON. No SQL here; the answers' order of work and
the inbox conditions live in `activities.py` and `inbox.py`. This path style never reads `action`.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Response

from gateway import core
from gateway.plugins.workflows import inbox, schemas
from gateway.plugins.workflows.activities import Answer
from gateway.plugins.workflows.entity_sets import ACTIVITIES
from gateway.plugins.workflows.errors import UserToRequired, ValueRequired
from gateway.plugins.workflows.views import bundle, json_safe

bp = Blueprint("workflow_activities", __name__)
BASE = "/api/v1/workflow"
RESERVED = frozenset({"nodes", "approve", "reject", "forward", "acknowledge", "setuserchoice", "start"})


def _reply(result: Any, status: int = 200) -> Response:
    if isinstance(result, core.Reply):
        response = _reply(result.body, result.status)
        for name, value in dict(result.headers or {}).items():
            response.headers[name] = value
        return response
    return Response(orjson.dumps(json_safe(result)), status=status, mimetype="application/json")


def _body(schema: type[core.Args]) -> dict[str, Any]:
    raw = core.raw_request().body
    try:
        payload = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        raise core.BadRequest("The body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise core.BadRequest("The body must be a JSON object")
    return dict(schema().load(payload))


@bp.get(BASE)
def my_inbox() -> Response:
    actor = core.current_actor()
    return _reply(inbox.inbox(actor, inbox.inbox_user(bundle(), actor, str(actor.user_id))))


@bp.get(f"{BASE}/<userid>")
def user_inbox(userid: str) -> Response:
    actor = core.current_actor()
    if userid.lower() in RESERVED:
        raise core.NotFound(f"{BASE}/{userid} needs a node id")
    return _reply(inbox.inbox(actor, inbox.inbox_user(bundle(), actor, userid)))


@bp.get(f"{BASE}/nodes/<nodeid>")
def node(nodeid: str) -> Response:
    actor = core.current_actor()
    b = bundle()
    with b.gateway.unit_of_work() as uow:
        row = b.activities.load(uow, actor, nodeid)
    return _reply(core.gateway().record(ACTIVITIES, int(row.id), actor))


def _answer(nodeid: str, answer: Answer) -> Response:
    return _reply(bundle().activities.answer(core.current_actor(), nodeid, answer))


@bp.put(f"{BASE}/approve/<nodeid>")
def approve(nodeid: str) -> Response:
    return _answer(nodeid, Answer("approve", _body(schemas.AnswerBody).get("message")))


@bp.put(f"{BASE}/reject/<nodeid>")
def reject(nodeid: str) -> Response:
    return _answer(nodeid, Answer("reject", _body(schemas.AnswerBody).get("message")))


@bp.put(f"{BASE}/acknowledge/<nodeid>")
def acknowledge(nodeid: str) -> Response:
    return _answer(nodeid, Answer("acknowledge", _body(schemas.AnswerBody).get("message")))


@bp.put(f"{BASE}/forward/<nodeid>")
def forward(nodeid: str) -> Response:
    body = _body(schemas.ForwardBody)
    if body.get("userTo") in (None, ""):
        raise UserToRequired("userTo (a user id or name) is required")
    return _answer(nodeid, Answer("forward", body.get("message"), user_to=body["userTo"]))


@bp.put(f"{BASE}/setuserchoice/<nodeid>")
def set_user_choice(nodeid: str) -> Response:
    body = _body(schemas.ChoiceBody)
    if body.get("value") in (None, ""):
        raise ValueRequired("value is required")
    return _answer(nodeid, Answer("setuserchoice", body.get("message"), value=body["value"]))


@bp.post(f"{BASE}/start")
def start() -> Response:
    actor = core.current_actor()
    core.gateway().require(actor, inbox.START)
    return _reply(inbox.start(bundle(), actor, _body(schemas.StartBody)))
