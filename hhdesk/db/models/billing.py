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
    payer_code: Mapped[str] = mapped_column(String(20), default="")  # claim files: the payer the file is for
    late_reason: Mapped[str] = mapped_column(Text, default="")  # why months past the filing limit were sent
    correction: Mapped[bool] = mapped_column(default=False)  # a file of replacement or void claims


class BillingClaim(Base):
    """One claim in a claim file, and what the payer said about it since (999, 277CA, 835)."""

    __tablename__ = "billing_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("billing_runs.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    medicaid_id: Mapped[str] = mapped_column(String(20))
    service_month: Mapped[str] = mapped_column(String(7), index=True)
    claim_id: Mapped[str] = mapped_column(String(20), index=True)  # CLM01, the patient control number
    transaction_set: Mapped[str] = mapped_column(String(9), default="0001")  # ST02 of the set holding it
    frequency: Mapped[str] = mapped_column(String(1), default="1")  # CLM05-3: 1 original, 7 replace, 8 void
    payer_code: Mapped[str] = mapped_column(String(20), default="")
    rate_code: Mapped[str] = mapped_column(String(10), default="")
    amount: Mapped[str] = mapped_column(String(20), default="0.00")
    original_claim_id: Mapped[int | None] = mapped_column(ForeignKey("billing_claims.id"))
    payer_claim_number: Mapped[str] = mapped_column(String(50), default="")  # from the 277CA or 835
    status: Mapped[str] = mapped_column(String(20), default="sent")
    status_detail: Mapped[str] = mapped_column(Text, default="")
    paid_amount: Mapped[str] = mapped_column(String(20), default="")
    status_at: Mapped[datetime | None]


class BillingResponseFile(Base):
    """An imported 999, 277CA or 835 file: kept by its hash so the same file is not applied twice."""

    __tablename__ = "billing_response_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # 999 | 277CA | 835
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(Text, default="")
