"""Completion notifiers (processes.md §6, §9.2): a notice row for N/B, an e-mail for E/B.

A notifier is `(service, instance record) -> {channel: status}`; the plugin registers both, and another
plugin may offer more. E-mail uses stdlib smtplib and never changes the run's outcome.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

from gateway.plugins.processes import store
from gateway.plugins.processes.service import ProcessService


def notice_notifier(svc: ProcessService, record: dict[str, Any]) -> dict[str, str]:
    if record.get("notificationType") not in ("N", "B"):
        return {}
    file_ids = [record[k] for k in ("reportFileId", "exportFileId") if record.get(k)]
    with svc.uow() as uow:
        process = store.find_process(uow, svc.tables, _uid_ref(record["processUid"]))
        name = process["name"] if process else record["process"]
        store.insert_notice(uow, svc.tables, {
            "user_id": record["userId"], "client_id": record["clientId"], "created": svc.now(),
            "expires": _expires(svc), "title": f"{name} finished", "message": record["summary"],
            "instance_id": record["id"], "is_error": record["isError"], "file_ids": file_ids,
        })  # fmt: skip
    return {"notice": "created"}


def email_notifier(svc: ProcessService, record: dict[str, Any]) -> dict[str, str]:
    if record.get("notificationType") not in ("E", "B"):
        return {}
    url, address = str(svc.setting("smtp_url") or ""), record.get("userEmail")
    if not url or not address:
        return {"email": "skipped"}
    message = EmailMessage()
    message["From"], message["To"] = svc.setting("smtp_from"), address
    message["Subject"] = f"{record['process']} finished"
    message.set_content(record.get("summary") or "")
    try:
        _send(url, message)
    except (OSError, smtplib.SMTPException):
        return {"email": "failed"}
    return {"email": "sent"}


def _send(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    with smtplib.SMTP(parts.hostname or "localhost", parts.port or 25, timeout=30) as smtp:
        if parse_qs(parts.query).get("starttls") == ["1"]:
            smtp.starttls()
        if parts.username:
            smtp.login(parts.username, parts.password or "")
        smtp.send_message(message)


def _uid_ref(uid: str) -> Any:
    from gateway.plugins.processes.naming import Ref

    return Ref("uid", uid)


def _expires(svc: ProcessService) -> Any:
    days = int(svc.setting("file_retention_days") or 0)
    return svc.now() + timedelta(days=days) if days else None
