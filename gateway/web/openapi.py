"""Blueprint: /api/v1/openapi.json (OpenAPI 3, built with apispec + marshmallow) and /api/v1/docs (Swagger UI
served from the swagger-ui-bundle package, no CDN).

Anonymous callers get the generic API only; with a session token the document adds one path and one
record schema per table the role can read (security.md §10). Built from the catalog; no database I/O.
"""

from __future__ import annotations

from typing import Any

import orjson
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, current_app, request, send_from_directory
from marshmallow import Schema, fields

from gateway import __version__
from gateway.actor import Actor
from gateway.auth import current_actor
from gateway.catalog.model import ColumnKind, EntitySet
from gateway.errors import GatewayError
from gateway.web.edge import state
from gateway.web.openapi_plugins import plugin_paths

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")
_OPTIONS = ("$filter", "$select", "$orderby", "$top", "$skip", "$skiptoken", "$expand", "$count", "$format")
_FIELDS = {
    ColumnKind.STRING: fields.String, ColumnKind.INTEGER: fields.Integer,
    ColumnKind.DECIMAL: fields.Decimal, ColumnKind.FLOAT: fields.Float,
    ColumnKind.BOOLEAN: fields.Boolean, ColumnKind.YESNO: fields.Boolean,
    ColumnKind.DATE: fields.Date, ColumnKind.DATETIME: fields.DateTime,
    ColumnKind.DATETIME_TZ: fields.DateTime, ColumnKind.TIME: fields.Time,
    ColumnKind.GUID: fields.UUID, ColumnKind.BINARY: fields.String, ColumnKind.JSON: fields.Raw,
}  # fmt: skip


class ProblemSchema(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    position = fields.Integer()
    parameter = fields.String()


class FkSchema(Schema):
    propertyLabel = fields.String()
    id = fields.Raw()
    identifier = fields.String(allow_none=True)
    model_name = fields.String(data_key="model-name")


class EnvelopeSchema(Schema):
    page_count = fields.Integer(data_key="page-count")
    records_size = fields.Integer(data_key="records-size")
    skip_records = fields.Integer(data_key="skip-records")
    row_count = fields.Integer(data_key="row-count")
    records = fields.List(fields.Dict())
    array_count = fields.Integer(data_key="array-count")


class LoginSchema(Schema):
    userName = fields.String(required=True)
    password = fields.String(required=True)
    parameters = fields.Dict()


@bp.get("/openapi.json")
def openapi_json() -> Response:
    actor = _optional_actor()
    spec = build_spec(actor, state().catalog.current().listed() if actor is not None else ())
    for path, operations in plugin_paths(current_app, _errors()).items():
        spec["paths"].setdefault(path, {}).update(operations)
    return Response(orjson.dumps(spec), content_type="application/json")


@bp.get("/docs")
def docs() -> Response:
    return Response(_DOCS_PAGE, content_type="text/html; charset=utf-8")


@bp.get("/docs/static/<path:filename>")
def docs_static(filename: str) -> Response:
    import swagger_ui_bundle

    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=3600)


def _optional_actor() -> Actor | None:
    if not request.headers.get("Authorization"):
        return None
    try:
        return current_actor()
    except GatewayError:
        return None  # an invalid token gets the public document, as no token does


