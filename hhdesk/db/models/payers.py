"""The payers the agency bills (Medicaid fee-for-service and managed-care plans) and who pays each member."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hhdesk.db.models.base import Base, utcnow


class Payer(Base):
    """A payer in the agency's payer table: where its claim files go and how long it allows for them."""

    __tablename__ = "payers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # short name, also in file names
    name: Mapped[str] = mapped_column(String(100))  # 2010BB payer name
    payer_id: Mapped[str] = mapped_column(String(80))  # 2010BB payer identifier (PI)
    receiver_id: Mapped[str] = mapped_column(String(15))  # ISA08, GS03 and 1000B
    receiver_name: Mapped[str] = mapped_column(String(60))  # 1000B receiver name
    filing_limit_days: Mapped[int] = mapped_column(default=90)
    fee_for_service: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class MemberPayerPeriod(Base):
    """From effective_date until the next row's effective_date, the member's months are paid by this payer."""

    __tablename__ = "member_payer_periods"
    __table_args__ = (Index("ix_member_payers_member_effective", "member_id", "effective_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"))
    effective_date: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
