"""Alerts: held settlements, sync blocks, unmapped types, missing settlements, task failures.

Every alert is logged (WARNING, prefixed `ALERT`) and stored in `ops.alerts`; when the flow configures a
webhook or an e-mail target it is sent there too. Alert texts carry ids, reasons and amounts, never a
secret or buyer data. Delivery failures are logged and never fail the task that raised the alert.
"""

from __future__ import annotations

import json
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from sellerledger import db
from sellerledger.flows.config import Flow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    flow_id: str
    kind: str
    subject: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"flow": self.flow_id, "kind": self.kind, "subject": self.subject, "detail": self.detail}


def raise_alert(flow: Flow, kind: str, subject: str, detail: str) -> Alert:
    alert = Alert(flow.id, kind, subject, detail)
    log.warning("ALERT [%s] %s: %s — %s", flow.id, kind, subject, detail)
    delivered = _deliver(flow, alert)
    try:
        with db.connect() as conn:
            conn.execute(
                "INSERT INTO ops.alerts (flow_id, kind, subject, detail, delivered) VALUES (%s, %s, %s, %s, %s)",
                (flow.id, kind, subject, detail, delivered),
            )
    except Exception:  # the alert is in the log already; storage trouble must not hide it
        log.exception("could not store the alert")
    return alert


def _deliver(flow: Flow, alert: Alert) -> list[str]:
    delivered: list[str] = []
    if flow.alerts.webhook_url:
        try:
            response = httpx.post(flow.alerts.webhook_url, json=alert.as_dict(), timeout=10.0)
            response.raise_for_status()
            delivered.append("webhook")
        except httpx.HTTPError as exc:
            log.error("alert webhook failed: %s", type(exc).__name__)
    if flow.alerts.email_to and flow.alerts.smtp_conn_id:
        try:
            _send_email(flow, alert)
            delivered.append("email")
        except Exception as exc:
            log.error("alert e-mail failed: %s", type(exc).__name__)
    return delivered


def _send_email(flow: Flow, alert: Alert) -> None:
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(flow.alerts.smtp_conn_id)
    message = EmailMessage()
    message["Subject"] = f"[sellerledger] {alert.flow_id}: {alert.subject}"
    message["From"] = conn.login or "sellerledger@localhost"
    message["To"] = ", ".join(flow.alerts.email_to)
    message.set_content(json.dumps(alert.as_dict(), indent=2))
    with smtplib.SMTP(conn.host or "localhost", conn.port or 25, timeout=15) as smtp:
        if conn.login and conn.password:
            smtp.starttls()
            smtp.login(conn.login, conn.password)
        smtp.send_message(message)


def on_task_failure(context: dict[str, Any]) -> None:
    """Airflow failure callback: one alert naming the DAG, task and the exception's type and message."""
    from sellerledger.flows.config import get_flow

    dag_id = str(context.get("dag").dag_id if context.get("dag") else context.get("dag_id", ""))
    flow_id = dag_id.removeprefix("sellerledger__")
    task_instance = context.get("task_instance") or context.get("ti")
    task_id = getattr(task_instance, "task_id", "?")
    exception = context.get("exception")
    try:
        flow = get_flow(flow_id)
    except (KeyError, ValueError):
        log.error("task %s.%s failed: %s", dag_id, task_id, exception)
        return
    raise_alert(flow, "task_failure", f"task {task_id} failed",
                f"{type(exception).__name__}: {exception}" if exception else "see the task log")
