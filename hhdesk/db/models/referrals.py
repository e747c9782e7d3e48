"""Closed-loop referrals to community and social supports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hhdesk.db.clinical_text import ClinicalText
from hhdesk.db.models.base import Base, Versioned, utcnow


class Referral(Versioned, Base):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    directory_entry_id: Mapped[int] = mapped_column(ForeignKey("directory_entries.id"), index=True)
    category: Mapped[str] = mapped_column(String(30), index=True)
    reason: Mapped[str] = mapped_column(ClinicalText("referrals.reason"), default="")
    need: Mapped[str] = mapped_column(ClinicalText("referrals.need"), default="")
    request: Mapped[str] = mapped_column(ClinicalText("referrals.request"), default="")
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("care_plan_goals.id", ondelete="SET NULL"))
    sent_on: Mapped[date]
    sent_how: Mapped[str] = mapped_column(String(20), default="letter")
    status: Mapped[str] = mapped_column(String(20), default="sent", index=True)
    status_on: Mapped[date]
    follow_up_on: Mapped[date | None] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(ClinicalText("referrals.outcome"), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    changes: Mapped[list[ReferralStatusChange]] = relationship(
        order_by="ReferralStatusChange.id", cascade="all, delete-orphan"
    )


class ReferralStatusChange(Base):
    __tablename__ = "referral_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    changed_on: Mapped[date]
    note: Mapped[str] = mapped_column(ClinicalText("referral_status_changes.note"), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
