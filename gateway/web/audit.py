"""Blueprint GET /api/v1/audit: the audit rows as a list over the core entity set `audit` (plugins.md §10).

A thin view: permission `audit.read`, then `Gateway.list`; no SQL here.
"""

from __future__ import annotations

from flask import Blueprint, Response

from gateway.auth import current_actor
from gateway.web.edge import raw_request, state, to_response

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit")
AUDIT_PERMISSION = "audit.read"


@bp.get("")
def list_audit() -> Response:
    actor = current_actor()
    gateway = state().extras["gateway.facade"]
    gateway.require(actor, AUDIT_PERMISSION)
    return to_response(gateway.list("audit", raw_request(), actor))
