"""Blueprint /odata: an OData v4 service over the gateway's query core, for Excel, Power BI and Tableau.

Thin views: resolve the actor (bearer or Basic), the entity model and the resource path, then hand over
to `feed` (planner + executor) and `csdl`. Same scope, permissions and limits as /api/v1/models.
TODO(layering): move to gateway/plugins/odata once gateway.core exposes list/get with plans #odata
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import orjson
from flask import Blueprint, Response, redirect, request

from gateway.errors import InvalidId, TableNotFound
from gateway.pipeline.types import RawRequest
from gateway.web.edge import raw_request, state
from gateway.web.odata import csdl, options
from gateway.web.odata.basic import odata_actor
from gateway.web.odata.edm import ODataModel, ODataSet, model_for
from gateway.web.odata.feed import EntityEncoder, ReadInputs, read_entities

bp = Blueprint("odata", __name__, url_prefix="/odata")
JSON_TYPE = "application/json;odata.metadata=minimal;IEEE754Compatible=false"
_ENTITY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\((.+)\)$")


@bp.after_request
def _odata_headers(response: Response) -> Response:
    response.headers["OData-Version"] = "4.0"
    return response


def service_root() -> str:
    """Absolute service root; honours X-Forwarded-* when GATEWAY_TRUSTED_PROXY_HOPS trusts the proxy."""
    return f"{request.url_root}odata/"


def _odata_json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status=status, content_type=JSON_TYPE)


def _model() -> tuple[ReadInputs, ODataModel]:
    st = state()
    actor = odata_actor(st)
    catalog = st.catalog.current()
    settings = st.runtime.for_client(actor.client_id)
    inputs = ReadInputs(catalog, actor, settings, st.databases.data, st.clock.now(), st.skip_tokens)
    return inputs, model_for(catalog, actor.policy, st.extras.setdefault("odata.models", {}))


@bp.get("")
def root_redirect() -> Response:
    """BI tools are given the URL without the slash; the Location is absolute (proxy-aware)."""
    return redirect(service_root(), code=301)  # type: ignore[return-value]


@bp.get("/")
def service_document() -> Response:
    _check_format()
    _, model = _model()
    return _odata_json(csdl.service_document(model, service_root()))


@bp.get("/$metadata")
def metadata() -> Response:
    _, model = _model()
    if _wants_json_metadata():
        return _odata_json(csdl.metadata_json(model))
    return Response(csdl.metadata_xml(model), content_type="application/xml;charset=utf-8")


def _wants_json_metadata() -> bool:
    fmt = request.args.get("$format", "").split(";")[0].strip().lower()
    if fmt:
        return fmt in ("json", "application/json")
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "xml" not in accept


def _check_format() -> None:
    if request.args.get("$format"):
        options.check_format(request.args["$format"])


@bp.get("/<resource>")
def resource(resource: str) -> Response:
    inputs, model = _model()
    match = _ENTITY.match(resource)
    if match is None:
        return _feed(inputs, model, _set(model, resource))
    return _entity(inputs, model, _set(model, match.group(1)), _key_literal(match.group(2)))


@bp.get("/<name>/$count")
def count(name: str) -> Response:
    inputs, model = _model()
    oset = _set(model, name)
    args = [(k, v) for k, v in request.args.items(multi=True) if k.lower() in ("$filter",)]
    raw = _raw_with([*args, ("$top", "1"), ("$count", "true")])
    _, result, _ = read_entities(inputs, oset, raw, None)
    return Response(str(result.row_count), content_type="text/plain;charset=utf-8")


def _set(model: ODataModel, name: str) -> ODataSet:
    oset = model.find(name)
    if oset is None:
        raise TableNotFound(f"Entity set {name} not found")
    return oset


def _key_literal(text: str) -> str:
    """`1000`, `'abc'` or `Name=1000` -> the key text the pipeline parses (integer or UUID)."""
    value = text.partition("=")[2] if "=" in text else text
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        value = value[1:-1].replace("''", "'")
    if not value or "," in value:
        raise InvalidId(f"'{text}' is not a single key value")
    return value


def _raw_with(args: list[tuple[str, str]]) -> RawRequest:
    return dataclasses.replace(raw_request(), args=tuple(args), body=b"")


def _feed(inputs: ReadInputs, model: ODataModel, oset: ODataSet) -> Response:
    feed = options.translate(request.args.items(multi=True), oset, model, keyset=oset.entity.key is not None)
    args = list(feed.args) if feed.top != 0 else [*_without_top(feed.args), ("$top", "1")]
    plan, result, token = read_entities(inputs, oset, _raw_with(args), None)
    encoder = EntityEncoder(plan, result.level, model, inputs.settings.db_timezone)
    root = service_root()
    body: dict[str, Any] = {"@odata.context": f"{root}$metadata#{oset.name}"}
    if feed.count:
        body["@odata.count"] = result.row_count
    body["value"] = [encoder.encode(row) for row in result.level.rows] if feed.top != 0 else []
    served = len(body["value"])
    link = options.next_link(root + oset.name, feed, plan.page.size, served, result.row_count, token)
    if link is not None:
        body["@odata.nextLink"] = link
    return _odata_json(body)


def _without_top(args: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """OData's $top=0 means no rows (the pipeline's means the page cap); the count is still wanted."""
    return [(k, v) for k, v in args if k.lower() != "$top"]


def _entity(inputs: ReadInputs, model: ODataModel, oset: ODataSet, key: str) -> Response:
    if not oset.addressable:
        raise InvalidId(f"{oset.name} has no single-column key")
    feed = options.translate(request.args.items(multi=True), oset, model)
    args = [(k, v) for k, v in feed.args if k.lower() in ("$select", "$expand")]
    plan, result, _ = read_entities(inputs, oset, _raw_with(args), key)
    encoder = EntityEncoder(plan, result.level, model, inputs.settings.db_timezone)
    body = {"@odata.context": f"{service_root()}$metadata#{oset.name}/$entity"}
    body.update(encoder.encode(result.level.rows[0]))
    return _odata_json(body)
