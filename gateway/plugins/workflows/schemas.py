"""Argument schemas of the workflows plugin's endpoints (plugins.md §3.3, workflows.md §4.3, §5.3, §6).

Declarations only. Values whose failure has a plugin-specific code (autostart, deprecated, options, ids,
error-definition keys) are taken raw here and checked by the handlers, so the specific code wins.
"""

from __future__ import annotations

from marshmallow import INCLUDE, validate

from gateway.core import Args, Bool, Hash, Integer, List, String, Timestamp, fields


class ListArgs(Args):
    """The Qorus paging aliases; `Gateway.list` reads them from the request itself."""

    limit = fields.Raw()
    offset = fields.Raw()
    sort = fields.Raw()
    desc = fields.Raw()


class WorkflowListArgs(ListArgs):
    deprecated = Bool()
    list = Bool()
    short = Bool()
    date = Timestamp()
    sqlcache = fields.Raw()


class DetailArgs(Args):
    date = Timestamp()


class Document(Args):
    """A workflow definition document (§2.3); its keys are validated by the definition parser."""

    class Meta:
        unknown = INCLUDE


class ErrDefBody(Args):
    """An ErrDef body (§4.3); unknown keys are the parser's 400 ERROR-UPDATE-ERROR, not VALIDATION-ERROR."""

    class Meta:
        unknown = INCLUDE


class BulkArgs(Args):
    ids = List(String())


class AutostartArgs(Args):
    autostart = fields.Raw()


class BulkAutostartArgs(BulkArgs, AutostartArgs):
    pass


class DeprecatedArgs(Args):
    deprecated = fields.Raw()


class BulkDeprecatedArgs(BulkArgs, DeprecatedArgs):
    pass


class OptionsArgs(Args):
    options = fields.Raw()


class StartArgs(Args):
    count = Integer(validate=validate.Range(min=0))
    mode = String(validate=validate.OneOf(("NORMAL", "RECOVERY")))


class BulkStartArgs(BulkArgs, StartArgs):
    pass


class ErrorListArgs(ListArgs):
    errors = List(String())
    filter = String()
    wf = String()
    list = Bool()
    short = Bool()


class SearchArgs(ListArgs):
    errors = List(String(), required=True)


class AnswerBody(Args):
    message = String(allow_none=True, validate=validate.Length(max=2000))


class ForwardBody(AnswerBody):
    userTo = fields.Raw(allow_none=True)  # noqa: N815 - the seed's argument name


class ChoiceBody(AnswerBody):
    value = fields.Raw(allow_none=True)


class StartBody(Args):
    workflow = fields.Raw(required=True)
    model_name = String(data_key="model-name")
    table_id = Integer(data_key="table-id")
    record_id = fields.Raw(data_key="record-id", required=True)
    priority = Integer(validate=validate.Range(min=0, max=999))
    orderkeys = Hash()
    message = String(allow_none=True, validate=validate.Length(max=2000))
