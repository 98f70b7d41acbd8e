"""List resources of the plugin over the query core (plugins.md §4): processes, versions, instances,
schedules, files and notices.

Declarations only: public field name -> column. Processes and versions are global (tenantless; the plugin's
`row_scope` applies the access scope); runtime rows are tenant-owned through `client_id`.
"""

from __future__ import annotations

from gateway import core
from gateway.plugins.processes.tables import ProcessTables


def entity_sets(t: ProcessTables) -> list[core.EntitySetSpec]:
    p, i = t.process, t.instance
    processes = core.EntitySetSpec(
        name="processes", table=p, key="id", tenantless=True, default_orderby="value", aliases="page",
        fields={
            "id": "id", "uid": "uid", "value": "value", "slug": "slug", "name": "name",
            "description": "description", "help": "help", "isReport": "is_report", "isActive": "is_active",
            "source": "source", "handler": "handler", "handlerMissing": "handler_missing",
            "allowConcurrent": "allow_concurrent", "recordRequired": "record_required", "version": "version",
            "created": "created", "updated": "updated", "modifier": "modifier",
        },
    )  # fmt: skip
    instances = core.EntitySetSpec(
        name="process-instances", table=i, key="id", tenant_column="client_id", default_orderby="id desc",
        fields={
            "AD_PInstance_ID": "id", "id": "id", "uid": "uid", "process": "process",
            "processUid": "process_uid",
            "processVersion": "process_version", "status": "status", "isRunAsJob": "is_run_as_job",
            "isError": "is_error", "summary": "summary", "nodeId": "node_id", "scheduleId": "schedule_id",
            "notificationType": "notification_type", "modelName": "model_name", "recordId": "record_id",
            "reportType": "report_type", "user": "user_name", "userId": "user_id", "clientId": "client_id",
            "roleId": "role_id", "orgId": "org_id", "since": "since", "started": "started",
            "finished": "finished", "reportFileId": "report_file_id", "exportFileId": "export_file_id",
        },
    )  # fmt: skip
    return [processes, instances, *_more_sets(t)]


def _more_sets(t: ProcessTables) -> list[core.EntitySetSpec]:
    v, s, f, n = t.version, t.schedule, t.file, t.notice
    versions = core.EntitySetSpec(
        name="process-versions", table=v, key="version", tenantless=True, default_orderby="version desc",
        aliases="page",
        fields={"processUid": "process_uid", "version": "version", "changeDescription": "change_description",
                "created": "created", "modifier": "modifier"},
    )  # fmt: skip
    schedules = core.EntitySetSpec(
        name="process-schedules", table=s, key="id", tenant_column="client_id", default_orderby="id",
        fields={
            "id": "id", "uid": "uid", "name": "name", "process": "process", "processId": "process_id",
            "payload": "payload", "cron": "cron", "intervalSeconds": "interval_seconds",
            "timezone": "timezone",
            "startAt": "start_at", "expiresAt": "expires_at", "isActive": "is_active",
            "notificationType": "notification_type", "runAs": "run_as", "nextRun": "next_run",
            "lastRun": "last_run", "lastInstanceId": "last_instance_id", "lastOutcome": "last_outcome",
            "created": "created", "updated": "updated",
        },
    )  # fmt: skip
    files = core.EntitySetSpec(
        name="files", table=f, key="id", tenant_column="client_id", default_orderby="created desc",
        fields={"id": "id", "name": "name", "contentType": "content_type", "length": "length",
                "sha256": "sha256", "instanceId": "instance_id", "userId": "user_id", "clientId": "client_id",
                "created": "created", "expires": "expires"},
    )  # fmt: skip
    notices = core.EntitySetSpec(
        name="process-notices", table=n, key="id", tenant_column="client_id", default_orderby="id desc",
        fields={"id": "id", "userId": "user_id", "created": "created", "title": "title", "message": "message",
                "instanceId": "instance_id", "isError": "is_error", "fileIds": "file_ids"},
    )  # fmt: skip
    return [versions, schedules, files, notices]