def build_spec(actor: Actor | None, entity_sets: tuple[EntitySet, ...]) -> dict[str, Any]:
    spec = APISpec("model-gateway", __version__, "3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.security_scheme("basic", {"type": "http", "scheme": "basic"})
    for name, schema in (("Problem", ProblemSchema), ("FkObject", FkSchema), ("Envelope", EnvelopeSchema)):
        spec.components.schema(name, schema=schema)
    spec.components.schema("Login", schema=LoginSchema)
    _generic_paths(spec)
    readable = [es for es in entity_sets if actor is not None and actor.policy.can_read(es.name)]
    for es in readable:
        _table_path(spec, es, actor)  # type: ignore[arg-type]
    return spec.to_dict()


def _errors() -> dict[str, Any]:
    problem = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    return {code: {"description": text, **problem} for code, text in
            (("400", "Invalid request"), ("401", "Not authenticated"), ("403", "Not allowed"),
             ("404", "Not found"))}  # fmt: skip


def _options() -> list[dict[str, Any]]:
    return [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in _OPTIONS]


def _json(ref: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _generic_paths(spec: APISpec) -> None:
    secured: list[dict[str, list[str]]] = [{"bearer": []}]
    table = {"name": "table", "in": "path", "required": True, "schema": {"type": "string"}}
    key = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    login = {"requestBody": {"required": True, **_json("Login")},
             "responses": {"200": {"description": "Tokens or client list"}, **_errors()}}  # fmt: skip
    spec.path("/api/v1/auth", operations={"post": {"summary": "Log in", "tags": ["auth"], **login}})
    spec.path("/api/v1/health", operations={"get": {"summary": "Health", "tags": ["operations"],
              "responses": {"200": {"description": "UP"}, "503": {"description": "DOWN"}}}})  # fmt: skip
    models = {"summary": "Readable tables", "tags": ["models"], "security": secured,
              "responses": {"200": {"description": "Models"}, **_errors()}}  # fmt: skip
    spec.path("/api/v1/models", operations={"get": models})
    envelope = {"200": {"description": "List envelope", **_json("Envelope")}, **_errors()}
    listing = {"summary": "List records of a table", "tags": ["models"], "security": secured,
               "parameters": [table, *_options()], "responses": envelope}  # fmt: skip
    spec.path("/api/v1/models/{table}", operations={"get": listing})
    record = {"summary": "One record", "tags": ["models"], "security": secured, "parameters": [table, key],
              "responses": {"200": {"description": "Record"}, **_errors()}}  # fmt: skip
    spec.path("/api/v1/models/{table}/{id}", operations={"get": record})
    odata = {"summary": "OData v4 service document", "tags": ["odata"],
             "security": [{"bearer": []}, {"basic": []}],
             "responses": {"200": {"description": "Entity sets"}, **_errors()}}  # fmt: skip
    spec.path("/odata/", operations={"get": odata})


def _table_path(spec: APISpec, es: EntitySet, actor: Actor) -> None:
    """A concrete path and record schema for a table the actor may read (denied columns left out)."""
    name = f"Record_{es.model_name}"
    attrs: dict[str, Any] = {}
    for info in es.columns:
        if actor.policy.is_denied(es.name, info.name):
            continue
        if info.parent is not None:
            attrs[info.name] = fields.Nested(FkSchema, allow_none=True)
        else:
            attrs[info.name] = _FIELDS.get(info.kind, fields.Raw)(allow_none=info.nullable)
    spec.components.schema(name, schema=Schema.from_dict(attrs, name=name))
    description = es.comment or f"Records of {es.name}"
    responses = {"200": {"description": f"Records of {es.name}", **_json("Envelope")}, **_errors()}
    operation = {"summary": f"List {es.name}", "description": description, "tags": ["tables"],
                 "security": [{"bearer": []}], "parameters": _options(), "responses": responses}  # fmt: skip
    spec.path(f"/api/v1/models/{es.model_name}", operations={"get": operation})


_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>model-gateway API</title>
<link rel="stylesheet" href="docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="docs/static/swagger-ui-bundle.js"></script>
<script>
// A session token may be given in the fragment (#token=...): it never reaches a server log.
const token = new URLSearchParams(location.hash.slice(1)).get("token");
window.ui = SwaggerUIBundle({
  url: "openapi.json", dom_id: "#swagger-ui", deepLinking: false,
  requestInterceptor: (req) => { if (token) { req.headers.Authorization = "Bearer " + token; } return req; },
});
</script></body></html>
"""
