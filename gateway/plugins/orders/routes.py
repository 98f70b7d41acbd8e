"""Registration of the orders plugin's `?action=` handlers (plugins.md §3): one `Action` per (rule, method,
action) with its permission and argument schema. Handlers live in `handlers.py` and `reads.py`.
"""

from __future__ import annotations

from gateway.core import Action
from gateway.plugins.orders import facts as f
from gateway.plugins.orders import schemas as s
from gateway.plugins.orders.handlers import (
    STATUS_ARGS,
    STATUS_HANDLERS,
    add_note,
    async_result,
    bulk,
    create_order,
    edit_handler,
    exec_order,
    exec_workflow,
    list_notes,
    sensitive_handler,
)
from gateway.plugins.orders.reads import (
    detail,
    get_event,
    list_errors,
    list_events,
    list_orders,
    overview,
    post_event,
    processing_summary,
    purge_sensitive,
    search_sensitive,
    test_hold,
    test_release,
)

WORKFLOWS = "/api/v1/workflows"
WORKFLOW = "/api/v1/workflows/<id_or_name>"
ORDERS = "/api/v1/orders"
ORDER = "/api/v1/orders/<int:order_id>"
WF_ORDERS = "/api/v1/workflows/<id_or_name>/orders"
WF_ORDER = "/api/v1/workflows/<id_or_name>/orders/<int:order_id>"


# --- registration -----------------------------------------------------------------------------------


def _order_actions(rule: str) -> list[Action]:
    out = [Action(rule, "GET", None, detail, "orders.read")]
    out += [
        Action(rule, "PUT", name, handler, f.RULES[name].permission, STATUS_ARGS.get(name))
        for name, handler in STATUS_HANDLERS.items()
    ]
    note = s.NoteArgs
    out += [
        Action(rule, "POST", "execSynchronous", exec_order, "orders.exec_sync", s.OptionsArgs),
        Action(rule, "PUT", "lock", edit_handler("lock", lambda a: a.get("note")), "orders.lock", note),
        Action(rule, "PUT", "unlock", edit_handler("unlock", lambda a: a.get("note")), "orders.lock", note),
        Action(
            rule,
            "PUT",
            "breakLock",
            edit_handler("break_lock", lambda a: a.get("note")),
            "orders.break_lock",
            note,
        ),
        Action(rule, "POST", "notes", add_note, "orders.notes", note),
        Action(rule, "GET", "notes", list_notes, "orders.read", s.NotesListArgs),
    ]
    return out + _data_actions(rule)


def _data_actions(rule: str) -> list[Action]:
    """Data, YAML, sensitive-data, key, error and async actions of one order."""
    return [
        Action(
            rule,
            "PUT",
            "staticData",
            edit_handler("set_data", "staticdata", lambda a: a),
            "orders.edit_data",
            s.DataArgs,
        ),
        Action(
            rule,
            "PUT",
            "dynamicData",
            edit_handler("set_data", "dynamicdata", lambda a: a),
            "orders.edit_data",
            s.DataArgs,
        ),
        Action(rule, "GET", "yamlStaticData", edit_handler("get_yaml", "staticdata"), "orders.read"),
        Action(rule, "GET", "yamlDynamicData", edit_handler("get_yaml", "dynamicdata"), "orders.read"),
        Action(
            rule,
            "PUT",
            "yamlStaticData",
            edit_handler("set_yaml", "staticdata", lambda a: a.get("newdata")),
            "orders.edit_data",
            s.DataArgs,
        ),
        Action(
            rule,
            "PUT",
            "yamlDynamicData",
            edit_handler("set_yaml", "dynamicdata", lambda a: a.get("newdata")),
            "orders.edit_data",
            s.DataArgs,
        ),
    ] + _sensitive_actions(rule)


def _sensitive_actions(rule: str) -> list[Action]:
    """Sensitive-data, key, error and async actions of one order."""
    return [
        Action(
            rule,
            "PUT",
            "sensitiveData",
            sensitive_handler("put_sensitive"),
            "orders.sensitive.write",
            s.SensitiveArgs,
        ),
        Action(
            rule,
            "PUT",
            "yamlSensitiveData",
            sensitive_handler("put_yaml_sensitive"),
            "orders.sensitive.write",
            s.SensitiveArgs,
        ),
        Action(
            rule,
            "GET",
            "yamlSensitiveData",
            sensitive_handler("get_yaml_sensitive"),
            "orders.sensitive.read",
            s.SensitiveKeyArgs,
        ),
        Action(
            rule,
            "PUT",
            "updateKeys",
            edit_handler("update_keys", lambda a: a.get("orderkeys"), lambda a: a["truncate"]),
            "orders.edit_data",
            s.KeysArgs,
        ),
        Action(rule, "GET", "listErrors", list_errors, "orders.read", s.ErrorSearchArgs),
        Action(rule, "PUT", "asyncResult", async_result, "orders.async", s.AsyncArgs),
    ]


def actions() -> list[Action]:
    events = "/api/v1/sync-events/<event_type>"
    out = [
        Action(WORKFLOW, "POST", "createOrder", create_order, "orders.create", s.CreateArgs),
        Action(WORKFLOW, "POST", "execSynchronous", exec_workflow, "orders.create", s.ExecArgs),
        Action(WORKFLOW, "GET", "listErrors", list_errors, "orders.read", s.ErrorSearchArgs),
        Action(WORKFLOWS, "GET", "listErrors", list_errors, "orders.read", s.ErrorSearchArgs),
        Action(WORKFLOWS, "GET", "processingSummary", processing_summary, "orders.read", s.SummaryArgs),
        Action(ORDERS, "GET", None, list_orders, "orders.read", s.SearchArgs),
        Action(ORDERS, "GET", "listErrors", list_errors, "orders.read", s.ErrorSearchArgs),
        Action(ORDERS, "GET", "processingSummary", processing_summary, "orders.read", s.SummaryArgs),
        Action(
            ORDERS,
            "GET",
            "searchSensitiveData",
            search_sensitive,
            "orders.sensitive.read",
            s.SensitiveSearchArgs,
        ),
        Action(
            ORDERS, "DELETE", "purgeSensitiveData", purge_sensitive, "orders.sensitive.delete", s.PurgeArgs
        ),
        Action(WF_ORDERS, "GET", None, list_orders, "orders.read", s.SearchArgs),
        Action(WF_ORDERS, "GET", "overview", overview, "orders.read", s.OverviewArgs),
        Action(WF_ORDERS, "GET", "listErrors", list_errors, "orders.read", s.ErrorSearchArgs),
        Action(WF_ORDERS, "GET", "processingSummary", processing_summary, "orders.read", s.SummaryArgs),
        Action(events, "PUT", "post", post_event, "orders.events", s.EventArgs),
        Action(f"{events}/<eventkey>", "PUT", "post", post_event, "orders.events"),
        Action(f"{events}/<eventkey>", "GET", None, get_event, "orders.read"),
        Action("/api/v1/sync-events", "GET", None, list_events, "orders.read", s.NotesListArgs),
        Action("/api/v1/_test/orders/<int:order_id>", "PUT", "hold", test_hold, None, s.HoldArgs),
        Action("/api/v1/_test/orders/<int:order_id>", "PUT", "release", test_release, None),
    ]
    out += [
        Action(ORDERS, "PUT", name, bulk(name), f.RULES[name].permission, s.BulkArgs)
        for name in ("retry", "block", "unblock", "cancel", "uncancel")
    ]
    return [*out, *_order_actions(ORDER), *_order_actions(WF_ORDER)]
