"""The record of past exports (billing runs)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    BillingRun,
    User,
)
from hhdesk.domain.permissions import Permission
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.services.billing.labels import ExportFormat
from hhdesk.services.billing.read_models import BillingRunInfo, parse_month
from hhdesk.services.context import AppSession

# ---- history ------------------------------------------------------------------------------------------


def run_info(run: BillingRun, username: str | None) -> BillingRunInfo:
    return BillingRunInfo(
        id=run.id, service_month=run.service_month, format=run.format, created_at=run.created_at,
        created_by=username or "", file_name=run.file_name, sha256=run.file_sha256,
        member_months=run.member_months, billable_count=run.billable_count,
        total_amount=Decimal(run.total_amount or "0"), interchange_control_number=run.interchange_control_number,
        group_control_number=run.group_control_number, repeat_reason=run.repeat_reason or "",
        payer_code=run.payer_code or "", late_reason=run.late_reason or "", correction=bool(run.correction),
    )


def runs_of(session: Session, month: ServiceMonth | None = None,
          export_format: ExportFormat | None = None) -> list[BillingRunInfo]:
    query = (select(BillingRun, User.username).outerjoin(User, User.id == BillingRun.created_by_id)
             .order_by(BillingRun.created_at.desc(), BillingRun.id.desc()))
    if month is not None:
        query = query.where(BillingRun.service_month == str(month))
    if export_format is not None:
        query = query.where(BillingRun.format == export_format.value)
    return [run_info(run, username) for run, username in session.execute(query)]


def history(app: AppSession, month: str | ServiceMonth | None = None) -> list[BillingRunInfo]:
    """Past exports, newest first; of one month if given."""
    service_month = parse_month(month) if month is not None else None
    with app.read(Permission.BILLING) as session:
        return runs_of(session, service_month)
