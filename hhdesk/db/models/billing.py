"""Billing runs: every export of a month, so that a month is not billed twice by accident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hhdesk.db.models.base import Base, utcnow


class BillingRun(Base):
    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    format: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str] = mapped_column(String(64))
    member_months: Mapped[int] = mapped_column(default=0)
    billable_count: Mapped[int] = mapped_column(default=0)
    total_amount: Mapped[str] = mapped_column(String(20), default="0.00")
    interchange_control_number: Mapped[int | None]
    group_control_number: Mapped[int | None]
    repeat_reason: Mapped[str] = mapped_column(Text, default="")
