"""Marshmallow argument schemas of the orders actions (plugins.md §3.3); unknown names are refused.

Arguments whose failures have a specific code (ORDER-DATA-ERROR, PRIORITY-ERROR, NOTE-REQUIRED, …) are
taken raw here and checked by the service, so the specific code wins over VALIDATION-ERROR.
"""

from __future__ import annotations

from gateway.core import Args, Bool, Integer, List, String, Timestamp, fields


class CreateArgs(Args):
    staticdata = fields.Raw(allow_none=True)
    external_order_instanceid = fields.Raw(allow_none=True)
    dynamicdata = fields.Raw(allow_none=True)
    orderkeys = fields.Raw(allow_none=True)
    global_unique_key = fields.Raw(allow_none=True)
    workflow_specific_unique_key = fields.Raw(allow_none=True)
    workflow_unique_key = fields.Raw(allow_none=True)
    parent_workflow_instanceid = fields.Raw(allow_none=True)
    priority = fields.Raw()
    scheduled = fields.Raw(allow_none=True)
    status = fields.Raw()
    sensitive_data = fields.Raw(allow_none=True)


class ExecArgs(CreateArgs):
    options = fields.Raw(allow_none=True)


class OptionsArgs(Args):
    options = fields.Raw(allow_none=True)


class RescheduleArgs(Args):
    date = Timestamp(allow_none=True)


class PriorityArgs(Args):
    priority = fields.Raw()


class SkipArgs(Args):
    stepid = Integer(required=True)
    ind = fields.Raw(load_default=0)
    noretry = Bool(load_default=False)


class NoteArgs(Args):
    note = fields.Raw(allow_none=True)


class NotesListArgs(Args):
    limit = String()
    offset = String()
    sort = String()
    desc = String()


class DataArgs(Args):
    newdata = fields.Raw(allow_none=True)


class SensitiveArgs(Args):
    skey = fields.Raw()
    svalue = fields.Raw()
    data = fields.Raw(allow_none=True)
    aliases = fields.Raw(allow_none=True)
    meta = fields.Raw(allow_none=True)


class SensitiveKeyArgs(Args):
    skey = fields.Raw()
    svalue = fields.Raw()


class KeysArgs(Args):
    orderkeys = fields.Raw(required=True)
    truncate = Bool(load_default=False)


class AsyncArgs(Args):
    stepid = Integer(required=True)
    ind = Integer(load_default=0)
    data = fields.Raw(allow_none=True)
    error = fields.Raw(allow_none=True)


class BulkArgs(Args):
    ids = List(Integer())


class EventArgs(Args):
    eventkey = fields.Raw()


class HoldArgs(Args):
    keepStatus = Bool(load_default=False)  # noqa: N815 - the wire name


class SearchArgs(Args):
    status = List(String())
    statuses = List(String())
    workflowid = List(Integer())
    wfid = List(Integer())
    workflow_instanceid = List(Integer())
    ids = List(Integer())
    keyname = String()
    key = String()
    keyvalue = List(String())
    modified = Timestamp()
    date = Timestamp()
    maxmodified = Timestamp()
    minstarted = Timestamp()
    maxstarted = Timestamp()
    limit = String()
    offset = String()
    sort = String()
    desc = String()


class ErrorSearchArgs(Args):
    error = List(String())
    description = List(String())
    info = List(String())
    stepid = List(Integer())
    severity = List(String())
    name = List(String())
    version = List(String())
    retry = Bool()
    business_error = Bool()
    workflow_instanceid = List(Integer())
    error_instanceid = List(Integer())
    mindate = Timestamp()
    maxdate = Timestamp()
    workflowid = List(Integer())
    workflowstatus = List(String())
    orderby = String()
    limit = String()
    offset = String()


class OverviewArgs(Args):
    date = Timestamp()
    sqlcache = fields.Raw()


class SummaryArgs(Args):
    mindate = Timestamp()
    maxdate = Timestamp()
    wfids = List(Integer())
    seconds = Bool(load_default=False)
    globl = Bool(data_key="global", load_default=False)
    grouping = String()


class SensitiveSearchArgs(Args):
    skey = String()
    svalue = String()
    desc = Bool()
    maxmodified = Timestamp()
    maxstarted = Timestamp()
    minstarted = Timestamp()
    modified = Timestamp()
    limit = Integer()
    offset = Integer()
    sort = String()
    status = List(String())
    workflow_instanceid = List(Integer())
    workflowid = List(Integer())
    workflowname = String()


class PurgeArgs(Args):
    skey = String()
    svalue = String()
    maxmodified = Timestamp()
    maxstarted = Timestamp()
    minstarted = Timestamp()
    modified = Timestamp()
    status = List(String())
    workflow_instanceid = List(Integer())
    workflowid = List(Integer())
    workflowname = String()
    force = Bool(load_default=False)
