"""Versioned person-centred care plans: needs, goals, interventions, signatures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hhdesk.db.clinical_text import ClinicalText
from hhdesk.db.models.base import Base, Versioned, utcnow


class CarePlanVersion(Versioned, Base):
    __tablename__ = "care_plan_versions"
    __table_args__ = (UniqueConstraint("member_id", "version_no", name="member_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    version_no: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="draft")
    strengths: Mapped[str] = mapped_column(ClinicalText("care_plan_versions.strengths"), default="")
    preferences: Mapped[str] = mapped_column(ClinicalText("care_plan_versions.preferences"), default="")
    barriers: Mapped[str] = mapped_column(ClinicalText("care_plan_versions.barriers"), default="")
    member_signer_name: Mapped[str] = mapped_column(String(200), default="")
    member_signer_role: Mapped[str] = mapped_column(String(20), default="member")  # member | guardian
    member_signed_on: Mapped[date | None]
    care_manager_signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    care_manager_signed_on: Mapped[date | None]
    signature_method: Mapped[str] = mapped_column(String(20), default="")
    signature_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", ondelete="SET NULL")
    )
    # Signing date of the version: the later of the two signatures; drives billing and review.
    signed_on: Mapped[date | None] = mapped_column(index=True)
    review_due_on: Mapped[date | None]
    shared_with_pcp_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    needs: Mapped[list[CarePlanNeed]] = relationship(
        order_by="CarePlanNeed.position", cascade="all, delete-orphan"
    )


class CarePlanNeed(Base):
    __tablename__ = "care_plan_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("care_plan_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    domain: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(ClinicalText("care_plan_needs.description"))

    goals: Mapped[list[CarePlanGoal]] = relationship(
        order_by="CarePlanGoal.position", cascade="all, delete-orphan"
    )


class CarePlanGoal(Base):
    __tablename__ = "care_plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("care_plan_needs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(ClinicalText("care_plan_goals.text"))  # in the member's own words
    target_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="not_started")

    interventions: Mapped[list[CarePlanIntervention]] = relationship(
        order_by="CarePlanIntervention.position", cascade="all, delete-orphan"
    )


class CarePlanIntervention(Base):
    __tablename__ = "care_plan_interventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("care_plan_goals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    action: Mapped[str] = mapped_column(ClinicalText("care_plan_interventions.action"))
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responsible_team_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_team.id", ondelete="SET NULL")
    )
    responsible_label: Mapped[str] = mapped_column(String(200), default="")
    frequency: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
