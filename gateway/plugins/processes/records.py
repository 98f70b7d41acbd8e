"""Rows of the plugin's tables -> the JSON records of processes.md §3 (field names exactly as specified).

Pure shaping: no I/O. Timestamps are UTC with a `Z` suffix and second precision.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any


def ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def process_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "uid": row["uid"], "value": row["value"], "slug": row["slug"], "name": row["name"],
        "description": row["description"], "help": row["help"], "isReport": bool(row["is_report"]),
        "isActive": bool(row["is_active"]), "source": row["source"], "handler": row["handler"],
        "handlerMissing": bool(row["handler_missing"]), "allowConcurrent": bool(row["allow_concurrent"]),
        "recordRequired": bool(row["record_required"]), "version": row["version"],
        "created": ts(row["created"]), "updated": ts(row["updated"]), "modifier": row["modifier"],
        "model-name": "ad_process",
    }  # fmt: skip


def effective_parameters(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Declared parameters with API defaults applied and fixed ones flagged (detail `parameters`)."""
    defaults, fixed = definition.get("defaults") or {}, definition.get("fixed") or {}
    out = []
    for p in definition.get("parameters") or []:
        item = dict(p)
        name = item["parameterName"]
        item["fixed"] = name in fixed
        if name in fixed:
            item["defaultValue"] = fixed[name]
        elif name in defaults:
            item["defaultValue"] = defaults[name]
        out.append(item)
    return out


def version_record(row: Mapping[str, Any], latest: int, *, detail: bool) -> dict[str, Any]:
    record = {
        "processUid": row["process_uid"], "version": row["version"],
        "changeDescription": row["change_description"], "created": ts(row["created"]),
        "modifier": row["modifier"], "isNotLatestVersion": row["version"] != latest,
    }  # fmt: skip
    if detail:
        record["definition"] = row["definition"]
    return record


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    return value


def log_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"date": ts(row["created"]), "number": _number(row["number"]), "msg": row["msg"]}


def instance_record(
    row: Mapping[str, Any],
    logs: Sequence[Mapping[str, Any]] = (),
    files: Mapping[str, Mapping[str, Any] | None] | None = None,
    *,
    inline_max: int = 10 * 1024 * 1024,
) -> dict[str, Any]:
    """Instance JSON (processes.md §3.3); `files` (report/export rows with content) only for details."""
    status = row["status"]
    record: dict[str, Any] = {
        "AD_PInstance_ID": row["id"], "id": row["id"], "uid": row["uid"], "process": row["process"],
        "processUid": row["process_uid"], "processVersion": row["process_version"], "status": status,
        "processing": status in ("queued", "running"), "isRunAsJob": bool(row["is_run_as_job"]),
        "isError": bool(row["is_error"]), "summary": row["summary"], "nodeId": row["node_id"],
        "logs": [log_record(lg) for lg in logs], "parameters": row["params"] or {},
        "modelName": row["model_name"], "tableId": row["table_id"], "recordId": row["record_id"],
        "reportType": row["report_type"], "isSummary": row["is_summary"],
        "printFormatId": row["print_format_id"],
        "notificationType": row["notification_type"], "notificationStatus": row["notification_status"],
        "scheduleId": row["schedule_id"], "user": row["user_name"], "userId": row["user_id"],
        "client": row["client_name"], "clientId": row["client_id"], "roleId": row["role_id"],
        "orgId": row["org_id"], "since": ts(row["since"]), "started": ts(row["started"]),
        "finished": ts(row["finished"]), "model-name": "ad_pinstance",
    }  # fmt: skip
    if row["data"] is not None:
        record["data"] = row["data"]
    for kind in ("report", "export"):
        file = (files or {}).get(kind)
        if file is not None:
            record.update(_file_fields(kind, file, inline_max))
    return record


def _file_fields(kind: str, file: Mapping[str, Any], inline_max: int) -> dict[str, Any]:
    content = file.get("content")
    inline = content is not None and file["length"] <= inline_max
    return {
        f"{kind}File": base64.b64encode(content).decode("ascii") if inline else None,
        f"{kind}FileName": file["name"], f"{kind}FileLength": file["length"], f"{kind}FileId": file["id"],
    }  # fmt: skip


def run_result(record: Mapping[str, Any]) -> dict[str, Any]:
    """The R1 answer: the seed's run-result fields (processes.md §5.4) taken from the instance record."""
    keys = ["AD_PInstance_ID", "process", "summary", "isError", "nodeId", "logs", "status"]
    keys += [k for k in ("data",) if k in record]
    for kind in ("report", "export"):
        if f"{kind}FileName" in record:
            keys += [f"{kind}File", f"{kind}FileName", f"{kind}FileLength", f"{kind}FileId"]
    return {k: record[k] for k in keys}


def file_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "name": row["name"], "contentType": row["content_type"], "length": row["length"],
        "sha256": row["sha256"], "instanceId": row["instance_id"], "userId": row["user_id"],
        "clientId": row["client_id"], "created": ts(row["created"]), "expires": ts(row["expires"]),
    }  # fmt: skip


def notice_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "userId": row["user_id"], "created": ts(row["created"]), "title": row["title"],
        "message": row["message"], "instanceId": row["instance_id"], "isError": bool(row["is_error"]),
        "fileIds": row["file_ids"] or [],
    }  # fmt: skip


def schedule_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "uid": row["uid"], "name": row["name"], "process": row["process"],
        "processId": row["process_id"], "payload": row["payload"] or {}, "cron": row["cron"],
        "intervalSeconds": row["interval_seconds"], "timezone": row["timezone"],
        "startAt": ts(row["start_at"]), "expiresAt": ts(row["expires_at"]),
        "isActive": bool(row["is_active"]),
        "notificationType": row["notification_type"], "runAs": row["run_as"], "nextRun": ts(row["next_run"]),
        "lastRun": ts(row["last_run"]), "lastInstanceId": row["last_instance_id"],
        "lastOutcome": row["last_outcome"], "created": ts(row["created"]), "updated": ts(row["updated"]),
    }  # fmt: skip
